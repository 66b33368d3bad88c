/**
 * The aircraft API (API.md "Aircraft"). Every read and write is signed with the caller's
 * tenant-scoped credentials (the function's own role has no DynamoDB permission); every write is
 * one transaction carrying the permission guard; every key is built from the caller's tenant, so an
 * id of another tenant's aircraft is looked up among the caller's own: 404.
 */
import * as z from 'zod';
import { aircraftView, createAircraftBody, updateAircraftBody, type Aircraft } from '../../../domain/aircraft';
import { ConflictError, NotFoundError } from '../../../domain/errors';
import { encodeListCursor } from '../../../domain/list-cursor';
import { DATA_SHARDS } from '../../../domain/sharding';
import { aircraftKey } from '../../../domain/keys';
import type { Action } from '../../../domain/permissions';
import { DETAIL_TYPE } from '../../../events/catalog';
import { FUNCTIONS } from '../../catalog';
import { actorOf, requireAction, requireTenant, type TenantCaller } from '../../shared/access';
import { dataIdSchema, listPosition, newIdOf, nowOf, pageParameters, proveRefusal, type DataPlaneDeps } from '../../shared/data-plane';
import { publishAfterChange } from '../../shared/event-publisher';
import { withinRange } from '../../shared/fan-out-query';
import { SAME_WRITE, type WriteOperation } from '../../shared/guarded-write';
import { idempotent } from '../../shared/idempotency-store';
import { mustNotExist, type TenantSession } from '../../shared/tenant-session';
import { callerOf, json, parseBody, parsePath, parseQuery, route, type ProxyEvent } from '../http';
import { routeAction } from '../routes';
import { AIRCRAFT_RANGE, aircraftStore } from './store';
import { AIRCRAFT_WRITE_LABEL, createAircraft, deleteAircraft, scheduleUnchanged, updateAircraft } from './writes';

const aircraftPath = z.strictObject({ aircraftId: dataIdSchema });
const listAircraftQuery = z.strictObject(pageParameters);
const LIST = 'aircraft';

const notFound = (aircraftId: string): NotFoundError => new NotFoundError(`No aircraft ${aircraftId} in this tenant`);
const registrationTaken = (registration: string): ConflictError => new ConflictError(`An aircraft with registration ${registration} exists in this tenant`);

/** Attempts of a write whose condition on the aircraft as read may fail because it changed meanwhile. */
const REREAD_ATTEMPTS = 5;

const guarded = (session: TenantSession, caller: TenantCaller, action: Action, operations: readonly WriteOperation[]) =>
  session.writer.write({ tenantId: caller.tenantId, actor: actorOf(caller), action, operations, asRole: SAME_WRITE });

/** `GET /aircraft?limit=&next=` (`aircraft:read`): the tenant's aircraft over every shard, by id. */
export function createListAircraftHandler(deps: DataPlaneDeps) {
  const action = routeAction(FUNCTIONS.listAircraft.name);
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const query = parseQuery(listAircraftQuery, event);
    const expected = { tenantId: caller.tenantId, list: LIST, query: '', partitions: DATA_SHARDS, isPosition: (key: string) => withinRange(AIRCRAFT_RANGE, key) };
    const position = listPosition(query.next, expected, deps.logger);
    const session = deps.sessionFor(caller);
    await requireAction(caller, action, { readRole: session.readRole, reportDenied: deps.reportDenied });
    const page = await aircraftStore(session.client, session.tableName).page(caller.tenantId, { limit: query.limit, position });
    return json(200, {
      aircraft: page.items,
      ...(page.next === null ? {} : { next: encodeListCursor({ tenantId: caller.tenantId, list: LIST, query: '', position: page.next }) }),
    });
  });
}

/**
 * A write to an aircraft that is not there still goes through the guard, so that without the
 * permission the answer is 403, not 404 (the same for any id, ours or another tenant's); the
 * transaction also proves the aircraft is still absent. 'changed': it appeared meanwhile.
 */
const refuseMissing = (session: TenantSession, caller: TenantCaller, action: Action, aircraftId: string): Promise<'changed'> =>
  proveRefusal(session.writer, { caller, action, stillTrue: [mustNotExist(AIRCRAFT_WRITE_LABEL.aircraft, aircraftKey(caller.tenantId, aircraftId))] }, notFound(aircraftId));

const aircraftIdOf = (event: ProxyEvent): string => parsePath(aircraftPath, event.pathParameters).aircraftId;

