import { GetIdCommand } from '@aws-sdk/client-cognito-identity';
import type { Action } from '../../domain/permissions';
import { expectNoCredentialsIn } from './leaks';
import { anonymousIdentityPool, api, closeClients, recordedAnswers, RUN_ID, signUp, target, uniqueEmail, userPoolLogin, withEditedClaims, type User } from './target';

/**
 * The sample data plane and tenant isolation through the public contract only (API.md): a flight
 * school (its admin and a pilot) and another tenant's admin, who tries every kind of route on the
 * school's ids. Behind the API the data plane reads and writes with the tenant credentials the
 * authorizer minted, so on a deployed stack these answers are IAM's evaluation of the tenant
 * policy (domain/isolation.ts), not the local gateway's.
 */

interface Aircraft {
  aircraftId: string;
  registration: string;
  model: string;
  seats: number;
}
interface Reservation {
  reservationId: string;
  aircraftId: string;
  userId: string;
  start: string;
  end: string;
}
interface Membership {
  tenantId: string;
  name: string;
  roleId: string;
}

const PILOT_ACTIONS: Action[] = ['aircraft:read', 'reservation:read', 'reservation:create'];
const HOUR = 3_600_000;
/** A slot `hours` from a whole hour tomorrow, one hour long: in the future and inside the 14-day window. */
const slot = (hours: number, length = 1): { start: string; end: string } => {
  const base = Math.ceil(Date.now() / HOUR) * HOUR + 24 * HOUR + hours * HOUR;
  return { start: new Date(base).toISOString(), end: new Date(base + length * HOUR).toISOString() };
};

let owner: User;
let pilot: User;
let outsider: User;
/** The pilot's first token: a member of the school with no active tenant yet. */
let pilotWithoutTenant: string;
let school: Membership;
let other: Membership;
let aircraft: Aircraft;
let booking: Reservation;

async function createTenant(user: User, name: string): Promise<Membership> {
  const created = await api<{ tenant: { tenantId: string; name: string }; tokens: { idToken: string } }>('POST', '/tenants', user.idToken, { name, refreshToken: user.refreshToken });
  expect(created.status).toBe(201);
  user.idToken = created.body.tokens.idToken;
  return { ...created.body.tenant, roleId: 'admin' };
}

beforeAll(async () => {
  [owner, pilot, outsider] = await Promise.all([signUp('owner'), signUp('pilot', { verified: true }), signUp('outsider')]);
  [school, other] = await Promise.all([createTenant(owner, `E2E ${RUN_ID} Blue Sky`), createTenant(outsider, `E2E ${RUN_ID} Elsewhere`)]);
  expect((await api('POST', '/roles', owner.idToken, { name: 'Pilot', actions: PILOT_ACTIONS })).status).toBe(201);
  expect((await api('POST', '/members', owner.idToken, { email: pilot.email, roleId: 'pilot' })).status).toBe(201);
  pilotWithoutTenant = pilot.idToken;
  const switched = await api<{ tokens: { idToken: string } }>('PUT', '/tenants/active', pilot.idToken, { tenantId: school.tenantId, refreshToken: pilot.refreshToken });
  expect(switched.status).toBe(200);
  pilot.idToken = switched.body.tokens.idToken;
});

