/**
 * The reservations API (API.md "Reservations"), on the caller's tenant-scoped credentials like the
 * aircraft API. No double booking: a booking reads the aircraft's schedule version, looks for
 * overlaps in the aircraft's schedule, and writes only if the version is still the one it read, in
 * the transaction that carries the permission guard. Of concurrent bookings of one aircraft one
 * commits per version; the others read again, and either find the overlap (409) or book after it.
 */
import * as z from 'zod';
import { ConflictError, NotFoundError, ThrottledError, TransactionConflictError, ValidationError } from '../../../domain/errors';
import { MEMBERSHIP_ONLY } from '../../../domain/guard';
import { aircraftKey, reservationKey } from '../../../domain/keys';
import { encodeListCursor } from '../../../domain/list-cursor';
import { bookingProblems, utcTime, type Interval, type Reservation } from '../../../domain/reservations';
import { DETAIL_TYPE } from '../../../events/catalog';
import { FUNCTIONS } from '../../catalog';
import { actorOf, requireAction, requireTenant, type TenantCaller } from '../../shared/access';
import { dataIdSchema, listPosition, newIdOf, nowOf, pageParameters, proveRefusal, type DataPlaneDeps } from '../../shared/data-plane';
import { publishAfterChange } from '../../shared/event-publisher';
import { withinRange } from '../../shared/fan-out-query';
import { SAME_WRITE } from '../../shared/guarded-write';
import { idempotent } from '../../shared/idempotency-store';
import { mustExist, mustNotExist, type TenantSession } from '../../shared/tenant-session';
import { callerOf, json, parseBody, parsePath, parseQuery, route } from '../http';
import { routeAction } from '../routes';
import { aircraftStore } from '../aircraft/store';
import { AIRCRAFT_WRITE_LABEL, scheduleUnchanged } from '../aircraft/writes';
import { listPlan, reservationStore, type ReservationFilter } from './store';
import { bookReservation, cancelReservation } from './writes';

const LIST = 'reservations';

export const listReservationsQuery = z
  .strictObject({ aircraftId: dataIdSchema.optional(), from: utcTime.optional(), to: utcTime.optional(), ...pageParameters })
  .refine((query) => query.from === undefined || query.to === undefined || query.from < query.to, { path: ['to'], message: 'must be after from' });

export const createReservationBody = z.strictObject({ aircraftId: dataIdSchema, start: utcTime, end: utcTime });

const reservationPath = z.strictObject({ reservationId: dataIdSchema });

/** The filters as the cursor binds them: a page of other filters is not continued from its positions. */
const filterFingerprint = (filter: ReservationFilter): string => JSON.stringify([filter.aircraftId ?? null, filter.from ?? null, filter.to ?? null]);

/** `GET /reservations?aircraftId=&from=&to=&limit=&next=` (`reservation:read`): ordered by start. */
export function createListReservationsHandler(deps: DataPlaneDeps) {
  const action = routeAction(FUNCTIONS.listReservations.name);
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const { limit, next, ...query } = parseQuery(listReservationsQuery, event);
    const filter: ReservationFilter = query;
    const plan = listPlan(caller.tenantId, filter);
    const expected = {
      tenantId: caller.tenantId,
      list: LIST,
      query: filterFingerprint(filter),
      partitions: plan.partitions.length,
      isPosition: (key: string) => withinRange(plan.range, key),
    };
    const position = listPosition(next, expected, deps.logger);
    const session = deps.sessionFor(caller);
    await requireAction(caller, action, { readRole: session.readRole, reportDenied: deps.reportDenied });
    const page = await reservationStore(session.client, session.tableName).page(caller.tenantId, { filter, limit, position });
    return json(200, {
      reservations: page.items,
      ...(page.next === null ? {} : { next: encodeListCursor({ tenantId: caller.tenantId, list: LIST, query: filterFingerprint(filter), position: page.next }) }),
    });
  });
}

/**
 * How long a booking keeps trying while other bookings of the same aircraft commit first: each
 * round is a read, a Query and a transaction, and one booking of the aircraft commits per round, so
 * a burst of N concurrent bookings needs up to N rounds for its last (on AWS a round takes a few
 * tens of milliseconds). Bounded by time, well within the function's timeout (handlers/catalog.ts);
 * past it the answer is 429, which a client retries, not a 409 that would claim an overlap.
 */
export const BOOKING_RETRY = { maxAttempts: 100, budgetMs: 20_000, maxBackoffMs: 100 } as const;

/**
 * A pause before the next round. After a refused version the schedule moved on and the next round
 * reads it at once (with a little jitter, so the losers do not arrive together); after transaction
 * conflicts (DynamoDB cancelled ours while another ran on the same aircraft) the pause grows.
 */
const pause = (attempt: number, afterConflict: boolean): Promise<void> => {
  const ceiling = afterConflict ? Math.min(BOOKING_RETRY.maxBackoffMs, 5 * 2 ** Math.min(attempt, 6)) : 10;
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
};

const aircraftNotFound = (aircraftId: string): NotFoundError => new NotFoundError(`No aircraft ${aircraftId} in this tenant (aircraftId)`);

type BookingRound = { readonly booked: Reservation } | 'again';

