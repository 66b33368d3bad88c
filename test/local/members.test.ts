import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { ROLE_CLAIM } from '../../domain/identity';
import { roleKey, SORT_KEY, tenantPartition, tenantRecordKey } from '../../domain/keys';
import { ADMIN_ROLE_ID, type Action } from '../../domain/permissions';
import { DETAIL_TYPE } from '../../events/catalog';
import { api, clients, eventually, outputs, signIn, signUpConfirmed, uniqueEmail } from './support';
import {
  auditDetails,
  createRole,
  errorOf,
  fieldsOf,
  getItem,
  groupsOf,
  joined,
  newTenant as tenantCreatedBy,
  userAttribute,
  verifiedUser,
  type Tenant,
  type User,
} from './tenant-fixtures';

/**
 * The members API through the real REST API and authorizer on the local cloud: the AddMember and
 * RemoveMember workflows, the role change's guarded transaction on DynamoDB Local, the user pool's
 * groups and attributes, and the audit trail fed by the bus.
 */

const { dynamodb } = clients();
const table = () => outputs().tableName;

/** A tenant whose admin's address is verified, as every user's here (members are added by address). */
const newTenant = async (label: string): Promise<Tenant> => tenantCreatedBy(label, { admin: await verifiedUser(label) });

interface Member {
  userId: string;
  email: string;
  roleId: string;
}

async function membersOf(tenant: Tenant): Promise<Member[]> {
  const response = await api<{ members: Member[] }>('GET', '/members', tenant.admin.idToken);
  expect(response.status).toBe(200);
  return response.body.members;
}

async function roleHolders(tenantId: string): Promise<Record<string, number>> {
  const record = await getItem(tenantRecordKey(tenantId));
  return Object.fromEntries(Object.entries(record?.roleHolders?.M ?? {}).map(([roleId, count]) => [roleId, Number(count.N)]));
}

/** The holder counts as the membership items say they should be (roles no one holds left out). */
async function countedFromItems(tenantId: string): Promise<Record<string, number>> {
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :members)',
      ExpressionAttributeValues: { ':pk': { S: tenantPartition(tenantId) }, ':members': { S: SORT_KEY.memberPrefix } },
      ConsistentRead: true,
    }),
  );
  const counts: Record<string, number> = {};
  for (const item of Items) counts[item.roleId?.S ?? ''] = (counts[item.roleId?.S ?? ''] ?? 0) + 1;
  return counts;
}

const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, count]) => count !== 0));

/** Waits for the tenant's audit trail to record that `user` was denied `action`. */
function deniedInAudit(tenant: Tenant, user: User, action: Action) {
  return eventually(
    async () => (await auditDetails(tenant.tenantId, DETAIL_TYPE.accessDenied)).find((detail) => detail.userId?.S === user.userId && detail.action?.S === action),
    `access.denied of ${action} in the audit trail`,
  );
}

describe('GET /members', () => {
  let tenant: Tenant;
  let pilot: User;

  beforeAll(async () => {
    tenant = await newTenant('listing');
    pilot = await joined(tenant, await createRole(tenant, 'Pilot', ['aircraft:read']), 'listing-pilot');
  });

  it('lists every member of the tenant with its address and role', async () => {
    const members = await membersOf(tenant);

    expect(members).toEqual(
      expect.arrayContaining([
        { userId: tenant.admin.userId, email: tenant.admin.email, roleId: ADMIN_ROLE_ID },
        { userId: pilot.userId, email: pilot.email, roleId: 'pilot' },
      ]),
    );
    expect(members).toHaveLength(2);
  });

  it("lists none of another tenant's members", async () => {
    const other = await newTenant('listing-other');

    const members = await membersOf(other);

    expect(members).toEqual([{ userId: other.admin.userId, email: other.admin.email, roleId: ADMIN_ROLE_ID }]);
  });

  it('answers 403 to a member whose role lacks member:read, and audits the denial', async () => {
    const response = await api('GET', '/members', pilot.idToken);

    expect(response.status).toBe(403);
    await deniedInAudit(tenant, pilot, 'member:read');
  });
});

