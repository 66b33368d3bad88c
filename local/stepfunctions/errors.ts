import type { SdkServiceName } from './integrations';

/**
 * Error names a Task state fails with, as Step Functions names them when deployed, so the same
 * Retry/Catch `ErrorEquals` work in both runtimes. This module is the one place that knows them.
 *
 * Sources (AWS Step Functions developer guide, and LocalStack's snapshot-verified port):
 * - AWS SDK integrations (`arn:aws:states:::aws-sdk:<service>:<action>`): `<ServiceName>.<ErrorCode>`,
 *   both PascalCase, with `Exception` appended when the code lacks it (`S3.BucketAlreadyExistsException`).
 *   The service name is the SDK's, not the marketing one: `DynamoDb` (lower-case b), `Sfn`,
 *   `CognitoIdentityProvider`, `CognitoIdentity`, `EventBridge`.
 * - Optimized DynamoDB (`arn:aws:states:::dynamodb:putItem`…): `DynamoDB.<ErrorCode>` (upper-case DB),
 *   e.g. `DynamoDB.ConditionalCheckFailedException`; non-service failures `DynamoDB.AmazonDynamoDBException`.
 * - Optimized EventBridge `events:putEvents`: a response with `FailedEntryCount > 0` fails the task
 *   with `EventBridge.FailedEntry`, its Cause the response.
 * - Optimized Lambda `lambda:invoke`: service errors `Lambda.<ErrorCode>` (`Lambda.ServiceException`,
 *   `Lambda.TooManyRequestsException`, `Lambda.ResourceNotFoundException`); a function error takes the
 *   function's `errorType` (`Error`, `MyCustomError`), and `Lambda.Unknown` when there is none
 *   (out of memory, timeout).
 */

export type ErrorNamingKey = `aws-sdk:${SdkServiceName}` | 'dynamodb' | 'events' | 'lambda';

interface ErrorNaming {
  /** `<prefix>.<ErrorCode>` */
  readonly prefix: string;
  readonly appendExceptionSuffix: boolean;
  /** How the Cause names the service, and which of AWS's two Cause layouts it uses. */
  readonly causeService: string;
  readonly causeLayout: 'aws-sdk' | 'optimized';
  /**
   * The error when no service response arrived (connection refused or reset). AWS documents
   * `Lambda.SdkClientException`; the others follow the same SDK naming and are a local choice.
   */
  readonly transportError: string;
}

const sdkNaming = (prefix: string): ErrorNaming => ({
  prefix,
  appendExceptionSuffix: true,
  causeService: prefix,
  causeLayout: 'aws-sdk',
  transportError: `${prefix}.SdkClientException`,
});

export const TASK_ERROR_NAMING: Readonly<Record<ErrorNamingKey, ErrorNaming>> = {
  'aws-sdk:dynamodb': sdkNaming('DynamoDb'),
  'aws-sdk:cognitoidentityprovider': sdkNaming('CognitoIdentityProvider'),
  'aws-sdk:eventbridge': sdkNaming('EventBridge'),
  'aws-sdk:sfn': sdkNaming('Sfn'),
  'aws-sdk:cognitoidentity': sdkNaming('CognitoIdentity'),
  dynamodb: {
    prefix: 'DynamoDB',
    appendExceptionSuffix: false,
    causeService: 'AmazonDynamoDBv2',
    causeLayout: 'optimized',
    transportError: 'DynamoDB.AmazonDynamoDBException',
  },
  events: {
    prefix: 'EventBridge',
    appendExceptionSuffix: false,
    causeService: 'AmazonEventBridge',
    causeLayout: 'optimized',
    transportError: 'EventBridge.AmazonEventBridgeException',
  },
  lambda: {
    prefix: 'Lambda',
    appendExceptionSuffix: false,
    causeService: 'AWSLambda',
    causeLayout: 'optimized',
    transportError: 'Lambda.SdkClientException',
  },
};

/** Names that do not follow a service prefix rule. */
export const STATES_ERRORS = {
  taskFailed: 'States.TaskFailed',
  timeout: 'States.Timeout',
  runtime: 'States.Runtime',
  eventBridgeFailedEntry: 'EventBridge.FailedEntry',
  lambdaUnknown: 'Lambda.Unknown',
} as const;

/**
 * A Task failure carrying its Step Functions error name. The interpreter matches `ErrorEquals`
 * against `Error.name` and fills a Catch's `Cause` from `message`, so those two fields hold the
 * States error and cause rather than a class name and prose.
 */
export class StatesTaskError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }

  get error(): string {
    return this.name;
  }

  get statesCause(): string {
    return this.message;
  }
}

export interface ServiceFailure {
  readonly status: number;
  /** The AWS error code, e.g. `ConditionalCheckFailedException`. */
  readonly code: string;
  readonly message: string;
  readonly requestId: string;
}

export function serviceErrorName(key: ErrorNamingKey, code: string): string {
  const naming = TASK_ERROR_NAMING[key];
  const suffixed = naming.appendExceptionSuffix && !code.endsWith('Exception') ? `${code}Exception` : code;
  return `${naming.prefix}.${suffixed}`;
}

/** The Task error for an AWS error response, with the Cause laid out as AWS lays it out. */
export function serviceError(key: ErrorNamingKey, failure: ServiceFailure): StatesTaskError {
  const naming = TASK_ERROR_NAMING[key];
  const details =
    naming.causeLayout === 'aws-sdk'
      ? `Service: ${naming.causeService}, Status Code: ${failure.status}, Request ID: ${failure.requestId}`
      : `Service: ${naming.causeService}; Status Code: ${failure.status}; Error Code: ${failure.code}; Request ID: ${failure.requestId}; Proxy: null`;
  return new StatesTaskError(serviceErrorName(key, failure.code), `${failure.message} (${details})`);
}

export function transportError(key: ErrorNamingKey, reason: unknown): StatesTaskError {
  const message = reason instanceof Error ? reason.message : String(reason);
  return new StatesTaskError(TASK_ERROR_NAMING[key].transportError, `Unable to execute HTTP request: ${message}`);
}

export function errorNamingKey(integration: { kind: 'aws-sdk'; service: SdkServiceName } | { kind: 'dynamodb' | 'events' | 'lambda' }): ErrorNamingKey {
  return integration.kind === 'aws-sdk' ? `aws-sdk:${integration.service}` : integration.kind;
}