/** One round of a booking: read the aircraft and its schedule, then write on the version read, or prove the refusal. */
async function bookingRound(session: TenantSession, caller: TenantCaller, action: ReturnType<typeof routeAction>, reservation: Reservation, at: string): Promise<BookingRound> {
  const aircraft = await aircraftStore(session.client, session.tableName).get(caller.tenantId, reservation.aircraftId);
  if (!aircraft) {
    // Proves the aircraft still absent, inside the guarded transaction that puts a 403 first.
    const stillTrue = [mustNotExist(AIRCRAFT_WRITE_LABEL.aircraft, aircraftKey(caller.tenantId, reservation.aircraftId))];
    return proveRefusal(session.writer, { caller, action, stillTrue }, aircraftNotFound(reservation.aircraftId)).then(() => 'again');
  }
  const overlapping = await reservationStore(session.client, session.tableName).overlapping(caller.tenantId, reservation.aircraftId, reservation);
  if (overlapping.length > 0) {
    const refusal = new ConflictError(`Aircraft ${reservation.aircraftId} is already reserved for part of that time`);
    await proveRefusal(session.writer, { caller, action, stillTrue: [scheduleUnchanged(caller.tenantId, aircraft)] }, refusal);
    return 'again';
  }
  const outcome = await session.writer.write({
    tenantId: caller.tenantId,
    actor: actorOf(caller),
    action,
    operations: bookReservation(caller.tenantId, aircraft, reservation, at),
    asRole: SAME_WRITE,
  });
  return outcome.outcome === 'written' ? { booked: reservation } : 'again';
}

/** `POST /reservations` (`reservation:create`): a booking of one aircraft, never overlapping another. */
export function createCreateReservationHandler(deps: DataPlaneDeps) {
  const action = routeAction(FUNCTIONS.createReservation.name);
  return route(
    deps.logger,
    idempotent(deps, FUNCTIONS.createReservation.name, async (event) => {
      const caller = requireTenant(callerOf(event));
      const body = parseBody(createReservationBody, event.body);
      const now = nowOf(deps);
      const problems = bookingProblems(body, now);
      if (problems.length > 0) throw new ValidationError('The request is not valid', problems);
      const reservation: Reservation = { reservationId: newIdOf(deps), aircraftId: body.aircraftId, userId: caller.userId, start: body.start, end: body.end };
      const session = deps.sessionFor(caller);
      const started = Date.now();
      for (let attempt = 1; attempt <= BOOKING_RETRY.maxAttempts && Date.now() - started < BOOKING_RETRY.budgetMs; attempt += 1) {
        let round: BookingRound | 'conflict';
        try {
          round = await bookingRound(session, caller, action, reservation, now.toISOString());
        } catch (error) {
          if (!(error instanceof TransactionConflictError)) throw error;
          round = 'conflict';
        }
        if (typeof round === 'object') {
          await publishAfterChange(deps, DETAIL_TYPE.reservationCreated, { tenantId: caller.tenantId, ...round.booked, operationId: newIdOf(deps) });
          return json(201, { reservation: round.booked });
        }
        await pause(attempt, round === 'conflict');
      }
      throw new ThrottledError(`Aircraft ${reservation.aircraftId} is being booked by many at once: try again`);
    }),
  );
}

const hasEnded = (interval: Interval, now: Date): boolean => interval.end <= now.toISOString();

/** `DELETE /reservations/{reservationId}`: the booker cancels its own; `reservation:cancel` cancels any. */
export function createCancelReservationHandler(deps: DataPlaneDeps) {
  const anyReservation = routeAction(FUNCTIONS.cancelReservation.name);
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const { reservationId } = parsePath(reservationPath, event.pathParameters);
    const session = deps.sessionFor(caller);
    const notFound = new NotFoundError(`No reservation ${reservationId} in this tenant`);
    const reservation = await reservationStore(session.client, session.tableName).get(caller.tenantId, reservationId);
    if (!reservation) {
      // Answered as another's reservation would be (403 without reservation:cancel), so that the
      // answer tells a member nothing of which ids exist; the transaction proves it still absent.
      const stillTrue = [mustNotExist('reservation', reservationKey(caller.tenantId, reservationId))];
      await proveRefusal(session.writer, { caller, action: anyReservation, stillTrue }, notFound);
      throw notFound;
    }
    // Whose it is decides which guard the transaction carries; the delete's condition keeps it so.
    const action = reservation.userId === caller.userId ? MEMBERSHIP_ONLY : anyReservation;
    if (hasEnded(reservation, nowOf(deps))) {
      const stillTrue = [mustExist('reservation', reservationKey(caller.tenantId, reservationId))];
      await proveRefusal(session.writer, { caller, action, stillTrue }, new ConflictError(`Reservation ${reservationId} has ended: it stays in the record`));
      throw notFound;
    }
    const outcome = await session.writer.write({ tenantId: caller.tenantId, actor: actorOf(caller), action, operations: cancelReservation(caller.tenantId, reservation), asRole: SAME_WRITE });
    if (outcome.outcome === 'refused') throw notFound; // cancelled meanwhile
    await publishAfterChange(deps, DETAIL_TYPE.reservationCancelled, { tenantId: caller.tenantId, ...reservation, actorUserId: caller.userId, operationId: newIdOf(deps) });
    return json(204, undefined);
  });
}
