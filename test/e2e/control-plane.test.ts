import { ACTIONS, type Action } from '../../domain/permissions';
import { DETAIL_TYPE } from '../../events/catalog';
import { api, closeClients, decodeClaims, eventually, recordedAnswers, RUN_ID, signUp, uniqueEmail, type User } from './target';
import { expectNoCredentialsIn } from './leaks';

/**
 * The control plane through its public contract only (API.md): sign-up and confirmation with the
 * user pool's SDK, then onboarding, switching, roles, members, invitations and the audit trail over
 * HTTP. The same file runs against the local cloud and against a deployed stack.
 */

interface TenantAnswer {
  tenant: { tenantId: string; name: string };
  tokens: { idToken: string; accessToken: string };
}
interface Role {
  roleId: string;
  name: string;
  actions: string[];
}
interface Member {
  userId: string;
  email: string;
  roleId: string;
}
interface Invitation {
  email: string;
  roleId: string;
  invitedBy?: string;
  expiresAt: string;
}

const INSTRUCTOR_ACTIONS: Action[] = ['aircraft:read', 'reservation:read', 'reservation:create', 'reservation:cancel', 'member:read'];

let founder: User;
let school: TenantAnswer['tenant'];

async function createTenant(user: User, name: string): Promise<TenantAnswer> {
  const created = await api<TenantAnswer>('POST', '/tenants', user.idToken, { name, refreshToken: user.refreshToken });
  expect(created.status).toBe(201);
  user.idToken = created.body.tokens.idToken;
  return created.body;
}

async function switchTo(user: User, tenantId: string): Promise<void> {
  const switched = await api<{ activeTenantId: string; tokens: { idToken: string } }>('PUT', '/tenants/active', user.idToken, { tenantId, refreshToken: user.refreshToken });
  expect(switched.status).toBe(200);
  user.idToken = switched.body.tokens.idToken;
}

const members = async (): Promise<Member[]> => {
  const listed = await api<{ members: Member[] }>('GET', '/members', founder.idToken);
  expect(listed.status).toBe(200);
  return listed.body.members;
};

const invitations = async (): Promise<Invitation[]> => {
  const listed = await api<{ invitations: Invitation[] }>('GET', '/invitations', founder.idToken);
  expect(listed.status).toBe(200);
  return listed.body.invitations;
};

beforeAll(async () => {
  founder = await signUp('founder');
});

describe('sign-up and onboarding', () => {
  it('gives a confirmed user an identity and no tenant yet', async () => {
    const me = await api('GET', '/me', founder.idToken);
    const tenants = await api('GET', '/tenants', founder.idToken);

    expect(me).toEqual({ status: 200, body: { userId: founder.userId, email: founder.email, activeTenantId: null, roleId: null, permissions: [] } });
    expect(tenants).toEqual({ status: 200, body: { tenants: [], activeTenantId: null } });
  });

  it('makes the founder admin of a new tenant and hands back tokens that name it', async () => {
    const created = await createTenant(founder, `E2E ${RUN_ID} Blue Sky`);
    school = created.tenant;

    const claims = decodeClaims(created.tokens.idToken);
    const me = await api<{ activeTenantId: string; roleId: string; permissions: string[] }>('GET', '/me', founder.idToken);
    expect(claims['custom:tenant_id']).toBe(school.tenantId);
    expect(claims['custom:role']).toBe('admin');
    expect(claims['cognito:groups']).toEqual([school.tenantId]);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ activeTenantId: school.tenantId, roleId: 'admin' });
    expect([...me.body.permissions].sort()).toEqual([...ACTIONS].sort());
  });

  it('refuses a tenant name with an invisible character, naming the field', async () => {
    const refused = await api('POST', '/tenants', founder.idToken, { name: 'Blue\u200BSky', refreshToken: founder.refreshToken });

    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: { code: 'ValidationError', message: expect.any(String), details: [expect.objectContaining({ field: 'name' })] } });
  });
});

describe('switching the active tenant', () => {
  let second: TenantAnswer['tenant'];

  beforeAll(async () => {
    second = (await createTenant(founder, `E2E ${RUN_ID} Red Rock`)).tenant;
  });

  it('lists both tenants of the user, the newest active', async () => {
    const listed = await api<{ tenants: { tenantId: string; name: string; roleId: string }[]; activeTenantId: string }>('GET', '/tenants', founder.idToken);

    expect(listed.status).toBe(200);
    expect(listed.body.activeTenantId).toBe(second.tenantId);
    expect(listed.body.tenants).toHaveLength(2);
    expect(listed.body.tenants).toEqual(expect.arrayContaining([{ ...school, roleId: 'admin' }, { ...second, roleId: 'admin' }]));
  });

  it('switches with one call to tokens that name the other tenant', async () => {
    await switchTo(founder, school.tenantId);

    const me = await api('GET', '/me', founder.idToken);
    expect(decodeClaims(founder.idToken)['custom:tenant_id']).toBe(school.tenantId);
    expect(me.body).toMatchObject({ activeTenantId: school.tenantId, roleId: 'admin' });
  });

  it('refuses a switch to a tenant the user is not a member of', async () => {
    const refused = await api('PUT', '/tenants/active', founder.idToken, { tenantId: '00000000-0000-4000-8000-000000000000', refreshToken: founder.refreshToken });

    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: { code: 'Forbidden', message: expect.any(String) } });
  });
});

