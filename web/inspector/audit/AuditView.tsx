import type { AuditPageView, TenantListing } from '../api-types';
import { fetchView } from '../common/api';
import { ErrorNote, formatTime, Json } from '../common/Json';
import { usePoll } from '../common/use-poll';

interface Props {
  readonly tenant: string | undefined;
  readonly onSelect: (tenant: string | undefined) => void;
}

function Trail({ tenant }: { tenant: string }) {
  const { data, error } = usePoll(tenant, () => fetchView<AuditPageView>('audit', { tenant, limit: '100' }));
  return (
    <section aria-label="Audit trail">
      <ErrorNote message={error} />
      {data && data.events.length === 0 ? <p>This trail is empty.</p> : null}
      <table>
        <thead><tr><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Actor</th><th scope="col">Detail</th></tr></thead>
        <tbody>
          {(data?.events ?? []).map((record) => (
            <tr key={record.id}>
              <td>{formatTime(record.time)}</td>
              <td>{record.type}</td>
              <td class="mono">{record.actorUserId}</td>
              <td><Json label={`Detail of ${record.type}`} value={record.detail} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      {data?.lastKey ? <p class="muted">Showing the newest 100 records.</p> : null}
    </section>
  );
}

/** Any tenant's audit trail, read as the local administrator. */
export function AuditView({ tenant, onSelect }: Props) {
  const { data, error } = usePoll('tenants', () => fetchView<{ tenants: TenantListing[] }>('tenants'));
  return (
    <div class="audit">
      <form class="filters" aria-label="Choose a tenant" onSubmit={(event) => event.preventDefault()}>
        <label>
          Tenant
          <select value={tenant ?? ''} onChange={(event) => onSelect(event.currentTarget.value || undefined)}>
            <option value="">choose…</option>
            {(data?.tenants ?? []).map((listing) => (
              <option key={listing.tenantId} value={listing.tenantId}>{`${listing.name} (${listing.tenantId})`}</option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote message={error} />
      {tenant ? <Trail tenant={tenant} /> : <p>Choose a tenant to read its audit trail.</p>}
    </div>
  );
}