describe('aircraft and reservations', () => {
  it('lets an aircraft:write holder add an aircraft that every member with aircraft:read sees', async () => {
    const created = await api<{ aircraft: Aircraft }>('POST', '/aircraft', owner.idToken, { registration: 'g-e2ea', model: 'Cessna 172', seats: 4 });
    aircraft = created.body.aircraft;

    const read = await api('GET', `/aircraft/${aircraft.aircraftId}`, pilot.idToken);
    const listed = await api<{ aircraft: Aircraft[] }>('GET', '/aircraft', pilot.idToken);
    expect(created).toEqual({ status: 201, body: { aircraft: { aircraftId: expect.any(String), registration: 'G-E2EA', model: 'Cessna 172', seats: 4 } } });
    expect(read).toEqual({ status: 200, body: { aircraft } });
    expect(listed.body.aircraft).toEqual([aircraft]);
  });

  it('refuses a registration the tenant already has, in any case, and every aircraft write of a pilot', async () => {
    const duplicate = await api('POST', '/aircraft', owner.idToken, { registration: 'G-e2eA', model: 'Piper PA-28' });
    const pilotWrites = await Promise.all([
      api('POST', '/aircraft', pilot.idToken, { registration: 'G-E2EB', model: 'Piper PA-28' }),
      api('PUT', `/aircraft/${aircraft.aircraftId}`, pilot.idToken, { seats: 2 }),
      api('DELETE', `/aircraft/${aircraft.aircraftId}`, pilot.idToken),
    ]);

    expect(duplicate.status).toBe(409);
    expect(pilotWrites.map((answer) => answer.status)).toEqual([403, 403, 403]);
  });

  it('books the aircraft for the pilot and refuses an overlapping booking', async () => {
    const booked = await api<{ reservation: Reservation }>('POST', '/reservations', pilot.idToken, { aircraftId: aircraft.aircraftId, ...slot(0, 2) });
    booking = booked.body.reservation;

    const overlapping = await api('POST', '/reservations', owner.idToken, { aircraftId: aircraft.aircraftId, ...slot(1) });
    const listed = await api<{ reservations: Reservation[] }>('GET', `/reservations?aircraftId=${aircraft.aircraftId}`, pilot.idToken);
    expect(booked).toEqual({ status: 201, body: { reservation: { reservationId: expect.any(String), aircraftId: aircraft.aircraftId, userId: pilot.userId, ...slot(0, 2) } } });
    expect(overlapping.status).toBe(409);
    expect(listed.body.reservations).toEqual([booking]);
  });

  it('lets one of five concurrent bookings of one slot through', async () => {
    const attempts = await Promise.all(Array.from({ length: 5 }, () => api('POST', '/reservations', owner.idToken, { aircraftId: aircraft.aircraftId, ...slot(5) })));

    expect(attempts.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409, 409]);
  });

  it("lets a member without reservation:cancel cancel its own booking only, and keeps a booked aircraft", async () => {
    const owners = await api<{ reservation: Reservation }>('POST', '/reservations', owner.idToken, { aircraftId: aircraft.aircraftId, ...slot(8) });
    const own = await api<{ reservation: Reservation }>('POST', '/reservations', pilot.idToken, { aircraftId: aircraft.aircraftId, ...slot(10) });

    const cancelOthers = await api('DELETE', `/reservations/${owners.body.reservation.reservationId}`, pilot.idToken);
    const cancelOwn = await api('DELETE', `/reservations/${own.body.reservation.reservationId}`, pilot.idToken);
    const deleteBooked = await api('DELETE', `/aircraft/${aircraft.aircraftId}`, owner.idToken);
    expect([owners.status, own.status]).toEqual([201, 201]);
    expect([cancelOthers.status, cancelOwn.status, deleteBooked.status]).toEqual([403, 204, 409]);
  });
});

