import { Logger } from '@aws-lambda-powertools/logger';
import {
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { randomUUID } from 'node:crypto';
import { aircraftKey, membershipKey, registrationKey, reservationKey, roleKey, type ItemKey } from '../../domain/keys';
import { aircraftItem } from '../../domain/aircraft';
import { MEMBERSHIP_ONLY } from '../../domain/guard';
import { membershipItem, roleItem } from '../../domain/items';
import { ADMIN_ROLE_ID, ACTIONS, roleIdFromName } from '../../domain/permissions';
import { reservationItems, type Reservation } from '../../domain/reservations';
import { DETAIL_TYPE, EVENT_CATALOG, type DetailType } from '../../events/catalog';
import { createCreateAircraftHandler, createGetAircraftHandler, createUpdateAircraftHandler } from '../../handlers/api/aircraft/handler';
import type { ProxyEvent, ProxyResult } from '../../handlers/api/http';
import { createCancelReservationHandler, createCreateReservationHandler, createListReservationsHandler } from '../../handlers/api/reservations/handler';
import { accessDeniedReporter } from '../../handlers/shared/access';
import type { DataPlaneDeps } from '../../handlers/shared/data-plane';
import type { PublishEvent } from '../../handlers/shared/event-publisher';
import type { ScopedCredentials } from '../../handlers/shared/scoped-clients';
import { tenantSessions } from '../../handlers/shared/tenant-session';
import { DEMO_ROLES } from '../../local/seed';
import { apiEvent, fieldsOf, parse } from './api-fixtures';

/**
 * The data-plane handlers over an in-memory DynamoDB table: the production session (tenant-session.ts)
 * and guarded writer run unchanged on a fake client that answers the commands they send (GetItem,
 * Query, TransactWriteItems) as DynamoDB does, evaluating the condition and key expressions they
 * carry. The local tier runs the same handlers on DynamoDB Local.
 */

type Item = Record<string, AttributeValue>;
type Names = Record<string, string>;
type Values = Record<string, AttributeValue>;

class ValidationException extends Error {
  override name = 'ValidationException';
}

/** DynamoDB's ordering of two values of one type; undefined when they cannot be compared. */
function compare(left: AttributeValue | undefined, right: AttributeValue | undefined): number | undefined {
  if (left?.S !== undefined && right?.S !== undefined) return left.S < right.S ? -1 : left.S > right.S ? 1 : 0;
  if (left?.N !== undefined && right?.N !== undefined) return Math.sign(Number(left.N) - Number(right.N));
  if (left?.BOOL !== undefined && right?.BOOL !== undefined) return left.BOOL === right.BOOL ? 0 : Number.NaN;
  return undefined;
}

const COMPARATORS: Record<string, (order: number) => boolean> = { '=': (o) => o === 0, '<': (o) => o < 0, '<=': (o) => o <= 0, '>': (o) => o > 0, '>=': (o) => o >= 0 };

type Operand = (item: Item) => AttributeValue | undefined;
const FUNCTIONS: Record<string, (...args: (AttributeValue | undefined)[]) => boolean> = {
  attribute_exists: (value) => value !== undefined,
  attribute_not_exists: (value) => value === undefined,
  begins_with: (value, prefix) => value?.S !== undefined && prefix?.S !== undefined && value.S.startsWith(prefix.S),
  contains: (value, member) => (value?.L ?? []).some((entry) => compare(entry, member) === 0) || (value?.S !== undefined && member?.S !== undefined && value.S.includes(member.S)),
};

/**
 * An expression of DynamoDB's condition grammar (comparisons, BETWEEN, the four functions above,
 * AND, OR, NOT, parentheses) as a predicate over an item. Every placeholder it uses is added to
 * `used`, so that the request's unused ones can be refused as DynamoDB refuses them.
 */
function predicate(expression: string, names: Names, values: Values, used: Set<string>): (item: Item) => boolean {
  const tokens = expression.match(/#\w+|:\w+|\w+|<=|>=|[=<>(),]/g) ?? [];
  if (tokens.join('') !== expression.replace(/\s+/g, '')) throw new ValidationException(`cannot read ${expression}`);
  let at = 0;
  const take = (expected?: string): string => {
    const token = tokens[at++];
    if (token === undefined || (expected !== undefined && token !== expected)) throw new ValidationException(`expected ${expected ?? 'more'} in ${expression}`);
    return token;
  };
  const operand = (): Operand => {
    const token = take();
    used.add(token);
    const name = names[token];
    const value = values[token];
    if (token.startsWith('#') && name !== undefined) return (item) => item[name];
    if (token.startsWith(':') && value !== undefined) return () => value;
    throw new ValidationException(`${token} is not defined for ${expression}`);
  };
  const primary = (): ((item: Item) => boolean) => {
    const token = tokens[at] ?? '';
    if (token === '(') {
      take('(');
      const inner = disjunction();
      take(')');
      return inner;
    }
    if (token === 'NOT') {
      take();
      const inner = primary();
      return (item) => !inner(item);
    }
    const fn = FUNCTIONS[token];
    if (fn !== undefined) {
      take();
      take('(');
      const args = [operand()];
      while (tokens[at] === ',') {
        take(',');
        args.push(operand());
      }
      take(')');
      return (item) => fn(...args.map((arg) => arg(item)));
    }
    const left = operand();
    const comparator = take();
    if (comparator === 'BETWEEN') {
      const [low, , high] = [operand(), take('AND'), operand()];
      return (item) => (compare(left(item), low(item)) ?? Number.NaN) >= 0 && (compare(left(item), high(item)) ?? Number.NaN) <= 0;
    }
    const holds = COMPARATORS[comparator];
    if (holds === undefined) throw new ValidationException(`unsupported ${comparator} in ${expression}`);
    const right = operand();
    return (item) => holds(compare(left(item), right(item)) ?? Number.NaN);
  };
  const chain = (word: string, next: () => (item: Item) => boolean, join: (a: boolean, b: boolean) => boolean) => () => {
    let result = next();
    while (tokens[at] === word) {
      take();
      const [left, right] = [result, next()];
      result = (item) => join(left(item), right(item));
    }
    return result;
  };
  const conjunction = chain('AND', primary, (a, b) => a && b);
  const disjunction: () => (item: Item) => boolean = chain('OR', conjunction, (a, b) => a || b);
  const compiled = disjunction();
  if (at !== tokens.length) throw new ValidationException(`trailing tokens in ${expression}`);
  return compiled;
}

/** `SET #a = :a, #b = :b` (the only update form the handlers write) as a change of an item. */
function setter(expression: string, names: Names, values: Values, used: Set<string>): (item: Item) => Item {
  const match = /^SET (.+)$/.exec(expression);
  if (!match?.[1]) throw new ValidationException(`unsupported update ${expression}`);
  const assignments = match[1].split(',').map((assignment) => {
    const [name = '', value = ''] = assignment.split('=').map((side) => side.trim());
    const attribute = names[name];
    const newValue = values[value];
    if (attribute === undefined || newValue === undefined) throw new ValidationException(`undefined placeholder in ${expression}`);
    used.add(name).add(value);
    return [attribute, newValue] as const;
  });
  return (item) => ({ ...item, ...Object.fromEntries(assignments) });
}

/** DynamoDB refuses names and values an expression does not use. */
function refuseUnused(names: Names | undefined, values: Values | undefined, used: Set<string>): void {
  const unused = [...Object.keys(names ?? {}), ...Object.keys(values ?? {})].filter((placeholder) => !used.has(placeholder));
  if (unused.length > 0) throw new ValidationException(`unused in expressions: ${unused.join(', ')}`);
}

const keyOf = (key: Item | undefined): string => `${key?.PK?.S ?? ''}\u0000${key?.SK?.S ?? ''}`;
const keyAttributes = (item: Item): Item => ({ PK: item.PK as AttributeValue, SK: item.SK as AttributeValue });
const bySortKey = (a: Item, b: Item) => compare(a.SK, b.SK) ?? 0;

type Sent =
  | { readonly name: 'GetItem'; readonly input: GetItemCommand['input'] }
  | { readonly name: 'Query'; readonly input: QueryCommand['input'] }
  | { readonly name: 'TransactWriteItems'; readonly input: TransactWriteItemsCommand['input'] };

/** What one transaction item will do, once every item's condition has been judged. */
interface PlannedWrite {
  readonly key: string;
  readonly holds: () => boolean;
  readonly apply: () => void;
}

/** One DynamoDB table in memory, answering the three commands the data plane sends. */
class FakeTable {
  private readonly items = new Map<string, Item>();
  readonly sent: Sent[] = [];
  /** What another request commits between this one's reads and its next transaction (run once). */
  beforeNextTransaction: (() => Promise<void>) | undefined;
  /** A fault for the next command, as a network or service error would be. */
  failNextCommand: Error | undefined;

  readonly client = { send: (command: unknown) => this.send(command) } as unknown as DynamoDBClient;

  put(item: object): void {
    const attributes = marshall(item, { removeUndefinedValues: true });
    this.items.set(keyOf(attributes), attributes);
  }

  get(key: ItemKey): Record<string, unknown> | undefined {
    const item = this.items.get(keyOf({ PK: { S: key.PK }, SK: { S: key.SK } }));
    return item ? unmarshall(item) : undefined;
  }

  delete(key: ItemKey): void {
    this.items.delete(keyOf({ PK: { S: key.PK }, SK: { S: key.SK } }));
  }

  /** Every item whose sort key starts with `prefix`. */
  itemsWith(prefix: string): Record<string, unknown>[] {
    return [...this.items.values()].filter((item) => item.SK?.S?.startsWith(prefix)).map((item) => unmarshall(item));
  }

  private async send(command: unknown): Promise<unknown> {
    const fault = this.failNextCommand;
    this.failNextCommand = undefined;
    if (fault) throw fault;
    const tableName = (command as { input?: { TableName?: string } }).input?.TableName;
    if (!(command instanceof TransactWriteItemsCommand) && tableName !== TABLE) throw new ValidationException(`no table ${tableName}`);
    if (command instanceof GetItemCommand) {
      this.sent.push({ name: 'GetItem', input: command.input });
      const item = this.items.get(keyOf(command.input.Key));
      return item ? { Item: { ...item } } : {};
    }
    if (command instanceof QueryCommand) {
      this.sent.push({ name: 'Query', input: command.input });
      return this.query(command.input);
    }
    if (command instanceof TransactWriteItemsCommand) {
      this.sent.push({ name: 'TransactWriteItems', input: command.input });
      const concurrent = this.beforeNextTransaction;
      this.beforeNextTransaction = undefined;
      await concurrent?.();
      return this.transact(command.input.TransactItems ?? []);
    }
    throw new Error(`the fake table does not answer ${(command as object).constructor.name}`);
  }

  /** A Query as DynamoDB runs one: the key range in sort-key order, from after the start key, `Limit` items evaluated, then filtered. */
  private query(input: QueryCommand['input']) {
    const names = input.ExpressionAttributeNames ?? {};
    const values = input.ExpressionAttributeValues ?? {};
    const used = new Set<string>();
    const keyCondition = input.KeyConditionExpression ?? '';
    const partitionEquality = /^(#\w+) = :\w+(?: AND |$)/.exec(keyCondition);
    if (!partitionEquality?.[1] || names[partitionEquality[1]] !== 'PK') throw new ValidationException(`no partition key equality in ${keyCondition}`);
    const inKeyRange = predicate(keyCondition, names, values, used);
    if ([...used].some((placeholder) => placeholder.startsWith('#') && !['PK', 'SK'].includes(names[placeholder] ?? ''))) throw new ValidationException('a key condition names keys only');
    const keep = input.FilterExpression ? predicate(input.FilterExpression, names, values, used) : () => true;
    refuseUnused(names, values, used);
    let candidates = [...this.items.values()].filter(inKeyRange).sort(bySortKey);
    const start = input.ExclusiveStartKey;
    if (start) {
      if (!inKeyRange(start)) throw new ValidationException('The provided starting key does not match the range key predicate');
      candidates = candidates.filter((item) => (compare(item.SK, start.SK) ?? 0) > 0);
    }
    const evaluated = input.Limit === undefined ? candidates : candidates.slice(0, input.Limit);
    const last = evaluated.at(-1);
    // DynamoDB stops at the limit without looking further: it answers a key even when nothing follows.
    const stopped = last !== undefined && evaluated.length === input.Limit;
    return { Items: evaluated.filter(keep), ...(stopped ? { LastEvaluatedKey: keyAttributes(last) } : {}) };
  }

  /** All or nothing: every condition judged against the table as it is, then every write applied. */
  private transact(entries: TransactWriteItem[]) {
    const planned = entries.map((entry) => this.plan(entry));
    if (new Set(planned.map((write) => write.key)).size !== planned.length) throw new ValidationException('Transaction request cannot include multiple operations on one item');
    const reasons = planned.map((write) => (write.holds() ? 'None' : 'ConditionalCheckFailed'));
    if (reasons.includes('ConditionalCheckFailed')) {
      throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons.map((Code) => ({ Code })) });
    }
    planned.forEach((write) => write.apply());
    return {};
  }

  private plan(entry: TransactWriteItem): PlannedWrite {
    const kinds = Object.entries(entry).filter(([, operation]) => operation !== undefined);
    const [kind, operation] = kinds[0] ?? [];
    if (kinds.length !== 1 || operation === undefined) throw new ValidationException('one operation per transaction item');
    if (operation.TableName !== TABLE) throw new ValidationException(`no table ${operation.TableName}`);
    const names = operation.ExpressionAttributeNames ?? {};
    const values = operation.ExpressionAttributeValues ?? {};
    const used = new Set<string>();
    const condition = operation.ConditionExpression ? predicate(operation.ConditionExpression, names, values, used) : () => true;
    const itemKey = 'Item' in operation && operation.Item ? keyAttributes(operation.Item) : 'Key' in operation ? operation.Key : undefined;
    const key = keyOf(itemKey);
    let apply: () => void;
    if (kind === 'Put' && 'Item' in operation) apply = () => void this.items.set(key, { ...operation.Item });
    else if (kind === 'Delete') apply = () => void this.items.delete(key);
    else if (kind === 'Update' && 'UpdateExpression' in operation) {
      const change = setter(operation.UpdateExpression ?? '', names, values, used);
      apply = () => void this.items.set(key, change(this.items.get(key) ?? (itemKey as Item)));
    } else if (kind === 'ConditionCheck' && operation.ConditionExpression) apply = () => undefined;
    else throw new ValidationException(`unsupported transaction item ${kind}`);
    refuseUnused(names, values, used);
    return { key, holds: () => condition(this.items.get(key) ?? {}), apply };
  }
}

const TABLE = 'Table';
const TENANT = randomUUID();
const NOW = new Date('2026-12-01T10:00:00.000Z');
const silent = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

/** The credentials the authorizer put in the request's context: distinctive, so that a leak is found by search. */
const CREDENTIALS: ScopedCredentials = {
  accessKeyId: 'ASIAUNITTESTKEY0001',
  secretAccessKey: 'unit-test-secret-access-key-do-not-log',
  sessionToken: 'IQoJb3JpZ2luX2VjEUNITTESTSESSIONTOKENdoNotLogOrAnswer',
};

const roleIdOf = (name: string): string => roleIdFromName(name) ?? '';
const ROLE = { pilot: roleIdOf('Pilot'), instructor: roleIdOf('Instructor'), chief: roleIdOf('Maintenance chief') } as const;

interface Member {
  readonly userId: string;
  readonly roleId: string;
}

const member = (roleId: string): Member => ({ userId: randomUUID(), roleId });

/** The flight school's members, one per demo role, and a second pilot. */
const MEMBERS = {
  admin: member(ADMIN_ROLE_ID),
  chief: member(ROLE.chief),
  instructor: member(ROLE.instructor),
  pilot: member(ROLE.pilot),
  otherPilot: member(ROLE.pilot),
} as const;

interface Published {
  readonly detailType: DetailType;
  readonly detail: Record<string, unknown>;
}

/** The tenant's control items (the built-in admin role, the demo roles, one membership per member) in a fresh table. */
function seededTable(): FakeTable {
  const table = new FakeTable();
  const createdAt = NOW.toISOString();
  table.put(roleItem({ tenantId: TENANT, roleId: ADMIN_ROLE_ID, name: 'Admin', actions: [...ACTIONS], builtIn: true, createdAt }));
  for (const role of DEMO_ROLES) table.put(roleItem({ tenantId: TENANT, roleId: roleIdOf(role.name), name: role.name, actions: [...role.actions], builtIn: false, createdAt }));
  for (const { userId, roleId } of Object.values(MEMBERS)) {
    table.put(membershipItem({ tenantId: TENANT, tenantName: 'Blue Sky', userId, email: `${userId}@blue-sky.example`, roleId, createdAt }));
  }
  return table;
}

/** The handlers on the production session over a fake table, with a publisher that validates every detail as the real one does. */
function world(logger: Logger = silent) {
  const table = seededTable();
  const published: Published[] = [];
  const denials: { userId: string; action: string; reason: string }[] = [];
  const sessionCredentials: ScopedCredentials[] = [];
  const clock = { now: NOW };
  const publish = (async (detailType: DetailType, detail: Record<string, unknown>) => {
    EVENT_CATALOG[detailType].schema.parse(detail);
    published.push({ detailType, detail });
    return randomUUID();
  }) as PublishEvent;
  const reporter = accessDeniedReporter({ publish, logger });
  const reportDenied: DataPlaneDeps['reportDenied'] = async (tenantId, actor, action, reason) => {
    denials.push({ userId: actor.userId, action, reason });
    await reporter(tenantId, actor, action, reason);
  };
  const deps: DataPlaneDeps = {
    sessionFor: tenantSessions({ tableName: TABLE, clientFor: (credentials) => (sessionCredentials.push(credentials), table.client), reportDenied }),
    publish,
    reportDenied,
    logger,
    now: () => clock.now,
  };
  const handlers = {
    createAircraft: createCreateAircraftHandler(deps),
    getAircraft: createGetAircraftHandler(deps),
    updateAircraft: createUpdateAircraftHandler(deps),
    book: createCreateReservationHandler(deps),
    listReservations: createListReservationsHandler(deps),
    cancel: createCancelReservationHandler(deps),
  };
  return { table, published, denials, sessionCredentials, clock, ...handlers };
}

type World = ReturnType<typeof world>;

function request(caller: Member, init: { method: string; path: string; body?: unknown; pathParameters?: Record<string, string>; query?: Record<string, string> }): ProxyEvent {
  const event = apiEvent({ ...init, caller: { userId: caller.userId, username: caller.userId, email: `${caller.userId}@blue-sky.example`, tenantId: TENANT, roleId: caller.roleId, groups: JSON.stringify([TENANT]) } });
  return { ...event, requestContext: { ...event.requestContext, authorizer: { ...event.requestContext.authorizer, ...CREDENTIALS } } };
}

const postAircraft = (w: World, caller: Member, body: unknown) => w.createAircraft(request(caller, { method: 'POST', path: '/aircraft', body }));
const putAircraft = (w: World, caller: Member, aircraftId: string, body: unknown) =>
  w.updateAircraft(request(caller, { method: 'PUT', path: `/aircraft/${aircraftId}`, body, pathParameters: { aircraftId } }));
const postReservation = (w: World, caller: Member, body: unknown) => w.book(request(caller, { method: 'POST', path: '/reservations', body }));
const deleteReservation = (w: World, caller: Member, reservationId: string) =>
  w.cancel(request(caller, { method: 'DELETE', path: `/reservations/${reservationId}`, pathParameters: { reservationId } }));

/** An aircraft the maintenance chief created through the API. */
async function anAircraft(w: World, registration = 'G-ABCD'): Promise<string> {
  const result = await postAircraft(w, MEMBERS.chief, { registration, model: 'Cessna 172', seats: 4 });
  if (result.statusCode !== 201) throw new Error(`set-up: aircraft not created (${result.statusCode} ${result.body})`);
  return (parse(result).aircraft as { aircraftId: string }).aircraftId;
}

/** A reservation `caller` booked through the API. */
async function aReservation(w: World, caller: Member, interval: { aircraftId: string; start: string; end: string }): Promise<Reservation> {
  const result = await postReservation(w, caller, interval);
  if (result.statusCode !== 201) throw new Error(`set-up: reservation not booked (${result.statusCode} ${result.body})`);
  return parse(result).reservation as Reservation;
}

/** The transactions the table was sent, each as its items' kinds, sort keys and conditions. */
function transactions(table: FakeTable) {
  return table.sent
    .flatMap((sent) => (sent.name === 'TransactWriteItems' ? [sent.input.TransactItems ?? []] : []))
    .map((items) =>
      items.map((entry) => {
        const [kind = '', operation] = Object.entries(entry)[0] ?? [];
        const key = operation && ('Key' in operation ? operation.Key : 'Item' in operation ? operation.Item : undefined);
        return { kind, SK: key?.SK?.S ?? '', condition: operation?.ConditionExpression, values: operation?.ExpressionAttributeValues ?? {} };
      }),
    );
}

const guardChecksOf = (items: ReturnType<typeof transactions>[number]) => items.filter((item) => item.kind === 'ConditionCheck' && (item.SK.startsWith('MEMBER#') || item.SK.startsWith('ROLE#')));

/** Who holds the aircraft when, by start. */
const scheduleOf = (w: World, aircraftId: string) =>
  w.table
    .itemsWith(`SCHEDULE#${aircraftId}#`)
    .map((item) => ({ userId: item.userId, start: item.start }))
    .sort((a, b) => String(a.start).localeCompare(String(b.start)));

const at = (day: number, hour: number): string => new Date(Date.UTC(2026, 11, day, hour)).toISOString();

describe('POST /aircraft', () => {
  it("writes the aircraft and its registration claim in one transaction guarded by aircraft:write, on the caller's credentials", async () => {
    const w = world();

    const result = await postAircraft(w, MEMBERS.chief, { registration: 'g-abcd', model: 'Cessna 172' });

    expect(result.statusCode).toBe(201);
    const aircraft = parse(result).aircraft as { aircraftId: string };
    expect(aircraft).toEqual({ aircraftId: expect.any(String), registration: 'G-ABCD', model: 'Cessna 172', seats: 1 });
    expect(w.table.get(aircraftKey(TENANT, aircraft.aircraftId))).toMatchObject({ ...aircraft, scheduleVersion: 0 });
    expect(w.table.get(registrationKey(TENANT, 'G-ABCD'))).toMatchObject({ aircraftId: aircraft.aircraftId });
    const [transaction] = transactions(w.table);
    expect(transaction?.map((item) => [item.kind, item.SK])).toEqual([
      ['ConditionCheck', membershipKey(TENANT, MEMBERS.chief.userId).SK],
      ['ConditionCheck', roleKey(TENANT, ROLE.chief).SK],
      ['Put', aircraftKey(TENANT, aircraft.aircraftId).SK],
      ['Put', registrationKey(TENANT, 'G-ABCD').SK],
    ]);
    expect(transaction?.[1]?.values[':guardAction']).toEqual({ S: 'aircraft:write' });
    expect(w.sessionCredentials).toEqual([CREDENTIALS]);
    expect(w.published.map((event) => event.detailType)).toEqual([DETAIL_TYPE.aircraftCreated]);
  });

  it('answers 400 naming every bad field, and sends nothing to DynamoDB', async () => {
    const w = world();

    const result = await postAircraft(w, MEMBERS.chief, { registration: 'G#ABCD', model: '', seats: 0 });
    const unknown = await postAircraft(w, MEMBERS.chief, { registration: 'G-ABCD', model: 'Cessna 172', tenantId: randomUUID() });

    expect([result.statusCode, unknown.statusCode]).toEqual([400, 400]);
    expect(fieldsOf(result)).toEqual(['registration', 'model', 'seats']);
    expect(fieldsOf(unknown)).toEqual(['(body)']);
    expect(w.table.sent).toEqual([]);
  });

  it('answers 403 when the guard refuses the caller, reports the denial, and writes nothing', async () => {
    const w = world();

    const result = await postAircraft(w, MEMBERS.pilot, { registration: 'G-ABCD', model: 'Cessna 172' });

    expect(result.statusCode).toBe(403);
    expect(w.denials).toEqual([{ userId: MEMBERS.pilot.userId, action: 'aircraft:write', reason: `role ${ROLE.pilot} does not grant aircraft:write` }]);
    expect(w.table.itemsWith('AIRCRAFT#')).toEqual([]);
    expect(w.table.get(registrationKey(TENANT, 'G-ABCD'))).toBeUndefined();
    expect(w.published.map((event) => event.detailType)).toEqual([DETAIL_TYPE.accessDenied]);
  });

  it('answers 409 for a registration another aircraft holds, in any case, and leaves no second aircraft', async () => {
    const w = world();
    const first = await anAircraft(w, 'G-ABCD');

    const result = await postAircraft(w, MEMBERS.chief, { registration: ' g-abcd', model: 'Piper PA-28' });

    expect(result.statusCode).toBe(409);
    expect(parse(result).error?.message).toContain('G-ABCD');
    expect(w.table.itemsWith('AIRCRAFT#').map((item) => item.aircraftId)).toEqual([first]);
    expect(w.denials).toEqual([]);
  });
});

describe('PUT /aircraft/{aircraftId}', () => {
  it('moves the registration claim with the aircraft, and answers 409 for a registration another aircraft holds', async () => {
    const w = world();
    const aircraftId = await anAircraft(w, 'G-ABCD');
    await anAircraft(w, 'N172SP');

    const renamed = await putAircraft(w, MEMBERS.chief, aircraftId, { registration: 'g-efgh' });
    const taken = await putAircraft(w, MEMBERS.chief, aircraftId, { registration: 'n172sp' });

    expect(renamed.statusCode).toBe(200);
    expect(w.table.get(registrationKey(TENANT, 'G-ABCD'))).toBeUndefined();
    expect(w.table.get(registrationKey(TENANT, 'G-EFGH'))).toMatchObject({ aircraftId });
    expect(taken.statusCode).toBe(409);
    expect(w.table.get(aircraftKey(TENANT, aircraftId))).toMatchObject({ registration: 'G-EFGH' });
  });

  it('answers 400 naming the path parameter or the empty change', async () => {
    const w = world();

    const badId = await putAircraft(w, MEMBERS.chief, 'AIRCRAFT#1', { seats: 2 });
    const noChange = await putAircraft(w, MEMBERS.chief, randomUUID(), {});

    expect([badId.statusCode, noChange.statusCode]).toEqual([400, 400]);
    expect(fieldsOf(badId)).toEqual(['aircraftId']);
    expect(fieldsOf(noChange)).toEqual(['(body)']);
  });

  it('answers 403 for an aircraft that does not exist when the caller may not write, 404 when it may', async () => {
    const w = world();
    const missing = randomUUID();

    const pilot = await putAircraft(w, MEMBERS.pilot, missing, { seats: 2 });
    const chief = await putAircraft(w, MEMBERS.chief, missing, { seats: 2 });

    expect([pilot.statusCode, chief.statusCode]).toEqual([403, 404]);
    expect(w.denials.map((denial) => denial.userId)).toEqual([MEMBERS.pilot.userId]);
  });
});

describe('GET /aircraft/{aircraftId}', () => {
  it("reads one item in the caller's tenant: the id of another tenant's aircraft is not found", async () => {
    const w = world();
    const aircraftId = await anAircraft(w);
    const foreign = randomUUID();
    w.table.put(aircraftItem(randomUUID(), { aircraftId: foreign, registration: 'D-EFGH', model: 'Diamond DA40', seats: 4 }, NOW.toISOString()));
    const get = (id: string) => w.getAircraft(request(MEMBERS.pilot, { method: 'GET', path: `/aircraft/${id}`, pathParameters: { aircraftId: id } }));

    const found = await get(aircraftId);
    const other = await get(foreign);

    expect(found.statusCode).toBe(200);
    expect(parse(found).aircraft).toEqual({ aircraftId, registration: 'G-ABCD', model: 'Cessna 172', seats: 4 });
    expect(other.statusCode).toBe(404);
  });
});

describe('POST /reservations', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['an aircraft id that is no id', { aircraftId: 'AIRCRAFT#1', start: at(2, 9), end: at(2, 11) }, ['aircraftId']],
    ['a start with an offset', { start: '2026-12-02T09:00:00+01:00', end: at(2, 11) }, ['start']],
    ['a date without a time', { start: '2026-12-02', end: at(2, 11) }, ['start']],
    ['no end', { start: at(2, 9), end: undefined }, ['end']],
    ['a start in the past', { start: at(1, 9), end: at(1, 11) }, ['start']],
    ['an end before the start', { start: at(2, 11), end: at(2, 9) }, ['end']],
    ['a booking longer than 14 days', { start: at(2, 9), end: at(16, 10) }, ['end']],
  ])('answers 400 naming the field for %s, and sends nothing', async (_case, change, fields) => {
    const w = world();

    const result = await postReservation(w, MEMBERS.pilot, { aircraftId: randomUUID(), start: at(2, 9), end: at(2, 11), ...change });

    expect(result.statusCode).toBe(400);
    expect(fieldsOf(result)).toEqual(fields);
    expect(w.table.sent).toEqual([]);
  });

  it('raises the schedule version it read and writes the three items, in one transaction guarded by reservation:create', async () => {
    const w = world();
    const aircraftId = await anAircraft(w);
    const sentBefore = w.table.sent.length;

    const result = await postReservation(w, MEMBERS.pilot, { aircraftId, start: '2026-12-02T09:00:00Z', end: '2026-12-02T11:00:00Z' });

    expect(result.statusCode).toBe(201);
    const reservation = parse(result).reservation as Reservation;
    expect(reservation).toEqual({ reservationId: expect.any(String), aircraftId, userId: MEMBERS.pilot.userId, start: '2026-12-02T09:00:00.000Z', end: '2026-12-02T11:00:00.000Z' });
    const items = reservationItems(TENANT, reservation, NOW.toISOString());
    const booking = transactions(w.table).at(-1);
    expect(booking?.map((item) => [item.kind, item.SK])).toEqual([
      ['ConditionCheck', membershipKey(TENANT, MEMBERS.pilot.userId).SK],
      ['ConditionCheck', roleKey(TENANT, ROLE.pilot).SK],
      ['Update', aircraftKey(TENANT, aircraftId).SK],
      ['Put', items.byId.SK],
      ['Put', items.schedule.SK],
      ['Put', items.byStart.SK],
    ]);
    expect(booking?.[1]?.values[':guardAction']).toEqual({ S: 'reservation:create' });
    expect(booking?.[2]).toMatchObject({ condition: '#scheduleVersion = :scheduleVersion', values: { ':scheduleVersion': { N: '0' }, ':nextScheduleVersion': { N: '1' } } });
    expect(w.table.get(aircraftKey(TENANT, aircraftId))).toMatchObject({ scheduleVersion: 1 });
    expect([items.byId, items.schedule, items.byStart].map((item) => w.table.get(item))).toEqual([items.byId, items.schedule, items.byStart]);
    // A consistent read of the aircraft, a consistent Query of its schedule, the transaction.
    expect(w.table.sent.slice(sentBefore).map((sent) => [sent.name, 'ConsistentRead' in sent.input ? sent.input.ConsistentRead : undefined])).toEqual([
      ['GetItem', true],
      ['Query', true],
      ['TransactWriteItems', undefined],
    ]);
    expect(w.published.at(-1)).toEqual({ detailType: DETAIL_TYPE.reservationCreated, detail: { tenantId: TENANT, ...reservation, operationId: expect.any(String) } });
  });

  it('answers 409 for an overlap only after a guarded check that the schedule is still as read, and writes nothing', async () => {
    const w = world();
    const aircraftId = await anAircraft(w);
    await aReservation(w, MEMBERS.otherPilot, { aircraftId, start: at(2, 9), end: at(2, 11) });
    const committed = transactions(w.table).length;

    const result = await postReservation(w, MEMBERS.pilot, { aircraftId, start: at(2, 10), end: at(2, 12) });

    expect(result.statusCode).toBe(409);
    const proofs = transactions(w.table).slice(committed);
    expect(proofs).toHaveLength(1);
    expect(proofs[0]?.map((item) => [item.kind, item.SK])).toEqual([
      ['ConditionCheck', membershipKey(TENANT, MEMBERS.pilot.userId).SK],
      ['ConditionCheck', roleKey(TENANT, ROLE.pilot).SK],
      ['ConditionCheck', aircraftKey(TENANT, aircraftId).SK],
    ]);
    expect(proofs[0]?.[2]?.values).toEqual({ ':scheduleVersion': { N: '1' } });
    expect(w.table.itemsWith('RES#')).toHaveLength(1);
    expect(w.table.get(aircraftKey(TENANT, aircraftId))).toMatchObject({ scheduleVersion: 1 });
  });

  it('answers 403, not 409, to a caller without reservation:create whose booking overlaps, and reports it', async () => {
    const w = world();
    const aircraftId = await anAircraft(w);
    await aReservation(w, MEMBERS.pilot, { aircraftId, start: at(2, 9), end: at(2, 11) });

    const result = await postReservation(w, MEMBERS.chief, { aircraftId, start: at(2, 9), end: at(2, 11) });

    expect(result.statusCode).toBe(403);
    expect(w.denials).toEqual([{ userId: MEMBERS.chief.userId, action: 'reservation:create', reason: `role ${ROLE.chief} does not grant reservation:create` }]);
  });

  it('touching reservations do not overlap: one ending at 11:00 and one starting then are both booked', async () => {
    const w = world();
    const aircraftId = await anAircraft(w);
    await aReservation(w, MEMBERS.otherPilot, { aircraftId, start: at(2, 9), end: at(2, 11) });

    const after = await postReservation(w, MEMBERS.pilot, { aircraftId, start: at(2, 11), end: at(2, 12) });
    const before = await postReservation(w, MEMBERS.pilot, { aircraftId, start: at(2, 8), end: at(2, 9) });

    expect([after.statusCode, before.statusCode]).toEqual([201, 201]);
    expect(w.table.get(aircraftKey(TENANT, aircraftId))).toMatchObject({ scheduleVersion: 3 });
  });

  it('reads again and books when another booking of the aircraft committed between its check and its write', async () => {
    const w = world();
    const aircraftId = await anAircraft(w);
    let concurrent: ProxyResult | undefined;
    w.table.beforeNextTransaction = async () => {
      concurrent = await postReservation(w, MEMBERS.otherPilot, { aircraftId, start: at(3, 9), end: at(3, 11) });
    };
    const committed = transactions(w.table).length;

    const result = await postReservation(w, MEMBERS.pilot, { aircraftId, start: at(2, 9), end: at(2, 11) });

    expect([concurrent?.statusCode, result.statusCode]).toEqual([201, 201]);
    // Ours on version 0 (refused: the other's had raised it meanwhile), the other's on 0, ours again on 1.
    const versions = transactions(w.table)
      .slice(committed)
      .map((items) => items.find((item) => item.kind === 'Update')?.values[':scheduleVersion']);
    expect(versions).toEqual([{ N: '0' }, { N: '0' }, { N: '1' }]);
    expect(w.table.get(aircraftKey(TENANT, aircraftId))).toMatchObject({ scheduleVersion: 2 });
    expect(scheduleOf(w, aircraftId)).toEqual([
      { userId: MEMBERS.pilot.userId, start: at(2, 9) },
      { userId: MEMBERS.otherPilot.userId, start: at(3, 9) },
    ]);
    expect(w.denials).toEqual([]);
  });

  it('reads again and answers 409 when the booking that committed in between overlaps it', async () => {
    const w = world();
    const aircraftId = await anAircraft(w);
    w.table.beforeNextTransaction = async () => void (await postReservation(w, MEMBERS.otherPilot, { aircraftId, start: at(2, 10), end: at(2, 12) }));

    const result = await postReservation(w, MEMBERS.pilot, { aircraftId, start: at(2, 9), end: at(2, 11) });

    expect(result.statusCode).toBe(409);
    expect(scheduleOf(w, aircraftId)).toEqual([{ userId: MEMBERS.otherPilot.userId, start: at(2, 10) }]);
    expect(guardChecksOf(transactions(w.table).at(-1) ?? [])).toHaveLength(2);
  });

  it('answers 404 for an aircraft that is not in the tenant, after the guard', async () => {
    const w = world();

    const allowed = await postReservation(w, MEMBERS.pilot, { aircraftId: randomUUID(), start: at(2, 9), end: at(2, 11) });
    const refused = await postReservation(w, MEMBERS.chief, { aircraftId: randomUUID(), start: at(2, 9), end: at(2, 11) });

    expect([allowed.statusCode, refused.statusCode]).toEqual([404, 403]);
    expect(parse(allowed).error?.message).toContain('aircraftId');
  });
});

