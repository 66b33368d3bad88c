import { randomUUID } from 'node:crypto';
import * as fc from 'fast-check';
import { AIRCRAFT_LIMITS, createAircraftBody, updateAircraftBody } from '../../domain/aircraft';
import {
  aircraftKey,
  DATA_KIND,
  DATA_SORT_KEY,
  InvalidKeyPartError,
  registrationKey,
  reservationKey,
  reservationStartKey,
  scheduleKey,
  TENANT_ID_PATTERN,
  tenantDataPartitions,
  tenantPartition,
  type ItemKey,
} from '../../domain/keys';
import {
  bookingProblems,
  canonicalTime,
  MAX_DURATION_MS,
  overlaps,
  RESERVATION_LIMITS,
  reservationItems,
  startsOverlapping,
  utcTime,
  type Interval,
  type Reservation,
} from '../../domain/reservations';
import { DATA_SHARDS, shardOf } from '../../domain/sharding';

const TENANT = '0f4d9a53-3a53-4c6f-9a43-5d1f6f1b2c7e';
const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-12-01T10:00:00.000Z');
const at = (offsetMs: number): string => new Date(NOW.getTime() + offsetMs).toISOString();

/** The fields a schema refuses `value` for (each once), or the parsed value. */
function outcome(schema: { safeParse: (value: unknown) => { success: boolean; data?: unknown; error?: { issues: { path: PropertyKey[] }[] } } }, value: unknown) {
  const parsed = schema.safeParse(value);
  return parsed.success ? { value: parsed.data } : { refused: [...new Set((parsed.error?.issues ?? []).map((issue) => issue.path.join('.')))] };
}

describe('an aircraft as a request describes it', () => {
  const valid = { registration: 'G-ABCD', model: 'Cessna 172', seats: 4 };

  it('is stored with its registration trimmed and upper-cased, so that g-abcd and G-ABCD are one aircraft', () => {
    const lower = outcome(createAircraftBody, { ...valid, registration: ' g-abcd ' });

    expect(lower).toEqual({ value: { ...valid, registration: 'G-ABCD' } });
  });

  it('has the default number of seats when it names none', () => {
    const { seats: _seats, ...withoutSeats } = valid;

    const parsed = outcome(createAircraftBody, withoutSeats);

    expect(parsed).toEqual({ value: { ...withoutSeats, seats: AIRCRAFT_LIMITS.defaultSeats } });
  });

  it.each(['N172SP', 'G-ABCD', 'JA8089', 'D-EFGH', 'A', 'A'.repeat(AIRCRAFT_LIMITS.registrationMaxLength)])('accepts the registration %s', (registration) => {
    expect(outcome(createAircraftBody, { ...valid, registration })).toEqual({ value: { ...valid, registration: registration.toUpperCase() } });
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['a leading dash', '-ABCD'],
    ['a trailing dash', 'ABCD-'],
    ['a key separator', 'G#ABCD'],
    ['a space inside', 'G ABCD'],
    ['a letter outside ASCII', 'G-ÄBCD'],
    ['one character too many', 'A'.repeat(AIRCRAFT_LIMITS.registrationMaxLength + 1)],
    ['a number', 172],
  ])('refuses a registration that is %s, naming registration', (_case, registration) => {
    expect(outcome(createAircraftBody, { ...valid, registration })).toEqual({ refused: ['registration'] });
  });

  it('counts the model in code points, as a person counts: 100 emoji are a model, 101 are not', () => {
    const hundred = '🛩'.repeat(AIRCRAFT_LIMITS.modelMaxCodePoints);

    const accepted = outcome(createAircraftBody, { ...valid, model: hundred });
    const refused = outcome(createAircraftBody, { ...valid, model: `${hundred}🛩` });

    // UTF-16 counts each of them twice: a limit in code units would refuse the first.
    expect(hundred.length).toBe(2 * AIRCRAFT_LIMITS.modelMaxCodePoints);
    expect(accepted).toEqual({ value: { ...valid, model: hundred } });
    expect(refused).toEqual({ refused: ['model'] });
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['a NUL', 'Cessna\u0000172'],
    ['a bell', 'Cessna\u0007'],
    ['a C1 control', 'Cessna\u0085172'],
    ['a line feed inside', 'Cessna\n172'],
    ['a lone surrogate', 'Cessna \ud83d'],
    ['not text', 172],
  ])('refuses a model that is %s, naming model', (_case, model) => {
    expect(outcome(createAircraftBody, { ...valid, model })).toEqual({ refused: ['model'] });
  });

  it.each([AIRCRAFT_LIMITS.minSeats, AIRCRAFT_LIMITS.maxSeats])('accepts the bound of %i seats', (seats) => {
    expect(outcome(createAircraftBody, { ...valid, seats })).toEqual({ value: { ...valid, seats } });
  });

  it.each([
    ['none', 0],
    ['one more than the maximum', AIRCRAFT_LIMITS.maxSeats + 1],
    ['negative', -1],
    ['a fraction', 2.5],
    ['text', '4'],
    ['null', null],
  ])('refuses seats that are %s, naming seats', (_case, seats) => {
    expect(outcome(createAircraftBody, { ...valid, seats })).toEqual({ refused: ['seats'] });
  });

  it('refuses a member the contract does not name, and names every bad field at once', () => {
    const extra = outcome(createAircraftBody, { ...valid, scheduleVersion: 7 });
    const allBad = outcome(createAircraftBody, { registration: '-', model: '', seats: 0 });

    expect(extra).toEqual({ refused: [''] });
    expect(allBad).toEqual({ refused: ['registration', 'model', 'seats'] });
  });

  it('changes at least one field in an update, and only fields the contract names', () => {
    const nothing = outcome(updateAircraftBody, {});
    const seatsOnly = outcome(updateAircraftBody, { seats: 2 });
    const registration = outcome(updateAircraftBody, { registration: 'n172sp' });
    const unknown = outcome(updateAircraftBody, { seats: 2, aircraftId: randomUUID() });
    const badModel = outcome(updateAircraftBody, { model: 'x'.repeat(AIRCRAFT_LIMITS.modelMaxCodePoints + 1) });

    expect(nothing).toEqual({ refused: [''] });
    expect(seatsOnly).toEqual({ value: { seats: 2 } });
    expect(registration).toEqual({ value: { registration: 'N172SP' } });
    expect(unknown).toEqual({ refused: [''] });
    expect(badModel).toEqual({ refused: ['model'] });
  });
});

