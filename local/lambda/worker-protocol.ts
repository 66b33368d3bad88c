/** The messages between the local Lambda (function-worker.ts) and a function's worker (worker-bootstrap.ts). */

/** What the worker is started with (`workerData`). */
export interface WorkerData {
  readonly bundlePath: string;
}

/** The Lambda context members our handlers and Powertools read, as the worker hands them to the handler. */
export interface LocalLambdaContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

/** An error as Lambda reports it: type and message to the caller, the stack to the log. */
export interface SerializedError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stack?: readonly string[];
}

/** Parent to worker: run the handler once. `deadline` is epoch milliseconds. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly event: unknown;
  readonly context: Omit<LocalLambdaContext, 'getRemainingTimeInMillis'>;
  readonly deadline: number;
}

/** Worker to parent, in the order they happen (one port, so output precedes the result it belongs to). */
export type WorkerMessage =
  | { readonly type: 'output'; readonly stream: 'stdout' | 'stderr'; readonly text: string }
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: SerializedError }
  | { readonly type: 'result'; readonly json: string; readonly heapUsedMb: number }
  | { readonly type: 'error'; readonly error: SerializedError; readonly heapUsedMb: number };
