import { QueryCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { Aircraft } from '../../domain/aircraft';
import { aircraftPartition, DATA_SORT_KEY } from '../../domain/keys';
import { overlaps, type Interval, type Reservation } from '../../domain/reservations';
import { shardOf } from '../../domain/sharding';
import { DETAIL_TYPE } from '../../events/catalog';
import { DEMO_ROLES } from '../../local/seed';
import { api, clients, eventually, outputs, type ApiResponse } from './support';
import { auditRecords, createRole, getItem, joined, newTenant, type Tenant, type User } from './tenant-fixtures';

/**
 * The data plane under concurrent requests, through the real REST API, authorizer and functions of
 * the local cloud, on DynamoDB Local's transactions: no double booking, every booking that fits
 * goes through, a role changed between two requests of one token, lists over every shard, and a
 * delete racing a booking.
 */

const HOUR_MS = 60 * 60 * 1000;
/** Every booking starts from here on (tomorrow, on the hour): in the future however long the run takes. */
const BASE = Math.ceil(Date.now() / HOUR_MS) * HOUR_MS + 24 * HOUR_MS;
const at = (hours: number): string => new Date(BASE + hours * HOUR_MS).toISOString();
const interval = (startHours: number, hours: number): Interval => ({ start: at(startHours), end: at(startHours + hours) });

const role = (name: string) => {
  const demo = DEMO_ROLES.find((candidate) => candidate.name === name);
  if (!demo) throw new Error(`no demo role ${name}`);
  return demo;
};

async function withDemoRole(tenant: Tenant, name: string, label: string): Promise<User> {
  return joined(tenant, await createRole(tenant, name, role(name).actions), label);
}

async function newAircraft(token: string): Promise<Aircraft> {
  const created = await api<{ aircraft: Aircraft }>('POST', '/aircraft', token, { registration: `N${randomUUID().slice(0, 8)}`, model: 'Cessna 172S', seats: 4 });
  expect(created.status).toBe(201);
  return created.body.aircraft;
}

const addAircraft = async (token: string): Promise<string> => (await newAircraft(token)).aircraftId;

const book = (token: string, aircraftId: string, when: Interval): Promise<ApiResponse<{ reservation: Reservation }>> =>
  api<{ reservation: Reservation }>('POST', '/reservations', token, { aircraftId, ...when });

/** Every page of a list, following `next` to the end. */
async function pages<T>(path: string, token: string, field: string, limit: number): Promise<T[][]> {
  const found: T[][] = [];
  let next: string | undefined;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const query = `${separator}limit=${limit}${next === undefined ? '' : `&next=${encodeURIComponent(next)}`}`;
    const page = await api<Record<string, unknown>>('GET', `${path}${query}`, token);
    expect(page.status).toBe(200);
    found.push(page.body[field] as T[]);
    next = page.body.next as string | undefined;
  } while (next !== undefined);
  return found;
}

/** The aircraft's schedule as the API lists it. */
const scheduleOf = async (token: string, aircraftId: string): Promise<Reservation[]> => (await pages<Reservation>(`/reservations?aircraftId=${aircraftId}`, token, 'reservations', 100)).flat();

const bookedIn = (responses: readonly ApiResponse<{ reservation: Reservation }>[]): Reservation[] =>
  responses.filter((response) => response.status === 201).map((response) => response.body.reservation);

const byId = (a: { reservationId: string }, b: { reservationId: string }): number => (a.reservationId < b.reservationId ? -1 : 1);

let school: Tenant;
let pilots: User[];

beforeAll(async () => {
  school = await newTenant('concurrency');
  const pilotRole = await createRole(school, 'Pilot', role('Pilot').actions);
  pilots = [await joined(school, pilotRole, 'pilot-one'), await joined(school, pilotRole, 'pilot-two')];
});

/** Who books: the admin and two pilots in turn, so that a burst is not one member's alone. */
const bookerOf = (index: number): string => [school.admin, ...pilots][index % 3]?.idToken ?? school.admin.idToken;

describe('no double booking under concurrent requests', () => {
  it('of 20 concurrent bookings of one aircraft that all overlap, exactly one is booked and the schedule holds only it', async () => {
    const aircraftId = await addAircraft(school.admin.idToken);
    // Each starts a minute after the previous one and lasts three hours: all share [19 min, 3 h).
    const times = Array.from({ length: 20 }, (_, index) => ({ start: at(index / 60), end: at(3 + index / 60) }));

    const results = await Promise.all(times.map((when, index) => book(bookerOf(index), aircraftId, when)));

    expect(results.map((response) => response.status).sort()).toEqual([201, ...Array.from({ length: 19 }, () => 409)]);
    expect(await scheduleOf(school.admin.idToken, aircraftId)).toEqual(bookedIn(results));
  });

  it('20 concurrent bookings of one aircraft that do not overlap (each ending where the next starts) are all booked and all listed', async () => {
    const aircraftId = await addAircraft(school.admin.idToken);
    const times = Array.from({ length: 20 }, (_, index) => interval(index, 1));

    const results = await Promise.all(times.map((when, index) => book(bookerOf(index), aircraftId, when)));

    expect(results.map((response) => response.status)).toEqual(times.map(() => 201));
    const listed = await scheduleOf(school.admin.idToken, aircraftId);
    expect(listed.map(({ start, end }) => ({ start, end }))).toEqual(times);
    expect([...listed].sort(byId)).toEqual(bookedIn(results).sort(byId));
  });
});

