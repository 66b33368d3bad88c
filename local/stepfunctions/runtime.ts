import { randomUUID } from 'node:crypto';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, type RunOptions } from 'aws-local-stepfunctions';
import { parseDefinition, type ParsedDefinition, type TaskState } from './definition';
import type { DispatchContext, JsonValue, TaskDispatcher } from './dispatcher';
import { RuntimeCauseRewriter, stateNamed, StatesTaskError, STATES_ERRORS } from './errors';
import type { FaultInjector } from './faults';
import { ExecutionHistory, InterpreterEventTranslator, type InterpreterEvent } from './history';

export type StateMachineType = 'STANDARD' | 'EXPRESS';
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface StateMachineRecord {
  readonly name: string;
  readonly arn: string;
  readonly definitionText: string;
  readonly roleArn: string;
  readonly type: StateMachineType;
  readonly creationDate: Date;
  readonly parsed: ParsedDefinition;
  /** CreateStateMachine's `tags`, as ListTagsForResource answers them. */
  readonly tags: readonly StateMachineTag[];
}

export interface StateMachineTag {
  readonly key: string;
  readonly value: string;
}

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachine: StateMachineRecord;
  readonly startDate: Date;
  readonly input: string;
  readonly history: ExecutionHistory;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** Resolves once the execution has ended and its history is complete. */
  settled: Promise<void>;
  abort: () => void;
  /** StopExecution's `error` and `cause`, which the ExecutionAborted event and DescribeExecution carry. */
  stopRequest?: { readonly error?: string; readonly cause?: string };
}

type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type InterpreterInput = Parameters<ParsedDefinition['interpreter']['run']>[0];

/** State machine names end up in ARNs, so they keep to AWS's character set. */
export class InvalidStateMachineNameError extends Error {
  constructor(readonly stateMachineName: string) {
    super(`Invalid Name: '${stateMachineName}' (1-80 characters: letters, digits, - and _)`);
    this.name = 'InvalidStateMachineNameError';
  }
}

const STATE_MACHINE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** The interpreter applies this to a Task without `TimeoutSeconds` (AWS applies none). */
const INTERPRETER_DEFAULT_TASK_TIMEOUT_SECONDS = 60;

/**
 * Validating a definition costs 150–350 ms here (asl-validator compiles its JSON schemas on every
 * call); the parsed result is immutable, so identical texts share one.
 */
const PARSED_DEFINITIONS_CACHED = 100;

/** Finished executions kept for Describe/History/List; a long `npm start` must not grow without bound. */
const RETAINED_FINISHED_EXECUTIONS = 1000;

const yieldToInterpreterLog = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * State machines and their executions, in memory. Executions run on aws-local-stepfunctions with
 * every Task state overridden by the dispatcher, so each step is a real signed service call.
 */
export class StepFunctionsRuntime {
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly parsedDefinitions = new Map<string, ParsedDefinition>();

