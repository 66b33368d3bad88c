import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import type { Aircraft } from '../../domain/aircraft';
import { auditPartition, DATA_KIND, membershipKey, roleKey, SORT_KEY, tenantDataPartitions, tenantRecordKey, userPartition, type ItemKey } from '../../domain/keys';
import type { Reservation } from '../../domain/reservations';
import { USER_INDEX } from '../../domain/table';
import { DEMO_ROLES } from '../../local/seed';
import { api, clients, mintCredentials, outputs } from './support';
import { createRole, getItem, newTenant, type Tenant } from './tenant-fixtures';

/**
 * The data plane's isolation is IAM's: DynamoDB calls signed with the credentials the authorizer
 * mints for a member of tenant A (the credentials every data-plane function builds its client
 * from), sent through the local IAM gateway, which evaluates the deployed tenant policy. What they
 * may reach is A's shard partitions; what they may only read is A's control partition and A's
 * audit trail (by Query); everything else is an AccessDeniedException for the whole call.
 */

const DENIED = 'AccessDeniedException';
const table = () => outputs().tableName;
const admin = clients().dynamodb;
const run = randomUUID().slice(0, 8);

const every = (tenantId: string): string[] => Object.values(DATA_KIND).flatMap((kind) => tenantDataPartitions(tenantId, kind));
const key = (pk: string, sk = `PROBE#${run}`): Record<string, AttributeValue> => ({ PK: { S: pk }, SK: { S: sk } });
const dynamoKey = (item: ItemKey): Record<string, AttributeValue> => key(item.PK, item.SK);

/** What a call came to: `allowed`, or the name of the error that refused it. */
const outcomeOf = (call: Promise<unknown>): Promise<string> =>
  call.then(
    () => 'allowed',
    (error: unknown) => (error instanceof Error ? error.name : String(error)),
  );

/** The calls (by label) whose outcome is not `expected`, with what they came to: [] when all are. */
async function notAll(expected: string, calls: Record<string, Promise<unknown>>): Promise<Record<string, string>> {
  const outcomes = await Promise.all(Object.entries(calls).map(async ([label, call]) => [label, await outcomeOf(call)] as const));
  return Object.fromEntries(outcomes.filter(([, outcome]) => outcome !== expected));
}

/** The five single-item calls of one partition, as a data-plane function could make them. */
function itemCalls(client: DynamoDBClient, pk: string): Record<string, Promise<unknown>> {
  const probe = key(pk);
  return {
    [`PutItem ${pk}`]: client.send(new PutItemCommand({ TableName: table(), Item: { ...probe, note: { S: 'written' } } })),
    [`GetItem ${pk}`]: client.send(new GetItemCommand({ TableName: table(), Key: probe, ConsistentRead: true })),
    [`Query ${pk}`]: client.send(new QueryCommand({ TableName: table(), KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } })),
    [`UpdateItem ${pk}`]: client.send(
      new UpdateItemCommand({ TableName: table(), Key: probe, UpdateExpression: 'SET note = :note', ExpressionAttributeValues: { ':note': { S: 'updated' } } }),
    ),
    [`DeleteItem ${pk}`]: client.send(new DeleteItemCommand({ TableName: table(), Key: key(pk, `OTHER#${run}`) })),
  };
}

const putOf = (pk: string, sk: string): TransactWriteItem => ({ Put: { TableName: table(), Item: { ...key(pk, sk), note: { S: 'transaction' } } } });

let a: Tenant;
let b: Tenant;
/** A DynamoDB client on the credentials the authorizer mints for tenant A's member. */
let asA: DynamoDBClient;

beforeAll(async () => {
  [a, b] = await Promise.all([newTenant('iam-a'), newTenant('iam-b')]);
  await createRole(a, 'Pilot', DEMO_ROLES.find((demo) => demo.name === 'Pilot')?.actions ?? []);
  asA = clients(await mintCredentials({ userId: a.admin.userId, tenantId: a.tenantId })).dynamodb;
  // The administrator puts something in every one of B's shards, so that a read would find it.
  await Promise.all(every(b.tenantId).map((pk) => admin.send(new PutItemCommand({ TableName: table(), Item: { ...key(pk), note: { S: 'B' } } }))));
});

