import { allows, ENDPOINTS } from '../api/endpoints';
import { ErrorNotice } from '../common/ErrorNotice';
import { PageHeading } from '../common/PageHeading';
import { useAction } from '../common/use-action';
import { useLoad } from '../common/use-load';
import { hrefOf, itemHrefOf } from '../routing/routes';
import { useWorkspace } from '../shell/workspace-context';

export function AircraftPage() {
  const { api, me } = useWorkspace();
  const list = useLoad(() => api.aircraft());
  const remove = useAction(async (aircraftId: string) => {
    await api.deleteAircraft(aircraftId);
    list.reload();
  });
  // Each button follows its own endpoint's action (today all `aircraft:write`).
  const mayCreate = allows(me.permissions, ENDPOINTS.createAircraft);
  const mayEdit = allows(me.permissions, ENDPOINTS.updateAircraft);
  const mayDelete = allows(me.permissions, ENDPOINTS.deleteAircraft);
  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Aircraft">
        {mayCreate && (
          <a class="button primary" href={hrefOf('aircraft/new')}>
            Add aircraft
          </a>
        )}
      </PageHeading>
      <ErrorNotice error={list.error ?? remove.error} />
      {list.loading && <p role="status">Loading aircraft…</p>}
      {list.data && list.data.aircraft.length > 0 && (
        <table aria-label="Aircraft">
          <thead>
            <tr>
              <th scope="col">Registration</th>
              <th scope="col">Model</th>
              <th scope="col">Seats</th>
              {(mayEdit || mayDelete) && <th scope="col"><span class="visually-hidden">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {list.data.aircraft.map((aircraft) => (
              <tr key={aircraft.aircraftId}>
                <td>{aircraft.registration}</td>
                <td>{aircraft.model}</td>
                <td>{aircraft.seats ?? '—'}</td>
                {(mayEdit || mayDelete) && (
                  <td>
                    <div class="actions">
                      {mayEdit && (
                        <a class="button" href={itemHrefOf('aircraft/edit', aircraft.aircraftId)} aria-label={`Edit ${aircraft.registration}`}>
                          Edit
                        </a>
                      )}
                      {mayDelete && (
                        <button type="button" class="danger" disabled={remove.busy} aria-label={`Delete ${aircraft.registration}`} onClick={() => void remove.run(aircraft.aircraftId)}>
                          Delete
                        </button>
                      )}
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data?.aircraft.length === 0 && <p>No aircraft yet.</p>}
    </section>
  );
}
