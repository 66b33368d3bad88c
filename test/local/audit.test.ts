import { AdminAddUserToGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { randomUUID } from 'node:crypto';
import { tenantGroupName } from '../../domain/identity';
import { membershipItem } from '../../domain/items';
import { auditPartition, SORT_KEY } from '../../domain/keys';
import type { Action } from '../../domain/permissions';
import { DETAIL_TYPE, EVENT_CATALOG, type DetailType } from '../../events/catalog';
import { FUNCTIONS } from '../../handlers/catalog';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { api, clients, cloudLog, eventually, mintCredentials, outputs, signIn, signUpConfirmed, uniqueEmail, type ApiResponse } from './support';
import { newTenant, putItem, putRole, setActiveAttributes, type Tenant } from './tenant-fixtures';

interface AuditEvent {
  id: string;
  time: string;
  type: string;
  actorUserId: string;
  detail: Record<string, unknown>;
}
interface AuditPage {
  events?: AuditEvent[];
  next?: string;
  error?: { code: string; details?: { field: string }[] };
}

const admin = clients().dynamodb;
const table = () => outputs().tableName;

/** A tenant made through the front door: sign-up, then `POST /tenants` (the onboarding workflow). */
const newAuditTenant = (label: string): Promise<Tenant> => newTenant(label, { name: `Audit ${label}` });

const auditPath = (query: Record<string, string> = {}): string => {
  const search = new URLSearchParams(query).toString();
  return search ? `/audit?${search}` : '/audit';
};

const getAudit = (idToken: string, query: Record<string, string> = {}): Promise<ApiResponse<AuditPage>> => api<AuditPage>('GET', auditPath(query), idToken);

/** Every page of the caller's trail, following `next` until it is absent. */
async function pageThrough(idToken: string, limit?: number): Promise<{ ids: string[]; sizes: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  let next: string | undefined;
  do {
    const page = await getAudit(idToken, { ...(limit === undefined ? {} : { limit: String(limit) }), ...(next === undefined ? {} : { next }) });
    if (page.status !== 200) throw new Error(`GET /audit answered ${page.status}: ${JSON.stringify(page.body)}`);
    ids.push(...(page.body.events ?? []).map((event) => event.id));
    sizes.push(page.body.events?.length ?? 0);
    next = page.body.next;
  } while (next !== undefined);
  return { ids, sizes };
}

/** The trail as the table holds it (the administrator's read): record ids, newest first. */
async function storedTrail(tenantId: string, client: DynamoDBClient = admin): Promise<string[]> {
  const ids: string[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :records)',
        ExpressionAttributeValues: { ':pk': { S: auditPartition(tenantId) }, ':records': { S: SORT_KEY.auditRecordPrefix } },
        ScanIndexForward: false,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    ids.push(...(page.Items ?? []).map((item) => item.id?.S ?? ''));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return ids;
}

/**
 * A catalog sample made to concern `tenantId` only, with a fresh run or request id so that each
 * is its own occurrence (and its own dedupe key). `undefined` for types audited on the platform trail.
 */
function probeDetail(type: DetailType, tenantId: string, n: number): { detail: Record<string, unknown>; dedupeKey: string } | undefined {
  const entry = EVENT_CATALOG[type] as unknown as {
    sample: Record<string, unknown>;
    schema: { parse: (value: unknown) => Record<string, unknown> };
    dedupeKey: (detail: Record<string, unknown>, eventId: string) => string;
    auditTenants: (detail: Record<string, unknown>) => string[];
  };
  const replacements: Record<string, unknown> = {
    tenantId,
    targetTenantId: tenantId,
    previousTenantId: null,
    executionId: `arn:aws:states:${outputs().region}:000000000000:express:AuditProbe:${randomUUID()}`,
    operationId: randomUUID(),
    email: `probe-${n}-${randomUUID().slice(0, 6)}@example.com`,
  };
  const detail = entry.schema.parse(
    Object.fromEntries(Object.entries(entry.sample).map(([name, value]) => [name, Object.hasOwn(replacements, name) ? replacements[name] : value])),
  );
  const trails = entry.auditTenants(detail);
  if (trails.length !== 1 || trails[0] !== tenantId) return undefined;
  // Every audited type names a run, a request or the invitation: the key never depends on the event id.
  return { detail, dedupeKey: entry.dedupeKey(detail, 'unused') };
}

const entryOf = (type: DetailType, detail: Record<string, unknown>): PutEventsRequestEntry => ({
  EventBusName: outputs().eventBusName,
  Source: EVENT_CATALOG[type].source,
  DetailType: type,
  Detail: JSON.stringify(detail),
});

async function publish(entries: PutEventsRequestEntry[]): Promise<void> {
  const { events } = clients();
  for (let start = 0; start < entries.length; start += 10) {
    const result = await events.send(new PutEventsCommand({ Entries: entries.slice(start, start + 10) }));
    if ((result.FailedEntryCount ?? 0) > 0) throw new Error(`PutEvents refused entries: ${JSON.stringify(result.Entries)}`);
  }
}

async function recordCount(tenantId: string): Promise<number> {
  const { Count = 0 } = await admin.send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :records)',
      ExpressionAttributeValues: { ':pk': { S: auditPartition(tenantId) }, ':records': { S: SORT_KEY.auditRecordPrefix } },
      Select: 'COUNT',
      ConsistentRead: true,
    }),
  );
  return Count;
}

