import { randomUUID } from 'node:crypto';
import type { Aircraft } from '../../domain/aircraft';
import { IDEMPOTENCY_HEADER } from '../../domain/idempotency';
import type { Reservation } from '../../domain/reservations';
import { api, outputs, type ApiResponse } from './support';
import { createRole, errorOf, fieldsOf, joined, newTenant, type Tenant, type User } from './tenant-fixtures';

/**
 * `Idempotency-Key` on the data plane's creating POSTs (API.md "Conventions") through the real REST
 * API, authorizer, functions, IAM gateway and DynamoDB Local: a replay answers the first answer and
 * creates nothing, another body or a request still running is a 409, a failed request can be
 * retried with its key, and one member's key is nothing to another's.
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
