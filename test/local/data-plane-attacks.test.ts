import {
  BatchExecuteStatementCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  ExecuteStatementCommand,
  ExecuteTransactionCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { marshall } from '@aws-sdk/util-dynamodb';
import { randomUUID } from 'node:crypto';
import { aircraftItem, registrationClaimItem, type Aircraft } from '../../domain/aircraft';
import { encodeCursorPayload } from '../../domain/cursor-codec';
import { aircraftKey, auditPartition, DATA_KIND, registrationKey, reservationKey, roleKey, SORT_KEY, tenantDataPartition, tenantPartition, userPartition, type ItemKey } from '../../domain/keys';
import { encodeListCursor } from '../../domain/list-cursor';
import { ADMIN_ROLE_ID } from '../../domain/permissions';
import { reservationItems, type Interval, type Reservation } from '../../domain/reservations';
import type { FanOutPosition } from '../../domain/sharding';
import { USER_INDEX } from '../../domain/table';
import { DETAIL_TYPE } from '../../events/catalog';
import { FUNCTIONS } from '../../handlers/catalog';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { DEMO_ROLES } from '../../local/seed';
import { api, clients, cloudLog, eventually, invokeAuthorizer, mintCredentials, outputs, signedFetch, type ApiResponse } from './support';
import { auditRecords, createRole, errorOf, fieldsOf, getItem, joined, newTenant, type Tenant, type User } from './tenant-fixtures';
import { bookingSlots, DAY, iso } from './booking-slots';

/**
 * Attacks on the data plane (aircraft, reservations) through the real REST API, authorizer (and
 * its 30 s result cache), IAM gateway and DynamoDB Local: tenant credentials used directly (as a
 * compromised data-plane function could use them), forged cursors, hostile query strings and
 * bodies, races between writes, roles changed or taken away between requests, and what answers
 * and logs tell. Each test passes when the system defends; the one that pins what IAM deliberately
 * leaves to the functions (README, "Tenant-scoped credentials") says so in its name.
 */

type Json = Record<string, unknown>;
type Credentials = Awaited<ReturnType<typeof mintCredentials>>;

const DENIED = 'AccessDeniedException';
const table = () => outputs().tableName;
const admin = clients().dynamodb;
const run = randomUUID().slice(0, 8);

/** Whole hours three days ahead (data-plane-routes.test.ts books from two days ahead). */
const SLOTS = bookingSlots(3);
const FIRST_SLOT = SLOTS.first;
const nextSlot = (): Interval => SLOTS.next();

let registrationsTaken = 0;
const freshRegistration = (): string => `AT-${run.slice(0, 4).toUpperCase()}-${(registrationsTaken += 1)}`;

let a: Tenant;
let b: Tenant;
let pilot: User;
let otherPilot: User;
let instructor: User;
let booker: User;
let leaver: User;
let deputy: User;
let doomed: User;
let doomedRole: string;
let fleet: Aircraft[];

const demoActions = (name: string) => DEMO_ROLES.find((role) => role.name === name)?.actions ?? [];

beforeAll(async () => {
  [a, b] = await Promise.all([newTenant('attack-a'), newTenant('attack-b')]);
  const [pilotRole, instructorRole, bookerRole] = await Promise.all([
    createRole(a, 'Pilot', demoActions('Pilot')),
    createRole(a, 'Instructor', demoActions('Instructor')),
    createRole(a, 'Booker', ['reservation:create']),
  ]);
  doomedRole = await createRole(a, 'Doomed', demoActions('Pilot'));
  [pilot, otherPilot, instructor, booker, leaver, deputy, doomed] = await Promise.all([
    joined(a, pilotRole, 'attack-pilot'),
    joined(a, pilotRole, 'attack-other'),
    joined(a, instructorRole, 'attack-instructor'),
    joined(a, bookerRole, 'attack-booker'),
    joined(a, pilotRole, 'attack-leaver'),
    joined(a, ADMIN_ROLE_ID, 'attack-deputy'),
    joined(a, doomedRole, 'attack-doomed'),
  ]);
  fleet = await Promise.all([newAircraft(), newAircraft(), newAircraft()]);
});

afterAll(() => admin.destroy());

async function newAircraft(tenant: Tenant = a, registration = freshRegistration()): Promise<Aircraft> {
  const created = await api<{ aircraft: Aircraft }>('POST', '/aircraft', tenant.admin.idToken, { registration, model: 'Cessna 172S', seats: 4 });
  expect(created.status).toBe(201);
  return created.body.aircraft;
}

async function book(member: User, aircraftId: string, slot: Interval = nextSlot()): Promise<Reservation> {
  const booked = await api<{ reservation: Reservation }>('POST', '/reservations', member.idToken, { aircraftId, ...slot });
  expect(booked.status).toBe(201);
  return booked.body.reservation;
}

/** A request whose body is sent exactly as written. */
async function rawApi(member: User, method: string, path: string, text: string): Promise<ApiResponse> {
  const response = await fetch(`${outputs().apiUrl}${path}`, { method, headers: { authorization: `Bearer ${member.idToken}`, 'content-type': 'application/json' }, body: text });
  const answer = await response.text();
  return { status: response.status, body: (answer ? JSON.parse(answer) : {}) as Json };
}

/** A DynamoDB call whose JSON is sent exactly as written, signed with `credentials`: what the SDK would never send. */
async function rawDynamoDb(operation: string, text: string, credentials: Credentials): Promise<{ status: number; text: string }> {
  const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${operation}` };
  const response = await signedFetch('/', { method: 'POST', service: 'dynamodb', headers, body: text }, credentials);
  return { status: response.status, text: await response.text() };
}

/** What a call came to: `allowed`, or the name of the error that refused it. */
const outcomeOf = (call: Promise<unknown>): Promise<string> =>
  call.then(
    () => 'allowed',
    (error: unknown) => (error instanceof Error ? error.name : String(error)),
  );

async function outcomes(calls: Record<string, Promise<unknown>>): Promise<Record<string, string>> {
  const settled = await Promise.all(Object.entries(calls).map(async ([label, call]) => [label, await outcomeOf(call)] as const));
  return Object.fromEntries(settled);
}

/** The fields an answer's error names: none for an answer that is no error. */
const fieldsNamed = (response: ApiResponse): string[] => (response.status < 400 ? [] : fieldsOf(response));
const queryOf = (partition: string, prefix: string) =>
  new QueryCommand({ TableName: table(), KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)', ExpressionAttributeValues: { ':pk': { S: partition }, ':prefix': { S: prefix } } });
const dynamoKey = (key: ItemKey): Record<string, AttributeValue> => ({ PK: { S: key.PK }, SK: { S: key.SK } });
const statusOf = (response: ApiResponse): number => response.status;
const reservationsOf = (response: ApiResponse): Reservation[] => (response.body as { reservations?: Reservation[] }).reservations ?? [];
const aircraftOf = (response: ApiResponse): Aircraft[] => (response.body as { aircraft?: Aircraft[] }).aircraft ?? [];

describe("a pilot's own tenant credentials, used directly (what a compromised data-plane function could do)", () => {
  let credentials: Credentials;
  let asPilot: DynamoDBClient;

  beforeAll(async () => {
    credentials = await mintCredentials({ userId: pilot.userId, tenantId: a.tenantId });
    asPilot = clients(credentials).dynamodb;
  });

  afterAll(() => asPilot.destroy());

  it('pin what IAM leaves to the functions (README): any member’s credentials may double-book, squat a registration, reset a schedule version, take over a reservation, add an aircraft, and read the members and the audit trail', async () => {
    const [aircraft] = fleet;
    const slot = nextSlot();
    const theirs = await book(otherPilot, aircraft?.aircraftId ?? '', slot);
    const overlap = reservationItems(a.tenantId, { reservationId: randomUUID(), aircraftId: theirs.aircraftId, userId: pilot.userId, ...slot }, iso(Date.now()));
    const squatted = freshRegistration();
    const planted: Aircraft = { aircraftId: randomUUID(), registration: freshRegistration(), model: 'Planted', seats: 2 };
    const put = (item: Json) => asPilot.send(new PutItemCommand({ TableName: table(), Item: marshall(item) }));
    const set = (key: ItemKey, expression: string, values: Record<string, AttributeValue>) =>
      asPilot.send(new UpdateItemCommand({ TableName: table(), Key: dynamoKey(key), UpdateExpression: expression, ExpressionAttributeValues: values }));

    const writes = await outcomes({
      'an overlapping schedule item': put(overlap.schedule),
      'a registration claim of no aircraft': put(registrationClaimItem(a.tenantId, squatted, randomUUID())),
      'the schedule version reset': set(aircraftKey(a.tenantId, theirs.aircraftId), 'SET scheduleVersion = :zero', { ':zero': { N: '0' } }),
      "another member's reservation made its own": set(reservationKey(a.tenantId, theirs.reservationId), 'SET userId = :me', { ':me': { S: pilot.userId } }),
      'an aircraft, by a role without aircraft:write': put(aircraftItem(a.tenantId, planted, iso(Date.now()))),
    });
    const members = await asPilot.send(queryOf(tenantPartition(a.tenantId), SORT_KEY.memberPrefix));
    const trail = await asPilot.send(queryOf(auditPartition(a.tenantId), SORT_KEY.auditRecordPrefix));

    expect(Object.values(writes)).toEqual(Object.values(writes).map(() => 'allowed'));
    const schedule = await api('GET', `/reservations?aircraftId=${theirs.aircraftId}&from=${slot.start}&to=${slot.end}`, a.admin.idToken);
    expect(reservationsOf(schedule).map((reservation) => reservation.userId).sort()).toEqual([otherPilot.userId, pilot.userId].sort());
    expect(statusOf(await api('POST', '/aircraft', a.admin.idToken, { registration: squatted, model: 'Cessna 152' }))).toBe(409);
    expect(statusOf(await api('DELETE', `/reservations/${theirs.reservationId}`, pilot.idToken))).toBe(204);
    // Reads too: the member list with every address (no member:read) and the audit trail (no audit:read).
    expect((members.Items ?? []).map((item) => item.email?.S)).toContain(otherPilot.email);
    expect((trail.Items ?? []).length).toBeGreaterThan(0);
  });

  it('are denied every write that names a key of the user index, whatever form the write takes, and nothing reaches the index', async () => {
    const poison = userPartition(`poison-${run}`);
    const own = (label: string): Record<string, AttributeValue> => dynamoKey({ PK: tenantDataPartition(a.tenantId, DATA_KIND.aircraft, 1), SK: `INDEX#${label}#${run}` });
    const indexKeys = { [USER_INDEX.partitionKey]: { S: poison }, [USER_INDEX.sortKey]: { S: `TENANT#${a.tenantId}` } };
    const update = (label: string, input: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], 'TableName' | 'Key'>) =>
      asPilot.send(new UpdateItemCommand({ TableName: table(), Key: own(label), ...input }));

    const writes = await outcomes({
      'PutItem with the index sort key only': asPilot.send(new PutItemCommand({ TableName: table(), Item: { ...own('put'), [USER_INDEX.sortKey]: { S: 'TENANT#x' } } })),
      'UpdateItem SET by name': update('set', { UpdateExpression: `SET ${USER_INDEX.partitionKey} = :p`, ExpressionAttributeValues: { ':p': { S: poison } } }),
      'UpdateItem SET by placeholder': update('placeholder', { UpdateExpression: 'SET #p = :p', ExpressionAttributeNames: { '#p': USER_INDEX.partitionKey }, ExpressionAttributeValues: { ':p': { S: poison } } }),
      'UpdateItem legacy AttributeUpdates': update('legacy', { AttributeUpdates: { [USER_INDEX.partitionKey]: { Action: 'PUT', Value: { S: poison } } } }),
      'UpdateItem naming it on the right of a SET': update('right', { UpdateExpression: `SET note = if_not_exists(${USER_INDEX.partitionKey}, :p)`, ExpressionAttributeValues: { ':p': { S: poison } } }),
      'TransactWriteItems Put': asPilot.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: table(), Item: { ...own('tx-put'), ...indexKeys } } }] })),
      'TransactWriteItems Update': asPilot.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Update: { TableName: table(), Key: own('tx-update'), UpdateExpression: 'SET #p = :p', ExpressionAttributeNames: { '#p': USER_INDEX.partitionKey }, ExpressionAttributeValues: { ':p': { S: poison } } } }],
        }),
      ),
      BatchWriteItem: asPilot.send(new BatchWriteItemCommand({ RequestItems: { [table()]: [{ PutRequest: { Item: { ...own('batch'), ...indexKeys } } }] } })),
    });

    expect(writes).toEqual(Object.fromEntries(Object.keys(writes).map((label) => [label, DENIED])));
    const { Items = [] } = await admin.send(
      new QueryCommand({ TableName: table(), IndexName: USER_INDEX.indexName, KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': USER_INDEX.partitionKey }, ExpressionAttributeValues: { ':p': { S: poison } } }),
    );
    expect(Items).toEqual([]);
  });

  it('are denied PartiQL in every form, even on their own partitions', async () => {
    const own = tenantDataPartition(a.tenantId, DATA_KIND.aircraft, 2);

    const statements = await outcomes({
      'ExecuteStatement SELECT': asPilot.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table()}" WHERE PK = ?`, Parameters: [{ S: own }] })),
      'ExecuteStatement INSERT': asPilot.send(
        new ExecuteStatementCommand({ Statement: `INSERT INTO "${table()}" VALUE {'PK': ?, 'SK': ?, '${USER_INDEX.partitionKey}': ?}`, Parameters: [{ S: own }, { S: `PARTIQL#${run}` }, { S: userPartition(run) }] }),
      ),
      BatchExecuteStatement: asPilot.send(new BatchExecuteStatementCommand({ Statements: [{ Statement: `SELECT * FROM "${table()}" WHERE PK = ? AND SK = ?`, Parameters: [{ S: own }, { S: 'X' }] }] })),
      ExecuteTransaction: asPilot.send(
        new ExecuteTransactionCommand({ TransactStatements: [{ Statement: `INSERT INTO "${table()}" VALUE {'PK': ?, 'SK': ?}`, Parameters: [{ S: own }, { S: `PARTIQL-TX#${run}` }] }] }),
      ),
    });

    expect(statements).toEqual(Object.fromEntries(Object.keys(statements).map((label) => [label, DENIED])));
    expect(await getItem({ PK: own, SK: `PARTIQL#${run}` })).toBeUndefined();
  });

  it("reach no item of another tenant with JSON a second parser could read otherwise (a member or placeholder given twice, a batch element that puts and deletes, a start key in the other tenant's partition)", async () => {
    const victim: ItemKey = { PK: tenantDataPartition(b.tenantId, DATA_KIND.aircraft, 0), SK: `VICTIM#${run}` };
    const secret = `victim-note-${run}`;
    await admin.send(new PutItemCommand({ TableName: table(), Item: { ...dynamoKey(victim), note: { S: secret } } }));
    const ownKey: ItemKey = { PK: tenantDataPartition(a.tenantId, DATA_KIND.aircraft, 0), SK: `DECOY#${run}` };
    const planted: ItemKey = { PK: victim.PK, SK: `PLANTED#${run}` };
    const keyJson = (key: ItemKey) => `{"PK":{"S":"${key.PK}"},"SK":{"S":"${key.SK}"}}`;
    const t = `"TableName":"${table()}"`;

    const answers = await Promise.all([
      rawDynamoDb('GetItem', `{${t},"Key":${keyJson(victim)},"Key":${keyJson(ownKey)},"ConsistentRead":true}`, credentials),
      rawDynamoDb('GetItem', `{${t},"Key":{"PK":{"S":"${victim.PK}"},"PK":{"S":"${ownKey.PK}"},"SK":{"S":"${victim.SK}"}},"ConsistentRead":true}`, credentials),
      rawDynamoDb('GetItem', `{${t},"Key":{"PK":{"S":"${victim.PK}","S":"${ownKey.PK}"},"SK":{"S":"${victim.SK}"}},"ConsistentRead":true}`, credentials),
      rawDynamoDb('PutItem', `{${t},"Item":${keyJson(planted)},"Item":${keyJson(ownKey)}}`, credentials),
      rawDynamoDb('DeleteItem', `{${t},"Key":${keyJson(victim)},"Key":${keyJson(ownKey)}}`, credentials),
      rawDynamoDb('TransactWriteItems', `{"TransactItems":[{"Put":{${t},"Item":${keyJson(planted)}},"Put":{${t},"Item":${keyJson(ownKey)}}}]}`, credentials),
      rawDynamoDb('Query', `{${t},"KeyConditionExpression":"PK = :pk","ExpressionAttributeValues":{":pk":{"S":"${victim.PK}"},":pk":{"S":"${ownKey.PK}"}},"ConsistentRead":true}`, credentials),
      rawDynamoDb('Query', `{${t},"KeyConditionExpression":"PK = :pk","ExpressionAttributeValues":{":pk":{"S":"${ownKey.PK}"}},"ExclusiveStartKey":{"PK":{"S":"${victim.PK}"},"SK":{"S":"VICTIM#"}}}`, credentials),
      rawDynamoDb('BatchWriteItem', `{"RequestItems":{"${table()}":[{"PutRequest":{"Item":${keyJson(ownKey)}},"DeleteRequest":{"Key":${keyJson(victim)}}}]}}`, credentials),
    ]);

    expect(answers.filter((answer) => answer.text.includes(secret))).toEqual([]);
    expect((await getItem(victim))?.note).toEqual({ S: secret });
    expect(await getItem(planted)).toBeUndefined();
  });
});

