import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ACTIONS, type Action } from '../../domain/permissions';
import { DETAIL_TYPE, type DetailType } from '../../events/catalog';
import { api, eventually, type ApiResponse } from './support';
import { auditRecords, backOfficeMember, errorOf, fieldsOf, newTenant, newUser, reassign, type AuditRecord, type Tenant, type User as Member } from './tenant-fixtures';

/**
 * The roles API through the real REST API and authorizer on the local cloud: the permission check
 * inside each write's transaction on DynamoDB Local, the audit trail fed by the bus, and the
 * isolation of one tenant's role ids from another's.
 */

interface Role {
  roleId: string;
  name: string;
  actions: string[];
}

/** The role the authorizer handed the API for this token: its cache keeps it for a while after a change. */
async function roleSeenByAuthorizer(member: Member): Promise<unknown> {
  return (await api('GET', '/me', member.idToken)).body.roleId;
}

const createRole = (member: Member, name: string, actions: readonly string[]): Promise<ApiResponse<{ role: Role }>> =>
  api<{ role: Role }>('POST', '/roles', member.idToken, { name, actions });

async function createdRole(member: Member, name: string, actions: readonly Action[]): Promise<Role> {
  const response = await createRole(member, name, actions);
  expect(response.status).toBe(201);
  return response.body.role;
}

async function rolesOf(member: Member): Promise<Role[]> {
  const response = await api<{ roles: Role[] }>('GET', '/roles', member.idToken);
  expect(response.status).toBe(200);
  return response.body.roles;
}

const strings = (value: AttributeValue | undefined): string[] => (value?.L ?? []).map((element) => element.S ?? '');

/** Waits for the audit record of `type` whose detail matches `matches`. */
function auditRecord(tenantId: string, type: DetailType, matches: (detail: Record<string, AttributeValue>) => boolean): Promise<AuditRecord> {
  return eventually(async () => (await auditRecords(tenantId, type)).find((record) => matches(record.detail)), `${type} in the audit trail of ${tenantId}`);
}

const isDenialOf = (member: Member) => (detail: Record<string, AttributeValue>) => detail.userId?.S === member.userId && detail.action?.S === 'role:manage';

async function denialsOf(tenant: Tenant, member: Member): Promise<AuditRecord[]> {
  return (await auditRecords(tenant.tenantId, DETAIL_TYPE.accessDenied)).filter((record) => isDenialOf(member)(record.detail));
}

/** Runs `refused` and waits for the access.denied.v1 record it leaves: one more than there were. */
async function withDenialRecorded<T>(tenant: Tenant, member: Member, refused: () => Promise<T>): Promise<{ result: T; record: AuditRecord }> {
  const before = (await denialsOf(tenant, member)).length;
  const result = await refused();
  const record = await eventually(async () => {
    const denials = await denialsOf(tenant, member);
    return denials.length > before ? denials.at(-1) : undefined;
  }, `a new access.denied.v1 record of ${member.userId}`);
  return { result, record };
}

/** Two tenants, each with an admin; A with an `editor` (role:manage) and a `viewer` (nothing), one member each. */
let a: Tenant;
let b: Tenant;
let editor: Member;
let viewer: Member;

beforeAll(async () => {
  [a, b] = await Promise.all([newTenant('Alpha'), newTenant('Bravo')]);
  await createdRole(a.admin, 'Editor', ['role:manage']);
  await createdRole(a.admin, 'Viewer', []);
  [editor, viewer] = await Promise.all([backOfficeMember(a, 'editor', 'editor'), backOfficeMember(a, 'viewer', 'viewer')]);
});

describe('GET /roles', () => {
  it('lists the built-in admin role with every action and the custom roles with theirs, to any member', async () => {
    const roles = await rolesOf(viewer);

    expect(roles).toEqual(
      expect.arrayContaining([
        { roleId: 'admin', name: expect.any(String), actions: [...ACTIONS] },
        { roleId: 'editor', name: 'Editor', actions: ['role:manage'] },
        { roleId: 'viewer', name: 'Viewer', actions: [] },
      ]),
    );
  });

  it("shows a tenant only its own roles, never another tenant's", async () => {
    const roles = await rolesOf(b.admin);

    expect(roles.map((role) => role.roleId)).toEqual(['admin']);
  });

  it('is refused to a signed-in user with no active tenant', async () => {
    const { idToken } = await newUser('tenantless');

    const response = await api('GET', '/roles', idToken);

    expect(response.status).toBe(403);
  });
});