/** A booking request of the property: when, and which of the three bookers makes it. */
const bookingRequest = fc.record({
  startHour: fc.integer({ min: 0, max: 30 }),
  // Mostly short, so that many overlap or touch; some days long, up to the 14-day maximum, so that
  // one that starts well before another still covers it.
  hours: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constantFrom(24, 100, 14 * 24)),
  booker: fc.nat({ max: 2 }),
});

describe('the stored schedule of an aircraft, for any set of concurrent bookings', () => {
  it('never overlaps, holds exactly the bookings answered 201, every 409 overlaps a stored one, and a booking overlapping no other is booked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(bookingRequest, { minLength: 2, maxLength: 8 }), async (requests) => {
        const aircraftId = await addAircraft(school.admin.idToken);
        const times = requests.map((request) => interval(request.startHour, request.hours));

        const results = await Promise.all(times.map((when, index) => book(bookerOf(requests[index]?.booker ?? 0), aircraftId, when)));

        const stored = await scheduleOf(school.admin.idToken, aircraftId);
        const clashes = stored.flatMap((a, index) => stored.slice(index + 1).filter((b) => overlaps(a, b)).map((b) => [a, b]));
        const refusedWithoutCause = times.filter((when, index) => results[index]?.status === 409 && !stored.some((kept) => overlaps(kept, when)));
        const overlapsNoOther = times.map((when, index) => times.every((other, otherIndex) => otherIndex === index || !overlaps(when, other)));
        expect(results.map((response) => response.status).filter((status) => status !== 201 && status !== 409)).toEqual([]);
        expect(clashes).toEqual([]);
        expect([...stored].sort(byId)).toEqual(bookedIn(results).sort(byId));
        expect(refusedWithoutCause).toEqual([]);
        expect(results.filter((response, index) => overlapsNoOther[index] && response.status !== 201)).toEqual([]);
      }),
      { numRuns: 10 },
    );
  });
});

describe('a role changed between two requests with the same token', () => {
  let club: Tenant;
  let pilot: User;
  let chief: User;

  beforeAll(async () => {
    club = await newTenant('role-change');
    pilot = await withDemoRole(club, 'Pilot', 'pilot');
    chief = await withDemoRole(club, 'Maintenance chief', 'chief');
  });

  const denialOf = (member: User, action: string) =>
    eventually(
      async () => (await auditRecords(club.tenantId, DETAIL_TYPE.accessDenied)).find((record) => record.detail.userId?.S === member.userId && record.detail.action?.S === action),
      `the access.denied.v1 record of ${member.userId} for ${action}`,
    );

  const withoutAction = async (roleId: string, name: string, action: string): Promise<void> => {
    const changed = await api('PUT', `/roles/${roleId}`, club.admin.idToken, { actions: role(name).actions.filter((granted) => granted !== action) });
    expect(changed.status).toBe(200);
  };

  it('a pilot whose role lost reservation:create is refused its next booking with the token the authorizer saw as a booking pilot (403, audited)', async () => {
    const aircraftId = await addAircraft(chief.idToken);
    const first = await book(pilot.idToken, aircraftId, interval(0, 1));
    expect(first.status).toBe(201);
    await withoutAction('pilot', 'Pilot', 'reservation:create');

    const second = await book(pilot.idToken, aircraftId, interval(2, 1));

    expect(second.status).toBe(403);
    expect(await scheduleOf(club.admin.idToken, aircraftId)).toEqual([first.body.reservation]);
    expect((await denialOf(pilot, 'reservation:create')).type).toBe(DETAIL_TYPE.accessDenied);
  });

  it('a maintenance chief whose role lost aircraft:write is refused its next aircraft with the same token (403, audited, nothing written)', async () => {
    await addAircraft(chief.idToken);
    await withoutAction('maintenance-chief', 'Maintenance chief', 'aircraft:write');
    const registration = `N${randomUUID().slice(0, 8)}`.toUpperCase();

    const second = await api('POST', '/aircraft', chief.idToken, { registration, model: 'Piper PA-28', seats: 4 });

    expect(second.status).toBe(403);
    const fleet = (await pages<Aircraft>('/aircraft', club.admin.idToken, 'aircraft', 100)).flat();
    expect(fleet.map((aircraft) => aircraft.registration)).not.toContain(registration);
    expect((await denialOf(chief, 'aircraft:write')).type).toBe(DETAIL_TYPE.accessDenied);
  });
});

