import type { LocalService } from '../server/types';
import { beginExecution, stepFunctionsApi } from './api';
import { substitutePlaceholders } from './definition';
import { TaskDispatcher } from './dispatcher';
import { faultService, FaultInjector } from './faults';
import { StepFunctionsRuntime, type ExecutionRecord, type StateMachineType } from './runtime';
import { SignedHttpClient, type Credentials } from './signed-http';

export { InvalidDefinitionError, UnsubstitutedPlaceholderError } from './definition';
export { StatesTaskError, TASK_ERROR_NAMING } from './errors';
export type { FaultSpec } from './faults';
export { FaultInjector } from './faults';
export { InvalidStateMachineNameError, type StateMachineType } from './runtime';

export interface StepFunctionsServiceOptions {
  readonly region: string;
  readonly accountId: string;
  /** URL of the local AWS endpoint that Task states call; read at each call, once the endpoint listens. */
  readonly taskEndpoint: () => string;
  /**
   * The session credentials a Task call is signed with: its machine's role's, as Step Functions
   * assumes that role, so the caller gate evaluates the role's policy. Named explicitly by every
   * caller (a test harness without a gate may pass the administrator's keys).
   */
  readonly credentialsFor: (roleArn: string) => Credentials;
  /**
   * Test speed-up: every Retry pause lasts this many milliseconds instead of IntervalSeconds ×
   * BackoffRate^attempt (capped by MaxDelaySeconds, with JitterStrategy). Leave unset to honour the definition.
   */
  readonly retryPauseMs?: number;
  /**
   * No Task attempt is cut off sooner than this many seconds, whatever its TimeoutSeconds: the
   * deployed limits are set for AWS's services, which answer these calls in milliseconds, while the
   * emulators on a loaded laptop can take over a second (measured: p99 132 ms, longest 1.4 s, the
   * first conditional writes after start, on 2 cores at a load of 14). A Task's own timeout is
   * exercised locally by injecting `States.Timeout` (`POST /_local/faults`); the deployed limits
   * are checked against the run's budget by test/workflow/compensation-budget.test.ts. Leave unset
   * to honour every TimeoutSeconds as written.
   */
  readonly minimumTaskTimeoutSeconds?: number;
}

export interface CreateStateMachineInput {
  readonly name: string;
  /** ASL (JSONPath) text with `${Placeholder}` tokens, as kept under `workflows/`. */
  readonly aslText: string;
  readonly substitutions?: Readonly<Record<string, string>>;
  /** Defaults to EXPRESS, the type the project's workflows deploy as. */
  readonly type?: StateMachineType;
  readonly roleArn?: string;
}

export interface StepFunctionsHandles {
  /** The Step Functions API (`X-Amz-Target: AWSStepFunctions.*`). */
  readonly service: LocalService;
  /** `POST /_local/faults`, `DELETE /_local/faults`. */
  readonly faultService: LocalService;
  readonly faults: FaultInjector;
  /**
   * Creates the machine, or replaces the one of the same name. Throws UnsubstitutedPlaceholderError,
   * InvalidDefinitionError or InvalidStateMachineNameError.
   */
  createStateMachine(input: CreateStateMachineInput): { stateMachineArn: string };
  stateMachineArn(name: string): string;
  /**
   * StartExecution in process (EventBridge targets): starts and returns at once, as the API does.
   * Throws AwsServiceError with the API's codes (StateMachineDoesNotExist, InvalidExecutionInput…).
   */
  startExecution(stateMachineArn: string, input?: string, name?: string): Promise<{ executionArn: string }>;
  /** Newest first, across machines, without input or output (the console shows these to anyone). */
  recentExecutions(limit: number): ExecutionSummary[];
  /** Every kept execution, newest first, with its input: the local inspector's list (no token enters an execution). */
  executionsWithInput(): (ExecutionSummary & { readonly input: string })[];
  /** One execution as the local inspector shows it: its data, its machine's definition as created, its history with execution data. */
  executionDetail(executionArn: string): ExecutionDetail | undefined;
}

export interface ExecutionDetail extends ExecutionSummary {
  readonly name: string;
  readonly input: string;
  readonly output?: string;
  readonly cause?: string;
  /** The definition text as created (placeholders substituted), which the history's state names refer to. */
  readonly definition: string;
  /** GetExecutionHistory's events with execution data, oldest first. */
  readonly events: readonly Record<string, unknown>[];
}

export interface ExecutionSummary {
  readonly executionArn: string;
  readonly stateMachine: string;
  readonly status: string;
  readonly startDate: string;
  readonly stopDate?: string;
  readonly error?: string;
}

export function createStepFunctionsService(options: StepFunctionsServiceOptions): StepFunctionsHandles {
  const faults = new FaultInjector();
  const http = new SignedHttpClient({ endpoint: options.taskEndpoint, region: options.region });
  const runtime = new StepFunctionsRuntime({
    region: options.region,
    accountId: options.accountId,
    dispatcher: new TaskDispatcher(http, options.credentialsFor),
    faults,
    ...(options.retryPauseMs === undefined ? {} : { retryPauseMs: options.retryPauseMs }),
    ...(options.minimumTaskTimeoutSeconds === undefined ? {} : { minimumTaskTimeoutSeconds: options.minimumTaskTimeoutSeconds }),
  });
  return {
    service: stepFunctionsApi(runtime),
    faultService: faultService(faults),
    faults,
    createStateMachine(input) {
      const definitionText = substitutePlaceholders(input.name, input.aslText, input.substitutions ?? {});
      const machine = runtime.define({
        name: input.name,
        definitionText,
        roleArn: input.roleArn ?? `arn:aws:iam::${options.accountId}:role/${input.name}-role`,
        type: input.type ?? 'EXPRESS',
      });
      return { stateMachineArn: machine.arn };
    },
    stateMachineArn: (name) => runtime.stateMachineArn(name),
    async startExecution(stateMachineArn, input, name) {
      const execution = beginExecution(runtime, {
        stateMachineArn,
        ...(input === undefined ? {} : { input }),
        ...(name === undefined ? {} : { name }),
      });
      return { executionArn: execution.executionArn };
    },
    recentExecutions(limit) {
      return newestFirst(runtime).slice(0, limit).map(summaryOf);
    },
    executionsWithInput() {
      return newestFirst(runtime).map((execution) => ({ ...summaryOf(execution), input: execution.input }));
    },
    executionDetail(executionArn) {
      const execution = runtime.execution(executionArn);
      if (!execution) return undefined;
      return {
        ...summaryOf(execution),
        name: execution.name,
        input: execution.input,
        ...(execution.output === undefined ? {} : { output: execution.output }),
        ...(execution.cause === undefined ? {} : { cause: execution.cause }),
        definition: execution.stateMachine.definitionText,
        events: execution.history.render(true),
      };
    },
  };
}

/** Every machine's kept executions, newest first. */
function newestFirst(runtime: StepFunctionsRuntime): ExecutionRecord[] {
  return runtime
    .listMachines()
    .flatMap((machine) => runtime.listExecutions(machine.arn))
    .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
}

function summaryOf(execution: ExecutionRecord): ExecutionSummary {
  return {
    executionArn: execution.executionArn,
    stateMachine: execution.stateMachine.name,
    status: execution.status,
    startDate: execution.startDate.toISOString(),
    ...(execution.stopDate ? { stopDate: execution.stopDate.toISOString() } : {}),
    ...(execution.error ? { error: execution.error } : {}),
  };
}