describe('times of reservations', () => {
  it('accept ISO-8601 UTC with Z and store it canonical, to the millisecond', () => {
    const times = ['2026-12-01T09:00:00Z', '2026-12-01T09:00:00.5Z', '2026-12-01T09:00:00.123Z', '2028-02-29T23:59:59Z'];

    const parsed = times.map((time) => outcome(utcTime, time));

    expect(parsed).toEqual([
      { value: '2026-12-01T09:00:00.000Z' },
      { value: '2026-12-01T09:00:00.500Z' },
      { value: '2026-12-01T09:00:00.123Z' },
      { value: '2028-02-29T23:59:59.000Z' },
    ]);
  });

  it.each([
    ['an offset', '2026-12-01T10:00:00+01:00'],
    ['a zero offset', '2026-12-01T09:00:00+00:00'],
    ['no zone', '2026-12-01T09:00:00'],
    ['a date only', '2026-12-01'],
    ['no seconds', '2026-12-01T09:00Z'],
    ['a space for T', '2026-12-01 09:00:00Z'],
    ['a day that does not exist', '2026-02-29T09:00:00Z'],
    ['hour 24', '2026-12-01T24:00:00Z'],
    ['an expanded year', '+002026-12-01T09:00:00Z'],
    ['epoch milliseconds', 1796115600000],
  ])('refuse %s', (_case, time) => {
    expect(outcome(utcTime, time)).toEqual({ refused: [''] });
  });

  const dates = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });

  it('in canonical form are what the time says, and canonical again when read back', () => {
    fc.assert(
      fc.property(dates, fc.boolean(), (date, withMillis) => {
        const written = withMillis ? date.toISOString() : date.toISOString().replace(/\.\d{3}Z$/, 'Z');

        const parsed = utcTime.parse(written);

        expect(Date.parse(parsed)).toBe(Date.parse(written));
        expect(utcTime.parse(parsed)).toBe(parsed);
      }),
    );
  });

  it('in canonical form sort as the times fall, so that keys built from them are in time order', () => {
    fc.assert(
      fc.property(dates, dates, (a, b) => {
        const [left, right] = [canonicalTime(a), canonicalTime(b)];

        expect(left < right).toBe(a.getTime() < b.getTime());
        expect(left === right).toBe(a.getTime() === b.getTime());
      }),
    );
  });
});