afterAll(() => asA.destroy());

describe("tenant A's credentials in A's own shard partitions", () => {
  it('put, get, query, update and delete items in all eight shards of every data kind', async () => {
    const partitions = every(a.tenantId);

    const writes = await notAll('allowed', Object.assign({}, ...partitions.map((pk) => itemCalls(asA, pk))) as Record<string, Promise<unknown>>);

    expect(partitions).toHaveLength(24);
    expect(writes).toEqual({});
  });

  it('commit a transaction over their shards that conditions on their own membership, as the guarded writer does', async () => {
    const [first, second] = every(a.tenantId);
    const guard: TransactWriteItem = { ConditionCheck: { TableName: table(), Key: dynamoKey(membershipKey(a.tenantId, a.admin.userId)), ConditionExpression: 'attribute_exists(PK)' } };

    await asA.send(new TransactWriteItemsCommand({ TransactItems: [guard, putOf(first ?? '', `TX#${run}`), putOf(second ?? '', `TX#${run}`)] }));

    expect((await getItem({ PK: second ?? '', SK: `TX#${run}` }))?.note).toEqual({ S: 'transaction' });
  });

  it('cannot put an item carrying the user index keys, even in its own shard', async () => {
    const [pk] = every(a.tenantId);
    const indexed = { ...key(pk ?? '', `INDEXED#${run}`), [USER_INDEX.partitionKey]: { S: userPartition(randomUUID()) }, [USER_INDEX.sortKey]: { S: `TENANT#${a.tenantId}` } };

    const put = await outcomeOf(asA.send(new PutItemCommand({ TableName: table(), Item: indexed })));

    expect(put).toBe(DENIED);
    expect(await getItem({ PK: pk ?? '', SK: `INDEXED#${run}` })).toBeUndefined();
  });
});

describe("tenant A's credentials against tenant B's shard partitions", () => {
  it('are denied every get, put, query, update and delete in all of them, and B’s items are as they were', async () => {
    const partitions = every(b.tenantId);

    const allowed = await notAll(DENIED, Object.assign({}, ...partitions.map((pk) => itemCalls(asA, pk))) as Record<string, Promise<unknown>>);

    expect(allowed).toEqual({});
    const notes = await Promise.all(partitions.map(async (pk) => (await getItem({ PK: pk, SK: `PROBE#${run}` }))?.note?.S));
    expect(notes).toEqual(partitions.map(() => 'B'));
  });

  it('are denied a whole transaction or batch that holds one item of B among their own, and none of their own is written', async () => {
    const [own, ownToo] = every(a.tenantId);
    const foreign = every(b.tenantId)[5] ?? '';
    const sk = (label: string) => `MIXED#${label}#${run}`;
    const mixed = (label: string, intruder: TransactWriteItem) =>
      asA.send(new TransactWriteItemsCommand({ TransactItems: [putOf(own ?? '', sk(label)), intruder, putOf(ownToo ?? '', sk(label))] }));

    const refused = await notAll(DENIED, {
      'foreign Put': mixed('put', putOf(foreign, sk('put'))),
      'foreign Update': mixed('update', { Update: { TableName: table(), Key: key(foreign), UpdateExpression: 'SET note = :note', ExpressionAttributeValues: { ':note': { S: 'A' } } } }),
      'foreign Delete': mixed('delete', { Delete: { TableName: table(), Key: key(foreign) } }),
      'foreign ConditionCheck': mixed('check', { ConditionCheck: { TableName: table(), Key: dynamoKey(membershipKey(b.tenantId, b.admin.userId)), ConditionExpression: 'attribute_exists(PK)' } }),
      'foreign BatchWriteItem': asA.send(
        new BatchWriteItemCommand({ RequestItems: { [table()]: [{ PutRequest: { Item: key(own ?? '', sk('batch')) } }, { PutRequest: { Item: key(foreign, sk('batch')) } }] } }),
      ),
    });

    expect(refused).toEqual({});
    const written = await Promise.all(['put', 'update', 'delete', 'check', 'batch'].flatMap((label) => [own, ownToo].map((pk) => getItem({ PK: pk ?? '', SK: sk(label) }))));
    expect(written.filter((item) => item !== undefined)).toEqual([]);
    expect((await getItem({ PK: foreign, SK: `PROBE#${run}` }))?.note).toEqual({ S: 'B' });
  });
});