/** How many faults (500s) the route wrapper has logged in `log`. */
const faultsIn = (log: string): number => (log.match(/unexpected error/g) ?? []).length;
const faultsLogged = (): number => faultsIn(cloudLog());

/** The local cloud's log once it holds more than `before` faults: those of the requests just made are in it. */
const logAfterFaults = (before: number): Promise<string> =>
  eventually(async () => {
    const log = cloudLog();
    return faultsIn(log) > before ? log : undefined;
  }, 'the 500 logged');

/** A data-plane function invoked with an event that did not come through the authorizer (a misrouted or forged one), as the local administrator. */
async function invokeWithContext(functionName: string, event: { httpMethod: string; path: string; body?: Json }, context: Record<string, string>): Promise<ApiResponse> {
  const { endpoint, region } = outputs();
  const lambda = new LambdaClient({ endpoint, region, credentials: LOCAL_ADMIN_CREDENTIALS, disableHostPrefix: true });
  try {
    const payload = {
      httpMethod: event.httpMethod,
      path: event.path,
      body: event.body === undefined ? null : JSON.stringify(event.body),
      pathParameters: null,
      queryStringParameters: null,
      requestContext: { requestId: randomUUID(), authorizer: context },
    };
    const response = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(payload) }));
    const result = JSON.parse(new TextDecoder().decode(response.Payload)) as { statusCode: number; body: string };
    return { status: result.statusCode, body: (result.body ? JSON.parse(result.body) : {}) as Json };
  } finally {
    lambda.destroy();
  }
}

