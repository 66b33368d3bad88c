import { StartSyncExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ThrottledError, WorkflowFailedError, WorkflowIncompleteError } from '../../domain/errors';

export interface WorkflowResult {
  /** StartSyncExecution's three outcomes; TIMED_OUT is a run its own limit stopped, wherever it was. */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  readonly output: unknown;
  readonly error: string | undefined;
  /** The Fail state's Cause: our own definitions' text, never an input value. */
  readonly cause: string | undefined;
  readonly executionArn: string | undefined;
}

export type RunWorkflow = (stateMachineArn: string, input: object) => Promise<WorkflowResult>;

/** Runs an Express workflow synchronously; the API answers from its outcome. */
export function stepFunctionsRunner(client: SFNClient): RunWorkflow {
  return async (stateMachineArn, input) => {
    const result = await client.send(new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
    const status = result.status === 'SUCCEEDED' || result.status === 'FAILED' ? result.status : 'TIMED_OUT';
    return {
      status,
      output: result.output ? (JSON.parse(result.output) as unknown) : undefined,
      error: result.error,
      cause: result.cause,
      executionArn: result.executionArn,
    };
  };
}

/**
 * What a run that did not succeed tells the caller, once the API has answered the refusals it
 * explains itself. Only a FAILED run reached its Fail state, so only it was undone: a TIMED_OUT one
 * may have stopped half way through its undo, and saying "rolled back" would be a lie.
 */
export function runFailure(workflow: string, result: WorkflowResult): Error {
  if (result.status === 'TIMED_OUT') return new WorkflowIncompleteError(workflow);
  if (result.error?.includes('TooManyRequests') || result.error?.includes('Throttl')) return new ThrottledError();
  return new WorkflowFailedError(workflow, `${workflow} did not complete and was rolled back; nothing was changed`);
}

/** API Gateway's REST integration timeout (its default quota, which this stack keeps): the longest any route's answer may take. */
export const API_GATEWAY_TIMEOUT_SECONDS = 29;

/**
 * What a function serving a route does besides waiting for runs: a cold start (the Lambda init
 * phase counts toward API Gateway's wait), the StartSyncExecution round trip, the reads before and
 * after a run, and the token refresh after onboarding or a switch. Each is one or two calls of well
 * under a second; 4 s leaves room for a slow one without giving up run time.
 */
export const CALLER_MARGIN_SECONDS = 4;

/**
 * Whether one more run of a machine limited to `timeoutSeconds` still ends before API Gateway
 * gives up, `elapsedMs` after the request began: a handler that runs a machine a second time (the
 * member workflows after a refusal) asks first, so the caller never gets the gateway's 504 for a
 * run that then goes on without it. The time budget (test/workflow/compensation-budget.test.ts)
 * checks that one run always fits.
 */
export const anotherRunFits = (elapsedMs: number, timeoutSeconds: number): boolean =>
  elapsedMs / 1000 + timeoutSeconds + CALLER_MARGIN_SECONDS <= API_GATEWAY_TIMEOUT_SECONDS;
