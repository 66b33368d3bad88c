/** The operations of the reservation routes' transactions (the guard is added by the guarded writer). */
import { reservationItems, type Reservation } from '../../../domain/reservations';
import type { WriteOperation } from '../../shared/guarded-write';
import { putNew } from '../../shared/tenant-session';
import { advanceSchedule } from '../aircraft/writes';
import type { StoredAircraft } from '../aircraft/store';

export const RESERVATION_WRITE_LABEL = { reservation: 'reservation' } as const;

/**
 * A booking: the aircraft's schedule version raised from what the overlap check read (so that no
 * other booking of the aircraft can have passed its own check meanwhile), and the three items.
 */
export function bookReservation(tenantId: string, aircraft: StoredAircraft, reservation: Reservation, at: string): WriteOperation[] {
  const items = reservationItems(tenantId, reservation, at);
  return [
    advanceSchedule(tenantId, aircraft),
    putNew(RESERVATION_WRITE_LABEL.reservation, items.byId),
    putNew(RESERVATION_WRITE_LABEL.reservation, items.schedule),
    putNew(RESERVATION_WRITE_LABEL.reservation, items.byStart),
  ];
}

/** A cancel: the three items gone, only if the reservation is still there and still its booker's. */
export function cancelReservation(tenantId: string, reservation: Reservation): WriteOperation[] {
  const items = reservationItems(tenantId, reservation, '');
  const key = (item: { PK: string; SK: string }) => ({ PK: item.PK, SK: item.SK });
  return [
    {
      kind: 'Delete',
      label: RESERVATION_WRITE_LABEL.reservation,
      key: key(items.byId),
      condition: '#userId = :userId',
      names: { '#userId': 'userId' },
      values: { ':userId': { S: reservation.userId } },
    },
    { kind: 'Delete', label: RESERVATION_WRITE_LABEL.reservation, key: key(items.schedule) },
    { kind: 'Delete', label: RESERVATION_WRITE_LABEL.reservation, key: key(items.byStart) },
  ];
}
