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
