import { ErrorNotice } from '../common/ErrorNotice';
import { PageHeading } from '../common/PageHeading';
import { useLoad } from '../common/use-load';
import { useWorkspace } from '../shell/workspace-context';
import { AircraftFields } from './AircraftFields';

/**
 * `PUT /aircraft/{aircraftId}`, filled from `GET /aircraft/{aircraftId}`. Rendered for every role
 * that can read it: a role without `aircraft:write` that follows the link reads the API's refusal.
 */
export function EditAircraftForm({ aircraftId }: { readonly aircraftId: string }) {
  const { api } = useWorkspace();
  const current = useLoad(() => api.getAircraft(aircraftId));
  const aircraft = current.data?.aircraft;
  return (
    <section aria-labelledby="page-title">
      <PageHeading title={aircraft ? `Edit ${aircraft.registration}` : 'Edit aircraft'} />
      <ErrorNotice error={current.error} />
      {current.loading && <p role="status">Loading the aircraft…</p>}
      {aircraft && <AircraftFields initial={aircraft} submitLabel="Save changes" save={(change) => api.updateAircraft(aircraftId, change)} />}
    </section>
  );
}
