import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { FunctionDefinition } from '../../handlers/catalog';
import { faultControlService } from '../server/aws-json';
import type { AwsRequest, AwsResponse, LocalService } from '../server/types';
import { createAsyncInvoker, type AsyncFailureRecord, type FunctionErrorPayload } from './async-invocation';
import { LambdaFaultInjector, LambdaFaultSpecSchema } from './faults';
import { restError } from './rest-errors';
import { describeFunctions, GET_FUNCTION_PATH, LIST_FUNCTIONS_PATH } from './function-configuration';

export { GET_FUNCTION_PATH, LIST_FUNCTIONS_PATH };

/** The Lambda context members our handlers and Powertools read. */
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

type Handler = (event: unknown, context: LocalLambdaContext) => Promise<unknown>;

export class FunctionNotFoundError extends Error {
  constructor(readonly functionName: string) {
    super(`Function not found: ${functionName}`);
    this.name = 'FunctionNotFoundError';
  }
}

export class FunctionTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`Task timed out after ${seconds.toFixed(2)} seconds`);
    this.name = 'FunctionTimeoutError';
  }
}

export interface InvocationRecord {
  readonly functionName: string;
  readonly requestId: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly outcome: 'success' | 'error';
  readonly errorType?: string;
}

/** Lambda's answer for a failed invocation: a timeout is `Sandbox.Timedout`, any other error its name. */
export function errorPayloadOf(error: unknown): FunctionErrorPayload {
  const errorType = error instanceof FunctionTimeoutError ? 'Sandbox.Timedout' : error instanceof Error ? error.name : 'Error';
  return { errorType, errorMessage: error instanceof Error ? error.message : String(error) };
}

/** A path no AWS protocol uses; no rule of the caller gate names it, so only the local administrator may call it. */
export const LAMBDA_FAULTS_PATH = '/_local/lambda/faults';

/** Invoke's REST path; the caller gate reads the function from it too. */
export const FUNCTION_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * The function a path's identifier names: a name, a full ARN or a partial `function:name` form,
 * each with an optional qualifier, as the real API accepts them.
 */
export function resolveFunctionName(identifier: string): string {
  const decoded = decodeURIComponent(identifier);
  const match = /(?:^|:function:)([A-Za-z0-9-_]+)(?::[^:]+)?$/.exec(decoded);
  return match?.[1] ?? decoded;
}

/**
 * The Lambda API (`Invoke`) over handlers loaded in this process. A handler module is imported on
 * its first invocation, after the cloud has set the environment it reads at load time.
 */
