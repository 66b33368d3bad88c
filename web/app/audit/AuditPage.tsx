import { useState } from 'preact/hooks';
import type { AuditEvent } from '../api/types';
import { ErrorNotice } from '../common/ErrorNotice';
import { formatTime } from '../common/format';
import { PageHeading } from '../common/PageHeading';
import { useAction } from '../common/use-action';
import { useLoad } from '../common/use-load';
import { useWorkspace } from '../shell/workspace-context';
import { detailEntries } from './detail-entries';

/** The tenant's control-plane events, newest first, a page at a time. */
export function AuditPage() {
  const { api } = useWorkspace();
  const first = useLoad(() => api.audit());
  // Actors by email where the caller may read members; ids otherwise.
  const members = useLoad(() => api.members().catch(() => ({ members: [] })));
  const emailOf = (userId: string | undefined): string => (userId ? (members.data?.members.find((member) => member.userId === userId)?.email ?? userId) : '—');
  const [more, setMore] = useState<{ events: AuditEvent[]; next?: string }>({ events: [] });
  const next = more.next ?? (more.events.length === 0 ? first.data?.next : undefined);
  const loadMore = useAction(async () => {
    const page = await api.audit(next);
    setMore({ events: [...more.events, ...page.events], next: page.next });
  });
  const events = [...(first.data?.events ?? []), ...more.events];
  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Audit log" />
      <ErrorNotice error={first.error ?? loadMore.error} />
      {first.loading && <p role="status">Loading events…</p>}
      {first.data && events.length === 0 && <p>No events yet.</p>}
      {events.length > 0 && (
        <table aria-label="Audit events">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Event</th>
              <th scope="col">Actor</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr key={event.id}>
                <td><time dateTime={event.time}>{formatTime(event.time)}</time></td>
                <td><code>{event.type}</code></td>
                <td>{emailOf(event.actorUserId)}</td>
                <td>
                  <dl class="detail">
                    {detailEntries(event.detail).map(([name, value]) => (
                      <div key={name}>
                        <dt>{name}</dt>
                        <dd>{value}</dd>
                      </div>
                    ))}
                  </dl>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" disabled={loadMore.busy} onClick={() => void loadMore.run()}>
          {loadMore.busy ? 'Loading…' : 'Older events'}
        </button>
      )}
    </section>
  );
}
