/**
 * The caller gate's decision table: for each request to the local endpoint, whether AWS serves it
 * unsigned, which SigV4 signing name it must be signed for, and which IAM action on which resource
 * it is. Pure apart from reading the request; the gate (caller-gate.ts) applies it.
 */
import { USER_POOL_TARGET_PREFIX } from '../cognito/user-pool';
import { IDENTITY_POOL_TARGET_PREFIX } from '../cognito/identity-pool';
import { isWebPath } from '../web/paths';
import { DYNAMODB_TARGET_PREFIX } from '../dynamodb/gateway';
import { DEFAULT_BUS, EVENTBRIDGE_TARGET_PREFIX } from '../eventbridge/bus';
import { FUNCTION_PATH, GET_FUNCTION_PATH, LIST_FUNCTIONS_PATH, resolveFunctionName } from '../lambda/lambda-service';
import { SQS_TARGET_PREFIX } from '../sqs/sqs-service';
import type { AwsRequest } from '../server/types';
import { STEP_FUNCTIONS_TARGET_PREFIX } from '../stepfunctions/api';
import { FAULTS_PATH } from '../stepfunctions/faults';
import type { AuthorizationRequest } from './dynamodb-authorization';
import { ARNS } from '../../infra/policies/arns';
import { JSON_WIRE, LAMBDA_WIRE, STS_WIRE } from '../server/wire';

/** How a service words its errors: which status, header and body members a refusal carries. */
export type ErrorProtocol = 'json-1.0' | 'json-1.1' | 'rest-json' | 'local' | 'sqs' | 'query';

export type { ArnScope } from '../../infra/policies/arns';
import type { ArnScope } from '../../infra/policies/arns';

export type OperationRule =
  /** AWS serves it without a signature and ignores one if present: nobody is authenticated. */
  | { readonly access: 'public'; readonly operation: string }
  /** DynamoDB: its own gateway authenticates and evaluates, since it needs the tables' key schemas. */
  | { readonly access: 'delegated'; readonly operation: string }
  | {
      readonly access: 'signed';
      readonly operation: string;
      readonly protocol: ErrorProtocol;
      /** The SigV4 signing name; undefined where no AWS service exists, so any scope is taken as signed. */
      readonly signingService: string | undefined;
      /** What IAM evaluates for a session caller; computed only then, so the admin path parses nothing. */
      authorizationRequests(): AuthorizationRequest[];
    };

/**
 * User pool operations that AWS authorizes by ClientId, session or access token, never by IAM.
 * Source: Amazon Cognito Developer Guide, "Understanding API, OIDC, and managed login pages
 * authentication" (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pools-API-operations.html),
 * its lists of IAM-authorized, public and token-authorized operations; each of these operations'
 * API reference says "Amazon Cognito doesn't evaluate Identity and Access Management (IAM) policies
 * in requests for this API operation", and @aws-sdk/client-cognito-identity-provider sends exactly
 * these unsigned (`smithy.api#noAuth` in its auth scheme provider), GetClientToken excepted (M2M,
 * authorized by the client secret).
 */
export const PUBLIC_USER_POOL_OPERATIONS: ReadonlySet<string> = new Set([
  'AssociateSoftwareToken',
  'ChangePassword',
  'CompleteWebAuthnRegistration',
  'ConfirmDevice',
  'ConfirmForgotPassword',
  'ConfirmSignUp',
  'DeleteUser',
  'DeleteUserAttributes',
  'DeleteWebAuthnCredential',
  'ForgetDevice',
  'ForgotPassword',
  'GetClientToken',
  'GetDevice',
  'GetTokensFromRefreshToken',
  'GetUser',
  'GetUserAttributeVerificationCode',
  'GetUserAuthFactors',
  'GlobalSignOut',
  'InitiateAuth',
  'ListDevices',
  'ListUserSessions',
  'ListWebAuthnCredentials',
  'ResendConfirmationCode',
  'RespondToAuthChallenge',
  'RevokeToken',
  'RevokeUserSession',
  'SetUserMFAPreference',
  'SetUserSettings',
  'SignUp',
  'StartWebAuthnRegistration',
  'UpdateAuthEventFeedback',
  'UpdateDeviceStatus',
  'UpdateUserAttributes',
  'VerifySoftwareToken',
  'VerifyUserAttribute',
]);