  constructor(
    private readonly options: {
      readonly region: string;
      readonly accountId: string;
      readonly dispatcher: TaskDispatcher;
      readonly faults: FaultInjector;
      /** When set, every Retry pause lasts this long instead of the retrier's computed interval. */
      readonly retryPauseMs?: number;
      /** When set, no Task attempt is cut off sooner than this (StepFunctionsServiceOptions). */
      readonly minimumTaskTimeoutSeconds?: number;
    },
  ) {}

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.options.region}:${this.options.accountId}:stateMachine:${name}`;
  }

  /** Validates (InvalidStateMachineNameError, InvalidDefinitionError) before anything is stored; replaces a machine of the same name. */
  define(input: { name: string; definitionText: string; roleArn: string; type: StateMachineType; tags?: readonly StateMachineTag[] }): StateMachineRecord {
    if (!STATE_MACHINE_NAME.test(input.name)) throw new InvalidStateMachineNameError(input.name);
    const parsed = this.parse(input.definitionText);
    const record: StateMachineRecord = {
      name: input.name,
      arn: this.stateMachineArn(input.name),
      definitionText: input.definitionText,
      roleArn: input.roleArn,
      type: input.type,
      creationDate: new Date(),
      parsed,
      tags: input.tags ?? [],
    };
    this.machines.set(record.arn, record);
    return record;
  }

  private parse(definitionText: string): ParsedDefinition {
    const cached = this.parsedDefinitions.get(definitionText);
    if (cached) return cached;
    const floor = this.options.minimumTaskTimeoutSeconds;
    const parsed = parseDefinition(definitionText, floor === undefined ? {} : { minimumTaskTimeoutSeconds: floor });
    this.parsedDefinitions.set(definitionText, parsed);
    const oldest = this.parsedDefinitions.keys().next();
    if (this.parsedDefinitions.size > PARSED_DEFINITIONS_CACHED && !oldest.done) this.parsedDefinitions.delete(oldest.value);
    return parsed;
  }

  machine(arn: string): StateMachineRecord | undefined {
    return this.machines.get(arn);
  }

  listMachines(): StateMachineRecord[] {
    return [...this.machines.values()];
  }

  deleteMachine(arn: string): void {
    this.machines.delete(arn);
  }

  execution(arn: string): ExecutionRecord | undefined {
    return this.executions.get(arn);
  }

  /** Newest first, as ListExecutions answers. */
  listExecutions(stateMachineArn: string): ExecutionRecord[] {
    return [...this.executions.values()].filter((execution) => execution.stateMachine.arn === stateMachineArn).reverse();
  }

  executionArn(machine: StateMachineRecord, name: string): string {
    const prefix = `arn:aws:states:${this.options.region}:${this.options.accountId}`;
    // Express execution ARNs carry a uniquifier because Express names need not be unique.
    return machine.type === 'EXPRESS' ? `${prefix}:express:${machine.name}:${name}:${randomUUID()}` : `${prefix}:execution:${machine.name}:${name}`;
  }

  start(machine: StateMachineRecord, name: string, inputText: string, input: JsonValue): ExecutionRecord {
    const executionArn = this.executionArn(machine, name);
    const history = new ExecutionHistory();
    const record: ExecutionRecord = {
      executionArn,
      name,
      stateMachine: machine,
      startDate: new Date(),
      input: inputText,
      history,
      status: 'RUNNING',
      settled: Promise.resolve(),
      abort: () => undefined,
    };
    this.executions.set(executionArn, record);
    this.evictFinished();

    const context: DispatchContext = { stateMachineArn: machine.arn, executionArn, roleArn: machine.roleArn };
    const handlers: TaskHandlers = {};
    for (const task of machine.parsed.tasks.values()) {
      handlers[task.name] = (taskInput) => this.runTask(record, task, taskInput as JsonValue, context) as Promise<typeof taskInput>;
    }
    const retryPauseMs = this.options.retryPauseMs;
    const run = machine.parsed.interpreter.run(input as InterpreterInput, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        ...(retryPauseMs === undefined
          ? {}
          : { retryIntervalOverrides: Object.fromEntries([...machine.parsed.stateNames].map((stateName) => [stateName, retryPauseMs])) }),
      },
      context: {
        Execution: { Id: executionArn, Name: name, RoleArn: machine.roleArn },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    record.abort = run.abort;

    const translator = new InterpreterEventTranslator(history, machine.roleArn, machine.parsed.tasks, () => record.stopRequest);
    const causes = new RuntimeCauseRewriter((stateName) => stateNamed(machine.parsed.definition, stateName));
    const logConsumed = (async () => {
      for await (const event of run.eventLogs) translator.translate(causes.rewrite(event as InterpreterEvent, history.size + 1));
    })();
    record.settled = (async () => {
      const outcome = await run.result.then(
        (output) => ({ ok: true as const, output }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      // The result can settle before the log has delivered its last events.
      await logConsumed;
      record.stopDate = new Date();
      if (outcome.ok) {
        record.status = 'SUCCEEDED';
        record.output = JSON.stringify(outcome.output);
      } else {
        this.recordFailure(record, outcome.error, causes);
      }
    })().catch((error: unknown) => {
      // Only a bug in history translation gets here; an async StartExecution has no one awaiting it.
      console.error('[local] stepfunctions: execution bookkeeping failed:', error);
      record.stopDate = new Date();
      record.status = 'FAILED';
      record.error = STATES_ERRORS.runtime;
      record.cause = error instanceof Error ? error.message : String(error);
    });
    return record;
  }

  /** Aborts every running execution and waits for them to end (on endpoint stop). */
  async stop(): Promise<void> {
    const running = [...this.executions.values()].filter((execution) => execution.status === 'RUNNING');
    for (const execution of running) execution.abort();
    await Promise.allSettled(running.map((execution) => execution.settled));
  }

  private recordFailure(record: ExecutionRecord, error: unknown, causes: RuntimeCauseRewriter): void {
    if (error instanceof ExecutionTimeoutError) {
      record.status = 'TIMED_OUT';
      record.error = STATES_ERRORS.timeout;
      record.cause = 'The execution ran longer than the state machine TimeoutSeconds';
      return;
    }
    if (error instanceof ExecutionAbortedError) {
      record.status = 'ABORTED';
      if (record.stopRequest?.error !== undefined) record.error = record.stopRequest.error;
      if (record.stopRequest?.cause !== undefined) record.cause = record.stopRequest.cause;
      return;
    }
    record.status = 'FAILED';
    const failure = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
    record.error = failure instanceof Error ? failure.name : STATES_ERRORS.runtime;
    record.cause = causes.causeFor(failure instanceof Error ? failure.message : String(failure));
  }

  private async runTask(record: ExecutionRecord, task: TaskState, input: JsonValue, context: DispatchContext): Promise<JsonValue> {
    // The interpreter starts the task's timeout timer right after calling this.
    const startedAt = performance.now();
    const timeoutSeconds = task.timeoutSeconds ?? INTERPRETER_DEFAULT_TASK_TIMEOUT_SECONDS;
    // A result arriving after the timeout is discarded by the interpreter (it already recorded
    // TaskTimedOut and may be retrying); the history must not show it either.
    const timedOut = () => performance.now() - startedAt >= timeoutSeconds * 1000;
    // The interpreter calls this synchronously right after queueing the state's entry event;
    // letting its log drain first keeps TaskScheduled after TaskStateEntered in the history.
    await yieldToInterpreterLog();
    const { history } = record;
    history.add('TaskScheduled', { ...task.label, region: this.options.region, parameters: JSON.stringify(input), timeoutInSeconds: timeoutSeconds });
    history.add('TaskStarted', { ...task.label });
    try {
      const fault = this.options.faults.take(record.stateMachine.name, task.name, parseInput(record.input));
      if (fault) throw new StatesTaskError(fault.error, fault.cause);
      const output = await this.options.dispatcher.run(task.integration, input, context);
      if (!timedOut()) history.add('TaskSucceeded', { ...task.label, output: JSON.stringify(output), outputDetails: { truncated: false } });
      return output;
    } catch (error) {
      const failure = error instanceof StatesTaskError ? error : new StatesTaskError(STATES_ERRORS.taskFailed, error instanceof Error ? error.message : String(error));
      if (!timedOut()) history.add('TaskFailed', { ...task.label, error: failure.error, cause: failure.statesCause });
      throw failure;
    }
  }

  private evictFinished(): void {
    let excess = this.executions.size - RETAINED_FINISHED_EXECUTIONS;
    if (excess <= 0) return;
    // Map iteration order is insertion order: the first finished ones are the oldest.
    for (const [arn, execution] of this.executions) {
      if (excess <= 0) break;
      if (execution.status === 'RUNNING') continue;
      this.executions.delete(arn);
      excess -= 1;
    }
  }
}

function parseInput(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