describe("isolation: another tenant's admin reaches nothing of the school", () => {
  let theirs: Aircraft;
  const invited = uniqueEmail('school-invitee');

  beforeAll(async () => {
    // The same registration in another tenant is another aircraft: registrations are unique per tenant.
    const created = await api<{ aircraft: Aircraft }>('POST', '/aircraft', outsider.idToken, { registration: 'G-E2EA', model: 'Robin DR400' });
    expect(created.status).toBe(201);
    theirs = created.body.aircraft;
    expect((await api('POST', '/members', owner.idToken, { email: invited, roleId: 'pilot' })).status).toBe(202);
  });

  it("reads none of the school's data through any read route", async () => {
    const [byId, aircraftList, reservations, schedule, members, invitations, roles, audit] = await Promise.all([
      api('GET', `/aircraft/${aircraft.aircraftId}`, outsider.idToken),
      api<{ aircraft: Aircraft[] }>('GET', '/aircraft', outsider.idToken),
      api<{ reservations: Reservation[] }>('GET', '/reservations', outsider.idToken),
      api<{ reservations: Reservation[] }>('GET', `/reservations?aircraftId=${aircraft.aircraftId}`, outsider.idToken),
      api<{ members: { userId: string }[] }>('GET', '/members', outsider.idToken),
      api<{ invitations: unknown[] }>('GET', '/invitations', outsider.idToken),
      api<{ roles: { roleId: string }[] }>('GET', '/roles', outsider.idToken),
      api<{ events: { actorUserId: string }[] }>('GET', '/audit?limit=100', outsider.idToken),
    ]);

    expect(byId.status).toBe(404);
    expect(aircraftList.body.aircraft).toEqual([theirs]);
    expect(reservations.body.reservations).toEqual([]);
    expect(schedule).toEqual({ status: 200, body: { reservations: [] } });
    expect(members.body.members.map((member) => member.userId)).toEqual([outsider.userId]);
    expect(invitations).toEqual({ status: 200, body: { invitations: [] } });
    expect(roles.body.roles.map((role) => role.roleId)).toEqual(['admin']);
    expect(audit.body.events.map((event) => event.actorUserId)).not.toEqual(expect.arrayContaining([owner.userId]));
  });

  it("changes none of the school's data through any write route", async () => {
    const writes = await Promise.all([
      api('PUT', `/aircraft/${aircraft.aircraftId}`, outsider.idToken, { seats: 1 }),
      api('DELETE', `/aircraft/${aircraft.aircraftId}`, outsider.idToken),
      api('POST', '/reservations', outsider.idToken, { aircraftId: aircraft.aircraftId, ...slot(20) }),
      api('DELETE', `/reservations/${booking.reservationId}`, outsider.idToken),
      api('PUT', `/members/${pilot.userId}/role`, outsider.idToken, { roleId: 'admin' }),
      api('DELETE', `/members/${pilot.userId}`, outsider.idToken),
      api('PUT', '/roles/pilot', outsider.idToken, { actions: ['aircraft:write'] }),
      api('DELETE', '/roles/pilot', outsider.idToken),
      api('DELETE', `/invitations/${encodeURIComponent(invited)}`, outsider.idToken),
    ]);

    expect(writes.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404, 404, 404, 404, 404]);
    expect((await api('GET', `/aircraft/${aircraft.aircraftId}`, owner.idToken)).body).toEqual({ aircraft });
    expect((await api<{ reservations: Reservation[] }>('GET', `/reservations?aircraftId=${aircraft.aircraftId}`, owner.idToken)).body.reservations).toContainEqual(booking);
    expect((await api<{ members: unknown[] }>('GET', '/members', owner.idToken)).body.members).toContainEqual({ userId: pilot.userId, email: pilot.email, roleId: 'pilot' });
    expect((await api<{ roles: unknown[] }>('GET', '/roles', owner.idToken)).body.roles).toContainEqual({ roleId: 'pilot', name: 'Pilot', actions: PILOT_ACTIONS });
    expect((await api<{ invitations: { email: string }[] }>('GET', '/invitations', owner.idToken)).body.invitations.map((invitation) => invitation.email)).toContain(invited);
  });

  it('can neither switch into the school nor edit its token to name it', async () => {
    const switched = await api('PUT', '/tenants/active', outsider.idToken, { tenantId: school.tenantId, refreshToken: outsider.refreshToken });
    const edited = withEditedClaims(outsider.idToken, { 'custom:tenant_id': school.tenantId, 'cognito:groups': [school.tenantId] });

    expect(switched.status).toBe(403);
    expect((await api('GET', '/aircraft', edited)).status).toBe(401);
    expect((await api('GET', `/aircraft/${aircraft.aircraftId}`, edited)).status).toBe(401);
  });

  it('cannot exchange its ID token for AWS credentials at the identity pool, nor get any without one', async () => {
    const identityPool = anonymousIdentityPool();

    const withToken = identityPool.send(new GetIdCommand({ IdentityPoolId: target().identityPoolId, Logins: { [userPoolLogin()]: outsider.idToken } }));
    const unauthenticated = identityPool.send(new GetIdCommand({ IdentityPoolId: target().identityPoolId }));

    // AWS: "Token is not from a supported provider of this identity pool." / "Unauthenticated access is not supported for this identity pool."
    await expect(withToken).rejects.toThrow(expect.objectContaining({ name: 'NotAuthorizedException' }));
    await expect(unauthenticated).rejects.toThrow(expect.objectContaining({ name: 'NotAuthorizedException' }));
    identityPool.destroy();
  });
});