describe('POST /roles', () => {
  it('creates a role whose id comes from its name, with each action once in the catalogue order, and audits it', async () => {
    const response = await createRole(a.admin, '  Maintenance chief ', ['aircraft:write', 'aircraft:read', 'aircraft:write']);

    expect(response.status).toBe(201);
    expect(response.body.role).toEqual({ roleId: 'maintenance-chief', name: 'Maintenance chief', actions: ['aircraft:read', 'aircraft:write'] });
    expect(await rolesOf(viewer)).toContainEqual(response.body.role);
    const record = await auditRecord(a.tenantId, DETAIL_TYPE.roleCreated, (detail) => detail.roleId?.S === 'maintenance-chief');
    expect(record.actorUserId).toBe(a.admin.userId);
    expect(strings(record.detail.actions)).toEqual(['aircraft:read', 'aircraft:write']);
  });

  it('lets a member whose custom role holds role:manage create a role', async () => {
    const role = await createdRole(editor, 'Dispatcher', ['reservation:read']);

    expect(role.roleId).toBe('dispatcher');
  });

  it('answers 403 to a member whose role lacks role:manage, records access.denied.v1, and creates nothing', async () => {
    const { result: response, record } = await withDenialRecorded(a, viewer, () => createRole(viewer, 'Sneaky', ['role:manage']));

    expect(response.status).toBe(403);
    expect(errorOf(response).code).toBe('Forbidden');
    expect(record.detail.reason?.S).toBe('role viewer does not grant role:manage');
    expect((await rolesOf(viewer)).map((role) => role.roleId)).not.toContain('sneaky');
  });

  it('creates the role in the caller’s own tenant even when another tenant has a role of that id', async () => {
    const role = await createdRole(b.admin, 'Editor', ['aircraft:read']);

    expect(role).toEqual({ roleId: 'editor', name: 'Editor', actions: ['aircraft:read'] });
    expect((await rolesOf(viewer)).find((candidate) => candidate.roleId === 'editor')?.actions).toEqual(['role:manage']);
  });

  it('answers 400 naming the index and the value of an unknown action', async () => {
    const response = await createRole(a.admin, 'Ground crew', ['aircraft:read', 'aircraft:fly']);

    expect(response.status).toBe(400);
    expect(errorOf(response).details).toEqual([{ field: 'actions.1', message: expect.stringContaining('"aircraft:fly"') }]);
  });

  it('answers 400 naming the name when it gives no role id, and when it is empty', async () => {
    const symbols = await createRole(a.admin, '★★★', []);
    const empty = await createRole(a.admin, '   ', []);

    expect([symbols.status, empty.status]).toEqual([400, 400]);
    expect([fieldsOf(symbols), fieldsOf(empty)]).toEqual([['name'], ['name']]);
  });

  it('answers 409 for a name that would be the built-in admin role, and for a role id that exists', async () => {
    const reserved = await createRole(a.admin, 'ADMIN', []);
    const existing = await createRole(a.admin, 'editor', ['audit:read']);

    expect([reserved.status, existing.status]).toEqual([409, 409]);
    expect(errorOf(existing).message).toBe('A role with id editor exists');
    expect((await rolesOf(viewer)).find((role) => role.roleId === 'editor')?.actions).toEqual(['role:manage']);
  });
});