describe('a data-plane function handed a forged authorizer context (what IAM decides when the context lies)', () => {
  let credentials: Credentials;
  const contextOf = (tenantId: string, roleId: string): Record<string, string> => ({
    userId: pilot.userId,
    username: pilot.username,
    email: pilot.email,
    tenantId,
    roleId,
    groups: '[]',
    ...(credentials as Required<Credentials>),
  });

  beforeAll(async () => {
    credentials = await mintCredentials({ userId: pilot.userId, tenantId: a.tenantId });
  });

  it("naming tenant B as admin with a pilot of A's credentials reads and writes nothing of B: IAM refuses every call (500), B's data is as it was", async () => {
    const registration = freshRegistration();
    const theirs = await newAircraft(b);
    const before = faultsLogged();

    const responses = await Promise.all([
      invokeWithContext(FUNCTIONS.createAircraft.name, { httpMethod: 'POST', path: '/aircraft', body: { registration, model: 'Smuggled' } }, contextOf(b.tenantId, ADMIN_ROLE_ID)),
      invokeWithContext(FUNCTIONS.listAircraft.name, { httpMethod: 'GET', path: '/aircraft' }, contextOf(b.tenantId, ADMIN_ROLE_ID)),
    ]);

    expect(responses.map(statusOf)).toEqual([500, 500]);
    expect(JSON.stringify(responses.map((response) => response.body))).not.toContain(theirs.aircraftId);
    expect(await getItem(registrationKey(b.tenantId, registration))).toBeUndefined();
    const log = await logAfterFaults(before);
    expect([log.includes(credentials.secretAccessKey), log.includes(credentials.sessionToken ?? '')]).toEqual([false, false]);
  });

  it("naming the pilot's own tenant with the admin role is judged by the membership item: 403, nothing written", async () => {
    const registration = freshRegistration();

    const response = await invokeWithContext(FUNCTIONS.createAircraft.name, { httpMethod: 'POST', path: '/aircraft', body: { registration, model: 'Promoted' } }, contextOf(a.tenantId, ADMIN_ROLE_ID));

    expect(response.status).toBe(403);
    expect(await getItem(registrationKey(a.tenantId, registration))).toBeUndefined();
  });
});

