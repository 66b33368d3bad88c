import type { FunctionErrorPayload } from './async-invocation';
import type { SerializedError } from './worker-protocol';

export class FunctionNotFoundError extends Error {
  constructor(readonly functionName: string) {
    super(`Function not found: ${functionName}`);
    this.name = 'FunctionNotFoundError';
  }
}

/**
 * A function stopped at its timeout. What the caller gets is not written down on AWS's pages (the
 * execution-environment page, https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html,
 * says only that a timed-out environment is reset and the next invocation initializes it again). We
 * reproduce what the current runtimes (nodejs18.x and later, so nodejs22.x) answer a synchronous
 * Invoke: status 200, `X-Amz-Function-Error: Unhandled`, and
 * `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after 3.00 seconds"}`,
 * with `<timestamp> <id> Task timed out after 3.00 seconds` in the function's log. The seconds are the
 * time the invocation actually ran, so a timeout of 3 s may read 3.01.
 */
export class FunctionTimeoutError extends Error {
  readonly errorType = 'Sandbox.Timedout';

  constructor(
    readonly seconds: number,
    readonly requestId: string,
  ) {
    super(`RequestId: ${requestId} Error: Task timed out after ${seconds.toFixed(2)} seconds`);
    this.name = 'FunctionTimeoutError';
  }

  /** The line Lambda writes to the function's log. */
  logLine(at: Date): string {
    return `${at.toISOString()} ${this.requestId} Task timed out after ${this.seconds.toFixed(2)} seconds`;
  }
}

/** The function's own error (thrown by the handler or by its module's initialization), as its worker reported it. */
export class FunctionError extends Error {
  constructor(readonly reported: SerializedError) {
    super(reported.errorMessage);
    // The handler's error name is what Lambda answers as errorType (and what callers match on).
    this.name = reported.errorType;
  }
}

/**
 * The worker ended while running (process.exit, an uncaught exception, the heap limit). Lambda's
 * Node.js runtime answers `Runtime.ExitError` with "RequestId: … Error: Runtime exited …"; the
 * wording after "exited" is the exit's (exit status, signal) and is ours here.
 */
export class FunctionRuntimeExitError extends Error {
  readonly errorType = 'Runtime.ExitError';

  constructor(requestId: string, cause: string) {
    super(`RequestId: ${requestId} Error: Runtime exited ${cause}`);
    this.name = 'FunctionRuntimeExitError';
  }
}

/** Lambda's answer for a failed invocation: the error's type and message; the stack stays in the function's log. */
export function errorPayloadOf(error: unknown): FunctionErrorPayload {
  const errorType = error instanceof FunctionTimeoutError || error instanceof FunctionRuntimeExitError ? error.errorType : error instanceof Error ? error.name : 'Error';
  return { errorType, errorMessage: error instanceof Error ? error.message : String(error) };
}