describe('PUT /roles/{roleId}', () => {
  it('renames a role and changes its actions without changing its id, and audits what it replaced', async () => {
    await createdRole(a.admin, 'Instructor', ['aircraft:read']);

    const response = await api<{ role: Role }>('PUT', '/roles/instructor', a.admin.idToken, { name: 'Flight instructor', actions: ['member:read', 'aircraft:read'] });

    expect(response.status).toBe(200);
    expect(response.body.role).toEqual({ roleId: 'instructor', name: 'Flight instructor', actions: ['aircraft:read', 'member:read'] });
    expect(await rolesOf(viewer)).toContainEqual(response.body.role);
    const record = await auditRecord(a.tenantId, DETAIL_TYPE.roleUpdated, (detail) => detail.roleId?.S === 'instructor');
    expect({ previousName: record.detail.previousName?.S, previousActions: strings(record.detail.previousActions) }).toEqual({
      previousName: 'Instructor',
      previousActions: ['aircraft:read'],
    });
  });

  it('changes only the actions when only the actions are given', async () => {
    await createdRole(a.admin, 'Mechanic', ['aircraft:read']);

    const response = await api<{ role: Role }>('PUT', '/roles/mechanic', a.admin.idToken, { actions: ['aircraft:write'] });

    expect(response.body.role).toEqual({ roleId: 'mechanic', name: 'Mechanic', actions: ['aircraft:write'] });
  });

  it('answers 403 to a member whose role lacks role:manage, records access.denied.v1, and changes nothing', async () => {
    const { result: response } = await withDenialRecorded(a, viewer, () => api('PUT', '/roles/viewer', viewer.idToken, { actions: [...ACTIONS] }));

    expect(response.status).toBe(403);
    expect((await rolesOf(viewer)).find((role) => role.roleId === 'viewer')?.actions).toEqual([]);
  });

  it("answers 404 for another tenant's role id, which is looked up in the caller's tenant, and leaves it alone", async () => {
    await createdRole(a.admin, 'Alpha only', ['aircraft:read']);

    const response = await api('PUT', '/roles/alpha-only', b.admin.idToken, { actions: [...ACTIONS] });

    expect(response.status).toBe(404);
    expect((await rolesOf(viewer)).find((role) => role.roleId === 'alpha-only')?.actions).toEqual(['aircraft:read']);
  });

  it('answers 400 naming roleId, the body, an unknown field and an unknown action', async () => {
    const badId = await api('PUT', `/roles/${encodeURIComponent('Not An Id')}`, a.admin.idToken, { name: 'x' });
    const empty = await api('PUT', '/roles/viewer', a.admin.idToken, {});
    const unknownField = await api('PUT', '/roles/viewer', a.admin.idToken, { name: 'Viewer', builtIn: true });
    const unknownAction = await api('PUT', '/roles/viewer', a.admin.idToken, { actions: ['*'] });

    expect([badId, empty, unknownField, unknownAction].map((response) => response.status)).toEqual([400, 400, 400, 400]);
    expect([fieldsOf(badId), fieldsOf(empty), fieldsOf(unknownField), fieldsOf(unknownAction)]).toEqual([['roleId'], ['(body)'], ['(body)'], ['actions.0']]);
  });

  it('answers 409 for the built-in admin role', async () => {
    const response = await api('PUT', '/roles/admin', a.admin.idToken, { actions: [] });

    expect(response.status).toBe(409);
    expect((await rolesOf(a.admin)).find((role) => role.roleId === 'admin')?.actions).toEqual([...ACTIONS]);
  });
});