/** `GET /aircraft/{aircraftId}` (`aircraft:read`): one read, in the shard the id names. */
export function createGetAircraftHandler(deps: DataPlaneDeps) {
  const action = routeAction(FUNCTIONS.getAircraft.name);
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const aircraftId = aircraftIdOf(event);
    const session = deps.sessionFor(caller);
    await requireAction(caller, action, { readRole: session.readRole, reportDenied: deps.reportDenied });
    const aircraft = await aircraftStore(session.client, session.tableName).get(caller.tenantId, aircraftId);
    if (!aircraft) throw notFound(aircraftId);
    return json(200, { aircraft: aircraftView(aircraft) });
  });
}

/** `POST /aircraft` (`aircraft:write`): the aircraft and the claim on its registration, in one transaction. */
export function createCreateAircraftHandler(deps: DataPlaneDeps) {
  const action = routeAction(FUNCTIONS.createAircraft.name);
  return route(
    deps.logger,
    idempotent(deps, FUNCTIONS.createAircraft.name, async (event) => {
      const caller = requireTenant(callerOf(event));
      const body = parseBody(createAircraftBody, event.body);
      const aircraft: Aircraft = { aircraftId: newIdOf(deps), ...body };
      const session = deps.sessionFor(caller);
      const outcome = await guarded(session, caller, action, createAircraft(caller.tenantId, aircraft, nowOf(deps).toISOString()));
      if (outcome.outcome === 'refused') throw registrationTaken(aircraft.registration);
      await publishAfterChange(deps, DETAIL_TYPE.aircraftCreated, { tenantId: caller.tenantId, ...aircraft, actorUserId: caller.userId, operationId: newIdOf(deps) });
      return json(201, { aircraft });
    }),
  );
}

/** `PUT /aircraft/{aircraftId}` (`aircraft:write`): a new registration, model or seats, only over the aircraft as read. */
export function createUpdateAircraftHandler(deps: DataPlaneDeps) {
  const action = routeAction(FUNCTIONS.updateAircraft.name);
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const aircraftId = aircraftIdOf(event);
    const change = parseBody(updateAircraftBody, event.body);
    const session = deps.sessionFor(caller);
    const store = aircraftStore(session.client, session.tableName);
    for (let attempt = 1; attempt <= REREAD_ATTEMPTS; attempt += 1) {
      const previous = await store.get(caller.tenantId, aircraftId);
      if (!previous) {
        await refuseMissing(session, caller, action, aircraftId);
        continue;
      }
      const next: Aircraft = { ...aircraftView(previous), ...change };
      const outcome = await guarded(session, caller, action, updateAircraft(caller.tenantId, previous, next, nowOf(deps).toISOString()));
      if (outcome.outcome === 'refused') {
        if (outcome.failed.includes(AIRCRAFT_WRITE_LABEL.claim)) throw registrationTaken(next.registration);
        continue; // changed or deleted since the read
      }
      const { aircraftId: _id, ...previousState } = aircraftView(previous);
      const { aircraftId: _same, ...state } = next;
      await publishAfterChange(deps, DETAIL_TYPE.aircraftUpdated, {
        tenantId: caller.tenantId,
        aircraftId,
        ...state,
        previous: previousState,
        actorUserId: caller.userId,
        operationId: newIdOf(deps),
      });
      return json(200, { aircraft: next });
    }
    throw new ConflictError(`Aircraft ${aircraftId} kept changing while you changed it: try again`);
  });
}

/** `DELETE /aircraft/{aircraftId}` (`aircraft:write`): refused while a reservation of it has not ended. */
export function createDeleteAircraftHandler(deps: DataPlaneDeps) {
  const action = routeAction(FUNCTIONS.deleteAircraft.name);
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const aircraftId = aircraftIdOf(event);
    const session = deps.sessionFor(caller);
    const store = aircraftStore(session.client, session.tableName);
    for (let attempt = 1; attempt <= REREAD_ATTEMPTS; attempt += 1) {
      const aircraft = await store.get(caller.tenantId, aircraftId);
      if (!aircraft) {
        await refuseMissing(session, caller, action, aircraftId);
        continue;
      }
      if (await store.hasReservationsAfter(caller.tenantId, aircraftId, nowOf(deps))) {
        const refusal = new ConflictError(`Aircraft ${aircraftId} has reservations that have not ended: cancel them first`);
        await proveRefusal(session.writer, { caller, action, stillTrue: [scheduleUnchanged(caller.tenantId, aircraft)] }, refusal);
        continue;
      }
      const outcome = await guarded(session, caller, action, deleteAircraft(caller.tenantId, aircraft));
      if (outcome.outcome === 'refused') continue; // booked, changed or deleted since the read
      await publishAfterChange(deps, DETAIL_TYPE.aircraftDeleted, {
        tenantId: caller.tenantId,
        aircraftId,
        registration: aircraft.registration,
        actorUserId: caller.userId,
        operationId: newIdOf(deps),
      });
      return json(204, undefined);
    }
    throw new ConflictError(`Aircraft ${aircraftId} kept changing while you deleted it: try again`);
  });
}
