/**
 * How Lambda handles a function error of an asynchronous invocation (EventBridge invokes its
 * Lambda targets asynchronously, so this applies to every rule target that is a function), read
 * by both runtimes: the CDK app sets it as each subscriber's `AWS::Lambda::EventInvokeConfig`, the
 * local Lambda service retries and records failures with the same numbers.
 *
 * AWS waits about one minute before the first retry and two before the second
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html); locally the
 * waits are `localRetryDelaysMs`, as short as keeps a test run fast, in the same one-then-two shape.
 * After the last retry the event goes to the on-failure destination: an SQS queue when deployed,
 * the local Lambda service's failure records locally.
 */
export const ASYNC_INVOCATION = {
  /** Retries after the first attempt (Lambda's maximum is 2, also its default). */
  retryAttempts: 2,
  /** The local wait before retry n (index n-1). */
  localRetryDelaysMs: [100, 200],
} as const;
