import { StartSyncExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';

export interface WorkflowResult {
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