/**
 * GET /tenants is a Query of the user index (GSI1, partition `USER#{userId}`) signed with the
 * caller's tenant credentials; the tenant policy allows Query on the index only when every
 * `dynamodb:LeadingKeys` value is `USER#${aws:PrincipalTag/user_id}` and denies a request naming
 * none (domain/isolation.ts, `ListOwnMemberships`). AWS documents the key as "the first key
 * attribute of a table—in other words, the partition key" (DynamoDB Developer Guide, "Using IAM
 * policy conditions for fine-grained access control") and grants a table and its index under one
 * LeadingKeys condition in its example 5, without saying which partition key a Query of a global
 * secondary index (whose partition key is another attribute, GSI1PK) is matched on. A 200 here, on a
 * deployed stack, is IAM matching the index's partition key value in the request: were it the
 * table's key, or none, the `Null` guard or the pattern would deny the Query and the route would
 * fail. The refusal of another user's index partition cannot be asked for through the API (the
 * partition comes from the verified token only) nor directly (clients hold no tenant credentials):
 * what a client can try is checked here; IAM's refusal itself is checked locally
 * (test/local/credentials.test.ts, data-plane-attacks.test.ts) against the same policy document.
 */
describe('the user index read with tenant credentials (dynamodb:LeadingKeys on a query of a GSI)', () => {
  it("lists each caller's own memberships, with credentials that carry a tenant and with ones that carry none", async () => {
    const [ofOwner, ofPilot, ofPilotWithoutTenant, ofOutsider] = await Promise.all(
      [owner.idToken, pilot.idToken, pilotWithoutTenant, outsider.idToken].map((token) => api<{ tenants: Membership[]; activeTenantId: string | null }>('GET', '/tenants', token)),
    );

    expect(ofOwner).toEqual({ status: 200, body: { tenants: [school], activeTenantId: school.tenantId } });
    expect(ofPilot).toEqual({ status: 200, body: { tenants: [{ ...school, roleId: 'pilot' }], activeTenantId: school.tenantId } });
    expect(ofPilotWithoutTenant).toEqual({ status: 200, body: { tenants: [{ ...school, roleId: 'pilot' }], activeTenantId: null } });
    expect(ofOutsider).toEqual({ status: 200, body: { tenants: [other], activeTenantId: other.tenantId } });
  });

  it("reads another user's index partition for nobody: the partition comes from the verified token alone", async () => {
    const named = await api('GET', `/tenants?userId=${owner.userId}&GSI1PK=${encodeURIComponent(`USER#${owner.userId}`)}`, outsider.idToken);
    const posing = withEditedClaims(outsider.idToken, { sub: owner.userId, 'cognito:username': owner.userId, email: owner.email });

    expect(named).toEqual({ status: 200, body: { tenants: [other], activeTenantId: other.tenantId } });
    expect((await api('GET', '/tenants', posing)).status).toBe(401);
    expect((await api('GET', '/me', posing)).status).toBe(401);
  });
});

describe('what the client receives', () => {
  it('never includes the tenant credentials the authorizer minted, in any answer above', () => {
    expectNoCredentialsIn(recordedAnswers());
  });
});

/**
 * What the API lets a run take back: bookings, aircraft, the invitation, the pilot's membership and role. What stays
 * (API.md has no call to delete them): the users in the pool, both tenants with their groups, their
 * admins' memberships and audit trails.
 */
afterAll(async () => {
  try {
    if (!school || !other) return;
    const bookings = await api<{ reservations: Reservation[] }>('GET', '/reservations', owner.idToken);
    for (const reservation of bookings.body.reservations) expect((await api('DELETE', `/reservations/${reservation.reservationId}`, owner.idToken)).status).toBe(204);
    const fleets = await Promise.all([owner, outsider].map(async (admin) => ({ admin, fleet: (await api<{ aircraft: Aircraft[] }>('GET', '/aircraft', admin.idToken)).body.aircraft })));
    for (const { admin, fleet } of fleets) for (const plane of fleet) expect((await api('DELETE', `/aircraft/${plane.aircraftId}`, admin.idToken)).status).toBe(204);
    const pending = await api<{ invitations: { email: string }[] }>('GET', '/invitations', owner.idToken);
    for (const { email } of pending.body.invitations) expect((await api('DELETE', `/invitations/${encodeURIComponent(email)}`, owner.idToken)).status).toBe(204);
    expect((await api('DELETE', `/members/${pilot.userId}`, owner.idToken)).status).toBe(204);
    expect((await api('DELETE', '/roles/pilot', owner.idToken)).status).toBe(204);
  } finally {
    closeClients();
  }
});