describe('custom roles', () => {
  it('defines a role whose id comes from its name, listed beside the built-in admin', async () => {
    const created = await api<{ role: Role }>('POST', '/roles', founder.idToken, { name: 'Flight instructor', actions: INSTRUCTOR_ACTIONS });
    const listed = await api<{ roles: Role[] }>('GET', '/roles', founder.idToken);

    expect(created).toEqual({ status: 201, body: { role: { roleId: 'flight-instructor', name: 'Flight instructor', actions: INSTRUCTOR_ACTIONS } } });
    expect(listed.body.roles.map((role) => role.roleId).sort()).toEqual(['admin', 'flight-instructor']);
  });

  it('refuses an unknown action, naming it', async () => {
    const refused = await api('POST', '/roles', founder.idToken, { name: 'Dispatcher', actions: ['aircraft:read', 'aircraft:fly'] });

    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: { code: 'ValidationError', message: expect.any(String), details: [expect.objectContaining({ field: 'actions.1' })] } });
  });

  it('refuses to change or delete the built-in admin role', async () => {
    const changed = await api('PUT', '/roles/admin', founder.idToken, { actions: ['aircraft:read'] });
    const deleted = await api('DELETE', '/roles/admin', founder.idToken);

    expect([changed.status, deleted.status]).toEqual([409, 409]);
  });
});

describe('members added at once', () => {
  let instructor: User;

  beforeAll(async () => {
    instructor = await signUp('instructor', { verified: true });
  });

  it('adds a confirmed user with a verified address in the role given', async () => {
    const added = await api<{ member: Member }>('POST', '/members', founder.idToken, { email: instructor.email, roleId: 'flight-instructor' });

    expect(added).toEqual({ status: 201, body: { member: { userId: instructor.userId, email: instructor.email, roleId: 'flight-instructor' } } });
    expect(await members()).toContainEqual({ userId: instructor.userId, email: instructor.email, roleId: 'flight-instructor' });
  });

  it('lets the member switch in and do what its role allows, and nothing else', async () => {
    await switchTo(instructor, school.tenantId);

    const me = await api<{ roleId: string; permissions: string[] }>('GET', '/me', instructor.idToken);
    const readMembers = await api('GET', '/members', instructor.idToken);
    const refused = await Promise.all([
      api('POST', '/roles', instructor.idToken, { name: 'Chief pilot', actions: ['aircraft:read'] }),
      api('POST', '/members', instructor.idToken, { email: uniqueEmail('not-invited'), roleId: 'flight-instructor' }),
      api('PUT', `/members/${founder.userId}/role`, instructor.idToken, { roleId: 'flight-instructor' }),
      api('GET', '/audit', instructor.idToken),
      api('POST', '/aircraft', instructor.idToken, { registration: 'G-NOPE', model: 'Cessna 172' }),
    ]);
    expect(me.body).toMatchObject({ roleId: 'flight-instructor', permissions: INSTRUCTOR_ACTIONS });
    expect(readMembers.status).toBe(200);
    expect(refused.map((answer) => answer.status)).toEqual([403, 403, 403, 403, 403]);
  });

  it("applies an admin's change of the role at once, to the token the member already holds", async () => {
    const granted = await api('PUT', '/roles/flight-instructor', founder.idToken, { actions: [...INSTRUCTOR_ACTIONS, 'role:manage'] });

    const created = await api<{ role: Role }>('POST', '/roles', instructor.idToken, { name: 'Chief pilot', actions: ['aircraft:read'] });
    expect(granted.status).toBe(200);
    expect(created.status).toBe(201);
    expect(await api('DELETE', '/roles/chief-pilot', founder.idToken)).toEqual({ status: 204, body: {} });
    expect((await api('PUT', '/roles/flight-instructor', founder.idToken, { actions: INSTRUCTOR_ACTIONS })).status).toBe(200);
  });

  it('refuses to delete a role while a member holds it, and to remove or demote the last admin', async () => {
    const deleteHeld = await api('DELETE', '/roles/flight-instructor', founder.idToken);
    const demoteLast = await api('PUT', `/members/${founder.userId}/role`, founder.idToken, { roleId: 'flight-instructor' });
    const removeLast = await api('DELETE', `/members/${founder.userId}`, founder.idToken);

    expect([deleteHeld.status, demoteLast.status, removeLast.status]).toEqual([409, 409, 409]);
  });

  it('removes the member', async () => {
    const removed = await api('DELETE', `/members/${instructor.userId}`, founder.idToken);

    expect(removed.status).toBe(204);
    expect((await members()).map((member) => member.userId)).not.toContain(instructor.userId);
  });
});