/** A cursor's positions as its wire form writes them: 0 not read, 1 read to the end, or a sort key. */
const positions = (entries: readonly (string | 0 | 1)[]): FanOutPosition =>
  entries.map((entry) => (entry === 0 ? { state: 'start' as const } : entry === 1 ? { state: 'done' as const } : { state: 'after' as const, after: entry }));
const firstShardAt = (position: string): (string | 0 | 1)[] => [position, 1, 1, 1, 1, 1, 1, 1];
const everyShardAt = (position: string): string[] => Array.from({ length: 8 }, () => position);

/** What anyone can compute: the checksum is no key (domain/cursor-codec.ts). */
const aircraftCursor = (entries: readonly (string | 0 | 1)[], tenantId = a.tenantId): string => encodeListCursor({ tenantId, list: 'aircraft', query: '', position: positions(entries) });
interface Filter {
  readonly aircraftId?: string;
  readonly from?: string;
  readonly to?: string;
}
const reservationsCursor = (filter: Filter, entries: readonly (string | 0 | 1)[]): string =>
  encodeListCursor({ tenantId: a.tenantId, list: 'reservations', query: JSON.stringify([filter.aircraftId ?? null, filter.from ?? null, filter.to ?? null]), position: positions(entries) });
const listPath = (path: string, parameters: Record<string, string | undefined>): string =>
  `${path}?${new URLSearchParams(Object.entries(parameters).flatMap(([name, value]): [string, string][] => (value === undefined ? [] : [[name, value]])))}`;

const FROM = '2027-06-01T00:00:00.000Z';
const TO = '2027-06-08T00:00:00.000Z';
const FROM_LESS_14_DAYS = '2027-05-18T00:00:00.000Z';
const aircraftId = () => fleet[0]?.aircraftId ?? '';
const otherAircraftId = () => fleet[1]?.aircraftId ?? '';

