/**
 * One execution as the inspector shows it: its history with each event's state named, the path
 * (the states entered, in order, branches included), each step's input, output and outcome, and
 * the step that failed. AWS's history names the state on its StateEntered/StateExited events only;
 * Task events carry the resource, so each is given to the open Task state of that resource.
 */
import { flattenStates, parseAsl, type ScopedState } from '../../web/inspector/graph/asl';
import type { ExecutionView, HistoryEventView, StepView } from '../../web/inspector/api-types';
import type { StepFailure } from '../../web/inspector/graph/machine-graph';
import { parseTaskResource, resourceLabel } from '../stepfunctions/integrations';
import type { ExecutionDetail } from '../stepfunctions/service';

const DETAIL_KEY = /EventDetails$/;
const TASK_EVENT = /^Task(Scheduled|Started|Succeeded|Failed|TimedOut|SubmitFailed|StartFailed)$/;

/** History strings that hold JSON back to values, for the page to show as structure. */
function jsonValue(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const detailsOf = (event: Record<string, unknown>): Record<string, unknown> | undefined => {
  const key = Object.keys(event).find((name) => DETAIL_KEY.test(name));
  return key ? (event[key] as Record<string, unknown>) : undefined;
};

const labelKey = (resourceType: unknown, resource: unknown): string => `${String(resourceType)} ${String(resource)}`;

/** Which Task state each Task event belongs to: the open one of its resource (entered, not yet exited). */
class TaskAttribution {
  private readonly open: { state: string; key: string; lastEvent: string | undefined }[] = [];
  constructor(private readonly resourceKeys: ReadonlyMap<string, string>) {}

  entered(state: string): void {
    const key = this.resourceKeys.get(state);
    if (key !== undefined) this.open.push({ state, key, lastEvent: undefined });
  }

  exited(state: string): void {
    const index = this.open.findIndex((entry) => entry.state === state);
    if (index >= 0) this.open.splice(index, 1);
  }

  /**
   * A new attempt goes to a state just entered, else to one whose attempt ended (a retry); a start
   * to the attempt scheduled; a result to the attempt started. Two Tasks of one resource in flight
   * at once (Parallel branches) cannot be told apart by the history: a result goes to the one
   * started first.
   */
  attribute(type: string, key: string): string | undefined {
    const mine = this.open.filter((entry) => entry.key === key);
    const after = (previous: string | undefined) => mine.find((candidate) => candidate.lastEvent === previous);
    const ended = (candidate: { lastEvent: string | undefined }) => candidate.lastEvent !== 'TaskScheduled' && candidate.lastEvent !== 'TaskStarted';
    const entry =
      type === 'TaskScheduled'
        ? (after(undefined) ?? mine.filter(ended).at(-1))
        : type === 'TaskStarted'
          ? after('TaskScheduled')
          : (after('TaskStarted') ?? after('TaskScheduled'));
    if (!entry) return undefined;
    entry.lastEvent = type;
    return entry.state;
  }
}

function resourceKeys(states: readonly ScopedState[]): Map<string, string> {
  const keys = new Map<string, string>();
  for (const { name, state } of states) {
    const integration = state.Type === 'Task' && state.Resource ? parseTaskResource(state.Resource) : undefined;
    if (integration) {
      const label = resourceLabel(integration);
      keys.set(name, labelKey(label.resourceType, label.resource));
    }
  }
  return keys;
}

/** A step while the history is read: its outcome is filled in as events arrive. */
type MutableStep = { -readonly [K in keyof StepView]: StepView[K] };

interface Walk {
  readonly events: HistoryEventView[];
  readonly steps: MutableStep[];
}

function walkHistory(detail: ExecutionDetail, states: readonly ScopedState[]): Walk {
  const byName = new Map(states.map((state) => [state.name, state.state]));
  const tasks = new TaskAttribution(resourceKeys(states));
  const steps: MutableStep[] = [];
  const openStep = (name: string) => steps.findLast((step) => step.state === name && step.exitedAt === undefined);
  const openContainer = () => steps.findLast((step) => (step.type === 'Parallel' || step.type === 'Map') && step.exitedAt === undefined && step.status !== 'failed');
  const events = detail.events.map((raw): HistoryEventView => {
    const type = String(raw.type);
    const timestamp = new Date(Number(raw.timestamp) * 1000).toISOString();
    const details = detailsOf(raw);
    let state = typeof details?.name === 'string' ? details.name : undefined;
    if (state !== undefined && type.endsWith('StateEntered')) {
      tasks.entered(state);
      steps.push({ state, type: byName.get(state)?.Type ?? type.replace(/StateEntered$/, ''), enteredAt: timestamp, input: jsonValue(details?.input), status: 'running', attempts: 0 });
    } else if (state !== undefined && type.endsWith('StateExited')) {
      tasks.exited(state);
      const step = openStep(state);
      // A caught failure exits too (with the Catch's result): the state still failed.
      if (step) Object.assign(step, { exitedAt: timestamp, output: jsonValue(details?.output), status: step.status === 'failed' ? 'failed' : 'succeeded' });
    } else if (TASK_EVENT.test(type) && details) {
      state = tasks.attribute(type, labelKey(details.resourceType, details.resource));
      const step = state === undefined ? undefined : openStep(state);
      if (step && type === 'TaskScheduled') Object.assign(step, { attempts: step.attempts + 1, status: 'running' });
      if (step && (type === 'TaskFailed' || type === 'TaskTimedOut')) Object.assign(step, { status: 'failed', error: details.error, cause: details.cause });
      // A retry that succeeded: the step did not fail (its attempts say it was retried).
      if (step && type === 'TaskSucceeded') Object.assign(step, { status: 'running', error: undefined, cause: undefined });
    } else if (type === 'ParallelStateFailed' || type === 'MapStateFailed') {
      const step = openContainer();
      if (step) {
        state = step.state;
        step.status = 'failed';
      }
    }
    return { id: Number(raw.id), timestamp, type, ...(state === undefined ? {} : { state }), ...(details === undefined ? {} : { details }) };
  });
  return { events, steps };
}

/** A Fail state ends the run with the state's (or the run's) error; a step left open when the run ended did not finish. */
function settleSteps(detail: ExecutionDetail, steps: MutableStep[], states: readonly ScopedState[]): void {
  if (detail.status === 'RUNNING') return;
  const byName = new Map(states.map((state) => [state.name, state.state]));
  for (const step of steps) {
    if (step.type === 'Fail') {
      const definition = byName.get(step.state);
      Object.assign(step, { status: 'failed', error: definition?.Error ?? detail.error, cause: definition?.Cause ?? detail.cause });
    } else if (step.status === 'running') {
      Object.assign(step, { status: 'failed', ...(detail.error === undefined ? {} : { error: detail.error }), ...(detail.cause === undefined ? {} : { cause: detail.cause }) });
    }
  }
}

const failureOf = (step: StepView): StepFailure => ({ state: step.state, ...(step.error === undefined ? {} : { error: step.error }), ...(step.cause === undefined ? {} : { cause: step.cause }) });

export function executionView(detail: ExecutionDetail): ExecutionView {
  const states = flattenStates(parseAsl(detail.definition));
  const { events, steps } = walkHistory(detail, states);
  settleSteps(detail, steps, states);
  const failedStates = steps.filter((step) => step.status === 'failed').map(failureOf);
  const firstTaskFailure = steps.find((step) => step.status === 'failed' && step.type !== 'Parallel' && step.type !== 'Map');
  const failure = firstTaskFailure ? failureOf(firstTaskFailure) : failedStates[0];
  return {
    executionArn: detail.executionArn,
    name: detail.name,
    stateMachine: detail.stateMachine,
    status: detail.status,
    startDate: detail.startDate,
    ...(detail.stopDate === undefined ? {} : { stopDate: detail.stopDate }),
    input: jsonValue(detail.input),
    ...(detail.output === undefined ? {} : { output: jsonValue(detail.output) }),
    ...(detail.error === undefined ? {} : { error: detail.error }),
    ...(detail.cause === undefined ? {} : { cause: detail.cause }),
    definition: detail.definition,
    events,
    steps,
    path: steps.map((step) => step.state),
    ...(failure === undefined ? {} : { failure }),
    failedStates,
  };
}