/**
 * Identity pool operations that need no credentials: the Cognito Identity API reference calls
 * each "a public API. You do not need any credentials to call this API", and
 * @aws-sdk/client-cognito-identity sends them unsigned. Everything else there is IAM-authorized.
 */
export const PUBLIC_IDENTITY_POOL_OPERATIONS: ReadonlySet<string> = new Set(['GetId', 'GetCredentialsForIdentity', 'GetOpenIdToken', 'UnlinkIdentity']);

/**
 * Made-up IAM actions for the local control paths: no AWS service defines them and no role of this
 * project grants them (the tenant role allows DynamoDB actions only), so only the local
 * administrator passes.
 */
export const LOCAL_ACTIONS = { setFaults: 'local:SetFaults', clearFaults: 'local:ClearFaults', unclassified: 'local:CallUnclassifiedOperation' } as const;

const WELL_KNOWN_PATH = /^\/[^/]+\/\.well-known\/[^/]+$/;

type Json = Record<string, unknown>;

/** The JSON body, or nothing: a body that does not parse gets the service's own error once let through. */
function jsonInput(request: AwsRequest): Json {
  if (request.body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Json) : {};
  } catch {
    return {};
  }
}

const stringMember = (input: Json, name: string): string | undefined => {
  const value = input[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

const operationOf = (request: AwsRequest, prefix: string): string | undefined =>
  request.target?.startsWith(`${prefix}.`) ? request.target.slice(prefix.length + 1) : undefined;

function signed(
  operation: string,
  protocol: ErrorProtocol,
  signingService: string | undefined,
  authorizationRequests: () => AuthorizationRequest[],
): OperationRule {
  return { access: 'signed', operation, protocol, signingService, authorizationRequests };
}

const on = (action: string, resource: string): AuthorizationRequest => ({ action, resource, context: {} });

/** What tells the two Cognito services apart: their target, their public operations, the pool an operation names. */
interface CognitoService {
  readonly targetPrefix: string;
  readonly publicOperations: ReadonlySet<string>;
  /** The signing name, which is also the IAM service prefix. */
  readonly service: 'cognito-idp' | 'cognito-identity';
  readonly poolMember: string;
  readonly poolArn: (scope: ArnScope, poolId: string) => string;
}

const USER_POOL: CognitoService = {
  targetPrefix: USER_POOL_TARGET_PREFIX,
  publicOperations: PUBLIC_USER_POOL_OPERATIONS,
  service: JSON_WIRE.cognitoIdentityProvider.signingName,
  poolMember: 'UserPoolId',
  poolArn: ARNS.userPool,
};

const IDENTITY_POOL: CognitoService = {
  targetPrefix: IDENTITY_POOL_TARGET_PREFIX,
  publicOperations: PUBLIC_IDENTITY_POOL_OPERATIONS,
  service: JSON_WIRE.cognitoIdentity.signingName,
  poolMember: 'IdentityPoolId',
  poolArn: ARNS.identityPool,
};

/** Public operations pass; every other one is authorized as `<service>:<Operation>` on the pool it names. */
function cognitoRule(cognito: CognitoService, request: AwsRequest, scope: ArnScope): OperationRule | undefined {
  const operation = operationOf(request, cognito.targetPrefix);
  if (operation === undefined) return undefined;
  if (cognito.publicOperations.has(operation)) return { access: 'public', operation: request.target ?? operation };
  return signed(request.target ?? operation, 'json-1.1', cognito.service, () => {
    const poolId = stringMember(jsonInput(request), cognito.poolMember);
    const resource = poolId === undefined ? '*' : cognito.poolArn(scope, poolId);
    return [on(`${cognito.service}:${operation}`, resource)];
  });
}

function userPoolRule(request: AwsRequest, scope: ArnScope): OperationRule | undefined {
  // A discovery document is a plain GET: one that names an operation is that operation's request.
  if (request.method === 'GET' && request.target === undefined && WELL_KNOWN_PATH.test(request.path)) {
    return { access: 'public', operation: `GET ${request.path}` };
  }
  return cognitoRule(USER_POOL, request, scope);
}

const identityPoolRule = (request: AwsRequest, scope: ArnScope): OperationRule | undefined => cognitoRule(IDENTITY_POOL, request, scope);

function stepFunctionsRule(request: AwsRequest, scope: ArnScope): OperationRule | undefined {
  const operation = operationOf(request, STEP_FUNCTIONS_TARGET_PREFIX);
  if (operation === undefined) return undefined;
  return signed(request.target ?? operation, 'json-1.0', JSON_WIRE.stepFunctions.signingName, () => {
    const input = jsonInput(request);
    const name = operation === 'CreateStateMachine' ? stringMember(input, 'name') : undefined;
    // The state machine ARN for runs and definitions, the execution ARN for what a run left behind.
    const resource =
      stringMember(input, 'stateMachineArn') ??
      stringMember(input, 'executionArn') ??
      stringMember(input, 'resourceArn') ??
      (name === undefined ? '*' : ARNS.stateMachine(scope, name));
    // Creating, updating (when it names a role) or testing with a role passes that role: IAM's
    // iam:PassRole on it, as on AWS. Locally it matters more: a machine whose role the local IAM
    // does not know runs its tasks as the administrator (local/provisioning.ts).
    const passesRole = operation === 'TestState' || operation === 'CreateStateMachine' || operation === 'UpdateStateMachine';
    const roleArn = passesRole ? stringMember(input, 'roleArn') : undefined;
    const passRole = passesRole && (operation !== 'UpdateStateMachine' || roleArn !== undefined) ? [on('iam:PassRole', roleArn ?? '*')] : [];
    return [on(`states:${operation}`, resource), ...passRole];
  });
}

const RULE_OPERATIONS = new Set(['PutRule', 'DeleteRule', 'DescribeRule', 'EnableRule', 'DisableRule', 'PutTargets', 'RemoveTargets', 'ListTargetsByRule']);

function eventBridgeResources(operation: string, input: Json, scope: ArnScope): string[] {
  const busArn = (reference: string | undefined): string => (reference?.startsWith('arn:') ? reference : ARNS.eventBus(scope, reference ?? DEFAULT_BUS));
  if (operation === 'PutEvents') {
    const entries = Array.isArray(input.Entries) ? input.Entries : [];
    // Every bus the call writes to is authorized; a call naming none still writes to the default bus.
    const buses = entries.map((entry) => busArn(typeof entry === 'object' && entry !== null ? stringMember(entry as Json, 'EventBusName') : undefined));
    return [...new Set(buses.length === 0 ? [busArn(undefined)] : buses)];
  }
  if (RULE_OPERATIONS.has(operation)) {
    const rule = stringMember(input, 'Name') ?? stringMember(input, 'Rule') ?? '*';
    const reference = stringMember(input, 'EventBusName');
    const bus = reference?.startsWith('arn:') ? reference.slice(reference.indexOf('event-bus/') + 'event-bus/'.length) : (reference ?? DEFAULT_BUS);
    return [ARNS.eventRule(scope, bus === DEFAULT_BUS ? undefined : bus, rule)];
  }
  if (operation === 'DescribeEventBus') return [busArn(stringMember(input, 'Name'))];
  return ['*'];
}

function eventBridgeRule(request: AwsRequest, scope: ArnScope): OperationRule | undefined {
  const operation = operationOf(request, EVENTBRIDGE_TARGET_PREFIX);
  if (operation === undefined) return undefined;
  return signed(request.target ?? operation, 'json-1.1', JSON_WIRE.eventBridge.signingName, () =>
    eventBridgeResources(operation, jsonInput(request), scope).map((resource) => on(`events:${operation}`, resource)),
  );
}

function lambdaRule(request: AwsRequest, scope: ArnScope): OperationRule | undefined {
  const functionArn = (name: string): string => ARNS.lambdaFunction(scope, name);
  const { signingName } = LAMBDA_WIRE;
  if (request.method === 'GET' && LIST_FUNCTIONS_PATH.test(request.path)) {
    return signed(`GET ${request.path}`, 'rest-json', signingName, () => [on('lambda:ListFunctions', '*')]);
  }
  const described = request.method === 'GET' ? GET_FUNCTION_PATH.exec(request.path) : null;
  if (described) {
    const action = described[2] ? 'lambda:GetFunctionConfiguration' : 'lambda:GetFunction';
    return signed(`GET ${request.path}`, 'rest-json', signingName, () => [on(action, functionArn(safeFunctionName(described[1] ?? '')))]);
  }
  const identifier = FUNCTION_PATH.exec(request.path)?.[1];
  if (identifier === undefined) return undefined;
  return signed(`${request.method} ${request.path}`, 'rest-json', signingName, () => [on('lambda:InvokeFunction', functionArn(safeFunctionName(identifier)))]);
}

function safeFunctionName(identifier: string): string {
  try {
    return resolveFunctionName(identifier);
  } catch {
    return identifier; // a malformed escape: still a resource no tenant policy names
  }
}

/**
 * SQS: every operation is `sqs:<Operation>` on the queue it names (by `QueueUrl`, or `QueueName`
 * for GetQueueUrl), `*` for ListQueues (SQS API Reference, "Amazon SQS API permissions: Actions and
 * resource reference"). Signed, with SQS's own error shapes (gate-responses.ts).
 */
function sqsRule(request: AwsRequest, scope: ArnScope): OperationRule | undefined {
  const operation = operationOf(request, SQS_TARGET_PREFIX);
  if (operation === undefined) return undefined;
  return signed(request.target ?? operation, 'sqs', JSON_WIRE.sqs.signingName, () => {
    const input = jsonInput(request);
    const url = stringMember(input, 'QueueUrl');
    let name = stringMember(input, 'QueueName');
    if (url !== undefined) {
      try {
        name = new URL(url).pathname.split('/').filter(Boolean)[1];
      } catch {
        name = undefined;
      }
    }
    return [on(`sqs:${operation}`, name === undefined ? '*' : ARNS.queue(scope, name))];
  });
}

function localRule(request: AwsRequest): OperationRule | undefined {
  if (!request.path.startsWith('/_local/')) return undefined;
  const operation = `${request.method} ${request.path}`;
  if (isWebPath(request.method, request.path)) return { access: 'public', operation };
  const action =
    request.path === FAULTS_PATH && request.method === 'POST'
      ? LOCAL_ACTIONS.setFaults
      : request.path === FAULTS_PATH && request.method === 'DELETE'
        ? LOCAL_ACTIONS.clearFaults
        : LOCAL_ACTIONS.unclassified;
  return signed(operation, 'local', undefined, () => [on(action, '*')]);
}

/**
 * Each service's rule, keyed by the name of the service that claimed the request: the rule that
 * judges a request is always that of the service that will run it, so no request can be judged
 * as one service's public operation and then be run by another service.
 */
const RULES_BY_SERVICE: Readonly<Record<string, (request: AwsRequest, scope: ArnScope) => OperationRule | undefined>> = {
  dynamodb: (request) => (operationOf(request, DYNAMODB_TARGET_PREFIX) === undefined ? undefined : { access: 'delegated', operation: request.target ?? '' }),
  'cognito-idp': userPoolRule,
  'cognito-identity': identityPoolRule,
  stepfunctions: stepFunctionsRule,
  eventbridge: eventBridgeRule,
  lambda: lambdaRule,
  sqs: sqsRule,
  // GetCallerIdentity: signed, and "no permissions are required" (STS API Reference), so no action to evaluate.
  sts: () => signed('sts:GetCallerIdentity', 'query', STS_WIRE.signingName, () => []),
  web: localRule,
  'stepfunctions-faults': localRule,
  'lambda-local': localRule,
};

/**
 * The rule for one request, by the service that claimed it (`claimedBy`, its `LocalService.name`).
 * A request no rule knows needs a signature and is the administrator's alone: the gate cannot name
 * its real IAM action, so it stands as a made-up one no role grants.
 */
export function ruleFor(request: AwsRequest, scope: ArnScope, claimedBy: string): OperationRule {
  const rule = Object.hasOwn(RULES_BY_SERVICE, claimedBy) ? RULES_BY_SERVICE[claimedBy]?.(request, scope) : undefined;
  if (rule) return rule;
  const operation = request.target ?? `${request.method} ${request.path}`;
  return signed(operation, request.target === undefined ? 'local' : 'json-1.1', undefined, () => [on(LOCAL_ACTIONS.unclassified, '*')]);
}