describe('forged next cursors (the checksum is public: anyone can write one)', () => {
  it.each<[string, () => string]>([
    ['an aircraft position on a schedule item beside the aircraft', () => listPath('/aircraft', { next: aircraftCursor(firstShardAt(`SCHEDULE#${aircraftId()}#x`)) })],
    ['an aircraft position past the range’s bound (~~)', () => listPath('/aircraft', { next: aircraftCursor(firstShardAt('AIRCRAFT#~~')) })],
    ['an aircraft position with a letter above ~ (é)', () => listPath('/aircraft', { next: aircraftCursor(firstShardAt('AIRCRAFT#é')) })],
    ['an aircraft position of 1025 UTF-8 bytes', () => listPath('/aircraft', { next: aircraftCursor(firstShardAt(`AIRCRAFT#${'a'.repeat(1016)}`)) })],
    ['an aircraft cursor of seven shards', () => listPath('/aircraft', { next: aircraftCursor([0, 0, 0, 0, 0, 0, 0]) })],
    ['an aircraft cursor of nine shards', () => listPath('/aircraft', { next: aircraftCursor([0, 0, 0, 0, 0, 0, 0, 0, 0]) })],
    ['an aircraft cursor with every shard read to its end', () => listPath('/aircraft', { next: aircraftCursor([1, 1, 1, 1, 1, 1, 1, 1]) })],
    ["an aircraft cursor naming tenant B, with A's own positions", () => listPath('/aircraft', { next: aircraftCursor([0, 0, 0, 0, 0, 0, 0, 0], b.tenantId) })],
    ['an aircraft cursor on the reservations list', () => listPath('/reservations', { next: aircraftCursor([0, 0, 0, 0, 0, 0, 0, 0]) })],
    ['a reservations position on a by-id item', () => listPath('/reservations', { next: reservationsCursor({}, firstShardAt(`RES#${randomUUID()}`)) })],
    ["a schedule position in another aircraft's schedule", () => listPath('/reservations', { aircraftId: aircraftId(), next: reservationsCursor({ aircraftId: aircraftId() }, [`SCHEDULE#${otherAircraftId()}#${FROM}#x`]) })],
    ['a window position before the window’s lowest start', () => listPath('/reservations', { from: FROM, to: TO, next: reservationsCursor({ from: FROM, to: TO }, firstShardAt(`START#2027-05-17T23:59:59.999Z#x`)) })],
    ['a window position after the window’s end', () => listPath('/reservations', { from: FROM, to: TO, next: reservationsCursor({ from: FROM, to: TO }, firstShardAt(`START#${TO}#x`)) })],
    ['a cursor of version 2', () => listPath('/aircraft', { next: encodeCursorPayload({ v: 2, t: a.tenantId, l: 'aircraft', q: '', p: [0, 0, 0, 0, 0, 0, 0, 0] }) })],
    ['a cursor whose position is the number 2', () => listPath('/aircraft', { next: encodeCursorPayload({ v: 1, t: a.tenantId, l: 'aircraft', q: '', p: [2, 0, 0, 0, 0, 0, 0, 0] }) })],
    ['a cursor with a member the format does not have', () => listPath('/aircraft', { next: encodeCursorPayload({ v: 1, t: a.tenantId, l: 'aircraft', q: '', p: [0, 0, 0, 0, 0, 0, 0, 0], x: 1 }) })],
  ])('%s: 400 naming next', async (_what, path) => {
    const response = await api('GET', path(), a.admin.idToken);

    expect([response.status, fieldsNamed(response)]).toEqual([400, ['next']]);
  });

  it.each<[string, () => string]>([
    ['every aircraft shard at the bare prefix (AIRCRAFT#)', () => listPath('/aircraft', { next: aircraftCursor(everyShardAt('AIRCRAFT#')) })],
    ['an aircraft position of exactly 1024 UTF-8 bytes', () => listPath('/aircraft', { next: aircraftCursor(firstShardAt(`AIRCRAFT#${'z'.repeat(1015)}`)) })],
    ['an aircraft position holding NUL', () => listPath('/aircraft', { next: aircraftCursor(firstShardAt('AIRCRAFT#\u0000')) })],
    ['a window position at its lowest start', () => listPath('/reservations', { from: FROM, to: TO, next: reservationsCursor({ from: FROM, to: TO }, firstShardAt(`START#${FROM_LESS_14_DAYS}`)) })],
    ['a window position with a letter above ~ inside the window', () => listPath('/reservations', { from: FROM, to: TO, next: reservationsCursor({ from: FROM, to: TO }, firstShardAt(`START#2027-06-02é`)) })],
  ])('%s: 200, a page DynamoDB accepted', async (_what, path) => {
    const response = await api('GET', path(), a.admin.idToken);

    expect(response.status).toBe(200);
  });

  /** What a forged position at the edge may come to: a page, or a 400 naming next; a ValidationException from DynamoDB (500) is the bug. */
  const EITHER = [
    [200, []],
    [400, ['next']],
  ];

  it.each<[string, () => string]>([
    ['every aircraft shard at AIRCRAFT#~ (begins_with)', () => listPath('/aircraft', { next: aircraftCursor(everyShardAt('AIRCRAFT#~')) })],
    ["one aircraft's schedule at SCHEDULE#{id}#~ (begins_with)", () => listPath('/reservations', { aircraftId: aircraftId(), next: reservationsCursor({ aircraftId: aircraftId() }, [`SCHEDULE#${aircraftId()}#~`]) })],
    ['a window at START#{to} (BETWEEN)', () => listPath('/reservations', { from: FROM, to: TO, next: reservationsCursor({ from: FROM, to: TO }, firstShardAt(`START#${TO}`)) })],
    ['a window with only from, at START#~ (BETWEEN)', () => listPath('/reservations', { from: FROM, next: reservationsCursor({ from: FROM }, firstShardAt('START#~')) })],
    ['a window with only to, at START#{to} (BETWEEN)', () => listPath('/reservations', { to: TO, next: reservationsCursor({ to: TO }, firstShardAt(`START#${TO}`)) })],
    ["one aircraft's window at SCHEDULE#{id}#{to} (BETWEEN)", () => listPath('/reservations', { aircraftId: aircraftId(), from: FROM, to: TO, next: reservationsCursor({ aircraftId: aircraftId(), from: FROM, to: TO }, [`SCHEDULE#${aircraftId()}#${TO}`]) })],
    ['a window position holding a lone surrogate (inside the window by UTF-16 order)', () => listPath('/reservations', { from: FROM, to: TO, next: reservationsCursor({ from: FROM, to: TO }, firstShardAt('START#2027-06-02\ud800')) })],
  ])('a position at the upper bound of its range, %s: a page or a 400 naming next, never a 500', async (_what, path) => {
    const response = await api('GET', path(), a.admin.idToken);

    expect(EITHER).toContainEqual([response.status, fieldsNamed(response)]);
  });
});

describe('hostile query strings', () => {
  it('a parameter given twice is read as API Gateway reads it (the last), and that value is the one checked', async () => {
    const responses = await Promise.all([
      api('GET', '/aircraft?limit=1&limit=2', a.admin.idToken),
      api('GET', '/aircraft?limit=101&limit=2', a.admin.idToken),
      api('GET', '/aircraft?limit=2&limit=101', a.admin.idToken),
      api('GET', `/aircraft?next=${aircraftCursor(everyShardAt('AIRCRAFT#'))}&next=forged`, a.admin.idToken),
    ]);

    expect(responses.map((response) => [response.status, aircraftOf(response).length])).toEqual([
      [200, 2],
      [200, 2],
      [400, 0],
      [400, 0],
    ]);
    expect([fieldsOf(responses[2] as ApiResponse), fieldsOf(responses[3] as ApiResponse)]).toEqual([['limit'], ['next']]);
  });

  it.each<[string, number, string[]]>([
    ['from=0000-01-01T00:00:00Z', 200, []],
    ['to=9999-12-31T23:59:59.999Z', 200, []],
    ['from=0000-01-01T00:00:00Z&to=0000-01-02T00:00:00Z', 200, []],
    ['from=2026-12-01T24:00:00Z', 400, ['from']],
    ['to=2026-12-31T23:59:60Z', 400, ['to']],
    ['from=2027-02-29T00:00:00Z', 400, ['from']],
    ['from=%2B002027-01-01T00:00:00Z', 400, ['from']],
    ['from=2027-01-01T00:00:00%2B00:00', 400, ['from']],
    [`aircraftId=${randomUUID()}&from=0000-01-01T00:00:00Z&to=9999-12-31T23:59:59.999Z`, 200, []],
  ])('GET /reservations?%s answers %i', async (query, status, fields) => {
    const response = await api('GET', `/reservations?${query}`, a.admin.idToken);

    expect([response.status, fieldsNamed(response)]).toEqual([status, fields]);
  });

  it('a window from the year 0000 pages on: its lowest start (year −1) bounds the positions its own cursor hands out', async () => {
    await Promise.all([book(pilot, otherAircraftId()), book(pilot, otherAircraftId())]);
    const first = await api<{ next?: string }>('GET', '/reservations?from=0000-01-01T00:00:00Z&limit=1', a.admin.idToken);
    const next = first.body.next ?? '';

    const second = await api('GET', `/reservations?from=0000-01-01T00:00:00Z&limit=1&next=${next}`, a.admin.idToken);

    expect([first.status, next.length > 0, second.status]).toEqual([200, true, 200]);
  });

  it.each<[string, string, (slot: Interval) => Json]>([
    ['a start at 24:00', 'start', (slot) => ({ start: `${slot.start.slice(0, 10)}T24:00:00Z` })],
    ['a length of 14 days and a millisecond', 'end', (slot) => ({ end: iso(Date.parse(slot.start) + 14 * DAY + 1) })],
    ['a start in the year 9999', 'start', () => ({ start: '9999-12-30T00:00:00Z', end: '9999-12-30T01:00:00Z' })],
  ])('POST /reservations with %s is a 400 naming %s', async (_what, field, change) => {
    const slot = nextSlot();

    const response = await api('POST', '/reservations', pilot.idToken, { aircraftId: aircraftId(), ...slot, ...change(slot) });

    expect([response.status, fieldsNamed(response)]).toEqual([400, [field]]);
  });
});

