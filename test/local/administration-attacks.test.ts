import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { auditPartition, membershipKey } from '../../domain/keys';
import { ACTIONS, ADMIN_ROLE_ID } from '../../domain/permissions';
import { api, clients, mintCredentials, outputs } from './support';
import { createRole, errorOf, fieldsOf, getItem, joined, newTenant, verifiedUser, type Tenant, type User } from './tenant-fixtures';

/**
 * Attacks on the administration routes, through the real REST API, authorizer (and its 30 s result
 * cache), workflows and IAM gateway of the local cloud, by a member reaching for admin, an admin of
 * another tenant, and tenant credentials. The first was a hole (a demoted admin re-promoting itself
 * through the guarded writer's retry with its new role); the writer now makes the write decide
 * again for that role (`asRole`).
 */

const table = () => outputs().tableName;

async function roleOnRecord(tenant: Tenant, member: User): Promise<string | undefined> {
  return (await getItem(membershipKey(tenant.tenantId, member.userId)))?.roleId?.S;
}

describe('a demoted admin whose admin answer is still cached', () => {
  it('an admin demoted to a role with role:assign cannot make itself admin again with the token the authorizer still has cached as admin', async () => {
    const tenant = await newTenant('stale-admin');
    const assigner = await createRole(tenant, `Assigner ${Date.now()}`, ['role:assign', 'member:read']);
    const mallory = await joined(tenant, ADMIN_ROLE_ID, 'mallory');
    // Mallory's token goes through the authorizer while Mallory is admin: API Gateway caches that answer.
    expect((await api<{ roleId: string }>('GET', '/me', mallory.idToken)).body.roleId).toBe(ADMIN_ROLE_ID);
    expect((await api('PUT', `/members/${mallory.userId}/role`, tenant.admin.idToken, { roleId: assigner })).status).toBe(200);

    const promoted = await api('PUT', `/members/${mallory.userId}/role`, mallory.idToken, { roleId: ADMIN_ROLE_ID });

    expect(promoted.status).toBe(403);
    expect(await roleOnRecord(tenant, mallory)).toBe(assigner);
  });
});

describe('only an admin grants or takes admin', () => {
  it('a member with role:assign cannot promote another member to admin', async () => {
    const tenant = await newTenant('assign-admin');
    const assigner = await createRole(tenant, `Assigner ${Date.now()}`, ['role:assign']);
    const eve = await joined(tenant, assigner, 'eve');
    const accomplice = await joined(tenant, assigner, 'accomplice');

    const promoted = await api('PUT', `/members/${accomplice.userId}/role`, eve.idToken, { roleId: ADMIN_ROLE_ID });

    expect(promoted.status).toBe(403);
    expect(await roleOnRecord(tenant, accomplice)).toBe(assigner);
  });

  it('a member with member:manage cannot invite an address of its own as admin', async () => {
    const tenant = await newTenant('invite-admin');
    const manager = await createRole(tenant, `Manager ${Date.now()}`, ['member:manage', 'member:read']);
    const eve = await joined(tenant, manager, 'eve');

    const invited = await api('POST', '/members', eve.idToken, { email: `eve-second-${Date.now()}@example.com`, roleId: ADMIN_ROLE_ID });

    expect(invited.status).toBe(403);
  });

  it('an admin demoted to a role with member:manage cannot remove the other admin with its cached admin token', async () => {
    const tenant = await newTenant('stale-remove');
    const manager = await createRole(tenant, `Manager ${Date.now()}`, ['member:manage', 'member:read']);
    const mallory = await joined(tenant, ADMIN_ROLE_ID, 'mallory');
    expect((await api<{ roleId: string }>('GET', '/me', mallory.idToken)).body.roleId).toBe(ADMIN_ROLE_ID);
    expect((await api('PUT', `/members/${mallory.userId}/role`, tenant.admin.idToken, { roleId: manager })).status).toBe(200);

    const removed = await api('DELETE', `/members/${tenant.admin.userId}`, mallory.idToken);

    expect(removed.status).toBe(403);
    expect(await roleOnRecord(tenant, tenant.admin)).toBe(ADMIN_ROLE_ID);
  });

  it('an admin demoted to a role with role:assign cannot promote an accomplice to admin with its cached admin token', async () => {
    const tenant = await newTenant('stale-promote');
    const assigner = await createRole(tenant, `Assigner ${Date.now()}`, ['role:assign']);
    const mallory = await joined(tenant, ADMIN_ROLE_ID, 'mallory');
    const accomplice = await joined(tenant, assigner, 'accomplice');
    expect((await api<{ roleId: string }>('GET', '/me', mallory.idToken)).body.roleId).toBe(ADMIN_ROLE_ID);
    expect((await api('PUT', `/members/${mallory.userId}/role`, tenant.admin.idToken, { roleId: assigner })).status).toBe(200);

    const promoted = await api('PUT', `/members/${accomplice.userId}/role`, mallory.idToken, { roleId: ADMIN_ROLE_ID });

    expect(promoted.status).toBe(403);
    expect(await roleOnRecord(tenant, accomplice)).toBe(assigner);
  });
});

