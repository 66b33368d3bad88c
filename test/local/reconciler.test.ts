import { AdminAddUserToGroupCommand, CreateGroupCommand, GetGroupCommand, ListUsersInGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { PutItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { randomUUID } from 'node:crypto';
import { membershipItem, roleItem, tenantRecord } from '../../domain/items';
import { membershipKey, tenantPartition, tenantRecordKey, userLimitsKey } from '../../domain/keys';
import { ADMIN_ROLE_ID } from '../../domain/permissions';
import { VIOLATION_KINDS, type ViolationKind } from '../../domain/reconciliation';
import { DETAIL_TYPE } from '../../events/catalog';
import { FUNCTIONS } from '../../handlers/catalog';
import type { ReconcileSummary } from '../../handlers/reconciler/handler';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { activeAttributes, auditRecords, backOfficeMember, getItem, groupsOf, newTenant, newUser, putItem, reassign, setActiveAttributes, type User } from './tenant-fixtures';
import { clients, cloudLog, eventually, identityPoolCredentials, outputs } from './support';

const { dynamodb, cognito } = clients();
const lambdaAs = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, unsigned = false) =>
  new LambdaClient({
    endpoint: outputs().endpoint,
    region: outputs().region,
    credentials,
    disableHostPrefix: true,
    ...(unsigned ? { signer: { sign: async <T>(request: T): Promise<T> => request } as never } : {}),
  });
const admin = lambdaAs(LOCAL_ADMIN_CREDENTIALS);

afterAll(() => {
  dynamodb.destroy();
  cognito.destroy();
  admin.destroy();
});

/**
 * One run, synchronously, as `npm run reconcile` invokes it. Scoped to this file's tenants: the
 * local cloud is shared with other test files, whose fixtures are violations made on purpose.
 */
async function reconcile(tenantIds: readonly string[], graceSeconds = 1): Promise<ReconcileSummary> {
  const response = await admin.send(new InvokeCommand({ FunctionName: FUNCTIONS.reconciler.name, Payload: JSON.stringify({ graceSeconds, tenantIds }) }));
  const payload = new TextDecoder().decode(response.Payload);
  if (response.FunctionError) throw new Error(`the reconciler failed: ${payload}`);
  return JSON.parse(payload) as ReconcileSummary;
}

const poolId = () => outputs().userPoolId;
const table = () => outputs().tableName;

async function addToGroup(tenantId: string, user: User, create: boolean): Promise<void> {
  if (create) await cognito.send(new CreateGroupCommand({ UserPoolId: poolId(), GroupName: tenantId }));
  await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId(), GroupName: tenantId, Username: user.username }));
}

async function groupExists(tenantId: string): Promise<boolean> {
  return cognito.send(new GetGroupCommand({ UserPoolId: poolId(), GroupName: tenantId })).then(
    () => true,
    (error: unknown) => {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return false;
      throw error;
    },
  );
}

async function groupMembers(tenantId: string): Promise<string[]> {
  const { Users = [] } = await cognito.send(new ListUsersInGroupCommand({ UserPoolId: poolId(), GroupName: tenantId }));
  return Users.map((user) => user.Username ?? '').sort();
}

