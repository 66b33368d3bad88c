import { randomUUID } from 'node:crypto';
import type { Aircraft } from '../../domain/aircraft';
import { TENANT_ID_CLAIM } from '../../domain/identity';
import { claimLeaseSeconds, IDEMPOTENCY_HEADER, requestFingerprint } from '../../domain/idempotency';
import { controlIdempotencyKey, userIdempotencyKey, userLimitsKey } from '../../domain/keys';
import type { Reservation } from '../../domain/reservations';
import { FUNCTIONS } from '../../handlers/catalog';
import { IdempotencyClaimLostError, idempotencyStore } from '../../handlers/shared/idempotency-store';
import { WORKFLOWS } from '../../workflows/registry';
import { adminFetch, api, clients, decodeClaims, outputs, type ApiResponse } from './support';
import { createRole, errorOf, fieldsOf, getItem, joined, newTenant, newUser, type Tenant, type User } from './tenant-fixtures';

/**
 * `Idempotency-Key` on the data plane's creating POSTs (API.md "Conventions") through the real REST
 * API, authorizer, functions, IAM gateway and DynamoDB Local: a replay answers the first answer and
 * creates nothing, another body or a request still running is a 409, a failed request can be
 * retried with its key, and one member's key is nothing to another's. Then the same for the control
 * plane's creating POSTs (roles, members, tenants), and the lease of a claim on DynamoDB itself.
 */

type Json = Record<string, unknown>;

const HOUR = 60 * 60 * 1000;
/** Tomorrow on the hour: in the future however long the run takes. */
const BASE = Math.ceil(Date.now() / HOUR) * HOUR + 24 * HOUR;
let hoursTaken = 0;
const nextSlot = () => {
  const start = BASE + 2 * HOUR * hoursTaken;
  hoursTaken += 1;
  return { start: new Date(start).toISOString(), end: new Date(start + HOUR).toISOString() };
};

const freshKey = (): string => `key-${randomUUID()}`;
const freshRegistration = (): string => `ID-${randomUUID().slice(0, 8)}`;