describe('DELETE /roles/{roleId}', () => {
  it('deletes a role nobody holds, and audits it', async () => {
    await createdRole(a.admin, 'Temporary', []);

    const response = await api('DELETE', '/roles/temporary', a.admin.idToken);

    expect(response.status).toBe(204);
    expect((await rolesOf(viewer)).map((role) => role.roleId)).not.toContain('temporary');
    await auditRecord(a.tenantId, DETAIL_TYPE.roleDeleted, (detail) => detail.roleId?.S === 'temporary');
  });

  it('answers 409 while a member holds the role, and keeps it', async () => {
    const response = await api('DELETE', '/roles/viewer', a.admin.idToken);

    expect(response.status).toBe(409);
    expect((await rolesOf(viewer)).map((role) => role.roleId)).toContain('viewer');
  });

  it('answers 403 to a member whose role lacks role:manage, records access.denied.v1, and deletes nothing', async () => {
    await createdRole(a.admin, 'Keep me', []);

    const { result: response } = await withDenialRecorded(a, viewer, () => api('DELETE', '/roles/keep-me', viewer.idToken));

    expect(response.status).toBe(403);
    expect((await rolesOf(viewer)).map((role) => role.roleId)).toContain('keep-me');
  });

  it("answers 404 for another tenant's role id and deletes nothing there", async () => {
    await createdRole(a.admin, 'Alpha keeps', []);

    const response = await api('DELETE', '/roles/alpha-keeps', b.admin.idToken);

    expect(response.status).toBe(404);
    expect((await rolesOf(viewer)).map((role) => role.roleId)).toContain('alpha-keeps');
  });

  it('answers 400 naming roleId for a path that is no role id, and 409 for the admin role', async () => {
    const badId = await api('DELETE', `/roles/${encodeURIComponent('-dash-first')}`, a.admin.idToken);
    const builtIn = await api('DELETE', '/roles/admin', a.admin.idToken);

    expect([badId.status, builtIn.status]).toEqual([400, 409]);
    expect(fieldsOf(badId)).toEqual(['roleId']);
  });
});

describe('a permission change takes effect on the very next write, even with the old token', () => {
  it('refuses the next write of a member whose role lost role:manage a moment ago', async () => {
    const tenant = await newTenant('Charlie');
    await createdRole(tenant.admin, 'Editor', ['role:manage', 'aircraft:read']);
    const member = await backOfficeMember(tenant, 'editor', 'demoted-editor');
    await createdRole(member, 'First', []);

    const removed = await api('PUT', '/roles/editor', tenant.admin.idToken, { actions: ['aircraft:read'] });
    const { result: next, record } = await withDenialRecorded(tenant, member, () => createRole(member, 'Second', []));

    expect(removed.status).toBe(200);
    expect(await roleSeenByAuthorizer(member)).toBe('editor');
    expect(next.status).toBe(403);
    expect(record.detail.reason?.S).toBe('role editor does not grant role:manage');
    expect((await rolesOf(member)).map((role) => role.roleId)).not.toContain('second');
  });

  it('refuses the next write of a member moved a moment ago to a role without role:manage', async () => {
    const tenant = await newTenant('Delta');
    await createdRole(tenant.admin, 'Editor', ['role:manage']);
    await createdRole(tenant.admin, 'Viewer', []);
    const member = await backOfficeMember(tenant, 'editor', 'moved-editor');
    await createdRole(member, 'First', []);

    await reassign(tenant, member, 'editor', 'viewer');
    const { result: next, record } = await withDenialRecorded(tenant, member, () => createRole(member, 'Second', []));

    expect(await roleSeenByAuthorizer(member)).toBe('editor');
    expect(next.status).toBe(403);
    expect(record.detail.reason?.S).toBe('role viewer does not grant role:manage');
  });

  it('lets through the next write of a member moved a moment ago to a role that grants it, though its token and the authorizer still say the old role', async () => {
    const tenant = await newTenant('Echo');
    await createdRole(tenant.admin, 'Editor', ['role:manage']);
    await createdRole(tenant.admin, 'Viewer', []);
    const member = await backOfficeMember(tenant, 'viewer', 'promoted-viewer');
    expect((await createRole(member, 'Refused', [])).status).toBe(403);

    await reassign(tenant, member, 'viewer', 'editor');
    const next = await createRole(member, 'Allowed', []);

    expect(await roleSeenByAuthorizer(member)).toBe('viewer');
    expect(next.status).toBe(201);
  });

  it('refuses to delete a role while the member moved onto it holds it', async () => {
    const tenant = await newTenant('Foxtrot');
    await createdRole(tenant.admin, 'Viewer', []);
    await createdRole(tenant.admin, 'Pilot', ['aircraft:read']);
    const member = await backOfficeMember(tenant, 'viewer', 'pilot-to-be');

    await reassign(tenant, member, 'viewer', 'pilot');
    const pilot = await api('DELETE', '/roles/pilot', tenant.admin.idToken);
    const viewerRole = await api('DELETE', '/roles/viewer', tenant.admin.idToken);

    expect([pilot.status, viewerRole.status]).toEqual([409, 204]);
  });
});
