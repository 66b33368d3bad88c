import { Logger } from '@aws-lambda-powertools/logger';
import { QueryCommand, type AttributeValue, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { decodeAuditCursor, encodeAuditCursor } from '../../domain/audit-cursor';
import { auditPartition, SORT_KEY } from '../../domain/keys';
import type { RoleGrant } from '../../domain/permissions';
import { AUDIT_PAGE, createListAuditHandler, type ListAuditDeps } from '../../handlers/api/audit/handler';
import { dynamoDbAuditTrail, UnreadableAuditRecordError, type AuditEventView, type AuditTrailReader } from '../../handlers/api/audit/trail';
import { FUNCTIONS } from '../../handlers/catalog';
import type { ProxyEvent } from '../../handlers/api/http';
import { routeServedBy } from '../../handlers/api/routes';
import type { ScopedCredentials } from '../../handlers/shared/scoped-clients';
import { toAttributeMap } from '../../handlers/shared/write-once';

import { apiEvent, CALLER_CREDENTIALS } from './api-fixtures';

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const TENANT = 't1';
const keyAt = (second: number, id: string): string => SORT_KEY.auditRecord(new Date(Date.UTC(2026, 11, 1, 10, 0, second)).toISOString().replace('.000Z', 'Z'), id);

function request(query: Record<string, string> | null, context: Record<string, string> = { tenantId: TENANT, roleId: 'admin' }): ProxyEvent {
  const caller = { userId: 'u1', username: 'u1', email: 'u1@example.com', groups: '[]', tenantId: TENANT, roleId: 'admin', ...context };
  return apiEvent({ method: 'GET', path: '/audit', query, caller });
}

const view = (id: string): AuditEventView => ({ id, time: '2026-12-01T10:00:00Z', type: 'tenant.onboarded.v1', actorUserId: 'u1', detail: { tenantId: TENANT } });

/** A trail that answers what it is told and records how it was asked. */
function fakeTrail(answer: { events: AuditEventView[]; lastKey?: string } = { events: [] }) {
  const calls: { credentials: ScopedCredentials; tenantId: string; limit: number; after?: string }[] = [];
  const trailFor = (credentials: ScopedCredentials): AuditTrailReader => ({
    async page(tenantId, { limit, after }) {
      calls.push({ credentials, tenantId, limit, ...(after === undefined ? {} : { after }) });
      return answer;
    },
  });
  return { calls, trailFor };
}

function setup(options: { role?: RoleGrant; answer?: { events: AuditEventView[]; lastKey?: string } } = {}) {
  const trail = fakeTrail(options.answer);
  const roleReads: { credentials: ScopedCredentials; tenantId: string; roleId: string }[] = [];
  const denials: unknown[][] = [];
  const deps: ListAuditDeps = {
    action: 'audit:read',
    rolesFor: (credentials) => async (tenantId, roleId) => {
      roleReads.push({ credentials, tenantId, roleId });
      return options.role;
    },
    trailFor: trail.trailFor,
    reportDenied: async (...args) => {
      denials.push(args);
    },
    logger,
  };
  return { handler: createListAuditHandler(deps), trail, roleReads, denials };
}

const parse = (result: { body: string }) => JSON.parse(result.body) as { events?: AuditEventView[]; next?: string; error?: { code: string; details?: { field: string }[] } };
const fieldsOf = (result: { body: string }) => (parse(result).error?.details ?? []).map((detail) => detail.field);

describe('GET /audit', () => {
  it('is the route of ListAudit, guarded by audit:read', () => {
    expect(routeServedBy(FUNCTIONS.listAudit.name)).toMatchObject({ method: 'GET', path: '/audit', action: 'audit:read', withoutTenant: false });
  });

  it("reads 25 records of the caller's own trail with the caller's credentials, and no role item for an admin", async () => {
    const { handler, trail, roleReads } = setup({ answer: { events: [view('a'), view('b')] } });

    const result = await handler(request(null));

    expect(result.statusCode).toBe(200);
    expect(parse(result)).toEqual({ events: [view('a'), view('b')] });
    expect(trail.calls).toEqual([{ credentials: CALLER_CREDENTIALS, tenantId: TENANT, limit: AUDIT_PAGE.defaultLimit }]);
    expect(roleReads).toEqual([]);
  });

  it('answers a next cursor bound to the tenant when older records follow', async () => {
    const lastKey = keyAt(5, 'role.created:x');
    const { handler } = setup({ answer: { events: [view('a')], lastKey } });

    const result = await handler(request({ limit: '1' }));

    expect(decodeAuditCursor(parse(result).next ?? '', TENANT)).toEqual({ tenantId: TENANT, lastKey });
  });

  it('starts after the position its next names', async () => {
    const lastKey = keyAt(5, 'role.created:x');
    const { handler, trail } = setup();

    const result = await handler(request({ limit: '100', next: encodeAuditCursor({ tenantId: TENANT, lastKey }) }));

    expect(result.statusCode).toBe(200);
    expect(trail.calls).toEqual([{ credentials: CALLER_CREDENTIALS, tenantId: TENANT, limit: 100, after: lastKey }]);
  });

  it.each(['1', '100', '37', '007'])('accepts limit=%s', async (limit) => {
    const { handler, trail } = setup();

    const result = await handler(request({ limit }));

    expect(result.statusCode).toBe(200);
    expect(trail.calls.map((call) => call.limit)).toEqual([Number(limit)]);
  });

  it.each(['0', '101', 'x', '', '-1', '+5', '5.0', '1e1', ' 5', '1000', '0x10', '2.5'])('answers 400 naming limit for limit=%j, reading nothing', async (limit) => {
    const { handler, trail, roleReads } = setup();

    const result = await handler(request({ limit }));

    expect(result.statusCode).toBe(400);
    expect(parse(result).error?.code).toBe('ValidationError');
    expect(fieldsOf(result)).toEqual(['limit']);
    expect(trail.calls).toEqual([]);
    expect(roleReads).toEqual([]);
  });

  it('answers 400 naming each parameter the route does not have', async () => {
    const { handler, trail } = setup();

    const result = await handler(request({ lmit: '5', tenantId: 't2' }));

    expect(result.statusCode).toBe(400);
    expect(fieldsOf(result).sort()).toEqual(['lmit', 'tenantId']);
    expect(trail.calls).toEqual([]);
  });

  it.each<[string, string]>([
    ["another tenant's cursor", encodeAuditCursor({ tenantId: 't2', lastKey: keyAt(1, 'x') })],
    ['a tampered cursor', `${encodeAuditCursor({ tenantId: TENANT, lastKey: keyAt(1, 'x') })}A`],
    ['garbage', 'not-a-cursor'],
    ['an empty next', ''],
    ['a cursor longer than any', 'A'.repeat(5000)],
  ])('answers 400 naming next for %s, reading nothing', async (_case, next) => {
    const { handler, trail } = setup();

    const result = await handler(request({ next }));

    expect(result.statusCode).toBe(400);
    expect(fieldsOf(result)).toEqual(['next']);
    expect(trail.calls).toEqual([]);
  });

  it('answers 403 to a member whose role lacks audit:read, after telling the bus, and reads no trail', async () => {
    const { handler, trail, roleReads, denials } = setup({ role: { roleId: 'pilot', builtIn: false, actions: ['aircraft:read', 'member:read'] } });

    const result = await handler(request(null, { tenantId: TENANT, roleId: 'pilot' }));

    expect(result.statusCode).toBe(403);
    expect(parse(result).error?.code).toBe('Forbidden');
    expect(roleReads).toEqual([{ credentials: CALLER_CREDENTIALS, tenantId: TENANT, roleId: 'pilot' }]);
    expect(denials).toEqual([[TENANT, { userId: 'u1', roleId: 'pilot' }, 'audit:read', 'role pilot does not grant audit:read']]);
    expect(trail.calls).toEqual([]);
  });

  it('answers 403 to a member whose role was deleted a moment ago', async () => {
    const { handler, trail, denials } = setup({ role: undefined });

    const result = await handler(request(null, { tenantId: TENANT, roleId: 'auditor' }));

    expect(result.statusCode).toBe(403);
    expect(denials).toHaveLength(1);
    expect(trail.calls).toEqual([]);
  });

  it('serves a member whose role grants audit:read, having read that role with its own credentials', async () => {
    const { handler, trail, roleReads } = setup({ role: { roleId: 'auditor', builtIn: false, actions: ['audit:read'] } });

    const result = await handler(request(null, { tenantId: TENANT, roleId: 'auditor' }));

    expect(result.statusCode).toBe(200);
    expect(roleReads).toEqual([{ credentials: CALLER_CREDENTIALS, tenantId: TENANT, roleId: 'auditor' }]);
    expect(trail.calls).toHaveLength(1);
  });

  it('answers 403 to a user with no active tenant, reading nothing', async () => {
    const { handler, trail, roleReads } = setup();

    const result = await handler(request(null, { tenantId: '', roleId: '' }));

    expect(result.statusCode).toBe(403);
    expect(trail.calls).toEqual([]);
    expect(roleReads).toEqual([]);
  });
});

type Item = Record<string, AttributeValue>;

/** DynamoDB's Query over one table, as far as the trail uses it: key condition, order, start key, Limit. */
function fakeTable(items: Item[]) {
  const queries: QueryCommandInput[] = [];
  const send = async (command: QueryCommand) => {
    const input = command.input;
    queries.push(input);
    const pk = input.ExpressionAttributeValues?.[':pk']?.S;
    const prefix = input.ExpressionAttributeValues?.[':records']?.S ?? '';
    const matching = items
      .filter((item) => item.PK?.S === pk && (item.SK?.S ?? '').startsWith(prefix))
      .sort((a, b) => ((a.SK?.S ?? '') < (b.SK?.S ?? '') ? -1 : 1));
    if (input.ScanIndexForward === false) matching.reverse();
    const start = input.ExclusiveStartKey?.SK?.S;
    const after = start === undefined ? matching : matching.filter((item) => (input.ScanIndexForward === false ? (item.SK?.S ?? '') < start : (item.SK?.S ?? '') > start));
    const page = after.slice(0, input.Limit);
    const more = input.Limit !== undefined && after.length > input.Limit;
    const last = page.at(-1);
    return { Items: page, ...(more && last ? { LastEvaluatedKey: { PK: last.PK as AttributeValue, SK: last.SK as AttributeValue } } : {}) };
  };
  return { queries, client: { send } as unknown as Parameters<typeof dynamoDbAuditTrail>[0] };
}

/** A record and its dedupe marker, as the audit writer leaves them. */
function written(tenantId: string, second: number, id: string): Item[] {
  const PK = auditPartition(tenantId);
  const record = { PK, SK: keyAt(second, id), id, time: `t${second}`, type: 'role.created.v1', actorUserId: 'u1', detail: { tenantId, actions: ['audit:read'], n: 2, ok: true, none: null } };
  return [toAttributeMap(record), toAttributeMap({ PK, SK: SORT_KEY.auditDedupe(id) })];
}

describe('the DynamoDB audit trail reader', () => {
  it('makes one newest-first Query of the tenant’s records only, asking one record more than the page', async () => {
    const { client, queries } = fakeTable(written(TENANT, 1, 'a'));

    await dynamoDbAuditTrail(client, 'Table').page(TENANT, { limit: 25 });

    expect(queries).toEqual([
      expect.objectContaining({
        TableName: 'Table',
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :records)',
        ExpressionAttributeValues: { ':pk': { S: auditPartition(TENANT) }, ':records': { S: SORT_KEY.auditRecordPrefix } },
        ScanIndexForward: false,
        Limit: 26,
      }),
    ]);
    expect(queries[0]?.ExclusiveStartKey).toBeUndefined();
  });

  it("starts after the given position, in the tenant's own partition whatever the position", async () => {
    const { client, queries } = fakeTable([]);

    await dynamoDbAuditTrail(client, 'Table').page(TENANT, { limit: 1, after: keyAt(3, 'x') });

    expect(queries[0]?.ExclusiveStartKey).toEqual({ PK: { S: auditPartition(TENANT) }, SK: { S: keyAt(3, 'x') } });
  });

  it('shows each record as JSON, without its keys', async () => {
    const { client } = fakeTable(written(TENANT, 1, 'a'));

    const page = await dynamoDbAuditTrail(client, 'Table').page(TENANT, { limit: 25 });

    expect(page).toEqual({
      events: [{ id: 'a', time: 't1', type: 'role.created.v1', actorUserId: 'u1', detail: { tenantId: TENANT, actions: ['audit:read'], n: 2, ok: true, none: null } }],
    });
  });

  it('says a next page exists only when a record beyond the page came back', async () => {
    const items = [...written(TENANT, 1, 'a'), ...written(TENANT, 2, 'b'), ...written(TENANT, 3, 'c')];
    const { client } = fakeTable(items);
    const trail = dynamoDbAuditTrail(client, 'Table');

    const partial = await trail.page(TENANT, { limit: 2 });
    const exact = await trail.page(TENANT, { limit: 3 });

    expect(partial).toMatchObject({ events: [{ id: 'c' }, { id: 'b' }], lastKey: keyAt(2, 'b') });
    expect(exact.events.map((event) => event.id)).toEqual(['c', 'b', 'a']);
    expect(exact.lastKey).toBeUndefined();
  });

  it('continues after the last record served when DynamoDB stopped at its page size', async () => {
    const lastEvaluated = { PK: { S: auditPartition(TENANT) }, SK: { S: keyAt(2, 'b') } };
    const [record] = written(TENANT, 2, 'b');
    const client = { send: async () => ({ Items: [record], LastEvaluatedKey: lastEvaluated }) } as unknown as Parameters<typeof dynamoDbAuditTrail>[0];

    const page = await dynamoDbAuditTrail(client, 'Table').page(TENANT, { limit: 100 });

    expect(page.lastKey).toBe(keyAt(2, 'b'));
  });

  it('refuses a record that lacks what the writer always stores', async () => {
    const [record = {}] = written(TENANT, 1, 'a');
    const { type: _type, ...withoutType } = record;
    const { client } = fakeTable([withoutType]);

    await expect(dynamoDbAuditTrail(client, 'Table').page(TENANT, { limit: 25 })).rejects.toBeInstanceOf(UnreadableAuditRecordError);
  });

  describe('paged through GET /audit', () => {
    const others = Array.from({ length: 20 }, (_, index) => written('t10', index, `other-${index}`)).flat();
    const own = Array.from({ length: 250 }, (_, index) => written(TENANT, Math.floor(index / 7), `own-${String(index).padStart(3, '0')}`)).flat();
    const newestFirst = own
      .filter((item) => item.SK?.S?.startsWith(SORT_KEY.auditRecordPrefix))
      .map((item) => ({ id: item.id?.S, sk: item.SK?.S ?? '' }))
      .sort((a, b) => (a.sk < b.sk ? 1 : -1))
      .map((item) => item.id);

    // 1, 25 and 50 divide 250: the last page is full, and still no empty page follows it.
    it.each([1, 25, 37, 50, 100])('serves every record once, newest first, with limit %i and no empty last page', async (limit) => {
      const { client, queries } = fakeTable([...others, ...own]);
      const handler = createListAuditHandler({
        action: 'audit:read',
        rolesFor: () => async () => undefined,
        trailFor: () => dynamoDbAuditTrail(client, 'Table'),
        reportDenied: async () => undefined,
        logger,
      });
      const ids: (string | undefined)[] = [];
      let pages = 0;
      let next: string | undefined;

      do {
        const result = await handler(request({ limit: String(limit), ...(next === undefined ? {} : { next }) }));
        const body = parse(result);
        expect(result.statusCode).toBe(200);
        ids.push(...(body.events ?? []).map((event) => event.id));
        next = body.next;
        pages += 1;
      } while (next !== undefined);

      expect(ids).toEqual(newestFirst);
      expect(pages).toBe(Math.ceil(250 / limit));
      expect(queries).toHaveLength(pages);
    });
  });
});