describe('hostile bodies', () => {
  it.each<[string, string]>([
    ['__proto__', '{"registration":"%R","model":"Cessna","__proto__":{"seats":500}}'],
    ['constructor.prototype', '{"registration":"%R","model":"Cessna","constructor":{"prototype":{"polluted":true}}}'],
  ])('POST /aircraft with a %s member is a 400 naming the body, and claims nothing', async (_what, template) => {
    const registration = freshRegistration();

    const response = await rawApi(a.admin, 'POST', '/aircraft', template.replace('%R', registration));

    expect([response.status, fieldsNamed(response)]).toEqual([400, ['(body)']]);
    expect(await getItem(registrationKey(a.tenantId, registration))).toBeUndefined();
  });

  it('PUT /aircraft/{id} with a __proto__ member is a 400 and changes nothing', async () => {
    const [aircraft] = fleet;

    const response = await rawApi(a.admin, 'PUT', `/aircraft/${aircraft?.aircraftId}`, '{"__proto__":{"seats":999},"model":"Polluted"}');

    expect([response.status, fieldsNamed(response)]).toEqual([400, ['(body)']]);
    expect((await api<{ aircraft: Aircraft }>('GET', `/aircraft/${aircraft?.aircraftId}`, a.admin.idToken)).body.aircraft).toEqual(aircraft);
  });

  it('a body over 10 MB is refused by the gateway (413); a 1 MB model, a body nested 100,000 deep and 1e400 seats are 400s', async () => {
    const registration = freshRegistration();
    const responses = await Promise.all([
      rawApi(a.admin, 'POST', '/aircraft', `{"registration":"${registration}","model":"${'m'.repeat(10 * 1024 * 1024)}"}`),
      rawApi(a.admin, 'POST', '/aircraft', `{"registration":"${registration}","model":"${'m'.repeat(1024 * 1024)}"}`),
      rawApi(a.admin, 'POST', '/aircraft', `{"registration":${'['.repeat(100_000)}${']'.repeat(100_000)},"model":"x"}`),
      rawApi(a.admin, 'POST', '/aircraft', `{"registration":"${registration}","model":"x","seats":1e400}`),
    ]);

    expect(responses.map(statusOf)).toEqual([413, 400, 400, 400]);
    expect([fieldsOf(responses[1] as ApiResponse), fieldsOf(responses[3] as ApiResponse)]).toEqual([['model'], ['seats']]);
    expect(await getItem(registrationKey(a.tenantId, registration))).toBeUndefined();
  });

  it('numbers JSON spells otherwise are the numbers they are: 1e3 and 4.0 seats are 1000 and 4, -0 seats is a 400', async () => {
    const [thousand, four, negativeZero] = [freshRegistration(), freshRegistration(), freshRegistration()];

    const responses = await Promise.all([
      rawApi(a.admin, 'POST', '/aircraft', `{"registration":"${thousand}","model":"Airliner","seats":1e3}`),
      rawApi(a.admin, 'POST', '/aircraft', `{"registration":"${four}","model":"Cessna","seats":4.0}`),
      rawApi(a.admin, 'POST', '/aircraft', `{"registration":"${negativeZero}","model":"Cessna","seats":-0}`),
    ]);

    expect(responses.map((response) => [response.status, (response.body as { aircraft?: Aircraft }).aircraft?.seats])).toEqual([
      [201, 1000],
      [201, 4],
      [400, undefined],
    ]);
  });

  it.each<[string, string]>([
    ['a lone surrogate', '\\ud800'],
    ['a right-to-left override', 'Cessna \\u202e271'],
    ['a zero-width space', 'Cess\\u200bna'],
    ['NUL', 'Cessna\\u0000'],
  ])('a model holding %s is a 400 naming model', async (_what, model) => {
    const response = await rawApi(a.admin, 'POST', '/aircraft', `{"registration":"${freshRegistration()}","model":"${model}"}`);

    expect([response.status, fieldsNamed(response)]).toEqual([400, ['model']]);
  });

  it('a model that draws nothing (a Hangul filler, a Braille blank, a private-use character) is a 400 naming model, as a tenant name of it would be', async () => {
    const responses = await Promise.all(['\u3164', '\u2800', '\ue000'].map((model) => api('POST', '/aircraft', a.admin.idToken, { registration: freshRegistration(), model })));

    expect(responses.map((response) => [response.status, fieldsNamed(response)])).toEqual(responses.map(() => [400, ['model']]));
  });

  it('a registration with trailing white space (space, no-break space) is the same registration (409); look-alike letters (Cyrillic А, fullwidth Ｇ) are 400s', async () => {
    const registration = freshRegistration();
    await newAircraft(a, registration);

    const responses = await Promise.all([
      api('POST', '/aircraft', a.admin.idToken, { registration: `${registration} `, model: 'Twin' }),
      api('POST', '/aircraft', a.admin.idToken, { registration: `${registration.toLowerCase()}\u00a0`, model: 'Twin' }),
      api('POST', '/aircraft', a.admin.idToken, { registration: registration.replace('A', '\u0410'), model: 'Twin' }),
      api('POST', '/aircraft', a.admin.idToken, { registration: `\uff27${registration.slice(1)}`, model: 'Twin' }),
    ]);

    expect(responses.map((response) => [response.status, fieldsNamed(response)])).toEqual([
      [409, []],
      [409, []],
      [400, ['registration']],
      [400, ['registration']],
    ]);
  });
});

/**
 * What must hold between aircraft and registration claims, for the aircraft and registrations a
 * race touched: every aircraft holds the claim of its registration, and every claim names an
 * aircraft that exists and has that registration. Read consistently, as the platform would.
 */
