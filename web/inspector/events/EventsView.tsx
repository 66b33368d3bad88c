import type { EventView, FailureRecordView, TargetView } from '../api-types';
import { fetchView } from '../common/api';
import { ErrorNote, formatTime, Json } from '../common/Json';
import { usePoll } from '../common/use-poll';

interface Props {
  readonly filters: { readonly source?: string; readonly detailType?: string };
  readonly onChange: (filters: { source?: string; detailType?: string }) => void;
}

function Target({ target }: { target: TargetView }) {
  return (
    <li class={`target target-${target.status}`} aria-label={`Target ${target.id}: ${target.status}`}>
      <span>Target </span><strong>{target.id}</strong> <span class="mono">{target.arn}</span> <span class={`status status-${target.status}`}>{target.status}</span>
      <ol class="attempts" aria-label={`Delivery attempts to ${target.id}`}>
        {target.attempts.map((attempt) => (
          <li key={`${attempt.copy}-${attempt.attempt}`} class={`attempt-${attempt.outcome}`}>
            {`attempt ${attempt.attempt}${attempt.copy > 1 ? ` (copy ${attempt.copy})` : ''}: ${attempt.outcome} at ${formatTime(attempt.at)}`}
            {attempt.error ? <span class="error-text">{` — ${attempt.error}`}</span> : null}
          </li>
        ))}
      </ol>
      {target.deadLetter ? (
        <p class="dead-letter" role="note" aria-label={`Dead letter of ${target.id}`}>
          {`Dead letter after ${target.deadLetter.attempts} attempts (${formatTime(target.deadLetter.at)}): ${target.deadLetter.error}`}
        </p>
      ) : null}
    </li>
  );
}

function FailureRecords({ records }: { records: readonly FailureRecordView[] }) {
  if (records.length === 0) return null;
  return (
    <div class="failure-records">
      <h4>On-failure destination (the subscribers' queue)</h4>
      <ul>
        {records.map((record, index) => (
          <li key={record.messageId ?? index}>
            {`${record.functionArn ?? 'a function'} gave up (${record.condition ?? 'failed'}, ${record.approximateInvokeCount ?? '?'} invocations) at ${formatTime(record.timestamp)}`}
            <Json label="Function error" value={record.error} />
          </li>
        ))}
      </ul>
    </div>
  );
}

function EventItem({ view }: { view: EventView }) {
  const { event } = view;
  const deadLettered = view.rules.some((rule) => rule.targets.some((target) => target.deadLetter));
  return (
    <li class={`bus-event${deadLettered ? ' has-dead-letter' : ''}`}>
      <article aria-label={`Event ${event['detail-type']} ${event.id}`}>
        <header>
          <strong>{event['detail-type']}</strong> <span class="muted">from</span> <span class="mono">{event.source}</span> <span class="muted">on {view.eventBusName} at {formatTime(event.time)}</span>
        </header>
        <details>
          <summary>Detail</summary>
          <Json label={`Detail of event ${event.id}`} value={event.detail} />
        </details>
        {view.rules.length === 0 ? <p class="muted">Matched no rule.</p> : null}
        <ul class="rules" aria-label="Rules matched">
          {view.rules.map((rule) => (
            <li key={rule.name}>
              <span>Rule </span><strong>{rule.name}</strong>
              <ul class="targets">
                {rule.targets.map((target) => <Target key={target.id} target={target} />)}
              </ul>
            </li>
          ))}
        </ul>
        <FailureRecords records={view.failureRecords} />
      </article>
    </li>
  );
}

/** The bus's archive, newest first: rules matched, targets, every attempt, dead letters, on-failure records. */
export function EventsView({ filters, onChange }: Props) {
  const { data, error } = usePoll(JSON.stringify(filters), () => fetchView<{ events: EventView[] }>('events', filters));
  const set = (name: 'source' | 'detailType') => (event: Event) => onChange({ ...filters, [name]: (event.currentTarget as HTMLInputElement).value || undefined });
  return (
    <section aria-label="Events">
      <form class="filters" aria-label="Filter events" onSubmit={(event) => event.preventDefault()}>
        <label>Source <input type="search" value={filters.source ?? ''} onChange={set('source')} /></label>
        <label>Detail type <input type="search" value={filters.detailType ?? ''} onChange={set('detailType')} /></label>
      </form>
      <ErrorNote message={error} />
      {data && data.events.length === 0 ? <p>No events yet.</p> : null}
      <ol class="bus-events">
        {(data?.events ?? []).map((view) => <EventItem key={view.event.id} view={view} />)}
      </ol>
    </section>
  );
}
