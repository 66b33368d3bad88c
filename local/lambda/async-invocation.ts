import { randomUUID } from 'node:crypto';
import { ASYNC_INVOCATION, type InvocationRecord } from '../../events/async-invocation';

/** What a failed invocation returned: Lambda's `errorType` and `errorMessage`, the stack stays in the log. */
export interface FunctionErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
}

/**
 * The invocation record Lambda sends to an on-failure destination, in the shape AWS documents
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html, "Invocation
 * record"): the request's id, function and why it was given up, the event as sent, and the last
 * response. Lambda sends it as the body of one SQS message to the destination queue; locally that
 * is the local SQS's `ASYNC_FAILURE_QUEUE.localName` (events/async-invocation.ts, whose
 * `InvocationRecordSchema` is what the redrive reads back).
 */
export interface AsyncFailureRecord extends InvocationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetriesExhausted';
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext: { readonly statusCode: 200; readonly executedVersion: '$LATEST'; readonly functionError: 'Unhandled' };
  readonly responsePayload: FunctionErrorPayload;
}

export interface AsyncInvokerOptions {
  /** One attempt: resolves on success, rejects with the function's error. */
  readonly invoke: (functionName: string, event: unknown) => Promise<unknown>;
  readonly errorPayload: (error: unknown) => FunctionErrorPayload;
  /** The qualified ARN Lambda writes in the record (`…:function:name:$LATEST`). */
  readonly functionArn: (functionName: string) => string;
  /**
   * The on-failure destination: takes each record once the retries are used up (locally a
   * SendMessage to the failure queue). If it fails, the record is lost and logged, as AWS then
   * only counts `DestinationDeliveryFailures`.
   */
  readonly destination: (record: AsyncFailureRecord) => Promise<unknown> | unknown;
  readonly retryDelaysMs?: readonly number[];
}

/**
 * Lambda's asynchronous invocation: the caller is answered at once, a function error is retried
 * `ASYNC_INVOCATION.retryAttempts` times, and an event that still fails goes to the on-failure destination as a record.
 * Waits are local stand-ins for AWS's one and two minutes (events/async-invocation.ts).
 */
export function createAsyncInvoker(options: AsyncInvokerOptions) {
  const delays = options.retryDelaysMs ?? ASYNC_INVOCATION.localRetryDelaysMs;
  const maxAttempts = ASYNC_INVOCATION.retryAttempts + 1;
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function run(functionName: string, event: unknown, requestId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await options.invoke(functionName, event);
        return;
      } catch (error) {
        if (attempt >= maxAttempts) {
          await deliver(functionName, event, requestId, attempt, options.errorPayload(error));
          return;
        }
        await wait(delays[attempt - 1] ?? delays.at(-1) ?? 0);
        // A stopped cloud abandons pending retries, as the bus does.
        if (stopped) return;
      }
    }
  }

  async function deliver(functionName: string, event: unknown, requestId: string, attempts: number, payload: FunctionErrorPayload): Promise<void> {
    const record: AsyncFailureRecord = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: { requestId, functionArn: options.functionArn(functionName), condition: 'RetriesExhausted', approximateInvokeCount: attempts },
      requestPayload: JSON.parse(JSON.stringify(event ?? null)) as unknown,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: payload,
    };
    try {
      await options.destination(record);
    } catch (error) {
      console.error(`[local] on-failure destination of ${functionName} refused request ${requestId}; the record is lost:`, error);
    }
  }

  return {
    /** Queues the event and returns its request id, as Invoke with `InvocationType: Event` answers 202. */
    invokeAsync(functionName: string, event: unknown): string {
      const requestId = randomUUID();
      void run(functionName, event, requestId).catch((error: unknown) => console.error('[local] async invocation error:', error));
      return requestId;
    },
    stop(): void {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