const fieldsOf = (page: ApiResponse<AuditPage>): string[] => (page.body.error?.details ?? []).map((detail) => detail.field);

describe('GET /audit on the local cloud', () => {
  let tenantA: Tenant;
  let tenantB: Tenant;

  beforeAll(async () => {
    [tenantA, tenantB] = await Promise.all([newAuditTenant('paged'), newAuditTenant('other')]);
  });

  describe('over 250 events of one tenant put on the bus', () => {
    const published: string[] = [];
    const probesById = new Map<string, { type: DetailType; detail: Record<string, unknown> }>();

    beforeAll(async () => {
      const types = Object.values(DETAIL_TYPE);
      const probes = [];
      for (let n = 0; probes.length < 250; n += 1) {
        const type = types[n % types.length] as DetailType;
        const probe = probeDetail(type, tenantA.tenantId, n);
        if (probe) probes.push({ type, ...probe });
      }
      published.push(...probes.map((probe) => probe.dedupeKey));
      for (const probe of probes) probesById.set(probe.dedupeKey, probe);
      await publish(probes.map((probe) => entryOf(probe.type, probe.detail)));
      // The onboarding record and the 250, delivered through the bus's rule to the audit writer.
      await eventually(async () => ((await recordCount(tenantA.tenantId)) >= 251 ? true : undefined), '251 audit records', 600);
    });

    it('records each of them once, beside the onboarding', async () => {
      const stored = await storedTrail(tenantA.tenantId);

      expect(stored).toHaveLength(251);
      expect(new Set(stored).size).toBe(251);
      expect(stored).toEqual(expect.arrayContaining([...published, expect.stringMatching(/^tenant\.onboarded:/)]));
    });

    it.each<[string, number | undefined, number[]]>([
      ['100', 100, [100, 100, 51]],
      ['37', 37, [37, 37, 37, 37, 37, 37, 29]],
      ['the default of 25', undefined, [...Array.from({ length: 10 }, () => 25), 1]],
    ])('pages with limit %s: every record once, newest first, no gap, no empty last page', async (_limit, limit, sizes) => {
      const stored = await storedTrail(tenantA.tenantId);

      const paged = await pageThrough(tenantA.admin.idToken, limit);

      expect(paged.sizes).toEqual(sizes);
      expect(paged.ids).toEqual(stored);
    });

    it('pages one record at a time through all 251', async () => {
      const stored = await storedTrail(tenantA.tenantId);

      const paged = await pageThrough(tenantA.admin.idToken, 1);

      expect(paged.sizes).toEqual(stored.map(() => 1));
      expect(paged.ids).toEqual(stored);
    });

    it('shows each record as it was published: its type, the catalog\'s actor and its detail, newest first', async () => {
      const page = await getAudit(tenantA.admin.idToken, { limit: '100' });
      const events = page.body.events ?? [];
      const times = events.map((event) => event.time);
      const probed = events.filter((event) => probesById.has(event.id));

      expect(times).toEqual([...times].sort().reverse());
      // All but the onboarding record, should it share the oldest second with the probes.
      expect(probed.length).toBeGreaterThanOrEqual(99);
      for (const event of probed) {
        const probe = probesById.get(event.id);
        const actor = (EVENT_CATALOG[probe?.type ?? DETAIL_TYPE.roleCreated] as unknown as { actor: (detail: unknown) => string }).actor(probe?.detail);
        expect(event).toEqual({ id: event.id, time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/), type: probe?.type, actorUserId: actor, detail: probe?.detail });
      }
    });

    it("shows a member of tenant B only B's trail, and refuses A's cursor", async () => {
      const firstOfA = await getAudit(tenantA.admin.idToken, { limit: '1' });
      const cursorOfA = firstOfA.body.next ?? '';

      const ofB = await pageThrough(tenantB.admin.idToken);
      const withCursorOfA = await getAudit(tenantB.admin.idToken, { next: cursorOfA });

      expect(cursorOfA).not.toBe('');
      expect(ofB.ids).toEqual(await storedTrail(tenantB.tenantId));
      expect(ofB.ids.filter((id) => published.includes(id))).toEqual([]);
      expect(withCursorOfA.status).toBe(400);
      expect(fieldsOf(withCursorOfA)).toEqual(['next']);
    });

    it('refuses a cursor with one character changed', async () => {
      const cursor = (await getAudit(tenantA.admin.idToken, { limit: '5' })).body.next ?? '';
      const changed = `${cursor.slice(0, 10)}${cursor[10] === 'A' ? 'B' : 'A'}${cursor.slice(11)}`;

      const page = await getAudit(tenantA.admin.idToken, { next: changed });

      expect(page.status).toBe(400);
      expect(fieldsOf(page)).toEqual(['next']);
    });
  });

  it.each([['0'], ['101'], ['x'], ['-1'], ['2.5'], ['']])('answers 400 naming limit for limit=%j', async (limit) => {
    const page = await getAudit(tenantB.admin.idToken, { limit });

    expect(page.status).toBe(400);
    expect(page.body.error?.code).toBe('ValidationError');
    expect(fieldsOf(page)).toEqual(['limit']);
  });

  it('answers 400 naming a query parameter the route does not have', async () => {
    const page = await getAudit(tenantB.admin.idToken, { tenantId: tenantA.tenantId });

    expect(page.status).toBe(400);
    expect(fieldsOf(page)).toEqual(['tenantId']);
  });

  describe('for members holding a custom role', () => {
    /** A member with `roleId` written as a back office would (no members API yet), signed in with that tenant active. */
    async function memberWithRole(tenant: Tenant, roleId: string, actions: Action[]): Promise<{ userId: string; idToken: string }> {
      const email = uniqueEmail(roleId);
      const userId = await signUpConfirmed(email);
      await putRole(tenant.tenantId, roleId, actions);
      await putItem(membershipItem({ tenantId: tenant.tenantId, tenantName: tenant.name, userId, email, roleId, createdAt: new Date().toISOString() }));
      const { cognito } = clients();
      await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: outputs().userPoolId, Username: email, GroupName: tenantGroupName(tenant.tenantId) }));
      await setActiveAttributes(email, tenant.tenantId, roleId);
      return { userId, idToken: (await signIn(email)).idToken };
    }

    it('answers 403 to a member without audit:read, and the refusal lands in the trail', async () => {
      const member = await memberWithRole(tenantB, 'dispatcher', ['member:read', 'aircraft:read']);

      const refused = await getAudit(member.idToken);

      expect(refused.status).toBe(403);
      expect(refused.body.error?.code).toBe('Forbidden');
      const denial = await eventually(async () => {
        const page = await getAudit(tenantB.admin.idToken, { limit: '100' });
        return page.body.events?.find((event) => event.type === DETAIL_TYPE.accessDenied && event.actorUserId === member.userId);
      }, 'the access.denied record');
      expect(denial.detail).toEqual({
        tenantId: tenantB.tenantId,
        userId: member.userId,
        action: 'audit:read',
        reason: 'role dispatcher does not grant audit:read',
        operationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
    });

    it('serves a member whose custom role grants audit:read the same trail as the admin', async () => {
      const member = await memberWithRole(tenantB, 'auditor', ['audit:read']);

      const asMember = await getAudit(member.idToken, { limit: '100' });
      const asAdmin = await getAudit(tenantB.admin.idToken, { limit: '100' });

      expect(asMember.status).toBe(200);
      expect(asMember.body).toEqual(asAdmin.body);
    });
  });

  describe('when the bus delivers an event twice', () => {
    const lambda = new LambdaClient({ endpoint: outputs().endpoint, region: outputs().region, credentials: LOCAL_ADMIN_CREDENTIALS });
    afterAll(() => lambda.destroy());

    const roleCreated = (tenantId: string) => probeDetail(DETAIL_TYPE.roleCreated, tenantId, 0);

    it('shows one record for one envelope handed to the audit writer twice', async () => {
      const probe = roleCreated(tenantB.tenantId);
      if (!probe) throw new Error('role.created concerns its tenant');
      const envelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': DETAIL_TYPE.roleCreated,
        source: EVENT_CATALOG[DETAIL_TYPE.roleCreated].source,
        account: '000000000000',
        time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: outputs().region,
        resources: [],
        detail: probe.detail,
      };
      const deliver = async () => {
        const response = await lambda.send(new InvokeCommand({ FunctionName: FUNCTIONS.auditWriter.name, Payload: Buffer.from(JSON.stringify(envelope)) }));
        return JSON.parse(Buffer.from(response.Payload ?? []).toString('utf8')) as { trails?: { outcome: string }[] };
      };

      const outcomes = [(await deliver()).trails, (await deliver()).trails];
      const shown = await pageThrough(tenantB.admin.idToken, 100);

      expect(outcomes).toEqual([[{ auditId: tenantB.tenantId, outcome: 'written' }], [{ auditId: tenantB.tenantId, outcome: 'duplicate' }]]);
      expect(shown.ids.filter((id) => id === probe.dedupeKey)).toHaveLength(1);
    });

    it('shows one record for one occurrence published twice through the bus (a retried publish)', async () => {
      const probe = roleCreated(tenantB.tenantId);
      if (!probe) throw new Error('role.created concerns its tenant');
      const logged = (message: string) => cloudLog().split('\n').some((line) => line.includes(message) && line.includes(probe.dedupeKey));

      await publish([entryOf(DETAIL_TYPE.roleCreated, probe.detail), entryOf(DETAIL_TYPE.roleCreated, probe.detail)]);
      // Both deliveries have reached the writer: one wrote, the other found the marker.
      await eventually(async () => (logged('audit record written') && logged('duplicate delivery') ? true : undefined), 'both deliveries');
      const shown = await pageThrough(tenantB.admin.idToken, 100);

      expect(shown.ids.filter((id) => id === probe.dedupeKey)).toHaveLength(1);
    });
  });

  describe("with tenant-scoped credentials, straight to DynamoDB", () => {
    let scoped: DynamoDBClient;
    let ownRecord: Record<string, AttributeValue>;

    beforeAll(async () => {
      scoped = clients(await mintCredentials({ userId: tenantA.admin.userId, tenantId: tenantA.tenantId })).dynamodb;
      const { Items = [] } = await admin.send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :records)',
          ExpressionAttributeValues: { ':pk': { S: auditPartition(tenantA.tenantId) }, ':records': { S: SORT_KEY.auditRecordPrefix } },
          Limit: 1,
        }),
      );
      const [first] = Items;
      if (!first?.PK || !first.SK) throw new Error("tenant A's trail has no record yet");
      ownRecord = { PK: first.PK, SK: first.SK };
    });
    afterAll(() => scoped.destroy());

    const denied = { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } };

    it('query their own trail', async () => {
      const own = await storedTrail(tenantA.tenantId, scoped);

      expect(own).toEqual(await storedTrail(tenantA.tenantId));
    });

    it("cannot query another tenant's trail", async () => {
      await expect(storedTrail(tenantB.tenantId, scoped)).rejects.toMatchObject(denied);
    });

    it('cannot read one of their own records by key (Query only)', async () => {
      await expect(scoped.send(new GetItemCommand({ TableName: table(), Key: ownRecord }))).rejects.toMatchObject(denied);
    });

    it('cannot forge a record or a dedupe marker in their own trail', async () => {
      const pk = { S: auditPartition(tenantA.tenantId) };
      const forged = { PK: pk, SK: { S: SORT_KEY.auditRecord(new Date().toISOString(), `forged:${randomUUID()}`) }, type: { S: 'tenant.onboarded.v1' } };
      const marker = { PK: pk, SK: { S: SORT_KEY.auditDedupe(`role.created:${randomUUID()}`) } };

      await expect(scoped.send(new PutItemCommand({ TableName: table(), Item: forged }))).rejects.toMatchObject(denied);
      await expect(scoped.send(new PutItemCommand({ TableName: table(), Item: marker }))).rejects.toMatchObject(denied);
      await expect(scoped.send(new PutItemCommand({ TableName: table(), Item: { ...forged, PK: { S: auditPartition(tenantB.tenantId) } } }))).rejects.toMatchObject(denied);
    });

    it('cannot rewrite or delete a record, one by one or in a batch, and the record stays', async () => {
      const rewrite = new UpdateItemCommand({
        TableName: table(),
        Key: ownRecord,
        UpdateExpression: 'SET #detail = :forged',
        ExpressionAttributeNames: { '#detail': 'detail' },
        ExpressionAttributeValues: { ':forged': { M: {} } },
      });

      await expect(scoped.send(rewrite)).rejects.toMatchObject(denied);
      await expect(scoped.send(new DeleteItemCommand({ TableName: table(), Key: ownRecord }))).rejects.toMatchObject(denied);
      await expect(scoped.send(new BatchWriteItemCommand({ RequestItems: { [table()]: [{ DeleteRequest: { Key: ownRecord } }] } }))).rejects.toMatchObject(denied);
      const kept = await admin.send(new GetItemCommand({ TableName: table(), Key: ownRecord, ConsistentRead: true }));
      expect(kept.Item?.detail?.M).not.toEqual({});
      expect(kept.Item?.SK).toEqual(ownRecord.SK);
    });
  });
});