describe('invitations', () => {
  it('invites an address nobody has signed up with yet, and lists who invited', async () => {
    const email = uniqueEmail('invitee');

    const invited = await api<{ invitation: Invitation }>('POST', '/members', founder.idToken, { email, roleId: 'flight-instructor' });
    const again = await api('POST', '/members', founder.idToken, { email, roleId: 'flight-instructor' });

    expect(invited).toEqual({ status: 202, body: { invitation: { email, roleId: 'flight-instructor', expiresAt: expect.any(String) } } });
    expect(again.status).toBe(409);
    expect(await invitations()).toContainEqual({ ...invited.body.invitation, invitedBy: founder.userId });
  });

  it('makes the invited address a member once its owner signs up with it verified, and lets it switch in', async () => {
    const email = uniqueEmail('claimer');
    expect((await api('POST', '/members', founder.idToken, { email, roleId: 'flight-instructor' })).status).toBe(202);

    const invitee = await signUp('claimer', { verified: true, email });

    const member = await eventually(async () => (await members()).find((candidate) => candidate.userId === invitee.userId), 'the claimed invitation');
    expect(member).toEqual({ userId: invitee.userId, email, roleId: 'flight-instructor' });
    expect((await invitations()).map((invitation) => invitation.email)).not.toContain(email);
    await switchTo(invitee, school.tenantId);
    expect((await api('GET', '/me', invitee.idToken)).body).toMatchObject({ activeTenantId: school.tenantId, roleId: 'flight-instructor' });
  });

  it('revokes a pending invitation once', async () => {
    const email = uniqueEmail('revoked');
    expect((await api('POST', '/members', founder.idToken, { email, roleId: 'flight-instructor' })).status).toBe(202);

    const revoked = await api('DELETE', `/invitations/${encodeURIComponent(email)}`, founder.idToken);
    const again = await api('DELETE', `/invitations/${encodeURIComponent(email)}`, founder.idToken);

    expect([revoked.status, again.status]).toEqual([204, 404]);
    expect((await invitations()).map((invitation) => invitation.email)).not.toContain(email);
  });
});

/** How much later than its time an event may be audited while the test runs: delivery plus a retry's pause. */
const AUDIT_DELIVERY_LAG_MS = 5_000;

describe('the audit trail', () => {
  it("records the tenant's control-plane events, newest first", async () => {
    const expected = [DETAIL_TYPE.roleCreated, DETAIL_TYPE.memberAdded, DETAIL_TYPE.memberRemoved, DETAIL_TYPE.invitationCreated, DETAIL_TYPE.invitationClaimed, DETAIL_TYPE.invitationRevoked];

    const events = await eventually(async () => {
      const page = await api<{ events: { time: string; type: string }[] }>('GET', '/audit?limit=100', founder.idToken);
      return expected.every((type) => page.body.events.some((event) => event.type === type)) ? page.body.events : undefined;
    }, 'every control-plane event in the audit trail');

    // Newest first by arrival: a record sorts by when the AuditWriter wrote it (milliseconds), and
    // concurrent writers (their own execution environments, on AWS as locally) may write an event
    // stamped a second earlier after a later one. So event times may step back by the delivery lag,
    // never by more (AUDIT_DELIVERY_LAG_MS).
    const times = events.map((event) => Date.parse(event.time));
    const inversions = times.slice(1).map((time, index) => time - (times[index] ?? time));
    expect(Math.max(0, ...inversions)).toBeLessThanOrEqual(AUDIT_DELIVERY_LAG_MS);
    // The file's events span seconds (the tenant's creation first): the newest is listed first.
    expect(times[0]).toBeGreaterThan(times.at(-1) ?? Infinity);
  });
});

describe('what the client receives', () => {
  it('never includes the tenant credentials the authorizer minted, in any answer above', () => {
    expectNoCredentialsIn(recordedAnswers());
  });
});

/**
 * What the API lets a run take back. What stays (API.md has no call to delete them): the users in
 * the pool, the two tenants with their groups, the founder's memberships and the audit trails.
 */
afterAll(async () => {
  try {
    if (!school) return;
    const left = (await members()).filter((member) => member.userId !== founder.userId);
    for (const member of left) expect((await api('DELETE', `/members/${member.userId}`, founder.idToken)).status).toBe(204);
    for (const invitation of await invitations()) expect((await api('DELETE', `/invitations/${encodeURIComponent(invitation.email)}`, founder.idToken)).status).toBe(204);
    expect((await api('DELETE', '/roles/flight-instructor', founder.idToken)).status).toBe(204);
  } finally {
    closeClients();
  }
});
