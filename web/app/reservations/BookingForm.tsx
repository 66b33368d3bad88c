import { useState } from 'preact/hooks';
import { newIdempotencyKey } from '../api/client';
import { ErrorNotice } from '../common/ErrorNotice';
import { isoToLocalInput, localInputToIso } from '../common/format';
import { PageHeading } from '../common/PageHeading';
import { useAction } from '../common/use-action';
import { useLoad } from '../common/use-load';
import { navigate } from '../routing/use-page';
import { useWorkspace } from '../shell/workspace-context';

const HOUR_MS = 3_600_000;

/** Book an aircraft: the API refuses an overlap (409), a slot in the past or longer than 14 days (400). */
export function BookingForm() {
  const { api } = useWorkspace();
  const aircraft = useLoad(() => api.aircraft());
  const [aircraftId, setAircraftId] = useState('');
  const [start, setStart] = useState(() => isoToLocalInput(new Date(Math.ceil(Date.now() / HOUR_MS) * HOUR_MS + HOUR_MS)));
  const [end, setEnd] = useState(() => isoToLocalInput(new Date(Math.ceil(Date.now() / HOUR_MS) * HOUR_MS + 3 * HOUR_MS)));
  const book = useAction(async () => {
    const chosen = aircraftId || aircraft.data?.aircraft[0]?.aircraftId || '';
    await api.createReservation({ aircraftId: chosen, start: localInputToIso(start), end: localInputToIso(end) }, newIdempotencyKey());
    navigate('reservations');
  });
  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Book an aircraft" />
      <ErrorNotice error={aircraft.error} />
      <form
        class="card"
        onSubmit={(event) => {
          event.preventDefault();
          void book.run();
        }}
      >
        <label>
          Aircraft
          <select name="aircraft" value={aircraftId} onChange={(event) => setAircraftId(event.currentTarget.value)}>
            {(aircraft.data?.aircraft ?? []).map((one) => (
              <option key={one.aircraftId} value={one.aircraftId}>
                {one.registration} — {one.model}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" name="start" required value={start} onInput={(event) => setStart(event.currentTarget.value)} />
        </label>
        <label>
          To
          <input type="datetime-local" name="end" required value={end} onInput={(event) => setEnd(event.currentTarget.value)} />
        </label>
        <ErrorNotice error={book.error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={book.busy}>
            {book.busy ? 'Booking…' : 'Book'}
          </button>
          <a href="#/reservations">Cancel</a>
        </div>
      </form>
    </section>
  );
}