describe("another tenant's ids", () => {
  it("an admin of tenant B cannot change the role of, or remove, a member of tenant A (404)", async () => {
    const tenantA = await newTenant('victim-a');
    const tenantB = await newTenant('attacker-b');
    const viewer = await createRole(tenantA, `Viewer ${Date.now()}`, ['member:read']);
    const member = await joined(tenantA, viewer, 'member-a');

    const changed = await api('PUT', `/members/${member.userId}/role`, tenantB.admin.idToken, { roleId: ADMIN_ROLE_ID });
    const removed = await api('DELETE', `/members/${member.userId}`, tenantB.admin.idToken);

    expect([changed.status, removed.status]).toEqual([404, 404]);
    expect(await roleOnRecord(tenantA, member)).toBe(viewer);
  });

  it("an admin of tenant B cannot update or delete tenant A's role by its id (404)", async () => {
    const tenantA = await newTenant('victim-role');
    const tenantB = await newTenant('attacker-role');
    const roleId = await createRole(tenantA, `Only in A ${Date.now()}`, ['member:read']);

    const updated = await api('PUT', `/roles/${roleId}`, tenantB.admin.idToken, { actions: [...ACTIONS] });
    const deleted = await api('DELETE', `/roles/${roleId}`, tenantB.admin.idToken);

    expect([updated.status, deleted.status]).toEqual([404, 404]);
    const roles = await api<{ roles: { roleId: string; actions: string[] }[] }>('GET', '/roles', tenantA.admin.idToken);
    expect(roles.body.roles.find((role) => role.roleId === roleId)?.actions).toEqual(['member:read']);
  });

  it("an admin of tenant B cannot revoke tenant A's invitation, however the address is encoded (404)", async () => {
    const tenantA = await newTenant('victim-invite');
    const tenantB = await newTenant('attacker-invite');
    const email = `invitee-${Date.now()}@example.com`;
    expect((await api('POST', '/members', tenantA.admin.idToken, { email, roleId: ADMIN_ROLE_ID })).status).toBe(202);

    const plain = await api('DELETE', `/invitations/${encodeURIComponent(email)}`, tenantB.admin.idToken);
    const doubled = await api('DELETE', `/invitations/${encodeURIComponent(encodeURIComponent(email.toUpperCase()))}`, tenantB.admin.idToken);

    expect([plain.status, doubled.status]).toEqual([404, 404]);
    const pending = await api<{ invitations: { email: string }[] }>('GET', '/invitations', tenantA.admin.idToken);
    expect(pending.body.invitations.map((invitation) => invitation.email)).toContain(email);
  });

  it("tenant A's audit cursor is refused in tenant B with a 400 naming next", async () => {
    const tenantA = await newTenant('cursor-a');
    const tenantB = await newTenant('cursor-b');
    await createRole(tenantA, `Something ${Date.now()}`, ['member:read']);
    const first = await api<{ next?: string }>('GET', '/audit?limit=1', tenantA.admin.idToken);
    expect(first.body.next).toBeDefined();

    const foreign = await api('GET', `/audit?next=${encodeURIComponent(first.body.next ?? '')}`, tenantB.admin.idToken);

    expect(foreign.status).toBe(400);
    expect(fieldsOf(foreign)).toEqual(['next']);
  });
});

describe('audit trails under tenant credentials', () => {
  it("tenant credentials can neither write their own audit trail nor read another tenant's", async () => {
    const tenantA = await newTenant('trail-a');
    const tenantB = await newTenant('trail-b');
    const credentials = await mintCredentials({ userId: tenantA.admin.userId, tenantId: tenantA.tenantId });
    const { dynamodb } = clients(credentials);

    const forged = dynamodb.send(
      new PutItemCommand({
        TableName: table(),
        Item: { PK: { S: auditPartition(tenantA.tenantId) }, SK: { S: `EVENT#${new Date().toISOString()}#forged` }, type: { S: 'member.removed.v1' } },
      }),
    );
    const foreignRead = dynamodb.send(
      new QueryCommand({ TableName: table(), KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': { S: auditPartition(tenantB.tenantId) } } }),
    );

    await expect(forged).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(foreignRead).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('bad ids are a 400 naming the field', () => {
  it('refuses a malformed user id, role id and address in the path', async () => {
    const tenant = await newTenant('bad-ids');

    const member = await api('PUT', `/members/${encodeURIComponent('USER#x')}/role`, tenant.admin.idToken, { roleId: 'ops' });
    const role = await api('DELETE', `/roles/${encodeURIComponent('Ops#1')}`, tenant.admin.idToken);
    const invitation = await api('DELETE', `/invitations/${encodeURIComponent('not an address')}`, tenant.admin.idToken);

    expect([member.status, role.status, invitation.status]).toEqual([400, 400, 400]);
    expect([fieldsOf(member), fieldsOf(role), fieldsOf(invitation)]).toEqual([['userId'], ['roleId'], ['email']]);
  });

  it('refuses an unknown role id in a body with a 404, not a 500', async () => {
    const tenant = await newTenant('missing-role');
    const user = await verifiedUser('nobody-role');

    const added = await api('POST', '/members', tenant.admin.idToken, { email: user.email, roleId: 'no-such-role' });

    expect(added.status).toBe(404);
    expect(errorOf(added).message).toContain('no-such-role');
  });
});