describe('POST /members', () => {
  let tenant: Tenant;

  beforeAll(async () => {
    tenant = await newTenant('adding');
    await createRole(tenant, 'Pilot', ['aircraft:read']);
  });

  it('adds a confirmed user with a verified address at once: listed, in the group, and the tenant in its own list', async () => {
    const user = await verifiedUser('added');

    const response = await api('POST', '/members', tenant.admin.idToken, { email: user.email.toUpperCase(), roleId: 'pilot' });

    expect(response).toEqual({ status: 201, body: { member: { userId: user.userId, email: user.email, roleId: 'pilot' } } });
    expect(await membersOf(tenant)).toContainEqual({ userId: user.userId, email: user.email, roleId: 'pilot' });
    expect(await groupsOf(user.userId)).toContain(tenant.tenantId);
    const listed = await api<{ tenants: { tenantId: string; roleId: string }[] }>('GET', '/tenants', (await signIn(user.email)).idToken);
    expect(listed.body.tenants).toContainEqual(expect.objectContaining({ tenantId: tenant.tenantId, roleId: 'pilot' }));
    expect(await roleHolders(tenant.tenantId)).toMatchObject({ admin: 1, pilot: 1 });
  });

  it('invites an address no user has (202), and answers 409 to the same invitation again', async () => {
    const email = uniqueEmail('stranger');

    const first = await api<{ invitation: { email: string; roleId: string; expiresAt: string } }>('POST', '/members', tenant.admin.idToken, { email, roleId: 'pilot' });
    const again = await api('POST', '/members', tenant.admin.idToken, { email, roleId: 'pilot' });

    expect(first.status).toBe(202);
    expect(first.body.invitation).toEqual({ email, roleId: 'pilot', expiresAt: expect.any(String) });
    const days = (Date.parse(first.body.invitation.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    expect(again.status).toBe(409);
    expect(errorOf(again).message).toContain('already invited');
  });

  it('invites, and does not add, a user whose address is not verified: anyone can sign up with a colleague\'s address', async () => {
    const email = uniqueEmail('unverified');
    const userId = await signUpConfirmed(email);

    const response = await api('POST', '/members', tenant.admin.idToken, { email, roleId: 'pilot' });

    expect(response.status).toBe(202);
    expect((await membersOf(tenant)).map((member) => member.userId)).not.toContain(userId);
    expect(await groupsOf(userId)).not.toContain(tenant.tenantId);
  });

  it('answers 409 to adding a member again, the caller itself included', async () => {
    const response = await api('POST', '/members', tenant.admin.idToken, { email: tenant.admin.email, roleId: 'pilot' });

    expect(response.status).toBe(409);
    expect(errorOf(response).message).toContain('already a member');
  });

  it("answers 404 naming a role that exists only in another tenant", async () => {
    const other = await newTenant('adding-other');
    await createRole(other, 'Instructor', ['aircraft:read']);
    const user = await verifiedUser('wrong-role');

    const response = await api('POST', '/members', tenant.admin.idToken, { email: user.email, roleId: 'instructor' });

    expect(response.status).toBe(404);
    expect(errorOf(response).message).toContain('instructor');
    expect(await groupsOf(user.userId)).toEqual([]);
  });

  it('answers 400 naming each bad field', async () => {
    const response = await api('POST', '/members', tenant.admin.idToken, { email: 'not an address', roleId: 'Not A Role Id', extra: true });

    expect(response.status).toBe(400);
    expect(fieldsOf(response)).toEqual(expect.arrayContaining(['email', 'roleId']));
  });

  it('answers 403 to a member allowed to manage members adding or inviting anyone as admin: only an admin grants admin', async () => {
    const manager = await joined(tenant, await createRole(tenant, 'Crew manager', ['member:manage', 'member:read']), 'escalating-manager');
    const accomplice = await verifiedUser('accomplice');

    const added = await api('POST', '/members', manager.idToken, { email: accomplice.email, roleId: 'admin' });
    const invited = await api('POST', '/members', manager.idToken, { email: uniqueEmail('invited-admin'), roleId: 'admin' });

    expect([added.status, invited.status]).toEqual([403, 403]);
    await deniedInAudit(tenant, manager, 'member:manage');
    expect(await groupsOf(accomplice.userId)).toEqual([]);
    expect((await roleHolders(tenant.tenantId)).admin).toBe(1);
  });

  it('answers 403 to a member whose role lacks member:manage, and audits the denial', async () => {
    const pilot = await joined(tenant, 'pilot', 'adding-pilot');
    const user = await verifiedUser('not-added');

    const response = await api('POST', '/members', pilot.idToken, { email: user.email, roleId: 'pilot' });

    expect(response.status).toBe(403);
    await deniedInAudit(tenant, pilot, 'member:manage');
    expect(await groupsOf(user.userId)).toEqual([]);
  });
});

describe('PUT /members/{userId}/role', () => {
  let tenant: Tenant;
  let pilot: User;

  beforeAll(async () => {
    tenant = await newTenant('assigning');
    await createRole(tenant, 'Instructor', ['aircraft:read', 'member:read']);
    pilot = await joined(tenant, await createRole(tenant, 'Pilot', ['aircraft:read']), 'assigning-pilot');
  });

  it("changes the role: the membership, both counts, the active tenant's role hint and the audit trail", async () => {
    const response = await api('PUT', `/members/${pilot.userId}/role`, tenant.admin.idToken, { roleId: 'instructor' });

    expect(response).toEqual({ status: 200, body: { member: { userId: pilot.userId, email: pilot.email, roleId: 'instructor' } } });
    expect(nonZero(await roleHolders(tenant.tenantId))).toEqual(await countedFromItems(tenant.tenantId));
    expect(await userAttribute(pilot.userId, ROLE_CLAIM)).toBe('instructor');
    await eventually(
      async () => (await auditDetails(tenant.tenantId, DETAIL_TYPE.memberRoleChanged)).find((detail) => detail.userId?.S === pilot.userId && detail.roleId?.S === 'instructor'),
      'member.role.changed in the audit trail',
    );
  });

  it("answers 404 for another tenant's member, and for a role the tenant does not have", async () => {
    const other = await newTenant('assigning-other');

    const foreignMember = await api('PUT', `/members/${other.admin.userId}/role`, tenant.admin.idToken, { roleId: 'pilot' });
    const foreignRole = await api('PUT', `/members/${pilot.userId}/role`, other.admin.idToken, { roleId: 'pilot' });
    const missingRole = await api('PUT', `/members/${pilot.userId}/role`, tenant.admin.idToken, { roleId: 'astronaut' });

    expect([foreignMember.status, foreignRole.status, missingRole.status]).toEqual([404, 404, 404]);
    expect(await roleHolders(other.tenantId)).toEqual({ admin: 1 });
  });

  it('answers 403 to a member allowed to assign roles promoting anyone to admin, itself included, or demoting an admin', async () => {
    const assigner = await joined(tenant, await createRole(tenant, 'Role assigner', ['role:assign', 'member:read']), 'escalating-assigner');

    const promoteOther = await api('PUT', `/members/${pilot.userId}/role`, assigner.idToken, { roleId: 'admin' });
    const promoteSelf = await api('PUT', `/members/${assigner.userId}/role`, assigner.idToken, { roleId: 'admin' });
    const demoteAdmin = await api('PUT', `/members/${tenant.admin.userId}/role`, assigner.idToken, { roleId: 'pilot' });

    expect([promoteOther.status, promoteSelf.status, demoteAdmin.status]).toEqual([403, 403, 403]);
    await deniedInAudit(tenant, assigner, 'role:assign');
    expect((await roleHolders(tenant.tenantId)).admin).toBe(1);
  });

  it('answers 400 naming userId for a malformed id, and roleId for a malformed role', async () => {
    const badPath = await api('PUT', `/members/${encodeURIComponent('a#b')}/role`, tenant.admin.idToken, { roleId: 'pilot' });
    const badBody = await api('PUT', `/members/${pilot.userId}/role`, tenant.admin.idToken, { roleId: 'Pilot!' });

    expect(badPath.status).toBe(400);
    expect(fieldsOf(badPath)).toEqual(['userId']);
    expect(badBody.status).toBe(400);
    expect(fieldsOf(badBody)).toEqual(['roleId']);
  });

  it('answers 409 to demoting the last admin, the caller itself', async () => {
    const response = await api('PUT', `/members/${tenant.admin.userId}/role`, tenant.admin.idToken, { roleId: 'pilot' });

    expect(response.status).toBe(409);
    expect(errorOf(response).message).toContain('last admin');
    expect((await roleHolders(tenant.tenantId)).admin).toBe(1);
  });

  it('answers 403 to a member whose role lacks role:assign, and audits the denial', async () => {
    const viewer = await joined(tenant, 'pilot', 'assigning-viewer');

    const response = await api('PUT', `/members/${viewer.userId}/role`, viewer.idToken, { roleId: 'admin' });

    expect(response.status).toBe(403);
    await deniedInAudit(tenant, viewer, 'role:assign');
    expect((await roleHolders(tenant.tenantId)).admin).toBe(1);
  });
});

describe('DELETE /members/{userId}', () => {
  let tenant: Tenant;

  beforeAll(async () => {
    tenant = await newTenant('removing');
    await createRole(tenant, 'Reader', ['member:read']);
  });

  it('removes the member, which loses access to the tenant within the authorizer caches (60 s), whatever tokens it holds', async () => {
    const reader = await joined(tenant, 'reader', 'removed');
    expect((await api('GET', '/members', reader.idToken)).status).toBe(200);
    const started = Date.now();

    const response = await api('DELETE', `/members/${reader.userId}`, tenant.admin.idToken);

    expect(response).toEqual({ status: 204, body: {} });
    expect((await membersOf(tenant)).map((member) => member.userId)).not.toContain(reader.userId);
    expect(await groupsOf(reader.userId)).not.toContain(tenant.tenantId);
    expect(nonZero(await roleHolders(tenant.tenantId))).toEqual(await countedFromItems(tenant.tenantId));
    // Polled every 100 ms for at most 70 s: the contract says 60 s.
    await eventually(async () => ((await api('GET', '/members', reader.idToken)).status === 403 ? true : undefined), 'the removed member refused', 700);
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThanOrEqual(60);
  }, 90_000);

  it('answers 409 saying why to a member removing itself', async () => {
    const response = await api('DELETE', `/members/${tenant.admin.userId}`, tenant.admin.idToken);

    expect(response.status).toBe(409);
    expect(errorOf(response).message).toContain('cannot remove yourself');
  });

  it('answers 403 to a member allowed to manage members removing an admin: only an admin takes admin away', async () => {
    const managers = await createRole(tenant, 'Member manager', ['member:manage', 'member:read']);
    const manager = await joined(tenant, managers, 'manager');

    const response = await api('DELETE', `/members/${tenant.admin.userId}`, manager.idToken);

    expect(response.status).toBe(403);
    await deniedInAudit(tenant, manager, 'member:manage');
    expect(await groupsOf(tenant.admin.userId)).toContain(tenant.tenantId);
  });

  it("answers 404 for another tenant's member, and 400 naming userId for a malformed id", async () => {
    const other = await newTenant('removing-other');

    const foreign = await api('DELETE', `/members/${other.admin.userId}`, tenant.admin.idToken);
    const malformed = await api('DELETE', `/members/${encodeURIComponent('x y')}`, tenant.admin.idToken);

    expect(foreign.status).toBe(404);
    expect(await groupsOf(other.admin.userId)).toContain(other.tenantId);
    expect(malformed.status).toBe(400);
    expect(fieldsOf(malformed)).toEqual(['userId']);
  });

  it('answers 403 to a member whose role lacks member:manage, and audits the denial', async () => {
    const reader = await joined(tenant, 'reader', 'not-a-remover');

    const response = await api('DELETE', `/members/${tenant.admin.userId}`, reader.idToken);

    expect(response.status).toBe(403);
    await deniedInAudit(tenant, reader, 'member:manage');
  });
});

describe('concurrent changes', () => {
  it('keeps an admin when two admins demote each other at the same time', async () => {
    const tenant = await newTenant('demoting');
    await createRole(tenant, 'Pilot', ['aircraft:read']);
    const second = await joined(tenant, ADMIN_ROLE_ID, 'second-admin');

    const answers = await Promise.all([
      api('PUT', `/members/${second.userId}/role`, tenant.admin.idToken, { roleId: 'pilot' }),
      api('PUT', `/members/${tenant.admin.userId}/role`, second.idToken, { roleId: 'pilot' }),
    ]);

    const counts = await countedFromItems(tenant.tenantId);
    expect(counts.admin).toBeGreaterThanOrEqual(1);
    expect(answers.map((answer) => answer.status)).toContain(200);
    expect(nonZero(await roleHolders(tenant.tenantId))).toEqual(counts);
  });

  it('keeps one admin when two admins remove each other at the same time', async () => {
    const tenant = await newTenant('removing-each-other');
    const second = await joined(tenant, ADMIN_ROLE_ID, 'second-remover');

    const answers = await Promise.all([
      api('DELETE', `/members/${second.userId}`, tenant.admin.idToken),
      api('DELETE', `/members/${tenant.admin.userId}`, second.idToken),
    ]);

    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 204)).toHaveLength(1);
    const [refusal] = statuses.filter((status) => status !== 204);
    expect([403, 409]).toContain(refusal);
    const counts = await countedFromItems(tenant.tenantId);
    expect(counts).toEqual({ admin: 1 });
    expect(nonZero(await roleHolders(tenant.tenantId))).toEqual(counts);
  });

  it('never leaves a member holding a deleted role when the role is deleted while it is being assigned', async () => {
    const tenant = await newTenant('deleting');
    await createRole(tenant, 'Pilot', ['aircraft:read']);
    const member = await joined(tenant, 'pilot', 'assignee');

    for (let round = 0; round < 4; round += 1) {
      const roleId = await createRole(tenant, `Temporary ${round}`, ['aircraft:read']);
      const [assigned, deleted] = await Promise.all([
        api('PUT', `/members/${member.userId}/role`, tenant.admin.idToken, { roleId }),
        deleteRole(tenant, roleId),
      ]);

      const holder = (await membersOf(tenant)).find((candidate) => candidate.userId === member.userId);
      const roleExists = await roleItemExists(tenant.tenantId, roleId);
      expect({ round, holdsDeletedRole: holder?.roleId === roleId && !roleExists }).toEqual({ round, holdsDeletedRole: false });
      expect({ round, bothSucceeded: assigned.status === 200 && deleted === 'deleted' }).toEqual({ round, bothSucceeded: false });
      expect(nonZero(await roleHolders(tenant.tenantId))).toEqual(await countedFromItems(tenant.tenantId));
      if (holder?.roleId === roleId) expect((await api('PUT', `/members/${member.userId}/role`, tenant.admin.idToken, { roleId: 'pilot' })).status).toBe(200);
    }
  }, 90_000);
});

async function roleItemExists(tenantId: string, roleId: string): Promise<boolean> {
  return (await getItem(roleKey(tenantId, roleId))) !== undefined;
}

/** `DELETE /roles/{roleId}`: 'deleted' (204), or 'refused' (409, while a member holds the role). */
async function deleteRole(tenant: Tenant, roleId: string): Promise<'deleted' | 'refused'> {
  const response = await api('DELETE', `/roles/${roleId}`, tenant.admin.idToken);
  expect([204, 409]).toContain(response.status);
  return response.status === 204 ? 'deleted' : 'refused';
}