/** A POST as a client sends it: the body as given (text or JSON), and an `Idempotency-Key` spelt `headerName`. */
async function post<T = Json>(path: string, idToken: string, body: unknown, key: string, headerName = IDEMPOTENCY_HEADER): Promise<ApiResponse<T>> {
  const response = await fetch(`${outputs().apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json', [headerName]: key },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

async function aircraftOf(token: string): Promise<Aircraft[]> {
  const listed = await api<{ aircraft: Aircraft[] }>('GET', '/aircraft?limit=100', token);
  expect(listed.status).toBe(200);
  return listed.body.aircraft;
}

const aircraftBody = () => ({ registration: freshRegistration(), model: 'Cessna 172S', seats: 4 });

describe('Idempotency-Key on POST /aircraft and POST /reservations', () => {
  let tenant: Tenant;

  beforeEach(async () => {
    tenant = await newTenant('Idempotent');
  });

  it('answers a replay with the first answer and creates nothing, whatever the whitespace, member order or header case', async () => {
    const key = freshKey();
    const body = aircraftBody();
    const first = await post<{ aircraft: Aircraft }>('/aircraft', tenant.admin.idToken, body, key);

    const replay = await post('/aircraft', tenant.admin.idToken, `{ "seats": 4,\n "model": "${body.model}", "registration": "${body.registration}" }`, key, 'idempotency-key');

    expect(first.status).toBe(201);
    expect(replay).toEqual(first);
    expect((await aircraftOf(tenant.admin.idToken)).map((aircraft) => aircraft.aircraftId)).toEqual([first.body.aircraft.aircraftId]);
  });

  it('refuses the same key with another body with a 409, and creates nothing', async () => {
    const key = freshKey();
    const first = await post<{ aircraft: Aircraft }>('/aircraft', tenant.admin.idToken, aircraftBody(), key);

    const other = await post('/aircraft', tenant.admin.idToken, aircraftBody(), key);

    expect(first.status).toBe(201);
    expect(other.status).toBe(409);
    expect(errorOf(other).code).toBe('Conflict');
    expect(errorOf(other).message).toContain(IDEMPOTENCY_HEADER);
    expect(await aircraftOf(tenant.admin.idToken)).toHaveLength(1);
  });

  it('creates one aircraft of concurrent requests with one key: the others get its answer or "in progress"', async () => {
    const key = freshKey();
    const body = aircraftBody();

    const answers = await Promise.all(Array.from({ length: 6 }, () => post<{ aircraft: Aircraft }>('/aircraft', tenant.admin.idToken, body, key)));

    const created = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status !== 201);
    const listed = await aircraftOf(tenant.admin.idToken);
    expect(listed).toHaveLength(1);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((answer) => answer.body.aircraft.aircraftId))).toEqual(new Set([listed[0]?.aircraftId]));
    // A registration conflict here would mean a second create ran: only the key's own 409 may appear.
    expect(refused.map((answer) => [answer.status, errorOf(answer).message])).toEqual(refused.map(() => [409, 'A request with this key is in progress']));
  });

  it('lets a request that failed (400) be retried with the same key', async () => {
    const key = freshKey();
    const invalid = await post('/aircraft', tenant.admin.idToken, { ...aircraftBody(), seats: 'four' }, key);

    const retried = await post<{ aircraft: Aircraft }>('/aircraft', tenant.admin.idToken, aircraftBody(), key);

    expect(invalid.status).toBe(400);
    expect(retried.status).toBe(201);
    expect((await aircraftOf(tenant.admin.idToken)).map((aircraft) => aircraft.aircraftId)).toEqual([retried.body.aircraft.aircraftId]);
  });

  it("keeps another member's use of the same key apart: each gets its own aircraft", async () => {
    const mechanic: User = await joined(tenant, await createRole(tenant, 'Mechanic', ['aircraft:read', 'aircraft:write']), 'mechanic');
    const key = freshKey();
    const mine = await post<{ aircraft: Aircraft }>('/aircraft', tenant.admin.idToken, aircraftBody(), key);

    const theirs = await post<{ aircraft: Aircraft }>('/aircraft', mechanic.idToken, aircraftBody(), key);

    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.body.aircraft.aircraftId).not.toBe(mine.body.aircraft.aircraftId);
    expect(await aircraftOf(tenant.admin.idToken)).toHaveLength(2);
  });

  it.each([
    ['empty', ''],
    ['longer than 255 characters', 'k'.repeat(256)],
    ['not ASCII', 'clé'],
  ])('refuses a key that is %s with a 400 naming the header, and creates nothing', async (_, key) => {
    const refused = await post('/aircraft', tenant.admin.idToken, aircraftBody(), key);

    expect(refused.status).toBe(400);
    expect(fieldsOf(refused)).toEqual([IDEMPOTENCY_HEADER]);
    expect(await aircraftOf(tenant.admin.idToken)).toHaveLength(0);
  });

  it('answers a replayed booking with the first reservation and books nothing more', async () => {
    const aircraft = await post<{ aircraft: Aircraft }>('/aircraft', tenant.admin.idToken, aircraftBody(), freshKey());
    const booking = { aircraftId: aircraft.body.aircraft.aircraftId, ...nextSlot() };
    const key = freshKey();
    const first = await post<{ reservation: Reservation }>('/reservations', tenant.admin.idToken, booking, key);

    const replay = await post('/reservations', tenant.admin.idToken, booking, key);

    const listed = await api<{ reservations: Reservation[] }>('GET', `/reservations?aircraftId=${booking.aircraftId}`, tenant.admin.idToken);
    expect(first.status).toBe(201);
    expect(replay).toEqual(first);
    expect(listed.body.reservations.map((reservation) => reservation.reservationId)).toEqual([first.body.reservation.reservationId]);
  });
});

describe('Idempotency-Key on POST /roles and POST /members', () => {
  let tenant: Tenant;

  beforeEach(async () => {
    tenant = await newTenant('IdempotentRoles');
  });

  const rolesOf = async (token: string): Promise<string[]> => {
    const listed = await api<{ roles: { roleId: string }[] }>('GET', '/roles', token);
    return listed.body.roles.map((role) => role.roleId).sort();
  };

  it('answers a replayed role with the first answer and creates it once; another body is a 409', async () => {
    const key = freshKey();
    const body = { name: 'Glider pilot', actions: ['aircraft:read'] };
    const first = await post('/roles', tenant.admin.idToken, body, key);

    const replay = await post('/roles', tenant.admin.idToken, body, key);
    const other = await post('/roles', tenant.admin.idToken, { ...body, name: 'Tow pilot' }, key);

    expect(first.status).toBe(201);
    expect(replay).toEqual(first);
    expect([other.status, errorOf(other).message]).toEqual([409, `This ${IDEMPOTENCY_HEADER} was used with another request body`]);
    expect(await rolesOf(tenant.admin.idToken)).toEqual(['admin', 'glider-pilot']);
  });

  it("keeps the record in the tenant's control partition, per caller and route", async () => {
    const key = freshKey();
    await post('/roles', tenant.admin.idToken, { name: 'Glider pilot', actions: [] }, key);

    const record = await getItem(controlIdempotencyKey(tenant.tenantId, tenant.admin.userId, FUNCTIONS.createRole.name, key));

    expect(record?.state?.S).toBe('completed');
  });

  it("does not replay one tenant's answer into another tenant of the same user: each tenant's key is its own", async () => {
    const key = freshKey();
    const body = { name: 'Glider pilot', actions: ['aircraft:read'] };
    const inFirst = await post<{ role: { roleId: string } }>('/roles', tenant.admin.idToken, body, key);
    const second = await newTenant('Idempotent second', { admin: tenant.admin });

    const inSecond = await post<{ role: { roleId: string } }>('/roles', second.admin.idToken, body, key);

    expect([inFirst.status, inSecond.status]).toEqual([201, 201]);
    expect(await rolesOf(second.admin.idToken)).toEqual(['admin', 'glider-pilot']);
    expect(await getItem(controlIdempotencyKey(second.tenantId, tenant.admin.userId, FUNCTIONS.createRole.name, key))).toBeDefined();
  });

  it('answers a replayed invitation with the first answer (202) and invites once', async () => {
    const key = freshKey();
    const body = { email: `invitee-${randomUUID().slice(0, 8)}@example.com`, roleId: 'admin' };
    const first = await post('/members', tenant.admin.idToken, body, key);

    const replay = await post('/members', tenant.admin.idToken, body, key);

    const invitations = await api<{ invitations: { email: string }[] }>('GET', '/invitations', tenant.admin.idToken);
    expect(first.status).toBe(202);
    expect(replay).toEqual(first);
    expect(invitations.body.invitations.map((invitation) => invitation.email)).toEqual([body.email]);
  });

  it('refuses a key with a line break with a 400 naming the header, and creates nothing', async () => {
    const refused = await post('/roles', tenant.admin.idToken, { name: 'Glider pilot', actions: [] }, 'key\tTAB');

    expect(refused.status).toBe(400);
    expect(fieldsOf(refused)).toEqual([IDEMPOTENCY_HEADER]);
    expect(await rolesOf(tenant.admin.idToken)).toEqual(['admin']);
  });
});

describe('Idempotency-Key on POST /tenants', () => {
  type Created = { tenant: { tenantId: string; name: string }; tokens: { idToken: string; accessToken: string } };

  const tenantsOf = async (user: User): Promise<string[]> => {
    const listed = await api<{ tenants: { tenantId: string }[] }>('GET', '/tenants', user.idToken);
    expect(listed.status).toBe(200);
    return listed.body.tenants.map((listedTenant) => listedTenant.tenantId);
  };
  const tenantsCreatedBy = async (user: User): Promise<string | undefined> => (await getItem(userLimitsKey(user.userId)))?.tenantsCreated?.N;

  it('answers a replay with the same tenant and fresh tokens that name it, creating one tenant', async () => {
    const user = await newUser('tenant-replay');
    const key = freshKey();
    const body = { name: 'Replayed Gliders', refreshToken: user.refreshToken };
    const first = await post<Created>('/tenants', user.idToken, body, key);

    const replay = await post<Created>('/tenants', user.idToken, body, key);

    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body.tenant).toEqual(first.body.tenant);
    expect(decodeClaims(replay.body.tokens.idToken)[TENANT_ID_CLAIM]).toBe(first.body.tenant.tenantId);
    expect(await tenantsOf(user)).toEqual([first.body.tenant.tenantId]);
    expect(await tenantsCreatedBy(user)).toBe('1');
  });

  it('keeps the tenant and no token in the record, under the user', async () => {
    const user = await newUser('tenant-record');
    const key = freshKey();
    const created = await post<Created>('/tenants', user.idToken, { name: 'Recorded Gliders', refreshToken: user.refreshToken }, key);

    const record = await getItem(userIdempotencyKey(user.userId, FUNCTIONS.createTenant.name, key));

    expect(record?.state?.S).toBe('completed');
    expect(JSON.parse(record?.body?.S ?? '{}')).toEqual({ tenant: created.body.tenant });
    const text = JSON.stringify(record);
    for (const secret of [user.refreshToken, created.body.tokens.idToken, created.body.tokens.accessToken]) expect(text).not.toContain(secret);
  });

  it('creates exactly one tenant of two concurrent requests with one key: the other is told "in progress" or gets the same tenant', async () => {
    const user = await newUser('tenant-race');
    const key = freshKey();
    const body = { name: 'Racing Gliders', refreshToken: user.refreshToken };

    const answers = await Promise.all([post<Created>('/tenants', user.idToken, body, key), post<Created>('/tenants', user.idToken, body, key)]);

    const tenants = await tenantsOf(user);
    expect(tenants).toHaveLength(1);
    expect(await tenantsCreatedBy(user)).toBe('1');
    for (const answer of answers) {
      if (answer.status === 201) expect(answer.body.tenant.tenantId).toBe(tenants[0]);
      else expect([answer.status, errorOf(answer).message]).toEqual([409, 'A request with this key is in progress']);
    }
    expect(answers.some((answer) => answer.status === 201)).toBe(true);
  });

  it('refuses the same key with another name with a 409 naming the header, creating nothing more', async () => {
    const user = await newUser('tenant-other-body');
    const key = freshKey();
    await post('/tenants', user.idToken, { name: 'First Gliders', refreshToken: user.refreshToken }, key);

    const other = await post('/tenants', user.idToken, { name: 'Second Gliders', refreshToken: user.refreshToken }, key);

    expect([other.status, errorOf(other).code]).toEqual([409, 'Conflict']);
    expect(errorOf(other).message).toContain(IDEMPOTENCY_HEADER);
    expect(await tenantsOf(user)).toHaveLength(1);
  });

  it("never replays user A's tenant to user B using A's key: B gets a tenant of its own", async () => {
    const [userA, userB] = await Promise.all([newUser('tenant-key-a'), newUser('tenant-key-b')]);
    const key = freshKey();
    const mine = await post<Created>('/tenants', userA.idToken, { name: 'Shared Key Gliders', refreshToken: userA.refreshToken }, key);

    const theirs = await post<Created>('/tenants', userB.idToken, { name: 'Shared Key Gliders', refreshToken: userB.refreshToken }, key);

    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body.tenant.tenantId).not.toBe(mine.body.tenant.tenantId);
    expect(await tenantsOf(userB)).toEqual([theirs.body.tenant.tenantId]);
    expect(decodeClaims(theirs.body.tokens.idToken).sub).toBe(userB.userId);
  });

  it("refuses a replay made with another user's refresh token: a key's answer never carries someone else's tokens", async () => {
    const [user, other] = await Promise.all([newUser('tenant-token-a'), newUser('tenant-token-b')]);
    const key = freshKey();
    await post('/tenants', user.idToken, { name: 'Token Gliders', refreshToken: user.refreshToken }, key);

    const replay = await post('/tenants', user.idToken, { name: 'Token Gliders', refreshToken: other.refreshToken }, key);

    expect(replay.status).toBe(400);
    expect(fieldsOf(replay)).toEqual(['refreshToken']);
  });

  it('lets a failed onboarding be retried with its key: the claim was released, and one tenant is made', async () => {
    const user = await newUser('tenant-retry');
    const key = freshKey();
    const fault = await adminFetch('/_local/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stateMachineName: WORKFLOWS.onboarding.name, stateName: 'PublishOnboarded', error: 'EventBridge.InternalException', count: 1, whenInput: { userId: user.userId } }),
    });
    expect(fault.status).toBe(200);
    const body = { name: 'Retried Gliders', refreshToken: user.refreshToken };
    const failed = await post('/tenants', user.idToken, body, key);

    const retried = await post<Created>('/tenants', user.idToken, body, key);

    expect(failed.status).toBe(500);
    expect(retried.status).toBe(201);
    expect(await tenantsOf(user)).toEqual([retried.body.tenant.tenantId]);
  });

  it.each([
    ['longer than 255 characters', 'k'.repeat(256)],
    ['not ASCII', 'clé'],
  ])('refuses a key that is %s with a 400 naming the header, and creates no tenant', async (_, key) => {
    const user = await newUser('tenant-bad-key');

    const refused = await post('/tenants', user.idToken, { name: 'Bad Key Gliders', refreshToken: user.refreshToken }, key);

    expect(refused.status).toBe(400);
    expect(fieldsOf(refused)).toEqual([IDEMPOTENCY_HEADER]);
    expect(await tenantsOf(user)).toEqual([]);
  });
});

describe('the lease of a claim, on DynamoDB', () => {
  const store = idempotencyStore(clients().dynamodb, outputs().tableName);
  const LEASE = claimLeaseSeconds(FUNCTIONS.createTenant.timeoutSeconds, [WORKFLOWS.onboarding.timeoutSeconds]);
  const START = new Date('2026-12-01T12:00:00.000Z');
  const at = (seconds: number): Date => new Date(START.getTime() + seconds * 1000);
  const fingerprint = requestFingerprint('{"name":"Lease Gliders"}');
  const recordKey = () => userIdempotencyKey(`lease-${randomUUID()}`, FUNCTIONS.createTenant.name, freshKey());

  it('holds a dead claim against every request until its lease ends, then gives it to exactly one of many', async () => {
    const key = recordKey();
    const dead = await store.claim(key, { fingerprint, now: START, leaseSeconds: LEASE });

    const during = await store.claim(key, { fingerprint, now: at(LEASE - 1), leaseSeconds: LEASE });
    const racing = await Promise.all(Array.from({ length: 6 }, () => store.claim(key, { fingerprint, now: at(LEASE), leaseSeconds: LEASE })));

    expect(dead.outcome).toBe('claimed');
    expect(during).toMatchObject({ outcome: 'met', record: { state: 'pending' } });
    expect(racing.filter((claim) => claim.outcome === 'claimed')).toHaveLength(1);
    expect(racing.filter((claim) => claim.outcome === 'met').map((claim) => claim.outcome === 'met' && claim.record.state)).toEqual(Array(5).fill('pending'));
  });

  it('is never taken over by another body, however long ago the claim died', async () => {
    const key = recordKey();
    await store.claim(key, { fingerprint, now: START, leaseSeconds: LEASE });

    const other = await store.claim(key, { fingerprint: requestFingerprint('{"name":"Other"}'), now: at(LEASE * 10), leaseSeconds: LEASE });

    expect(other).toMatchObject({ outcome: 'met', record: { state: 'pending', fingerprint } });
  });

  it("refuses the late first holder's answer once the claim was taken over, and keeps the new holder's", async () => {
    const key = recordKey();
    const late = await store.claim(key, { fingerprint, now: START, leaseSeconds: LEASE });
    const takeover = await store.claim(key, { fingerprint, now: at(LEASE), leaseSeconds: LEASE });
    if (late.outcome !== 'claimed' || takeover.outcome !== 'claimed') throw new Error('both claims were expected to succeed');
    await store.complete(key, takeover.claimId, fingerprint, at(LEASE + 1), { statusCode: 201, body: '{"by":"takeover"}' });

    const lateComplete = store.complete(key, late.claimId, fingerprint, at(LEASE + 2), { statusCode: 201, body: '{"by":"late"}' });
    await store.release(key, late.claimId, at(LEASE + 2));

    await expect(lateComplete).rejects.toThrow(IdempotencyClaimLostError);
    expect(await store.claim(key, { fingerprint, now: at(LEASE + 3), leaseSeconds: LEASE })).toMatchObject({ outcome: 'met', record: { state: 'completed', body: '{"by":"takeover"}' } });
  });
});
