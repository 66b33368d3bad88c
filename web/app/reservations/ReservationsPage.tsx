import { allows, ENDPOINTS } from '../api/endpoints';
import type { Aircraft, Reservation } from '../api/types';
import { ErrorNotice } from '../common/ErrorNotice';
import { formatTime } from '../common/format';
import { PageHeading } from '../common/PageHeading';
import { useAction } from '../common/use-action';
import { useLoad } from '../common/use-load';
import { hrefOf } from '../routing/routes';
import { useWorkspace } from '../shell/workspace-context';

export function ReservationsPage() {
  const { api, me } = useWorkspace();
  // Registrations make the rows readable; a role without aircraft:read still sees its bookings, by aircraft id.
  const list = useLoad(async () => {
    const [{ reservations }, aircraft] = await Promise.all([api.reservations(), api.aircraft().catch(() => ({ aircraft: [] as Aircraft[] }))]);
    return { reservations, registrations: new Map(aircraft.aircraft.map((one) => [one.aircraftId, one.registration])) };
  });
  const cancel = useAction(async (reservationId: string) => {
    await api.cancelReservation(reservationId);
    list.reload();
  });
  // A member cancels its own; `reservation:cancel` cancels anyone's (API.md).
  const mayCancel = (reservation: Reservation): boolean => reservation.userId === me.userId || allows(me.permissions, ENDPOINTS.cancelReservation);
  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Reservations">
        {allows(me.permissions, ENDPOINTS.createReservation) && (
          <a class="button primary" href={hrefOf('reservations/new')}>
            Book an aircraft
          </a>
        )}
      </PageHeading>
      <ErrorNotice error={list.error ?? cancel.error} />
      {list.loading && <p role="status">Loading reservations…</p>}
      {list.data && list.data.reservations.length === 0 && <p>No reservations.</p>}
      {list.data && list.data.reservations.length > 0 && (
        <table aria-label="Reservations">
          <thead>
            <tr>
              <th scope="col">Aircraft</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">By</th>
              <th scope="col"><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {list.data.reservations.map((reservation) => (
              <tr key={reservation.reservationId}>
                <td>{list.data?.registrations.get(reservation.aircraftId) ?? reservation.aircraftId}</td>
                <td><time dateTime={reservation.start}>{formatTime(reservation.start)}</time></td>
                <td><time dateTime={reservation.end}>{formatTime(reservation.end)}</time></td>
                <td>{reservation.userId === me.userId ? 'you' : reservation.userId}</td>
                <td>
                  {mayCancel(reservation) && (
                    <button type="button" class="danger" disabled={cancel.busy} onClick={() => void cancel.run(reservation.reservationId)}>
                      Cancel
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
