import type { ExecutionList } from '../api-types';
import { fetchView } from '../common/api';
import { ErrorNote, formatTime } from '../common/Json';
import { usePoll } from '../common/use-poll';
import { ExecutionDetail } from './ExecutionDetail';

export interface ExecutionFilters {
  readonly machine?: string;
  readonly status?: string;
  readonly user?: string;
  readonly arn?: string;
  readonly state?: string;
}

interface Props {
  readonly filters: ExecutionFilters;
  readonly onChange: (filters: ExecutionFilters) => void;
}

function Filters({ list, filters, onChange }: { list: ExecutionList | undefined; filters: ExecutionFilters; onChange: Props['onChange'] }) {
  const set = (name: 'machine' | 'status' | 'user') => (event: Event) => onChange({ ...filters, [name]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value || undefined });
  return (
    <form class="filters" aria-label="Filter executions" onSubmit={(event) => event.preventDefault()}>
      <label>
        Machine
        <select value={filters.machine ?? ''} onChange={set('machine')}>
          <option value="">all</option>
          {(list?.machines ?? (filters.machine ? [filters.machine] : [])).map((name) => <option key={name} value={name}>{name}</option>)}
        </select>
      </label>
      <label>
        Status
        <select value={filters.status ?? ''} onChange={set('status')}>
          <option value="">all</option>
          {(list?.statuses ?? (filters.status ? [filters.status] : [])).map((name) => <option key={name} value={name}>{name}</option>)}
        </select>
      </label>
      <label>
        User id
        <input type="search" value={filters.user ?? ''} onChange={set('user')} placeholder="the input's userId" />
      </label>
    </form>
  );
}

/** Every machine's executions, newest first, and the one selected. */
export function ExecutionsView({ filters, onChange }: Props) {
  const query = { machine: filters.machine, status: filters.status, user: filters.user };
  const { data, error } = usePoll(JSON.stringify(query), () => fetchView<ExecutionList>('executions', query));
  return (
    <div class="executions">
      <section class="execution-list" aria-label="Executions">
        <Filters list={data} filters={filters} onChange={onChange} />
        <ErrorNote message={error} />
        <table>
          <thead>
            <tr><th scope="col">Started</th><th scope="col">Machine</th><th scope="col">Status</th><th scope="col">User</th></tr>
          </thead>
          <tbody>
            {(data?.executions ?? []).map((execution) => (
              <tr key={execution.executionArn} class={execution.executionArn === filters.arn ? 'selected' : ''} aria-selected={execution.executionArn === filters.arn}>
                <td>
                  <a href={`#executions?${new URLSearchParams({ ...clean(filters), arn: execution.executionArn }).toString()}`} aria-label={`${execution.stateMachine} ${execution.status} ${execution.startDate}`}>
                    {formatTime(execution.startDate)}
                  </a>
                </td>
                <td>{execution.stateMachine}</td>
                <td><span class={`status status-${execution.status.toLowerCase()}`}>{execution.status}</span>{execution.error ? ` ${execution.error}` : ''}</td>
                <td class="mono">{execution.userId ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && data.executions.length === 0 ? <p>No executions match.</p> : null}
      </section>
      {filters.arn ? <ExecutionDetail arn={filters.arn} state={filters.state} onSelectState={(state) => onChange({ ...filters, state })} /> : null}
    </div>
  );
}

const clean = (filters: ExecutionFilters): Record<string, string> => Object.fromEntries(Object.entries(filters).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'arn' && entry[0] !== 'state'));