describe('two reservations overlapping', () => {
  const interval = (start: string, end: string): Interval => ({ start, end });
  const nine = '2026-12-01T09:00:00.000Z';
  const ten = '2026-12-01T10:00:00.000Z';
  const eleven = '2026-12-01T11:00:00.000Z';
  const twelve = '2026-12-01T12:00:00.000Z';

  it.each<[string, Interval, Interval, boolean]>([
    ['one ending when the other starts (half-open)', interval(nine, ten), interval(ten, eleven), false],
    ['one after the other with a gap', interval(nine, ten), interval(eleven, twelve), false],
    ['sharing one hour', interval(nine, eleven), interval(ten, twelve), true],
    ['one inside the other', interval(nine, twelve), interval(ten, eleven), true],
    ['the same interval', interval(nine, ten), interval(nine, ten), true],
    ['sharing only the start', interval(nine, ten), interval(nine, twelve), true],
  ])('%s', (_case, a, b, expected) => {
    expect([overlaps(a, b), overlaps(b, a)]).toEqual([expected, expected]);
  });

  const intervals = fc
    .tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 2_000 }))
    .map(([start, length]) => interval(at(start * 60_000), at((start + length) * 60_000)));

  it('is symmetric, and is exactly sharing a moment of [start, end)', () => {
    fc.assert(
      fc.property(intervals, intervals, (a, b) => {
        const shared = Math.min(Date.parse(a.end), Date.parse(b.end)) - Math.max(Date.parse(a.start), Date.parse(b.start));

        expect(overlaps(a, b)).toBe(overlaps(b, a));
        expect(overlaps(a, b)).toBe(shared > 0);
      }),
    );
  });
});

describe('the booking rules', () => {
  const fieldsOf = (interval: Interval) => bookingProblems(interval, NOW).map((problem) => problem.field);

  it('accept a booking from now, up to the maximum length, up to the furthest start', () => {
    const fromNow = { start: at(0), end: at(60 * 60_000) };
    const longest = { start: at(DAY_MS), end: at(DAY_MS + MAX_DURATION_MS) };
    const furthest = { start: at(RESERVATION_LIMITS.maxAdvanceDays * DAY_MS), end: at(RESERVATION_LIMITS.maxAdvanceDays * DAY_MS + 60_000) };

    expect([fromNow, longest, furthest].map(fieldsOf)).toEqual([[], [], []]);
  });

  it.each<[string, Interval, string[]]>([
    ['a start a millisecond in the past', { start: at(-1), end: at(DAY_MS) }, ['start']],
    ['a start a millisecond past the furthest', { start: at(RESERVATION_LIMITS.maxAdvanceDays * DAY_MS + 1), end: at(RESERVATION_LIMITS.maxAdvanceDays * DAY_MS + DAY_MS) }, ['start']],
    ['a booking a millisecond longer than the maximum', { start: at(DAY_MS), end: at(DAY_MS + MAX_DURATION_MS + 1) }, ['end']],
    ['an end at the start', { start: at(DAY_MS), end: at(DAY_MS) }, ['end']],
    ['an end before the start', { start: at(DAY_MS), end: at(DAY_MS - 60_000) }, ['end']],
    ['a past start and an end before it', { start: at(-DAY_MS), end: at(-2 * DAY_MS) }, ['start', 'end']],
  ])('refuse %s, naming the field', (_case, interval, fields) => {
    expect(fieldsOf(interval)).toEqual(fields);
  });

  it('judge by the now they are given, not by the clock', () => {
    const booking = { start: '2026-11-30T09:00:00.000Z', end: '2026-11-30T10:00:00.000Z' };

    expect(bookingProblems(booking, NOW).map((problem) => problem.field)).toEqual(['start']);
    expect(bookingProblems(booking, new Date('2026-11-30T08:00:00.000Z'))).toEqual([]);
  });

  it('say 14 days and 366 days, as the contract does', () => {
    expect(RESERVATION_LIMITS).toEqual({ maxDurationDays: 14, maxAdvanceDays: 366 });
    expect(MAX_DURATION_MS).toBe(14 * DAY_MS);
  });
});

