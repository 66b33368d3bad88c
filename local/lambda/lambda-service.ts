import { ARNS } from '../../infra/policies/arns';
import type { FunctionDefinition } from '../../handlers/catalog';
import { faultControlService } from '../server/aws-json';
import type { AwsRequest, AwsResponse, LocalService } from '../server/types';
import { createAsyncInvoker, type AsyncFailureRecord } from './async-invocation';
import { LambdaFaultInjector, LambdaFaultSpecSchema } from './faults';
import { createFunctionBundler } from './function-bundle';
import { FunctionWorker } from './function-worker';
import { describeFunctions, GET_FUNCTION_PATH, LIST_FUNCTIONS_PATH } from './function-configuration';
import { createInvocationRunner, logStreamNameOf, type InvocationResult } from './invocation';
import { errorPayloadOf, FunctionNotFoundError } from './lambda-errors';
import { createTerminalSink } from './log-capture';
import { restError } from './rest-errors';
import { workerEnvironment, type FunctionEnvironment } from './runtime-environment';
import { createWorkerPool } from './worker-pool';

export { GET_FUNCTION_PATH, LIST_FUNCTIONS_PATH };
export { errorPayloadOf, FunctionNotFoundError, FunctionTimeoutError } from './lambda-errors';
export type { InvocationRecord } from './invocation';
export type { FunctionEnvironment } from './runtime-environment';
export type { LocalLambdaContext } from './worker-protocol';

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

export interface LambdaServiceOptions {
  readonly region: string;
  readonly accountId: string;
  readonly projectRoot: string;
  readonly functions: readonly FunctionDefinition[];
  /**
   * A function's environment for one execution environment, asked at every cold start: its declared
   * variables, AWS_ENDPOINT_URL and its own session credentials (runtime-environment.ts).
   */
  readonly environmentOf: (definition: FunctionDefinition) => FunctionEnvironment;
  /** Where the bundles are written (the cloud's state or temp dir); without one, a temp dir removed at stop. */
  readonly bundleDir?: string;
  /** Bundles kept across runs (bundle-cache.ts); node_modules/.cache/local-lambda unless given, `false` for none. */
  readonly bundleCacheDir?: string | false;
  /** Execution environments per function at most (worker-pool.ts MAX_WORKERS_PER_FUNCTION). */
  readonly maxWorkersPerFunction?: number;
  /**
   * Every asynchronously invoked function's on-failure destination, as each subscriber's
   * EventInvokeConfig names one queue when deployed: takes the invocation record after the retries.
   * Without one an event that still fails is dropped (logged), as Lambda drops it without a destination.
   */
  readonly failureDestination?: (record: AsyncFailureRecord) => Promise<unknown> | unknown;
}

/**
 * The Lambda API (`Invoke`, ListFunctions, GetFunction) over the catalog's functions, each run as
 * Lambda runs it: the deployed bundle in worker threads of its own (function-worker.ts), started on
 * first invocation and kept warm (worker-pool.ts), with only its own environment.
 */
