import { useMemo } from 'preact/hooks';
import type { ExecutionView } from '../api-types';
import { fetchView } from '../common/api';
import { ErrorNote, formatTime, Json } from '../common/Json';
import { usePoll } from '../common/use-poll';
import { parseAsl } from '../graph/asl';
import { GraphView } from '../graph/GraphView';
import { buildGraph } from '../graph/machine-graph';
import { History } from './History';

interface Props {
  readonly arn: string;
  readonly state: string | undefined;
  readonly onSelectState: (state: string) => void;
}

function Summary({ execution }: { execution: ExecutionView }) {
  return (
    <dl class="summary">
      <dt>Machine</dt><dd>{execution.stateMachine}</dd>
      <dt>Status</dt><dd><span class={`status status-${execution.status.toLowerCase()}`}>{execution.status}</span></dd>
      <dt>Started</dt><dd>{formatTime(execution.startDate)}</dd>
      <dt>Stopped</dt><dd>{formatTime(execution.stopDate)}</dd>
      {execution.error ? (<><dt>Error</dt><dd class="error-text">{execution.error}{execution.cause ? `: ${execution.cause}` : ''}</dd></>) : null}
      {execution.failure ? (
        <>
          <dt>Failed state</dt>
          <dd class="error-text" aria-label="Failed state">{`${execution.failure.state}: ${execution.failure.error ?? 'failed'}${execution.failure.cause ? ` (${execution.failure.cause})` : ''}`}</dd>
        </>
      ) : null}
    </dl>
  );
}

/** One execution: summary, graph with the path, and the history with each state's input and output. */
export function ExecutionDetail({ arn, state, onSelectState }: Props) {
  const { data, error } = usePoll(arn, () => fetchView<ExecutionView>('execution', { arn }));
  const definition = data?.definition;
  const graph = useMemo(() => (definition === undefined ? undefined : buildGraph(parseAsl(definition))), [definition]);
  return (
    <section class="execution-detail" aria-label="Execution">
      <h2>{data ? `${data.stateMachine} · ${data.name}` : 'Execution'}</h2>
      <ErrorNote message={error} />
      {data && graph ? (
        <>
          <Summary execution={data} />
          <div class="graph-and-history">
            <GraphView machine={data.stateMachine} graph={graph} path={data.path} failures={data.failedStates} selected={state} onSelect={onSelectState} />
            <History execution={data} compensation={graph.compensation} selected={state} onSelect={onSelectState} />
          </div>
          <details>
            <summary>Execution input and output</summary>
            <Json label="Execution input" value={data.input} />
            <Json label="Execution output" value={data.output} />
          </details>
        </>
      ) : null}
    </section>
  );
}