describe('the starts a reservation overlapping a window can have', () => {
  it('reach back by the longest reservation before the window and end at its end', () => {
    const window = { start: '2026-12-15T00:00:00.000Z', end: '2026-12-16T00:00:00.000Z' };

    expect(startsOverlapping(window)).toEqual({ from: '2026-12-01T00:00:00.000Z', before: '2026-12-16T00:00:00.000Z' });
    expect(startsOverlapping({ start: window.start })).toEqual({ from: '2026-12-01T00:00:00.000Z' });
    expect(startsOverlapping({ end: window.end })).toEqual({ before: window.end });
    expect(startsOverlapping({})).toEqual({});
  });

  it("hold every reservation of an allowed length that overlaps the window: its schedule key lies in the window's key range", () => {
    const aircraftId = randomUUID();
    const prefix = DATA_SORT_KEY.schedulePrefix(aircraftId);
    const minutes = (value: number) => at(value * 60_000);
    const reservations = fc
      .tuple(fc.integer({ min: 0, max: 60_000 }), fc.integer({ min: 1, max: MAX_DURATION_MS / 60_000 }))
      .map(([start, length]) => ({ start: minutes(start), end: minutes(start + length) }));
    const windows = fc.tuple(fc.integer({ min: 0, max: 60_000 }), fc.integer({ min: 1, max: 60_000 })).map(([start, length]) => ({ start: minutes(start), end: minutes(start + length) }));

    fc.assert(
      fc.property(reservations, windows, fc.uuid(), (reservation, window, reservationId) => {
        fc.pre(overlaps(reservation, window));
        const { from, before } = startsOverlapping(window);
        const key = DATA_SORT_KEY.schedule(aircraftId, reservation.start, reservationId);

        // What the list's Query reads: BETWEEN prefix+from AND prefix+before.
        expect(key >= `${prefix}${from}`).toBe(true);
        expect(key <= `${prefix}${before}`).toBe(true);
      }),
    );
  });

  it('leave out a reservation that starts when the window ends, which does not overlap it', () => {
    const aircraftId = randomUUID();
    const window = { start: at(0), end: at(DAY_MS) };
    const { before } = startsOverlapping(window);

    const key = DATA_SORT_KEY.schedule(aircraftId, window.end, randomUUID());

    expect(overlaps({ start: window.end, end: at(2 * DAY_MS) }, window)).toBe(false);
    expect(key > `${DATA_SORT_KEY.schedulePrefix(aircraftId)}${before}`).toBe(true);
  });
});

describe('the items of one reservation', () => {
  const reservation: Reservation = {
    reservationId: randomUUID(),
    aircraftId: randomUUID(),
    userId: 'u1',
    start: '2026-12-02T09:00:00.000Z',
    end: '2026-12-02T11:00:00.000Z',
  };
  const items = reservationItems(TENANT, reservation, NOW.toISOString());

  it("put the schedule entry in the aircraft's partition, beside the aircraft item the booking conditions on", () => {
    expect(items.schedule.PK).toBe(`TENANT#${TENANT}#AIRCRAFT#${shardOf(reservation.aircraftId)}`);
    expect(items.schedule.PK).toBe(aircraftKey(TENANT, reservation.aircraftId).PK);
    expect(items.schedule.SK).toBe(`SCHEDULE#${reservation.aircraftId}#${reservation.start}#${reservation.reservationId}`);
  });

  it("put the by-id and by-start items in the reservation's own shard", () => {
    const partition = `TENANT#${TENANT}#RESERVATION#${shardOf(reservation.reservationId)}`;

    expect([items.byId.PK, items.byStart.PK]).toEqual([partition, partition]);
    expect(items.byId.SK).toBe(`RES#${reservation.reservationId}`);
    expect(items.byStart.SK).toBe(`START#${reservation.start}#${reservation.reservationId}`);
    expect(items.byId).toMatchObject(reservationKey(TENANT, reservation.reservationId));
    expect(items.byStart).toMatchObject(reservationStartKey(TENANT, reservation.reservationId, reservation.start));
  });

  it('each carry the whole reservation, so that every read is one item', () => {
    for (const item of [items.byId, items.schedule, items.byStart]) {
      expect(item).toEqual({ PK: item.PK, SK: item.SK, tenantId: TENANT, ...reservation, createdAt: NOW.toISOString() });
    }
  });

  it("keep an aircraft's schedule inside its prefix, in start order, and out of the aircraft items' prefix", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.array(fc.tuple(fc.integer({ min: 0, max: 500_000 }), fc.uuid()), { minLength: 2, maxLength: 10 }), (aircraftId, otherAircraft, bookings) => {
        fc.pre(aircraftId !== otherAircraft);
        const keys = bookings.map(([minute, reservationId]) => ({ start: at(minute * 60_000), key: DATA_SORT_KEY.schedule(aircraftId, at(minute * 60_000), reservationId) }));

        const byKey = [...keys].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((entry) => entry.start);

        expect(byKey).toEqual([...keys].map((entry) => entry.start).sort());
        expect(keys.every(({ key }) => key.startsWith(DATA_SORT_KEY.schedulePrefix(aircraftId)))).toBe(true);
        expect(keys.some(({ key }) => key.startsWith(DATA_SORT_KEY.schedulePrefix(otherAircraft)))).toBe(false);
        expect(keys.some(({ key }) => key.startsWith(DATA_SORT_KEY.aircraftPrefix))).toBe(false);
        expect(DATA_SORT_KEY.aircraft(aircraftId).startsWith(DATA_SORT_KEY.schedulePrefix(aircraftId))).toBe(false);
      }),
    );
  });
});

