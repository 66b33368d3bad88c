import type { IncomingHttpHeaders } from 'node:http';
import {
  errorNamingKey,
  serviceError,
  StatesTaskError,
  STATES_ERRORS,
  transportError,
  type ErrorNamingKey,
} from './errors';
import {
  DYNAMODB_TARGET,
  EVENTS_TARGET,
  LAMBDA_SIGNING_NAME,
  SDK_SERVICES,
  type JsonProtocolTarget,
  type TaskIntegration,
} from './integrations';
import type { Credentials, IncomingResponse, SignedHttpClient } from './signed-http';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

export interface DispatchContext {
  readonly stateMachineArn: string;
  readonly executionArn: string;
  /** The machine's role: every call of its tasks is signed with this role's credentials. */
  readonly roleArn: string;
}

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function parseJsonBody(body: string): JsonValue {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body) as JsonValue;
  } catch {
    return body;
  }
}

/** AWS error codes arrive as `ns#Code` in `__type` or as `Code:detail` in `x-amzn-ErrorType`. */
function errorCode(response: IncomingResponse, body: JsonValue): string {
  const fromHeader = header(response.headers, 'x-amzn-errortype')?.split(':')[0];
  const fromBody = isObject(body) ? (body.__type ?? body.code ?? body.Type) : undefined;
  const raw = fromHeader || (typeof fromBody === 'string' ? fromBody : '') || 'UnknownError';
  return raw.slice(raw.lastIndexOf('#') + 1);
}

function errorMessage(body: JsonValue): string {
  if (!isObject(body)) return typeof body === 'string' ? body : '';
  const message = body.message ?? body.Message;
  return typeof message === 'string' ? message : '';
}

function failure(key: ErrorNamingKey, response: IncomingResponse, body: JsonValue): StatesTaskError {
  return serviceError(key, {
    status: response.status,
    code: errorCode(response, body),
    message: errorMessage(body),
    requestId: header(response.headers, 'x-amzn-requestid') ?? '',
  });
}

/**
 * Runs a Task state's resource as the real service call against the local endpoint and turns
 * the answer into what the deployed integration returns: the response as the state's result,
 * or a `StatesTaskError` named as Step Functions names it.
 */
export class TaskDispatcher {
  constructor(
    private readonly http: SignedHttpClient,
    /** The session credentials of a role, as Step Functions assumes the machine's role for its tasks. */
    private readonly credentialsFor: (roleArn: string) => Credentials,
  ) {}

  async run(integration: TaskIntegration, parameters: JsonValue, context: DispatchContext): Promise<JsonValue> {
    switch (integration.kind) {
      case 'aws-sdk':
        return this.callJson(SDK_SERVICES[integration.service], integration.operation, parameters, errorNamingKey(integration), context);
      case 'dynamodb':
        return this.callJson(DYNAMODB_TARGET, integration.operation, parameters, 'dynamodb', context);
      case 'events':
        return this.putEvents(parameters, context);
      case 'lambda':
        return this.invokeLambda(parameters, context);
    }
  }

  private async callJson(target: JsonProtocolTarget, operation: string, parameters: JsonValue, key: ErrorNamingKey, context: DispatchContext): Promise<JsonValue> {
    const response = await this.post(key, context, {
      signingName: target.signingName,
      path: '/',
      headers: { 'content-type': `application/x-amz-json-${target.version}`, 'x-amz-target': `${target.targetPrefix}.${operation}` },
      body: JSON.stringify(parameters ?? {}),
    });
    const body = parseJsonBody(response.body);
    if (response.status >= 300) throw failure(key, response, body);
    return body;
  }

  /**
   * The optimized integration, unlike `aws-sdk:eventbridge:putEvents`, serialises an object
   * `Detail`, adds the state machine and execution to each entry's `Resources`, and fails the
   * task when any entry failed.
   */
  private async putEvents(parameters: JsonValue, context: DispatchContext): Promise<JsonValue> {
    const entries = isObject(parameters) && Array.isArray(parameters.Entries) ? parameters.Entries : [];
    const normalised = entries.map((entry) => {
      if (!isObject(entry)) return entry;
      const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
      return {
        ...entry,
        ...(isObject(entry.Detail) ? { Detail: JSON.stringify(entry.Detail) } : {}),
        Resources: [...resources, context.stateMachineArn, context.executionArn],
      };
    });
    const result = await this.callJson(EVENTS_TARGET, 'PutEvents', { ...(isObject(parameters) ? parameters : {}), Entries: normalised }, 'events', context);
    const failedEntryCount = isObject(result) && typeof result.FailedEntryCount === 'number' ? result.FailedEntryCount : 0;
    if (failedEntryCount > 0) throw new StatesTaskError(STATES_ERRORS.eventBridgeFailedEntry, JSON.stringify(result));
    return result;
  }

  private async invokeLambda(parameters: JsonValue, context: DispatchContext): Promise<JsonValue> {
    const input = isObject(parameters) ? parameters : {};
    const functionName = input.FunctionName;
    if (typeof functionName !== 'string' || functionName.length === 0) {
      throw new StatesTaskError(STATES_ERRORS.runtime, 'lambda:invoke needs a FunctionName parameter');
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (typeof input.InvocationType === 'string') headers['x-amz-invocation-type'] = input.InvocationType;
    if (typeof input.LogType === 'string') headers['x-amz-log-type'] = input.LogType;
    if (typeof input.ClientContext === 'string') headers['x-amz-client-context'] = input.ClientContext;
    const payload = input.Payload;
    const response = await this.post('lambda', context, {
      signingName: LAMBDA_SIGNING_NAME,
      path: `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
      ...(typeof input.Qualifier === 'string' ? { query: { Qualifier: input.Qualifier } } : {}),
      headers,
      body: payload === undefined ? '' : typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
    const body = parseJsonBody(response.body);
    if (response.status >= 300) throw failure('lambda', response, body);
    if (header(response.headers, 'x-amz-function-error')) {
      const errorType = isObject(body) && typeof body.errorType === 'string' ? body.errorType : STATES_ERRORS.lambdaUnknown;
      throw new StatesTaskError(errorType, response.body);
    }
    const httpHeaders: JsonObject = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) httpHeaders[name] = Array.isArray(value) ? value.join(',') : value;
    }
    return {
      ExecutedVersion: header(response.headers, 'x-amz-executed-version') ?? '$LATEST',
      Payload: body,
      SdkHttpMetadata: { AllHttpHeaders: httpHeaders, HttpHeaders: httpHeaders, HttpStatusCode: response.status },
      SdkResponseMetadata: { RequestId: header(response.headers, 'x-amzn-requestid') ?? '' },
      StatusCode: response.status,
    };
  }

  private async post(key: ErrorNamingKey, context: DispatchContext, request: Parameters<SignedHttpClient['post']>[0]): Promise<IncomingResponse> {
    try {
      return await this.http.post(request, this.credentialsFor(context.roleArn));
    } catch (error) {
      throw transportError(key, error);
    }
  }
}