describe('DELETE /reservations/{reservationId}', () => {
  async function booked() {
    const w = world();
    const aircraftId = await anAircraft(w);
    const reservation = await aReservation(w, MEMBERS.pilot, { aircraftId, start: at(2, 9), end: at(2, 11) });
    return { w, reservation, items: reservationItems(TENANT, reservation, NOW.toISOString()), committed: transactions(w.table).length };
  }

  it('lets the booker cancel its own with the membership check alone: one guard check, no role check', async () => {
    const { w, reservation, items, committed } = await booked();
    // The booker's role could not cancel another's: only the membership-only guard lets this through.
    expect(DEMO_ROLES.find((role) => roleIdOf(role.name) === MEMBERS.pilot.roleId)?.actions).not.toContain('reservation:cancel');

    const result = await deleteReservation(w, MEMBERS.pilot, reservation.reservationId);

    expect(result.statusCode).toBe(204);
    const [cancel, ...more] = transactions(w.table).slice(committed);
    expect(more).toEqual([]);
    expect(cancel?.map((item) => [item.kind, item.SK])).toEqual([
      ['ConditionCheck', membershipKey(TENANT, MEMBERS.pilot.userId).SK],
      ['Delete', items.byId.SK],
      ['Delete', items.schedule.SK],
      ['Delete', items.byStart.SK],
    ]);
    expect(cancel?.[0]).toMatchObject({ condition: '#guardRoleId = :guardRoleId', values: { ':guardRoleId': { S: ROLE.pilot } } });
    expect([items.byId, items.schedule, items.byStart].map((item) => w.table.get(item))).toEqual([undefined, undefined, undefined]);
    expect(w.published.at(-1)).toEqual({
      detailType: DETAIL_TYPE.reservationCancelled,
      detail: { tenantId: TENANT, ...reservation, actorUserId: MEMBERS.pilot.userId, operationId: expect.any(String) },
    });
  });

  it("lets a role with reservation:cancel cancel another's, checking that action in the transaction", async () => {
    const { w, reservation, committed } = await booked();

    const result = await deleteReservation(w, MEMBERS.instructor, reservation.reservationId);

    expect(result.statusCode).toBe(204);
    const guard = guardChecksOf(transactions(w.table)[committed] ?? []);
    expect(guard.map((item) => item.SK)).toEqual([membershipKey(TENANT, MEMBERS.instructor.userId).SK, roleKey(TENANT, ROLE.instructor).SK]);
    expect(guard[1]?.values[':guardAction']).toEqual({ S: 'reservation:cancel' });
  });

  it("answers 403 to a member without reservation:cancel cancelling another's, reports it, and keeps the reservation", async () => {
    const { w, reservation, items } = await booked();

    const result = await deleteReservation(w, MEMBERS.otherPilot, reservation.reservationId);

    expect(result.statusCode).toBe(403);
    expect(w.denials).toEqual([{ userId: MEMBERS.otherPilot.userId, action: 'reservation:cancel', reason: `role ${ROLE.pilot} does not grant reservation:cancel` }]);
    expect(w.table.get(items.byId)).toEqual(items.byId);
  });

  it('answers 403 to a booker who is no longer a member: the membership check still runs', async () => {
    const { w, reservation, items } = await booked();
    w.table.delete(membershipKey(TENANT, MEMBERS.pilot.userId));

    const result = await deleteReservation(w, MEMBERS.pilot, reservation.reservationId);

    expect(result.statusCode).toBe(403);
    expect(w.denials).toEqual([{ userId: MEMBERS.pilot.userId, action: MEMBERSHIP_ONLY, reason: 'not a member of the tenant' }]);
    expect(w.table.get(items.schedule)).toEqual(items.schedule);
  });

  it('answers 409 for a reservation that has ended, which stays in the record; an id of none is 404 with reservation:cancel, 403 without', async () => {
    const { w, reservation, items } = await booked();
    w.clock.now = new Date(reservation.end);

    const ended = await deleteReservation(w, MEMBERS.pilot, reservation.reservationId);
    const noneAsInstructor = await deleteReservation(w, MEMBERS.instructor, randomUUID());
    const noneAsPilot = await deleteReservation(w, MEMBERS.pilot, randomUUID());

    expect([ended.statusCode, noneAsInstructor.statusCode, noneAsPilot.statusCode]).toEqual([409, 404, 403]);
    expect(w.table.get(items.byId)).toEqual(items.byId);
    expect(reservationKey(TENANT, reservation.reservationId)).toEqual({ PK: items.byId.PK, SK: items.byId.SK });
  });
});

