import type { TaskState } from './definition';
import { STATES_ERRORS } from './errors';

/**
 * An execution's history in GetExecutionHistory's terms. The interpreter reports its own event
 * log (StateEntered, StateFailed…); `translateInterpreterEvent` turns that into AWS event types,
 * and the Task dispatcher adds the Task* events AWS records around each service call.
 */

const TERMINAL_TYPES = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);

/** Fields that carry execution data, left out when `includeExecutionData` is false. */
const EXECUTION_DATA_FIELDS = new Set(['input', 'output', 'parameters']);

function detailsKey(type: string): string | undefined {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  if (type.startsWith('MapIteration')) return `${lowerFirst(type)}EventDetails`;
  if (type.startsWith('Parallel') || type === 'MapStateSucceeded' || type === 'MapStateFailed') return undefined;
  return `${lowerFirst(type)}EventDetails`;
}

const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1);

interface StoredEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: Date;
  readonly type: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;
}

export class ExecutionHistory {
  private readonly events: StoredEvent[] = [];
  private lastTimestamp = 0;
  private closed = false;

  /**
   * Appends an event. Ignored once the execution has ended: a Task still in flight when its
   * execution timed out must not write after ExecutionTimedOut.
   */
  add(type: string, details?: Record<string, unknown>, timestampMs = Date.now()): void {
    if (this.closed) return;
    // Interpreter and dispatcher clocks are read at different moments; keep the history monotonic.
    this.lastTimestamp = Math.max(this.lastTimestamp, timestampMs);
    const id = this.events.length + 1;
    // Events are causally linear except inside Parallel/Map, where AWS links to the branch's own
    // previous event; locally every event points at the one before it.
    this.events.push({ id, previousEventId: id - 1, timestamp: new Date(this.lastTimestamp), type, details });
    if (TERMINAL_TYPES.has(type)) this.closed = true;
  }

  get size(): number {
    return this.events.length;
  }

  /** Events in AWS's JSON shape (timestamps as epoch seconds, as the JSON protocol carries them). */
  render(includeExecutionData: boolean): Record<string, unknown>[] {
    return this.events.map((event) => {
      const rendered: Record<string, unknown> = {
        id: event.id,
        previousEventId: event.previousEventId,
        timestamp: event.timestamp.getTime() / 1000,
        type: event.type,
      };
      const key = detailsKey(event.type);
      if (key && event.details) {
        rendered[key] = includeExecutionData
          ? event.details
          : Object.fromEntries(Object.entries(event.details).filter(([field]) => !EXECUTION_DATA_FIELDS.has(field)));
      }
      return rendered;
    });
  }
}

/** The interpreter's event log entries this module reads (aws-local-stepfunctions' `EventLog`). */
export interface InterpreterEvent {
  readonly type: string;
  readonly timestamp: number;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly Error?: string;
  readonly Cause?: unknown;
  readonly index?: number;
  readonly state?: { readonly name: string; readonly type: string; readonly input?: unknown; readonly output?: unknown };
  readonly parentState?: { readonly name: string };
}

const dataDetails = { truncated: false };
const stringify = (value: unknown): string => JSON.stringify(value ?? null);
const causeText = (cause: unknown): string => (typeof cause === 'string' ? cause : stringify(cause));

/**
 * Keeps what translation needs across events of one execution: which Parallel/Map states failed
 * (so their exit is not reported as a success) and the Task resources (for TaskTimedOut).
 */
export class InterpreterEventTranslator {
  private readonly failedContainers = new Set<string>();

  constructor(
    private readonly history: ExecutionHistory,
    private readonly roleArn: string,
    private readonly tasks: ReadonlyMap<string, TaskState>,
    private readonly stopRequest: () => { readonly error?: string; readonly cause?: string } | undefined = () => undefined,
  ) {}

  translate(event: InterpreterEvent): void {
    const at = event.timestamp;
    const state = event.state;
    switch (event.type) {
      case 'ExecutionStarted':
        this.history.add('ExecutionStarted', { input: stringify(event.input), inputDetails: dataDetails, roleArn: this.roleArn }, at);
        return;
      case 'ExecutionSucceeded':
        this.history.add('ExecutionSucceeded', { output: stringify(event.output), outputDetails: dataDetails }, at);
        return;
      case 'ExecutionFailed':
        this.history.add('ExecutionFailed', { error: event.Error, cause: causeText(event.Cause) }, at);
        return;
      case 'ExecutionTimeout':
        this.history.add('ExecutionTimedOut', { error: STATES_ERRORS.timeout, cause: 'The execution ran longer than the state machine TimeoutSeconds' }, at);
        return;
      case 'ExecutionAborted':
        // StopExecution's error and cause, each only when given (GetExecutionHistory: executionAbortedEventDetails).
        this.history.add('ExecutionAborted', { ...this.stopRequest() }, at);
        return;
      case 'StateEntered':
        if (!state) return;
        this.failedContainers.delete(state.name);
        this.history.add(`${state.type}StateEntered`, { name: state.name, input: stringify(state.input), inputDetails: dataDetails }, at);
        if (state.type === 'Parallel' || state.type === 'Map') this.history.add(`${state.type}StateStarted`, state.type === 'Map' ? {} : undefined, at);
        return;
      case 'StateExited':
        if (!state) return;
        if ((state.type === 'Parallel' || state.type === 'Map') && !this.failedContainers.has(state.name)) {
          this.history.add(`${state.type}StateSucceeded`, undefined, at);
        }
        this.history.add(`${state.type}StateExited`, { name: state.name, output: stringify(state.output), outputDetails: dataDetails }, at);
        return;
      case 'StateFailed':
        this.stateFailed(event, at);
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.history.add(event.type, { name: event.parentState?.name, index: event.index }, at);
        return;
      default:
        // StateRetried, StateCaught and ParallelBranch* have no counterpart in an AWS history.
        return;
    }
  }

  private stateFailed(event: InterpreterEvent, at: number): void {
    const state = event.state;
    if (!state) return;
    if (state.type === 'Parallel' || state.type === 'Map') {
      this.failedContainers.add(state.name);
      this.history.add(`${state.type}StateFailed`, undefined, at);
      return;
    }
    const task = this.tasks.get(state.name);
    // Other Task failures were recorded as TaskFailed by the dispatcher; only the interpreter sees a timeout.
    if (state.type === 'Task' && task && event.Error === STATES_ERRORS.timeout) {
      this.history.add('TaskTimedOut', { ...task.label, error: STATES_ERRORS.timeout, cause: causeText(event.Cause) }, at);
    }
  }
}