async function claimProblems(aircraftIds: readonly string[], registrations: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const id of aircraftIds) {
    const item = await getItem(aircraftKey(a.tenantId, id));
    const registration = item?.registration?.S;
    if (registration === undefined) continue;
    const claim = await getItem(registrationKey(a.tenantId, registration));
    if (claim?.aircraftId?.S !== id) problems.push(`aircraft ${id} (${registration}) does not hold its claim`);
  }
  for (const registration of registrations) {
    const claim = await getItem(registrationKey(a.tenantId, registration));
    const holder = claim?.aircraftId?.S;
    if (holder === undefined) continue;
    const aircraft = await getItem(aircraftKey(a.tenantId, holder));
    if (aircraft?.registration?.S !== registration) problems.push(`the claim on ${registration} names ${holder}, which is ${aircraft ? aircraft.registration?.S : 'gone'}`);
  }
  return problems;
}

async function cancelledRecordsOf(reservationId: string): Promise<number> {
  return (await auditRecords(a.tenantId, DETAIL_TYPE.reservationCancelled)).filter((record) => record.detail.reservationId?.S === reservationId).length;
}

describe('races between writes', () => {
  it('three cancels of one reservation at once (its booker twice, an instructor once): one 204, the losers refused, one reservation.cancelled', async () => {
    const reservation = await book(otherPilot, aircraftId());
    const marker = await book(otherPilot, aircraftId());

    const responses = await Promise.all([
      api('DELETE', `/reservations/${reservation.reservationId}`, otherPilot.idToken),
      api('DELETE', `/reservations/${reservation.reservationId}`, otherPilot.idToken),
      api('DELETE', `/reservations/${reservation.reservationId}`, instructor.idToken),
    ]);

    // Each function runs in its own worker, as on Lambda, so a loser reads either before the winner's
    // delete (the transaction's condition refuses it: 404) or after it. Read after, a missing
    // reservation is answered as another's is (the answer tells nothing of which ids exist): 404 to
    // the instructor, who may cancel any, 403 to the booker, a pilot without reservation:cancel.
    const [bookerFirst, bookerSecond, byInstructor] = responses.map(statusOf);
    expect([bookerFirst, bookerSecond, byInstructor].filter((status) => status === 204)).toHaveLength(1);
    for (const booker of [bookerFirst, bookerSecond]) expect([204, 404, 403]).toContain(booker);
    expect([204, 404]).toContain(byInstructor);
    // Every event of the race was published before its answer: once a later one is audited, so were they.
    expect(statusOf(await api('DELETE', `/reservations/${marker.reservationId}`, otherPilot.idToken))).toBe(204);
    await eventually(async () => ((await cancelledRecordsOf(marker.reservationId)) > 0 ? true : undefined), 'the marker cancel audited');
    expect(await cancelledRecordsOf(reservation.reservationId)).toBe(1);
  });

  it('an update of the registration racing a delete of the aircraft, four times at once, never leaves a claim without its aircraft', async () => {
    const aircraft = await Promise.all(Array.from({ length: 4 }, () => newAircraft()));
    const renamed = aircraft.map(() => freshRegistration());

    const responses = await Promise.all(
      aircraft.flatMap((one, index) => [
        api('PUT', `/aircraft/${one.aircraftId}`, a.admin.idToken, { registration: renamed[index] }),
        api('DELETE', `/aircraft/${one.aircraftId}`, a.admin.idToken),
      ]),
    );

    expect(responses.filter((response) => response.status >= 500)).toEqual([]);
    expect(await claimProblems(aircraft.map((one) => one.aircraftId), [...aircraft.map((one) => one.registration), ...renamed])).toEqual([]);
  });

  it('two aircraft swapping registrations at once are both refused (409), and each keeps its own', async () => {
    const [first, second] = await Promise.all([newAircraft(), newAircraft()]);

    const responses = await Promise.all([
      api('PUT', `/aircraft/${first.aircraftId}`, a.admin.idToken, { registration: second.registration }),
      api('PUT', `/aircraft/${second.aircraftId}`, a.admin.idToken, { registration: first.registration }),
    ]);

    expect(responses.map(statusOf)).toEqual([409, 409]);
    expect(await claimProblems([first.aircraftId, second.aircraftId], [first.registration, second.registration])).toEqual([]);
  });

  it('creates of a registration racing the update that releases it, and two updates to one new registration: each registration ends with one holder', async () => {
    const [releasing, first, second] = await Promise.all([newAircraft(), newAircraft(), newAircraft()]);
    const [moved, contested] = [freshRegistration(), freshRegistration()];

    const responses = await Promise.all([
      api('PUT', `/aircraft/${releasing.aircraftId}`, a.admin.idToken, { registration: moved }),
      ...Array.from({ length: 3 }, () => api<{ aircraft: Aircraft }>('POST', '/aircraft', a.admin.idToken, { registration: releasing.registration, model: 'Taker' })),
      api('PUT', `/aircraft/${first.aircraftId}`, a.admin.idToken, { registration: contested }),
      api('PUT', `/aircraft/${second.aircraftId}`, a.admin.idToken, { registration: contested }),
    ]);

    const takers = responses.slice(1, 4).flatMap((response) => ((response.body as { aircraft?: Aircraft }).aircraft ? [(response.body as { aircraft: Aircraft }).aircraft.aircraftId] : []));
    expect(responses.slice(4).map(statusOf).sort()).toEqual([200, 409]);
    expect(takers.length).toBeLessThanOrEqual(1);
    expect(await claimProblems([releasing.aircraftId, first.aircraftId, second.aircraftId, ...takers], [releasing.registration, moved, contested])).toEqual([]);
  });
});

