import type { FunctionDefinition } from '../../handlers/catalog';
import { LAMBDA_ENVIRONMENT, LAMBDA_PLATFORM } from '../../infra/bundling';

/**
 * What the cloud gives one execution environment of a function (the provider in local/provisioning.ts
 * builds it at every cold start): the function's declared variables that have a value, the
 * endpoint handlers reach AWS through (`AWS_ENDPOINT_URL`, handlers/shared/clients.ts) and the
 * function's own session credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`). A declared variable absent here is unset in the worker, so the handler's own
 * `requireEnv` fails, as it would deployed without the binding.
 */
export interface FunctionEnvironment {
  readonly variables: Readonly<Record<string, string>>;
  /** When the credentials in `variables` expire: a warm worker is retired before it would outlive them. */
  readonly credentialsExpireAt?: Date;
}

/** `NODE_OPTIONS` as every function is deployed with it (infra/bundling.ts, read by the CDK construct too). */
export const LAMBDA_NODE_OPTIONS = LAMBDA_ENVIRONMENT.NODE_OPTIONS;

/**
 * The worker's whole environment: the cloud's variables plus the ones the Lambda runtime defines
 * itself, as "Defined runtime environment variables" lists them
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 * Nothing of the cloud's own process.env reaches the function. Left out: `_HANDLER`,
 * `_X_AMZN_TRACE_ID` (no X-Ray locally), `AWS_LAMBDA_RUNTIME_API` (no Runtime API: the worker is
 * handed each event), `LAMBDA_RUNTIME_DIR`, `AWS_LAMBDA_INITIALIZATION_TYPE`, `PATH` and `LD_LIBRARY_PATH`.
 * `TZ` is set for code that reads it, but a worker thread shares the cloud's process clock and zone.
 */
export function workerEnvironment(
  definition: FunctionDefinition,
  region: string,
  /** Where Lambda unpacks the function's code; locally the directory holding its bundle. */
  taskRoot: string,
  logStreamName: string,
  cloud: FunctionEnvironment,
): Record<string, string> {
  return {
    ...cloud.variables,
    AWS_LAMBDA_FUNCTION_NAME: definition.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(definition.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupOf(definition.name),
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_EXECUTION_ENV: `AWS_Lambda_${LAMBDA_PLATFORM.runtime}`,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
    LAMBDA_TASK_ROOT: taskRoot,
  };
}

export const logGroupOf = (functionName: string): string => `/aws/lambda/${functionName}`;