describe('the keys of the data plane', () => {
  it.each(Object.values(DATA_KIND))('give %s eight distinct partitions, all below the tenant', (kind) => {
    const partitions = tenantDataPartitions(TENANT, kind);

    expect(partitions).toHaveLength(DATA_SHARDS);
    expect(new Set(partitions).size).toBe(DATA_SHARDS);
    expect(partitions.every((partition) => partition.startsWith(`TENANT#${TENANT}#${kind}#`))).toBe(true);
    expect(partitions).toEqual(Array.from({ length: DATA_SHARDS }, (_, shard) => `TENANT#${TENANT}#${kind}#${shard}`));
  });

  /** Every key a data item of the tenant can have, for generated ids. */
  const dataKeysOf = (tenantId: string, ids: { aircraftId: string; reservationId: string; registration: string; start: string }): ItemKey[] => [
    aircraftKey(tenantId, ids.aircraftId),
    registrationKey(tenantId, ids.registration),
    scheduleKey(tenantId, ids.aircraftId, ids.start, ids.reservationId),
    reservationKey(tenantId, ids.reservationId),
    reservationStartKey(tenantId, ids.reservationId, ids.start),
    ...Object.values(reservationItems(tenantId, { ...ids, userId: 'u1', end: ids.start }, ids.start)),
  ];
  const tenantIds = fc.stringMatching(TENANT_ID_PATTERN);
  const ids = fc.record({
    aircraftId: fc.uuid(),
    reservationId: fc.uuid(),
    registration: fc.stringMatching(/^[A-Z0-9](?:[A-Z0-9-]{0,18}[A-Z0-9])?$/),
    start: fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map(canonicalTime),
  });

  it("lie in the tenant's data partitions, never in its control partition, so that the tenant policy's data pattern covers them", () => {
    fc.assert(
      fc.property(tenantIds, ids, (tenantId, generated) => {
        const partitions = dataKeysOf(tenantId, generated).map((key) => key.PK);

        expect(partitions.filter((partition) => !partition.startsWith(`${tenantPartition(tenantId)}#`))).toEqual([]);
        expect(partitions).not.toContain(tenantPartition(tenantId));
      }),
    );
  });

  it("of one tenant never lie under another's prefix, even when one tenant id starts with the other", () => {
    const cases = fc.oneof(
      fc.tuple(tenantIds, tenantIds),
      tenantIds.chain((tenantId) => fc.tuple(fc.constant(tenantId), fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/).map((suffix) => `${tenantId}${suffix}`.slice(0, 128)))),
    );

    fc.assert(
      fc.property(cases, ids, ([tenantId, other], generated) => {
        fc.pre(tenantId !== other);

        const partitions = dataKeysOf(tenantId, generated).map((key) => key.PK);

        expect(partitions.filter((partition) => partition.startsWith(`${tenantPartition(other)}#`) || partition === tenantPartition(other))).toEqual([]);
      }),
    );
  });

  it.each<[string, () => unknown, string]>([
    ['an aircraft id holding the separator', () => aircraftKey(TENANT, 'a#b'), 'a#b'],
    ['an empty aircraft id', () => aircraftKey(TENANT, ''), ''],
    ['a registration holding the separator', () => registrationKey(TENANT, 'G#ABCD'), 'G#ABCD'],
    ["a schedule's aircraft id holding the separator", () => scheduleKey(TENANT, 'a#b', '2026-12-01T09:00:00.000Z', 'r1'), 'a#b'],
    ["a schedule's start holding the separator", () => scheduleKey(TENANT, 'a1', '2026#12', 'r1'), '2026#12'],
    ["a schedule's reservation id holding the separator", () => scheduleKey(TENANT, 'a1', '2026-12-01T09:00:00.000Z', 'r#1'), 'r#1'],
    ['a reservation id holding the separator', () => reservationKey(TENANT, 'r#1'), 'r#1'],
    ["a by-start item's reservation id holding the separator", () => reservationStartKey(TENANT, 'r#1', '2026-12-01T09:00:00.000Z'), 'r#1'],
    ["a by-start item's start holding the separator", () => reservationStartKey(TENANT, 'r1', '#'), '#'],
    ['a tenant id holding the separator', () => aircraftKey(`${TENANT}#AIRCRAFT#0`, 'a1'), `${TENANT}#AIRCRAFT#0`],
  ])('refuse %s', (_case, build, offending) => {
    expect(build).toThrow(InvalidKeyPartError);
    expect(build).toThrow(expect.objectContaining({ part: offending }));
  });
});