async function partitionItems(tenantId: string): Promise<Record<string, AttributeValue>[]> {
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({ TableName: table(), KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': { S: tenantPartition(tenantId) } }, ConsistentRead: true }),
  );
  return Items;
}

/** A user's limits item as onboarding leaves it: counts, and the tenants whose creation it counted. */
async function putLimits(userId: string, counts: { tenantsCreated: number; memberships: number; counted: readonly string[] }): Promise<void> {
  const key = userLimitsKey(userId);
  await dynamodb.send(
    new PutItemCommand({
      TableName: table(),
      Item: {
        PK: { S: key.PK },
        SK: { S: key.SK },
        tenantsCreated: { N: String(counts.tenantsCreated) },
        memberships: { N: String(counts.memberships) },
        ...(counts.counted.length > 0 ? { countedTenantIds: { SS: [...counts.counted] } } : {}),
      },
    }),
  );
}

async function limitsOf(userId: string): Promise<{ tenantsCreated: number; memberships: number; counted: string[] }> {
  const item = await getItem(userLimitsKey(userId));
  return { tenantsCreated: Number(item?.tenantsCreated?.N ?? 0), memberships: Number(item?.memberships?.N ?? 0), counted: item?.countedTenantIds?.SS ?? [] };
}

const now = () => new Date().toISOString();
const membership = (tenantId: string, user: User, roleId: string) =>
  membershipItem({ tenantId, tenantName: 'By hand', userId: user.userId, email: user.email, roleId, createdAt: now() });

/** What one violation of each kind looks like when it is made by hand, and the tenant it is in. */
interface Fixtures {
  strayInGroup: { tenantId: string; stray: User };
  memberOutOfGroup: { tenantId: string; member: User };
  groupMissing: { tenantId: string; member: User };
  leftovers: { tenantId: string; creator: User; other: User };
  orphan: { tenantId: string; creator: User };
  noAdmin: { tenantId: string; creator: User };
  danglingActive: { tenantId: string; user: User };
}

async function violations(): Promise<Fixtures> {
  // A user in a tenant's group with no membership there.
  const a = await newTenant('recon-stray');
  const stray = await newUser('recon-stray-user');
  await addToGroup(a.tenantId, stray, false);
  // A member (written as a back office would) who is not in the group.
  const b = await newTenant('recon-out');
  const outside = await backOfficeMember(b, ADMIN_ROLE_ID, 'recon-out-member');
  // A tenant made by hand with its member but no group at all.
  const cId = randomUUID();
  const lone = await newUser('recon-lone');
  await putItem(tenantRecord({ tenantId: cId, name: 'No Group', createdBy: lone.userId, createdAt: now(), roleHolders: { [ADMIN_ROLE_ID]: 1 } }));
  await putItem(membership(cId, lone, ADMIN_ROLE_ID));
  // A failed onboarding's leftovers: membership, role, group, the creator's counted quota, its active tenant; and a second member.
  const dId = randomUUID();
  const creator = await newUser('recon-left-creator');
  const other = await newUser('recon-left-other');
  await putItem(membership(dId, creator, ADMIN_ROLE_ID));
  await putItem(membership(dId, other, 'pilot'));
  await putItem(roleItem({ tenantId: dId, roleId: ADMIN_ROLE_ID, name: 'Admin', actions: [], builtIn: true, createdAt: now() }));
  await addToGroup(dId, creator, true);
  await putLimits(creator.userId, { tenantsCreated: 1, memberships: 1, counted: [dId] });
  await putLimits(other.userId, { tenantsCreated: 0, memberships: 1, counted: [] });
  await setActiveAttributes(creator.username, dId, ADMIN_ROLE_ID);
  // A tenant record with no member, its group and the creator's counted quota.
  const eId = randomUUID();
  const orphanCreator = await newUser('recon-orphan');
  await putItem(tenantRecord({ tenantId: eId, name: 'Orphan', createdBy: orphanCreator.userId, createdAt: now(), roleHolders: { [ADMIN_ROLE_ID]: 1 } }));
  await cognito.send(new CreateGroupCommand({ UserPoolId: poolId(), GroupName: eId }));
  await putLimits(orphanCreator.userId, { tenantsCreated: 1, memberships: 1, counted: [eId] });
  // A tenant whose only admin, its creator, was made a pilot by hand.
  const f = await newTenant('recon-noadmin');
  await reassign(f, f.admin, ADMIN_ROLE_ID, 'pilot');
  await setActiveAttributes(f.admin.username, f.tenantId, 'pilot');
  // An active tenant naming a tenant the user was never a member of.
  const gId = randomUUID();
  const dangling = await newUser('recon-dangling');
  await setActiveAttributes(dangling.username, gId, 'pilot');
  return {
    strayInGroup: { tenantId: a.tenantId, stray },
    memberOutOfGroup: { tenantId: b.tenantId, member: outside },
    groupMissing: { tenantId: cId, member: lone },
    leftovers: { tenantId: dId, creator, other },
    orphan: { tenantId: eId, creator: orphanCreator },
    noAdmin: { tenantId: f.tenantId, creator: f.admin },
    danglingActive: { tenantId: gId, user: dangling },
  };
}

const tenantsOf = (fixtures: Fixtures): string[] => Object.values(fixtures).map((fixture) => fixture.tenantId);
const counts = (entries: Partial<Record<ViolationKind, number>>): Record<ViolationKind, number> =>
  Object.fromEntries(VIOLATION_KINDS.map((kind) => [kind, entries[kind] ?? 0])) as Record<ViolationKind, number>;

/** The reconciler's runs since `since` among the latest invocations the local Lambda service lists on its console. */
async function reconcilerRunsSince(since: string): Promise<number> {
  const state = (await (await fetch(`${outputs().endpoint}/_local/console/state.json`)).json()) as { invocations: { functionName: string; startedAt: string }[] };
  return state.invocations.filter((call) => call.functionName === FUNCTIONS.reconciler.name && call.startedAt >= since).length;
}

const repairEvents = (tenantId: string) => auditRecords(tenantId, DETAIL_TYPE.invariantRepaired);

describe('the reconciler on the local cloud', () => {
  let fixtures: Fixtures;
  let first: ReconcileSummary;

  beforeAll(async () => {
    fixtures = await violations();
    first = await reconcile(tenantsOf(fixtures));
  });

  it('repairs one violation of each kind made by hand, and fails none', () => {
    expect(first.repaired).toEqual(
      counts({
        'group-member-without-membership': 1,
        'membership-without-group-member': 2,
        'leftovers-without-tenant': 1,
        'tenant-without-members': 1,
        'tenant-without-admin': 1,
        'active-tenant-without-membership': 1,
      }),
    );
    expect([first.failed, first.vanished, first.unrepairable]).toEqual([0, 0, 0]);
  });

  it('takes the user without membership out of the group, and puts members without it in (creating a missing group)', async () => {
    const { strayInGroup, memberOutOfGroup, groupMissing } = fixtures;

    expect(await groupsOf(strayInGroup.stray.username)).not.toContain(strayInGroup.tenantId);
    expect(await groupsOf(memberOutOfGroup.member.username)).toContain(memberOutOfGroup.tenantId);
    expect(await groupMembers(groupMissing.tenantId)).toEqual([groupMissing.member.username]);
  });

  it("deletes a failed onboarding's leftovers: every item, the group, the active tenant, and each counter once", async () => {
    const { tenantId, creator, other } = fixtures.leftovers;

    expect(await partitionItems(tenantId)).toEqual([]);
    expect(await groupExists(tenantId)).toBe(false);
    expect(await activeAttributes(creator.username)).toEqual({ tenantId: '', roleId: '' });
    expect(await limitsOf(creator.userId)).toEqual({ tenantsCreated: 0, memberships: 0, counted: [] });
    expect(await limitsOf(other.userId)).toEqual({ tenantsCreated: 0, memberships: 0, counted: [] });
  });

  it("deletes a tenant that has no member, its group, and gives its creator's quota back", async () => {
    const { tenantId, creator } = fixtures.orphan;

    expect(await getItem(tenantRecordKey(tenantId))).toBeUndefined();
    expect(await groupExists(tenantId)).toBe(false);
    expect(await limitsOf(creator.userId)).toEqual({ tenantsCreated: 0, memberships: 0, counted: [] });
  });

  it('makes the creator of a tenant without admin its admin again, with the counts and its role hint', async () => {
    const { tenantId, creator } = fixtures.noAdmin;

    const member = await getItem(membershipKey(tenantId, creator.userId));
    const record = await getItem(tenantRecordKey(tenantId));

    expect(member?.roleId?.S).toBe(ADMIN_ROLE_ID);
    expect(record?.roleHolders?.M).toEqual({ [ADMIN_ROLE_ID]: { N: '1' }, pilot: { N: '0' } });
    expect(await activeAttributes(creator.username)).toEqual({ tenantId, roleId: ADMIN_ROLE_ID });
  });

  it('clears an active tenant naming a tenant without membership, both attributes', async () => {
    expect(await activeAttributes(fixtures.danglingActive.user.username)).toEqual({ tenantId: '', roleId: '' });
  });

  it("records one event per repair in the tenant's audit trail, as the reconciler", async () => {
    const expected: [keyof Fixtures, ViolationKind, string | undefined][] = [
      ['strayInGroup', 'group-member-without-membership', fixtures.strayInGroup.stray.userId],
      ['memberOutOfGroup', 'membership-without-group-member', fixtures.memberOutOfGroup.member.userId],
      ['groupMissing', 'membership-without-group-member', fixtures.groupMissing.member.userId],
      ['leftovers', 'leftovers-without-tenant', undefined],
      ['orphan', 'tenant-without-members', undefined],
      ['noAdmin', 'tenant-without-admin', fixtures.noAdmin.creator.userId],
      ['danglingActive', 'active-tenant-without-membership', fixtures.danglingActive.user.userId],
    ];

    for (const [fixture, violation, userId] of expected) {
      const records = await eventually(async () => {
        const found = await repairEvents(fixtures[fixture].tenantId);
        return found.length > 0 ? found : undefined;
      }, `the repair event of ${fixture}`);
      expect(records).toHaveLength(1);
      expect(records[0]?.actorUserId).toBe('_reconciler');
      expect(records[0]?.detail.violation?.S).toBe(violation);
      expect(records[0]?.detail.userId?.S).toBe(userId);
      expect(records[0]?.detail.runId?.S).toBe(first.runId);
    }
  });

  it('repairs nothing on a second run', async () => {
    const second = await reconcile(tenantsOf(fixtures));

    expect(second.candidates).toBe(0);
    expect(second.repaired).toEqual(counts({}));
  });
});

describe('the grace on the local cloud', () => {
  it('leaves alone an onboarding in flight whose state looked broken at the scan and was whole after the grace', async () => {
    // Onboarding's state when its group branch (CreateTenantGroup, AddUserToGroup) finished before
    // the transaction of its items: a group with its creator and no tenant record, which the
    // reconciler would delete as a failed onboarding's leftovers were it not for the grace.
    const tenantId = randomUUID();
    const creator = await newUser('recon-inflight');
    await addToGroup(tenantId, creator, true);

    const run = reconcile([tenantId], 10);
    const scanned = (line: string) => line.includes('candidates wait out the grace') && line.includes(tenantId);
    await eventually(async () => (cloudLog().split('\n').some(scanned) ? true : undefined), "the reconciler's scan naming the tenant", 200);
    // The run's remaining steps, within the grace: its items (record, membership, admin role), then the active tenant.
    await putItem(tenantRecord({ tenantId, name: 'In Flight', createdBy: creator.userId, createdAt: now(), roleHolders: { [ADMIN_ROLE_ID]: 1 } }));
    await putItem(membership(tenantId, creator, ADMIN_ROLE_ID));
    await putItem(roleItem({ tenantId, roleId: ADMIN_ROLE_ID, name: 'Admin', actions: [], builtIn: true, createdAt: now() }));
    await setActiveAttributes(creator.username, tenantId, ADMIN_ROLE_ID);
    const summary = await run;

    expect([summary.candidates, summary.vanished]).toEqual([1, 1]);
    expect(summary.repaired).toEqual(counts({}));
    expect(await groupMembers(tenantId)).toEqual([creator.username]);
    expect(await getItem(membershipKey(tenantId, creator.userId))).toBeDefined();
    expect(await repairEvents(tenantId)).toEqual([]);
  });
});

describe('who may run the reconciler', () => {
  it('refuses tenant credentials as the authorizer mints them (AccessDeniedException), and an unsigned caller', async () => {
    const tenant = await newTenant('recon-attacker');
    const tenantCredentials = await identityPoolCredentials(tenant.admin.idToken);
    const asTenant = lambdaAs(tenantCredentials);
    const unsigned = lambdaAs(LOCAL_ADMIN_CREDENTIALS, true);
    const request = { FunctionName: FUNCTIONS.reconciler.name, Payload: JSON.stringify({ graceSeconds: 0, tenantIds: [tenant.tenantId] }) };

    const since = new Date().toISOString();

    const [byTenant, byNobody] = await Promise.allSettled([asTenant.send(new InvokeCommand(request)), unsigned.send(new InvokeCommand(request))]);

    expect(byTenant).toMatchObject({ status: 'rejected', reason: { name: 'AccessDeniedException' } });
    expect(byNobody).toMatchObject({ status: 'rejected', reason: { name: 'MissingAuthenticationTokenException' } });
    expect(await reconcilerRunsSince(since)).toBe(0);
    asTenant.destroy();
    unsigned.destroy();
  });

  it('refuses a request outside its schema, so no caller can hold it past its timeout', async () => {
    const response = await admin.send(new InvokeCommand({ FunctionName: FUNCTIONS.reconciler.name, Payload: JSON.stringify({ graceSeconds: 100_000 }) }));

    expect(response.FunctionError).toBe('Unhandled');
    expect(JSON.parse(new TextDecoder().decode(response.Payload))).toMatchObject({ errorType: 'InvalidReconcileRequestError' });
  });
});