describe('permissions changed or taken away between requests (the authorizer’s answer still cached)', () => {
  it('a member whose role item is gone (deleted by a back office) is refused writes and reads', async () => {
    expect(statusOf(await api('GET', '/reservations?limit=1', doomed.idToken))).toBe(200);
    await admin.send(new DeleteItemCommand({ TableName: table(), Key: dynamoKey(roleKey(a.tenantId, doomedRole)) }));
    const slot = nextSlot();

    const responses = await Promise.all([api('POST', '/reservations', doomed.idToken, { aircraftId: aircraftId(), ...slot }), api('GET', '/reservations?limit=1', doomed.idToken)]);

    expect(responses.map(statusOf)).toEqual([403, 403]);
    const schedule = await api('GET', `/reservations?aircraftId=${aircraftId()}&from=${slot.start}&to=${slot.end}`, a.admin.idToken);
    expect(reservationsOf(schedule)).toEqual([]);
  });

  it('an admin demoted to pilot can no longer add an aircraft or cancel another’s reservation with its cached admin answer', async () => {
    const theirs = await book(otherPilot, aircraftId());
    const registration = freshRegistration();
    expect((await api<{ roleId: string }>('GET', '/me', deputy.idToken)).body.roleId).toBe(ADMIN_ROLE_ID);
    expect(statusOf(await api('PUT', `/members/${deputy.userId}/role`, a.admin.idToken, { roleId: 'pilot' }))).toBe(200);

    const responses = await Promise.all([
      api('POST', '/aircraft', deputy.idToken, { registration, model: 'Cessna' }),
      api('DELETE', `/reservations/${theirs.reservationId}`, deputy.idToken),
    ]);

    expect(responses.map(statusOf)).toEqual([403, 403]);
    expect(await getItem(registrationKey(a.tenantId, registration))).toBeUndefined();
    expect(await getItem(reservationKey(a.tenantId, theirs.reservationId))).toBeDefined();
  });

  it('an instructor demoted to pilot cannot cancel another’s reservation with its cached instructor answer, and still cancels its own', async () => {
    const [theirs, own] = await Promise.all([book(otherPilot, aircraftId()), book(instructor, otherAircraftId())]);
    expect((await api<{ roleId: string }>('GET', '/me', instructor.idToken)).body.roleId).toBe('instructor');
    expect(statusOf(await api('PUT', `/members/${instructor.userId}/role`, a.admin.idToken, { roleId: 'pilot' }))).toBe(200);

    const others = await api('DELETE', `/reservations/${theirs.reservationId}`, instructor.idToken);
    const ownCancel = await api('DELETE', `/reservations/${own.reservationId}`, instructor.idToken);

    expect([others.status, ownCancel.status]).toEqual([403, 204]);
    expect(await getItem(reservationKey(a.tenantId, theirs.reservationId))).toBeDefined();
  });

  it('a removed member cannot cancel its own reservation or book with its cached answer, and the reservation stays', async () => {
    const own = await book(leaver, aircraftId());
    expect(statusOf(await api('GET', '/reservations?limit=1', leaver.idToken))).toBe(200);
    expect(statusOf(await api('DELETE', `/members/${leaver.userId}`, a.admin.idToken))).toBe(204);

    const responses = await Promise.all([
      api('DELETE', `/reservations/${own.reservationId}`, leaver.idToken),
      api('POST', '/reservations', leaver.idToken, { aircraftId: otherAircraftId(), ...nextSlot() }),
    ]);

    expect(responses.map(statusOf)).toEqual([403, 403]);
    expect(await getItem(reservationKey(a.tenantId, own.reservationId))).toBeDefined();
  });

  it('a member who may cancel only its own gets one answer (403) for another’s reservation and for an id that names none, so the answer tells nothing', async () => {
    const theirs = await book(otherPilot, aircraftId());

    const responses = await Promise.all([api('DELETE', `/reservations/${theirs.reservationId}`, pilot.idToken), api('DELETE', `/reservations/${randomUUID()}`, pilot.idToken)]);

    expect(responses.map(statusOf)).toEqual([403, 403]);
  });
});

describe('what answers and logs tell', () => {
  it('a member without reservation:read sees no reservation: both lists are 403, and a 409 for a taken time names neither the booker nor the booking', async () => {
    const slot = nextSlot();
    const theirs = await book(otherPilot, aircraftId(), slot);

    const responses = await Promise.all([
      api('GET', '/reservations', booker.idToken),
      api('GET', `/reservations?aircraftId=${aircraftId()}`, booker.idToken),
      api('POST', '/reservations', booker.idToken, { aircraftId: aircraftId(), ...slot }),
    ]);

    expect(responses.map(statusOf)).toEqual([403, 403, 409]);
    const told = JSON.stringify(responses.map((response) => response.body));
    expect([told.includes(otherPilot.userId), told.includes(theirs.reservationId), told.includes(otherPilot.email)]).toEqual([false, false, false]);
  });

  it("answers to tenant A for tenant B's ids name neither tenant B nor its admin", async () => {
    const theirs = await newAircraft(b);

    const responses = await Promise.all([
      api('GET', `/aircraft/${theirs.aircraftId}`, a.admin.idToken),
      api('PUT', `/aircraft/${theirs.aircraftId}`, a.admin.idToken, { seats: 2 }),
      api('POST', '/reservations', a.admin.idToken, { aircraftId: theirs.aircraftId, ...nextSlot() }),
      api('POST', '/aircraft', a.admin.idToken, { registration: theirs.registration, model: 'Same registration, other tenant' }),
    ]);

    expect(responses.map(statusOf)).toEqual([404, 404, 404, 201]);
    const told = JSON.stringify(responses.map((response) => response.body));
    expect([told.includes(b.tenantId), told.includes(b.admin.userId), told.includes(b.name)]).toEqual([false, false, false]);
  });

  it("no failing request (400, 403, 404, 409, 500) puts the caller's tenant credentials or token in the local cloud's log", async () => {
    const { output } = await invokeAuthorizer(pilot.idToken);
    const secrets = [output?.context.secretAccessKey ?? '', output?.context.sessionToken ?? '', pilot.idToken];
    const broken = fleet[2]?.aircraftId ?? '';
    // A schedule item of another shape, as a faulty function with these credentials could write it: reading it is a 500.
    const asPilot = clients(await mintCredentials({ userId: pilot.userId, tenantId: a.tenantId })).dynamodb;
    await asPilot.send(new PutItemCommand({ TableName: table(), Item: marshall({ PK: aircraftKey(a.tenantId, broken).PK, SK: `SCHEDULE#${broken}#${iso(FIRST_SLOT)}#${run}`, start: 7, end: '9999-12-31T00:00:00.000Z' }) }));
    asPilot.destroy();
    const taken = await book(otherPilot, otherAircraftId());
    const before = faultsLogged();

    const responses = await Promise.all([
      api('POST', '/aircraft', pilot.idToken, { registration: '' }),
      api('POST', '/aircraft', pilot.idToken, { registration: freshRegistration(), model: 'Cessna' }),
      api('GET', `/aircraft/${randomUUID()}`, pilot.idToken),
      api('POST', '/reservations', pilot.idToken, { aircraftId: taken.aircraftId, start: taken.start, end: taken.end }),
      api('POST', '/reservations', pilot.idToken, { aircraftId: broken, ...nextSlot() }),
    ]);

    expect(responses.map(statusOf)).toEqual([400, 403, 404, 409, 500]);
    expect(errorOf(responses[4] as ApiResponse).message).toMatch(/^Internal error \(request [0-9a-f-]+\)$/);
    const log = await logAfterFaults(before);
    expect(secrets.every((secret) => secret.length > 20)).toBe(true);
    expect(secrets.filter((secret) => log.includes(secret))).toEqual([]);
  });
});