export function createLambdaService(options: {
  region: string;
  accountId: string;
  projectRoot: string;
  functions: readonly FunctionDefinition[];
  /**
   * Every asynchronously invoked function's on-failure destination, as each subscriber's
   * EventInvokeConfig names one queue when deployed: takes the invocation record after the retries.
   * Without one an event that still fails is dropped (logged), as Lambda drops it without a destination.
   */
  failureDestination?: (record: AsyncFailureRecord) => Promise<unknown> | unknown;
}) {
  const byName = new Map(options.functions.map((definition) => [definition.name, definition]));
  const loaded = new Map<string, Promise<Handler>>();
  const invocations: InvocationRecord[] = [];
  const faults = new LambdaFaultInjector();

  const arnOf = (name: string): string => `arn:aws:lambda:${options.region}:${options.accountId}:function:${name}`;

  const load = (definition: FunctionDefinition): Promise<Handler> => {
    let handler = loaded.get(definition.name);
    if (!handler) {
      handler = import(resolve(options.projectRoot, definition.entry)).then((module: { handler?: Handler; default?: { handler?: Handler } }) => {
        const exported = module.handler ?? module.default?.handler;
        if (typeof exported !== 'function') throw new Error(`${definition.entry} exports no handler`);
        return exported;
      });
      loaded.set(definition.name, handler);
    }
    return handler;
  };

  async function invoke(functionName: string, event: unknown): Promise<unknown> {
    const definition = byName.get(resolveFunctionName(functionName));
    if (!definition) throw new FunctionNotFoundError(functionName);
    const handler = await load(definition);
    const requestId = randomUUID();
    const started = Date.now();
    const deadline = started + definition.timeoutSeconds * 1000;
    const context: LocalLambdaContext = {
      functionName: definition.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: arnOf(definition.name),
      memoryLimitInMB: String(definition.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${definition.name}`,
      logStreamName: `local/${requestId}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FunctionTimeoutError(definition.timeoutSeconds)), definition.timeoutSeconds * 1000);
    });
    // Each invocation gets its own copy of the event, as it would after crossing the wire.
    const payload = JSON.parse(JSON.stringify(event ?? null)) as unknown;
    const fault = faults.take(definition.name, payload);
    try {
      const result = await Promise.race([fault ? Promise.reject(fault) : handler(payload, context), timeout]);
      invocations.push({ functionName: definition.name, requestId, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, outcome: 'success' });
      return result;
    } catch (error) {
      invocations.push({
        functionName: definition.name,
        requestId,
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        outcome: 'error',
        errorType: error instanceof Error ? error.name : 'Error',
      });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  const asyncInvoker = createAsyncInvoker({
    invoke,
    errorPayload: errorPayloadOf,
    functionArn: (name) => `${arnOf(name)}:$LATEST`,
    destination:
      options.failureDestination ??
      ((record) => console.error(`[local] ${record.requestContext.functionArn} has no on-failure destination; request ${record.requestContext.requestId} is dropped`)),
  });

  /** Queues an asynchronous invocation (EventBridge's and `InvocationType: Event`); an unknown function is refused now, as Invoke refuses it. */
  function invokeAsync(functionName: string, event: unknown): string {
    const name = resolveFunctionName(functionName);
    if (!byName.has(name)) throw new FunctionNotFoundError(functionName);
    return asyncInvoker.invokeAsync(name, event);
  }

  const service: LocalService = {
    name: 'lambda',
    canHandle: (request: AwsRequest) =>
      (request.method === 'POST' && FUNCTION_PATH.test(request.path)) || (request.method === 'GET' && (LIST_FUNCTIONS_PATH.test(request.path) || GET_FUNCTION_PATH.test(request.path))),
    async handle(request: AwsRequest): Promise<AwsResponse> {
      if (request.method === 'GET') return describeFunctions(request, { byName, arnOf, resolveName: resolveFunctionName });
      const name = resolveFunctionName(FUNCTION_PATH.exec(request.path)?.[1] ?? '');
      if (!byName.has(name)) {
        return restError(404, 'ResourceNotFoundException', `Function not found: ${arnOf(name)}`);
      }
      let event: unknown;
      try {
        event = request.body.length === 0 ? {} : JSON.parse(request.body.toString('utf8'));
      } catch {
        return restError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
      }
      const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      if (invocationType === 'DryRun') return { status: 204 };
      if (invocationType === 'Event') {
        // Accepted now, run with Lambda's retries and on-failure record (async-invocation.ts).
        const requestId = invokeAsync(name, event);
        return { status: 202, headers: { 'x-amzn-requestid': requestId } };
      }
      try {
        const result = await invoke(name, event);
        return {
          status: 200,
          headers: { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' },
          body: result === undefined ? 'null' : JSON.stringify(result),
        };
      } catch (error) {
        return {
          status: 200,
          headers: { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' },
          // Lambda returns the error's type and message; the stack stays in the function's log.
          body: JSON.stringify(errorPayloadOf(error)),
        };
      }
    },
    stop: async () => asyncInvoker.stop(),
  };

  return {
    service,
    localService: localControlService(faults),
    faults,
    invoke,
    invokeAsync,
    arnOf,
    invocations: (): readonly InvocationRecord[] => invocations,
  };
}


/**
 * The local Lambda's fault controls over HTTP (`POST /_local/lambda/faults` with a fault spec of
 * faults.ts, `DELETE` to clear them all). The on-failure records are in the local SQS queue, read
 * with the SQS API as on AWS.
 */
const localControlService = (faults: LambdaFaultInjector): LocalService =>
  faultControlService({ name: 'lambda-local', path: LAMBDA_FAULTS_PATH, schema: LambdaFaultSpecSchema, injector: faults });


export type LambdaRuntime = ReturnType<typeof createLambdaService>;