describe("tenant A's credentials against the partitions they may not write", () => {
  it("read A's control partition but cannot write its membership, role or tenant record, alone or in a transaction", async () => {
    const membership = membershipKey(a.tenantId, a.admin.userId);
    const pilot = roleKey(a.tenantId, 'pilot');
    const [shard] = every(a.tenantId);
    const controlItems = () => Promise.all([membership, pilot, tenantRecordKey(a.tenantId)].map((item) => getItem(item)));
    const before = await controlItems();

    const read = await asA.send(new GetItemCommand({ TableName: table(), Key: dynamoKey(membership), ConsistentRead: true }));
    const writes = await notAll(DENIED, {
      'PutItem membership': asA.send(new PutItemCommand({ TableName: table(), Item: { ...dynamoKey(membershipKey(a.tenantId, randomUUID())), roleId: { S: 'admin' } } })),
      'UpdateItem role': asA.send(
        new UpdateItemCommand({ TableName: table(), Key: dynamoKey(pilot), UpdateExpression: 'SET actions = list_append(actions, :more)', ExpressionAttributeValues: { ':more': { L: [{ S: 'member:manage' }] } } }),
      ),
      'UpdateItem tenant record': asA.send(new UpdateItemCommand({ TableName: table(), Key: dynamoKey(tenantRecordKey(a.tenantId)), UpdateExpression: 'SET #n = :n', ExpressionAttributeNames: { '#n': 'name' }, ExpressionAttributeValues: { ':n': { S: 'Taken' } } })),
      'DeleteItem membership': asA.send(new DeleteItemCommand({ TableName: table(), Key: dynamoKey(membership) })),
      'transaction with a role update': asA.send(
        new TransactWriteItemsCommand({
          TransactItems: [putOf(shard ?? '', `ESCALATE#${run}`), { Update: { TableName: table(), Key: dynamoKey(pilot), UpdateExpression: 'SET builtIn = :yes', ExpressionAttributeValues: { ':yes': { BOOL: true } } } }],
        }),
      ),
    });

    expect(read.Item?.roleId).toEqual({ S: 'admin' });
    expect(writes).toEqual({});
    expect(await controlItems()).toEqual(before);
    expect(before.every((item) => item !== undefined)).toBe(true);
  });

  it("cannot write A's or B's audit trail, read B's at all, or get an item of A's (Query of its own trail only)", async () => {
    const record = (tenantId: string) => ({ ...key(auditPartition(tenantId), SORT_KEY.auditRecord(new Date().toISOString(), `forged-${run}`)), type: { S: 'aircraft.deleted.v1' } });
    const trail = (tenantId: string) => ({ TableName: table(), KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': { S: auditPartition(tenantId) } } });

    const ownTrail = await outcomeOf(asA.send(new QueryCommand(trail(a.tenantId))));
    const refused = await notAll(DENIED, {
      ...Object.fromEntries(
        [a, b].flatMap((tenant) => [
          [`PutItem AUDIT#${tenant.name}`, asA.send(new PutItemCommand({ TableName: table(), Item: record(tenant.tenantId) }))],
          [`UpdateItem AUDIT#${tenant.name}`, asA.send(new UpdateItemCommand({ TableName: table(), Key: key(auditPartition(tenant.tenantId)), UpdateExpression: 'SET note = :n', ExpressionAttributeValues: { ':n': { S: 'x' } } }))],
          [`DeleteItem AUDIT#${tenant.name}`, asA.send(new DeleteItemCommand({ TableName: table(), Key: key(auditPartition(tenant.tenantId)) }))],
        ]),
      ),
      'Query AUDIT#B': asA.send(new QueryCommand(trail(b.tenantId))),
      'GetItem AUDIT#A': asA.send(new GetItemCommand({ TableName: table(), Key: key(auditPartition(a.tenantId)) })),
    });

    expect(ownTrail).toBe('allowed');
    expect(refused).toEqual({});
  });

  it('are denied a Scan, also one filtered to their own partitions', async () => {
    const refused = await notAll(DENIED, {
      Scan: asA.send(new ScanCommand({ TableName: table() })),
      'filtered Scan': asA.send(
        new ScanCommand({ TableName: table(), FilterExpression: 'begins_with(PK, :own)', ExpressionAttributeValues: { ':own': { S: `TENANT#${a.tenantId}#` } } }),
      ),
    });

    expect(refused).toEqual({});
  });
});

describe('a tenant whose id is a prefix of another’s', () => {
  it('reaches none of the longer id’s partitions, nor the longer one any of the shorter’s', async () => {
    // `t1` and `t10`: the shorter is A's id without its last character, the longer B's with one more.
    const shorter = clients(await mintCredentials({ userId: a.admin.userId, tenantId: a.tenantId.slice(0, -1) })).dynamodb;
    const longer = clients(await mintCredentials({ userId: b.admin.userId, tenantId: `${b.tenantId}0` })).dynamodb;
    const control = (tenantId: string) => dynamoKey(membershipKey(tenantId, randomUUID()));

    const allowed = await notAll(DENIED, {
      ...Object.assign({}, ...every(a.tenantId).map((pk) => itemCalls(shorter, pk))),
      ...Object.assign({}, ...every(b.tenantId).map((pk) => itemCalls(longer, pk))),
      'GetItem control of A by its prefix': shorter.send(new GetItemCommand({ TableName: table(), Key: control(a.tenantId) })),
      'Query audit of A by its prefix': shorter.send(new QueryCommand({ TableName: table(), KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': { S: auditPartition(a.tenantId) } } })),
    });

    shorter.destroy();
    longer.destroy();
    expect(allowed).toEqual({});
  });
});

describe("the API, for tenant A's admin, with tenant B's ids", () => {
  it("finds none of B's aircraft or reservations: get, change, delete, book and cancel are 404 and B's are as they were", async () => {
    const created = await api<{ aircraft: Aircraft }>('POST', '/aircraft', b.admin.idToken, { registration: `N${run}`, model: 'Diamond DA40', seats: 4 });
    const aircraftId = created.body.aircraft.aircraftId;
    const start = new Date(Date.now() + 48 * 60 * 60 * 1000).toISOString();
    const end = new Date(Date.now() + 50 * 60 * 60 * 1000).toISOString();
    const booked = await api<{ reservation: Reservation }>('POST', '/reservations', b.admin.idToken, { aircraftId, start, end });
    expect([created.status, booked.status]).toEqual([201, 201]);

    const answers = {
      get: (await api('GET', `/aircraft/${aircraftId}`, a.admin.idToken)).status,
      change: (await api('PUT', `/aircraft/${aircraftId}`, a.admin.idToken, { model: 'Stolen' })).status,
      delete: (await api('DELETE', `/aircraft/${aircraftId}`, a.admin.idToken)).status,
      book: (await api('POST', '/reservations', a.admin.idToken, { aircraftId, start: end, end: new Date(Date.parse(end) + 60 * 60 * 1000).toISOString() })).status,
      cancel: (await api('DELETE', `/reservations/${booked.body.reservation.reservationId}`, a.admin.idToken)).status,
    };

    expect(answers).toEqual({ get: 404, change: 404, delete: 404, book: 404, cancel: 404 });
    expect((await api<{ aircraft: Aircraft }>('GET', `/aircraft/${aircraftId}`, b.admin.idToken)).body.aircraft).toEqual(created.body.aircraft);
    const schedule = await api<{ reservations: Reservation[] }>('GET', `/reservations?aircraftId=${aircraftId}`, b.admin.idToken);
    expect(schedule.body.reservations).toEqual([booked.body.reservation]);
  });
});