describe('the credentials in the authorizer context', () => {
  /** Everything the process writes while `act` runs: the Logger's lines go to stdout and stderr. */
  async function output(act: () => Promise<void>): Promise<string[]> {
    const lines: string[] = [];
    const capture = (chunk: unknown): boolean => (lines.push(String(chunk)), true);
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      await act();
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    return lines;
  }

  it('sign the session, and appear in no answer, log line or event, whatever the outcome', async () => {
    const w = world(new Logger({ serviceName: 'api-data-plane', logLevel: 'DEBUG' }));
    const answers: ProxyResult[] = [];
    const answer = async (result: Promise<ProxyResult>) => (answers.push(await result), answers.at(-1) as ProxyResult);

    const lines = await output(async () => {
      await answer(postAircraft(w, MEMBERS.chief, { registration: 'G-ABCD', model: 'Cessna 172' }));
      const aircraftId = (parse(answers[0] as ProxyResult).aircraft as { aircraftId: string }).aircraftId;
      await answer(postAircraft(w, MEMBERS.pilot, { registration: 'G-EFGH', model: 'Cessna 172' }));
      await answer(postAircraft(w, MEMBERS.chief, { registration: 'g-abcd', model: 'Cessna 172' }));
      await answer(postAircraft(w, MEMBERS.chief, { registration: '', model: 'Cessna 172' }));
      const booked = await answer(postReservation(w, MEMBERS.pilot, { aircraftId, start: at(2, 9), end: at(2, 11) }));
      await answer(postReservation(w, MEMBERS.otherPilot, { aircraftId, start: at(2, 10), end: at(2, 12) }));
      const { reservationId } = parse(booked).reservation as Reservation;
      await answer(deleteReservation(w, MEMBERS.otherPilot, reservationId));
      await answer(w.listReservations(request(MEMBERS.pilot, { method: 'GET', path: '/reservations', query: { next: 'forged.cursor' } })));
      w.table.failNextCommand = new Error('socket hang up');
      await answer(w.getAircraft(request(MEMBERS.pilot, { method: 'GET', path: `/aircraft/${aircraftId}`, pathParameters: { aircraftId } })));
      await answer(deleteReservation(w, MEMBERS.pilot, reservationId));
    });

    expect(answers.map((result) => result.statusCode)).toEqual([201, 403, 409, 400, 201, 409, 403, 400, 500, 204]);
    expect(w.sessionCredentials.every((credentials) => JSON.stringify(credentials) === JSON.stringify(CREDENTIALS))).toBe(true);
    // The refusals, the bad cursor and the fault were all logged: the search below reads real lines.
    expect(['access denied', 'list cursor refused', 'unexpected error'].filter((message) => !lines.some((line) => line.includes(message)))).toEqual([]);
    const written = [...answers.map((result) => JSON.stringify(result)), ...lines, ...w.published.map((event) => JSON.stringify(event))];
    for (const secret of Object.values(CREDENTIALS)) {
      expect(written.filter((text) => text.includes(secret))).toEqual([]);
    }
  });
});
