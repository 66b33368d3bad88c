import type { InvocationView } from '../api-types';
import { fetchView } from '../common/api';
import { ErrorNote, formatTime } from '../common/Json';
import { usePoll } from '../common/use-poll';

/** Every Lambda invocation, newest first, with its duration, cold start and outcome. */
export function InvocationsView() {
  const { data, error } = usePoll('invocations', () => fetchView<{ invocations: InvocationView[] }>('invocations'));
  return (
    <section aria-label="Invocations">
      <ErrorNote message={error} />
      <table>
        <thead><tr><th scope="col">Started</th><th scope="col">Function</th><th scope="col">Duration</th><th scope="col">Init</th><th scope="col">Outcome</th><th scope="col">Request id</th></tr></thead>
        <tbody>
          {(data?.invocations ?? []).map((invocation) => (
            <tr key={invocation.requestId}>
              <td>{formatTime(invocation.startedAt)}</td>
              <td>{invocation.functionName}</td>
              <td class="number">{`${Math.round(invocation.durationMs)} ms`}</td>
              <td class="number">{invocation.cold && invocation.initDurationMs !== undefined ? `cold ${Math.round(invocation.initDurationMs)} ms` : 'warm'}</td>
              <td><span class={`status status-${invocation.outcome}`}>{invocation.outcome}</span>{invocation.errorType ? ` ${invocation.errorType}` : ''}</td>
              <td class="mono">{invocation.requestId}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