export function createLambdaService(options: LambdaServiceOptions) {
  const byName = new Map(options.functions.map((definition) => [definition.name, definition]));
  const faults = new LambdaFaultInjector();
  const bundler = createFunctionBundler({ projectRoot: options.projectRoot, bundleDir: options.bundleDir, cacheDir: options.bundleCacheDir });
  const sink = createTerminalSink({ level: process.env.POWERTOOLS_LOG_LEVEL });
  const arnOf = (name: string): string => ARNS.lambdaFunction(options, name);

  const startWorker = async (definition: FunctionDefinition, requestId: string): Promise<FunctionWorker> => {
    const [bootstrapPath, bundlePath] = await Promise.all([bundler.bootstrap(), bundler.functionBundle(definition)]);
    const environment = options.environmentOf(definition);
    const logStreamName = logStreamNameOf(new Date());
    const env = workerEnvironment(definition, options.region, bundler.taskRootOf(definition), logStreamName, environment);
    return FunctionWorker.start({ definition, requestId, bootstrapPath, data: { bundlePath }, env, logStreamName, expiresAt: environment.credentialsExpireAt, sink });
  };
  // GetFunction's Environment: the declared variables, asked once per function (they do not change
  // while the cloud runs); the credentials that come with them are not shown, as Lambda shows none.
  const declared = new Map<string, Readonly<Record<string, string>>>();
  const variablesOf = (definition: FunctionDefinition): Readonly<Record<string, string>> => {
    let variables = declared.get(definition.name);
    if (!variables) {
      const given = options.environmentOf(definition).variables;
      variables = Object.fromEntries(definition.environment.flatMap((name) => (given[name] === undefined ? [] : [[name, given[name]]])));
      declared.set(definition.name, variables);
    }
    return variables;
  };
  const pool = createWorkerPool({ maxWorkers: options.maxWorkersPerFunction, start: startWorker });
  const runner = createInvocationRunner({ byName, resolveName: resolveFunctionName, arnOf, pool, faults });

  /** One synchronous invocation: the handler's result, or its error thrown (the REST API and async invocation read it). */
  async function invoke(functionName: string, event: unknown): Promise<unknown> {
    const result = await runner.run(functionName, event);
    if (!result.ok) throw result.error;
    return JSON.parse(result.json) as unknown;
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
    handle: async (request: AwsRequest): Promise<AwsResponse> =>
      request.method === 'GET'
        ? describeFunctions(request, { byName, arnOf, resolveName: resolveFunctionName, variablesOf })
        : invokeOverHttp(request, { known: (name) => byName.has(name), arnOf, run: (name, event) => runner.run(name, event), invokeAsync }),
    stop: async () => {
      asyncInvoker.stop();
      pool.stop();
      sink.close();
      bundler.remove();
    },
  };

  return {
    service,
    localService: localControlService(faults),
    faults,
    invoke,
    invokeAsync,
    arnOf,
    invocations: runner.invocations,
    /** Execution environments (workers) a function has now. */
    workerCount: pool.workerCount,
  };
}

/**
 * Invoke over HTTP (Lambda API Reference, Invoke): `RequestResponse` answers 200 with the result or
 * `X-Amz-Function-Error: Unhandled` and `{ errorType, errorMessage }`; with `X-Amz-Log-Type: Tail`
 * also `X-Amz-Log-Result`, the base64 of the invocation log's last 4 KB. `Event` answers 202 at
 * once, `DryRun` 204.
 */
async function invokeOverHttp(
  request: AwsRequest,
  lambda: {
    known: (name: string) => boolean;
    arnOf: (name: string) => string;
    run: (name: string, event: unknown) => Promise<InvocationResult>;
    invokeAsync: (name: string, event: unknown) => string;
  },
): Promise<AwsResponse> {
  const name = resolveFunctionName(FUNCTION_PATH.exec(request.path)?.[1] ?? '');
  if (!lambda.known(name)) return restError(404, 'ResourceNotFoundException', `Function not found: ${lambda.arnOf(name)}`);
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
    return { status: 202, headers: { 'x-amzn-requestid': lambda.invokeAsync(name, event) } };
  }
  const result = await lambda.run(name, event);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST', 'x-amzn-requestid': result.log.requestId };
  if (String(request.headers['x-amz-log-type'] ?? 'None') === 'Tail') headers['x-amz-log-result'] = result.log.tail();
  if (result.ok) return { status: 200, headers, body: result.json };
  // Lambda returns the error's type and message; the stack stays in the function's log.
  return { status: 200, headers: { ...headers, 'x-amz-function-error': 'Unhandled' }, body: JSON.stringify(errorPayloadOf(result.error)) };
}

/**
 * The local Lambda's fault controls over HTTP (`POST /_local/lambda/faults` with a fault spec of
 * faults.ts, `DELETE` to clear them all). The on-failure records are in the local SQS queue, read
 * with the SQS API as on AWS.
 */
const localControlService = (faults: LambdaFaultInjector): LocalService =>
  faultControlService({ name: 'lambda-local', path: LAMBDA_FAULTS_PATH, schema: LambdaFaultSpecSchema, injector: faults });

export type LambdaRuntime = ReturnType<typeof createLambdaService>;
