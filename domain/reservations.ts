/**
 * The sample data plane's reservations (API.md "Reservations"): what a booking and a list may ask
 * for, when two bookings overlap, and the three items that keep one (domain/keys.ts for the layout).
 * Pure: `now` is always passed in.
 */
import * as z from 'zod';
import { reservationKey, reservationStartKey, scheduleKey } from './keys';

const DAY_MS = 24 * 60 * 60 * 1000;

export const RESERVATION_LIMITS = {
  /** API.md: at most 14 days long. The overlap check reads back this far before a booking's start. */
  maxDurationDays: 14,
  /** How far ahead a booking may start: a schedule a flight school can plan, and fixed-width times in keys. */
  maxAdvanceDays: 366,
} as const;

export const MAX_DURATION_MS = RESERVATION_LIMITS.maxDurationDays * DAY_MS;

/** A time as it is stored and shown: ISO-8601 UTC with milliseconds, fixed width, so keys sort as times do. */
export const canonicalTime = (time: string | Date): string => new Date(time).toISOString();

/** ISO-8601 in UTC (`Z`, no offset), as API.md says times are; stored canonical. */
export const utcTime = z.iso.datetime({ error: 'must be an ISO-8601 UTC time, for example 2026-12-01T09:00:00Z' }).transform(canonicalTime);

// Type aliases, not interfaces: they stay assignable to plain records for marshalling.
export type Interval = {
  readonly start: string;
  readonly end: string;
};

/** Half-open intervals `[start, end)`: one ending when another starts does not overlap it. */
export const overlaps = (a: Interval, b: Interval): boolean => a.start < b.end && b.start < a.end;

/** The booking rules, field by field, as `now` sees them. */
export function bookingProblems(interval: Interval, now: Date): { field: 'start' | 'end'; message: string }[] {
  const problems: { field: 'start' | 'end'; message: string }[] = [];
  const start = Date.parse(interval.start);
  const end = Date.parse(interval.end);
  if (start < now.getTime()) problems.push({ field: 'start', message: 'must not be in the past' });
  if (start > now.getTime() + RESERVATION_LIMITS.maxAdvanceDays * DAY_MS) {
    problems.push({ field: 'start', message: `must be at most ${RESERVATION_LIMITS.maxAdvanceDays} days ahead` });
  }
  if (end <= start) problems.push({ field: 'end', message: 'must be after start' });
  else if (end - start > MAX_DURATION_MS) problems.push({ field: 'end', message: `at most ${RESERVATION_LIMITS.maxDurationDays} days after start` });
  return problems;
}

/**
 * The starts a reservation overlapping `[from, to)` can have: no reservation is longer than the
 * maximum, so none that starts earlier than `from` minus it can still be running at `from`. The
 * schedule (and the by-start list) is keyed by start, so this is one key range, and `end > from`
 * drops the few in it that ended before `from`.
 */
export function startsOverlapping(window: Partial<Interval>): { readonly from?: string; readonly before?: string } {
  return {
    ...(window.start === undefined ? {} : { from: canonicalTime(new Date(Date.parse(window.start) - MAX_DURATION_MS)) }),
    ...(window.end === undefined ? {} : { before: window.end }),
  };
}

/** A reservation as the API shows it. */
export type Reservation = Interval & {
  readonly reservationId: string;
  readonly aircraftId: string;
  /** Who booked it: only they, or a role with `reservation:cancel`, may cancel it. */
  readonly userId: string;
};

export type ReservationItem = Reservation & {
  readonly PK: string;
  readonly SK: string;
  readonly tenantId: string;
  readonly createdAt: string;
};

/**
 * The three items of one reservation, written and deleted together: by id (cancel's get), in the
 * aircraft's schedule (the overlap check, the aircraft's list), and by start in its own shard (the
 * tenant's list). Each carries the whole reservation, so every read is one item.
 */
export function reservationItems(tenantId: string, reservation: Reservation, createdAt: string): { byId: ReservationItem; schedule: ReservationItem; byStart: ReservationItem } {
  const attributes = { tenantId, ...reservationView(reservation), createdAt };
  return {
    byId: { ...reservationKey(tenantId, reservation.reservationId), ...attributes },
    schedule: { ...scheduleKey(tenantId, reservation.aircraftId, reservation.start, reservation.reservationId), ...attributes },
    byStart: { ...reservationStartKey(tenantId, reservation.reservationId, reservation.start), ...attributes },
  };
}

export const reservationView = (item: Reservation): Reservation => ({
  reservationId: item.reservationId,
  aircraftId: item.aircraftId,
  userId: item.userId,
  start: item.start,
  end: item.end,
});