describe('lists over every shard', () => {
  let fleet: Tenant;
  let aircraft: Aircraft[];
  let reservations: Reservation[];

  beforeAll(async () => {
    fleet = await newTenant('lists');
    aircraft = await Promise.all(Array.from({ length: 40 }, () => newAircraft(fleet.admin.idToken)));
    // Five on each of eight aircraft, an hour each, at distinct hours.
    const booked = await Promise.all(
      Array.from({ length: 40 }, (_, index) => book(fleet.admin.idToken, aircraft[index % 8]?.aircraftId ?? '', interval(index, 1))),
    );
    expect(booked.map((response) => response.status)).toEqual(booked.map(() => 201));
    reservations = bookedIn(booked);
  });

  it('the items of the test fall in at least six of the eight shards', () => {
    expect(new Set(aircraft.map((item) => shardOf(item.aircraftId))).size).toBeGreaterThanOrEqual(6);
    expect(new Set(reservations.map((item) => shardOf(item.reservationId))).size).toBeGreaterThanOrEqual(6);
  });

  it('GET /aircraft, 7 a page, serves every aircraft once, in id order, the last page without next', async () => {
    const served = await pages<Aircraft>('/aircraft', fleet.admin.idToken, 'aircraft', 7);

    expect(served.every((page) => page.length <= 7)).toBe(true);
    expect(served.flat()).toEqual([...aircraft].sort((a, b) => (a.aircraftId < b.aircraftId ? -1 : 1)));
  });

  it('GET /reservations, 7 a page, serves every reservation once, in start order, the last page without next', async () => {
    const served = await pages<Reservation>('/reservations', fleet.admin.idToken, 'reservations', 7);

    expect(served.every((page) => page.length <= 7)).toBe(true);
    expect(served.flat()).toEqual([...reservations].sort((a, b) => (a.start < b.start ? -1 : 1)));
  });

  it('one aircraft’s schedule, 1 a page, and a time window over every shard, 1 a page, serve each of theirs once, in start order', async () => {
    const aircraftId = aircraft[3]?.aircraftId ?? '';
    const inWindow = reservations.filter((item) => overlaps(item, interval(10, 10))).sort((a, b) => (a.start < b.start ? -1 : 1));

    const schedule = await pages<Reservation>(`/reservations?aircraftId=${aircraftId}`, fleet.admin.idToken, 'reservations', 1);
    const window = await pages<Reservation>(`/reservations?from=${at(10)}&to=${at(20)}`, fleet.admin.idToken, 'reservations', 1);

    expect(schedule.every((page) => page.length <= 1) && window.every((page) => page.length <= 1)).toBe(true);
    expect(schedule.flat()).toEqual(reservations.filter((item) => item.aircraftId === aircraftId).sort((a, b) => (a.start < b.start ? -1 : 1)));
    expect(window.flat()).toEqual(inWindow);
    expect(inWindow).toHaveLength(10);
  });
});

describe('a delete of an aircraft racing a booking of it', () => {
  const ROUNDS = 10;
  const { dynamodb } = clients();

  /** The schedule items of the aircraft as the table holds them (administrator, consistent): what a lost race could leave behind. */
  async function scheduleItems(aircraftId: string): Promise<number> {
    const { Count = 0 } = await dynamodb.send(
      new QueryCommand({
        TableName: outputs().tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :schedule)',
        ExpressionAttributeValues: { ':pk': { S: aircraftPartition(school.tenantId, aircraftId) }, ':schedule': { S: DATA_SORT_KEY.schedulePrefix(aircraftId) } },
        ConsistentRead: true,
      }),
    );
    return Count;
  }

  it('never both succeed: either the delete (204) and the booking 404, or the booking (201) and the delete 409, and no schedule outlives its aircraft', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const aircraftId = await addAircraft(school.admin.idToken);
      const remove = () => api('DELETE', `/aircraft/${aircraftId}`, school.admin.idToken);
      const reserve = () => book(bookerOf(round), aircraftId, interval(round, 1));

      // Each request is sent first in every other round, so that neither wins for being sent first.
      const results = await Promise.all(round % 2 === 0 ? [remove(), reserve()] : [reserve(), remove()]);

      const [deleted, booked] = round % 2 === 0 ? results : [...results].reverse();
      const after = {
        outcome: `${deleted?.status}/${booked?.status}`,
        aircraftLeft: (await api('GET', `/aircraft/${aircraftId}`, school.admin.idToken)).status,
        scheduleItems: await scheduleItems(aircraftId),
      };
      expect(after).toEqual(deleted?.status === 204 ? { outcome: '204/404', aircraftLeft: 404, scheduleItems: 0 } : { outcome: '409/201', aircraftLeft: 200, scheduleItems: 1 });
    }
    const tenantWide = (await pages<Reservation>('/reservations', school.admin.idToken, 'reservations', 100)).flat();
    const orphans = await Promise.all(tenantWide.map(async (item) => ((await getItem({ PK: aircraftPartition(school.tenantId, item.aircraftId), SK: DATA_SORT_KEY.aircraft(item.aircraftId) })) ? [] : [item])));
    expect(orphans.flat()).toEqual([]);
  });
});
