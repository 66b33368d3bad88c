import type { ExecutionView, StepView } from '../api-types';
import { formatTime, Json } from '../common/Json';

interface Props {
  readonly execution: ExecutionView;
  /** The machine's compensation states (machine-graph.ts). */
  readonly compensation: ReadonlySet<string>;
  readonly selected: string | undefined;
  readonly onSelect: (state: string) => void;
}

function Step({ step, compensation, selected, onSelect }: { step: StepView; compensation: boolean; selected: boolean; onSelect: (state: string) => void }) {
  return (
    <li class={`step step-${step.status}${compensation ? ' compensation' : ''}${selected ? ' selected' : ''}`} aria-label={`${step.state}: ${step.status}${compensation ? ', compensation' : ''}`}>
      <button type="button" class="link" aria-pressed={selected} onClick={() => onSelect(step.state)}>
        {step.state}
      </button>{' '}
      <span class="muted">{step.type}</span> <span class={`status status-${step.status}`}>{step.status}</span>
      {step.attempts > 1 ? <span class="muted"> · {step.attempts} attempts</span> : null}
      {step.error ? <div class="error-text">{`${step.error}${step.cause ? `: ${step.cause}` : ''}`}</div> : null}
      {selected ? (
        <div class="io">
          <h4>Input</h4>
          <Json label={`Input of ${step.state}`} value={step.input} />
          <h4>Output</h4>
          <Json label={`Output of ${step.state}`} value={step.output} />
        </div>
      ) : null}
    </li>
  );
}

/** The path as steps (click one for its input and output), then every history event. */
export function History({ execution, compensation, selected, onSelect }: Props) {
  return (
    <section class="history" aria-label="History">
      <h3>Path taken</h3>
      <ol class="steps" aria-label="Path taken">
        {execution.steps.map((step, index) => (
          <Step key={`${step.state}-${index}`} step={step} compensation={compensation.has(step.state)} selected={selected === step.state} onSelect={onSelect} />
        ))}
      </ol>
      <details>
        <summary>All {execution.events.length} history events</summary>
        <table class="events-table">
          <thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Type</th><th scope="col">State</th><th scope="col">Details</th></tr></thead>
          <tbody>
            {execution.events.map((event) => (
              <tr key={event.id}>
                <td>{event.id}</td>
                <td>{formatTime(event.timestamp)}</td>
                <td>{event.type}</td>
                <td>{event.state ?? ''}</td>
                <td>{event.details ? <Json label={`Details of event ${event.id}`} value={event.details} /> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

