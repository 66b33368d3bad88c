import type { Interval } from '../../domain/reservations';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * One-hour booking slots on whole hours from `daysAhead` days ahead, each two hours after the one
 * before, so that no two tests' bookings meet unless a test means them to. A file takes its own
 * series (its own `daysAhead`), so that files sharing one cloud do not meet either.
 */
export function bookingSlots(daysAhead: number): { readonly first: number; next(): Interval } {
  const first = Math.ceil(Date.now() / HOUR) * HOUR + daysAhead * DAY;
  let taken = 0;
  return {
    first,
    next() {
      const start = first + 2 * HOUR * taken;
      taken += 1;
      return { start: iso(start), end: iso(start + HOUR) };
    },
  };
}
