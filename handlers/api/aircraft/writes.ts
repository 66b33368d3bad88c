/**
 * The operations of the aircraft routes' transactions (the guard is added by the guarded writer).
 * Labels say which condition refused a write.
 */
import { aircraftItem, registrationClaimItem, SCHEDULE_VERSION_ATTRIBUTE, type Aircraft } from '../../../domain/aircraft';
import { aircraftKey, registrationKey } from '../../../domain/keys';
import type { WriteOperation } from '../../shared/guarded-write';
import { putNew } from '../../shared/tenant-session';
import type { StoredAircraft } from './store';

export const AIRCRAFT_WRITE_LABEL = {
  aircraft: 'aircraft',
  /** The claim of a registration the write takes: refused when another aircraft holds it. */
  claim: 'registration-claim',
  release: 'registration-release',
} as const;

/** A new aircraft and the claim on its registration. */
export function createAircraft(tenantId: string, aircraft: Aircraft, at: string): WriteOperation[] {
  return [
    putNew(AIRCRAFT_WRITE_LABEL.aircraft, aircraftItem(tenantId, aircraft, at)),
    putNew(AIRCRAFT_WRITE_LABEL.claim, registrationClaimItem(tenantId, aircraft.registration, aircraft.aircraftId)),
  ];
}

const releaseClaim = (tenantId: string, registration: string, aircraftId: string): WriteOperation => ({
  kind: 'Delete',
  label: AIRCRAFT_WRITE_LABEL.release,
  key: registrationKey(tenantId, registration),
  condition: '#aircraftId = :aircraftId',
  names: { '#aircraftId': 'aircraftId' },
  values: { ':aircraftId': { S: aircraftId } },
});

/**
 * The aircraft changed to `next`, only if it is still as read (so the event's `previous` is
 * exact); a new registration moves the claim in the same transaction.
 */
export function updateAircraft(tenantId: string, previous: StoredAircraft, next: Aircraft, at: string): WriteOperation[] {
  const update: WriteOperation = {
    kind: 'Update',
    label: AIRCRAFT_WRITE_LABEL.aircraft,
    key: aircraftKey(tenantId, previous.aircraftId),
    update: 'SET #registration = :registration, #model = :model, #seats = :seats, #updatedAt = :updatedAt',
    condition: '#registration = :previousRegistration AND #model = :previousModel AND #seats = :previousSeats',
    names: { '#registration': 'registration', '#model': 'model', '#seats': 'seats', '#updatedAt': 'updatedAt' },
    values: {
      ':registration': { S: next.registration },
      ':model': { S: next.model },
      ':seats': { N: String(next.seats) },
      ':updatedAt': { S: at },
      ':previousRegistration': { S: previous.registration },
      ':previousModel': { S: previous.model },
      ':previousSeats': { N: String(previous.seats) },
    },
  };
  if (next.registration === previous.registration) return [update];
  return [
    update,
    releaseClaim(tenantId, previous.registration, previous.aircraftId),
    putNew(AIRCRAFT_WRITE_LABEL.claim, registrationClaimItem(tenantId, next.registration, previous.aircraftId)),
  ];
}

const versionCondition = (aircraft: StoredAircraft) => ({
  condition: '#scheduleVersion = :scheduleVersion',
  names: { '#scheduleVersion': SCHEDULE_VERSION_ATTRIBUTE },
  values: { ':scheduleVersion': { N: String(aircraft.scheduleVersion) } },
});

/** The aircraft's schedule is as read: what a refusal proved by a transaction (409 for future reservations) checks. */
export const scheduleUnchanged = (tenantId: string, aircraft: StoredAircraft): WriteOperation => ({
  kind: 'ConditionCheck',
  label: AIRCRAFT_WRITE_LABEL.aircraft,
  key: aircraftKey(tenantId, aircraft.aircraftId),
  ...versionCondition(aircraft),
});

/** The aircraft and its claim gone, only if no booking came in since the check for future reservations. */
export function deleteAircraft(tenantId: string, aircraft: StoredAircraft): WriteOperation[] {
  return [
    { kind: 'Delete', label: AIRCRAFT_WRITE_LABEL.aircraft, key: aircraftKey(tenantId, aircraft.aircraftId), ...versionCondition(aircraft) },
    releaseClaim(tenantId, aircraft.registration, aircraft.aircraftId),
  ];
}

/** A booking raises the schedule version from what its overlap check read (domain/aircraft.ts). */
export const advanceSchedule = (tenantId: string, aircraft: StoredAircraft): WriteOperation => ({
  kind: 'Update',
  label: AIRCRAFT_WRITE_LABEL.aircraft,
  key: aircraftKey(tenantId, aircraft.aircraftId),
  update: 'SET #scheduleVersion = :nextScheduleVersion',
  ...versionCondition(aircraft),
  values: { ...versionCondition(aircraft).values, ':nextScheduleVersion': { N: String(aircraft.scheduleVersion + 1) } },
});
