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

// ---------------------------------------------------------------------------------------------
// States.Runtime causes in AWS's words.

/** The interpreter's words for a JSONPath that selects nothing (aws-local-stepfunctions' DefinedValueConstraint). */
const INTERPRETER_PATH_NOT_FOUND = /^Path expression '(\$[^']*)' does not point to a value$/;

type AslObject = Readonly<Record<string, unknown>>;
const isAslObject = (value: unknown): value is AslObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every `key.$` of a payload template (Parameters, ItemSelector…), at any depth, whose value is `path`. */
function templateFieldsSelecting(template: unknown, path: string): string[] {
  if (Array.isArray(template)) return template.flatMap((element) => templateFieldsSelecting(element, path));
  if (!isAslObject(template)) return [];
  return Object.entries(template).flatMap(([key, value]) => (key.endsWith('.$') && value === path ? [key] : templateFieldsSelecting(value, path)));
}

/** The state's other fields that hold JSONPaths the interpreter evaluates against some document. */
const PATH_FIELDS = ['InputPath', 'OutputPath', 'ResultPath', 'ItemsPath'] as const;
const OTHER_TEMPLATES = ['ResultSelector'] as const;

/**
 * AWS's cause for a Parameters field whose JSONPath selects nothing, when the state and field can
 * be told for sure; undefined otherwise (the interpreter's cause then stands).
 *
 * AWS's words, as Step Functions' console shows them ("Check Address" in AWS's own Step Functions
 * workshop, 000047.awsstudygroup.com, module 3.3.3): `An error occurred while executing the state
 * 'Check Address' (entered at the event id #7). The JSONPath '$.application.address' specified for
 * the field 'address.$' could not be found in the input '{"flagged":false}'`. The input shown is
 * the state's effective input (after InputPath), so only states without an InputPath (or with
 * `$`) are rewritten here. When that input is `null`, AWS answers `… (entered at the event id #9).
 * Unable to apply Path transformation to null or empty input.` instead (a Task's failure quoted in
 * a Stack Overflow question, "AWS Step function parameters are not moving to the next step"); an
 * empty object may be what "empty" means there too, which is not known, so for `{}` the
 * interpreter's cause stands. A path that is also used by another field of the state (InputPath,
 * OutputPath, ResultSelector…), or by two differently named Parameters fields, is ambiguous: the
 * interpreter does not say which one failed, so its cause stands. AWS's wording for the other
 * fields (InputPath, OutputPath, ResultSelector, Choice variables, intrinsic functions) is not
 * quoted from AWS anywhere this project found, and is left as the interpreter words it.
 */
export function awsParametersPathCause(
  interpreterCause: string,
  state: { readonly name: string; readonly definition: AslObject; readonly input: unknown; readonly enteredEventId: number },
): string | undefined {
  const path = INTERPRETER_PATH_NOT_FOUND.exec(interpreterCause)?.[1];
  if (path === undefined || path.startsWith('$$')) return undefined;
  const { definition } = state;
  if (definition.InputPath !== undefined && definition.InputPath !== '$') return undefined;
  if (PATH_FIELDS.some((field) => definition[field] === path)) return undefined;
  if (OTHER_TEMPLATES.some((field) => templateFieldsSelecting(definition[field], path).length > 0)) return undefined;
  const fields = new Set([...templateFieldsSelecting(definition.Parameters, path), ...templateFieldsSelecting(definition.ItemSelector, path)]);
  const [field] = fields;
  if (fields.size !== 1 || field === undefined) return undefined;
  const prefix = `An error occurred while executing the state '${state.name}' (entered at the event id #${state.enteredEventId}).`;
  const input = state.input ?? null;
  if (input === null) return `${prefix} Unable to apply Path transformation to null or empty input.`;
  if (isAslObject(input) && Object.keys(input).length === 0) return undefined;
  return `${prefix} The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${JSON.stringify(input)}'`;
}

/** The interpreter's log entries this module reads (a subset of history.ts's InterpreterEvent). */
interface CauseEvent {
  readonly type: string;
  readonly Error?: string;
  readonly Cause?: unknown;
  readonly state?: { readonly name: string; readonly input?: unknown };
}

/**
 * Rewrites, in one execution's interpreter log, the States.Runtime causes AWS words differently:
 * the StateFailed entry and the ExecutionFailed entry that repeats it. Fed every entry in order,
 * with the id the history will give the entry's first event, before the history sees it.
 */
export class RuntimeCauseRewriter {
  private readonly enteredAt = new Map<string, number>();
  private rewritten: { readonly interpreter: string; readonly aws: string } | undefined;

  /** `stateDefinition` finds a state by name in any scope; undefined when absent or not unique. */
  constructor(private readonly stateDefinition: (name: string) => AslObject | undefined) {}

  rewrite<E extends CauseEvent>(event: E, nextEventId: number): E {
    const state = event.state;
    if (event.type === 'StateEntered' && state) this.enteredAt.set(state.name, nextEventId);
    if (event.type === 'StateFailed' && state && event.Error === STATES_ERRORS.runtime && typeof event.Cause === 'string') {
      const definition = this.stateDefinition(state.name);
      const enteredEventId = this.enteredAt.get(state.name);
      const aws =
        definition && enteredEventId !== undefined
          ? awsParametersPathCause(event.Cause, { name: state.name, definition, input: state.input, enteredEventId })
          : undefined;
      if (aws === undefined) return event;
      this.rewritten = { interpreter: event.Cause, aws };
      return { ...event, Cause: aws };
    }
    if (event.type === 'ExecutionFailed') return { ...event, Cause: this.causeFor(event.Cause) };
    return event;
  }

  /** The cause to report for the interpreter's `cause`: AWS's where it was rewritten. */
  causeFor<C>(cause: C): C | string {
    return this.rewritten !== undefined && cause === this.rewritten.interpreter ? this.rewritten.aws : cause;
  }
}

/** The state named `name` in any scope of a definition (Parallel branches, Map processors); names are unique across scopes. */
export function stateNamed(scope: unknown, name: string): AslObject | undefined {
  const states = isAslObject(scope) && isAslObject(scope.States) ? scope.States : {};
  for (const [stateName, state] of Object.entries(states)) {
    if (!isAslObject(state)) continue;
    if (stateName === name) return state;
    const nested = [...(Array.isArray(state.Branches) ? state.Branches : []), state.ItemProcessor, state.Iterator];
    for (const inner of nested) {
      const found = stateNamed(inner, name);
      if (found) return found;
    }
  }
  return undefined;
}
