/**
 * One step per service of the local cloud, in the order `startLocalCloud` runs them. Each step
 * registers what it started with the lifecycle, so that a failure at any later step stops it.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FUNCTIONS, type EnvironmentName, type FunctionDefinition } from '../handlers/catalog';
import { STATE_MACHINE_VARIABLES } from '../infra/policies/function-policies';
import { ROUTES, AUTHORIZER } from '../handlers/api/routes';
import { serializeAllowedOrigins } from '../handlers/api/cors';
import { settingSubstitutions, WORKFLOWS, type WorkflowKey } from '../workflows/registry';
import { renderDefinition } from '../workflows/render';
import { RULES } from '../events/rules';
import { ASYNC_FAILURE_QUEUE } from '../events/async-invocation';
import { checkedInvitationTtlDays, INVITATION_LIMITS } from '../domain/limits';
import { DEVELOPER_PROVIDER_NAME, TENANT_CREDENTIALS_TTL_SECONDS } from '../domain/identity';
import type { DemoDirectory } from '../web/shared/app-config';
import { startRestApi } from './apigateway/rest-api';
import { createIdentityPoolService } from './cognito/identity-pool';
import { OpenIdTokenIssuer } from './cognito/identity-pool-tokens';
import { startUserPool, type LocalUserPool } from './cognito/user-pool';
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_MINIMUM_TASK_TIMEOUT_SECONDS } from './config';
import { functionRoleArn, functionRolePolicies, stateMachineRoleArn, stateMachineRolePolicies, tenantRoleArn, tenantRolePolicy, type PrincipalResources } from './principals';
import { createInspectorApi } from './console/inspector-api';
import { ensureTable, startDynamoDbLocal } from './dynamodb/dynamodb-local';
import { createDynamoDbGateway } from './dynamodb/gateway';
import { createEventBridgeService } from './eventbridge/bus';
import { createCallerGate } from './iam/caller-gate';
import type { CredentialStore, IssuedCredentials } from './iam/credential-store';
import { accessDeniedMessage, evaluate, sessionPrincipalOf } from './iam/policy-evaluator';
import { LOCAL_ROLE_NAMES, localRoleArn, type RolePolicies } from './iam/role-policies';
import { ARNS } from '../infra/policies/arns';
import type { AsyncFailureRecord } from './lambda/async-invocation';
import { createLambdaService, type FunctionEnvironment } from './lambda/lambda-service';
import type { Lifecycle } from './lifecycle';
import { startEndpoint, type Endpoint } from './server/endpoint';
import { createSqsService } from './sqs/sqs-service';
import { createStepFunctionsService } from './stepfunctions/service';
import { createStsService } from './sts/sts-service';
import { bundleFrontEnd, FRONT_ENDS, stopBundler, type FrontEnd, type FrontEndFiles } from './web/bundle';
import { WEB_ROOTS } from './web/paths';
import { createWebService } from './web/web-service';

export const EVENT_BUS_NAME = 'control-plane';
export const TENANT_ROLE_NAME = LOCAL_ROLE_NAMES.tenant;

/** What every step reads: where the cloud is, who it is, and what to register its stops with. */
export interface CloudScope {
  readonly region: string;
  readonly accountId: string;
  readonly stateDir: string;
  readonly persist: boolean;
  readonly tableName: string;
  readonly credentialStore: CredentialStore;
  /** Every principal's identity policy (local/principals.ts registers them) and the refusals made. */
  readonly rolePolicies: RolePolicies;
  /** A role's current session credentials: how functions and state machines get theirs. */
  readonly roleSession: (roleArn: string, sessionName: string) => IssuedCredentials;
  readonly lifecycle: Lifecycle;
  readonly progress: (message: string) => void;
}


/** A persisted cloud keeps its identity pool id, as a deployed one would. */
function stableId(scope: CloudScope, name: string, make: () => string): string {
  if (!scope.persist) return make();
  const file = join(scope.stateDir, `${name}.id`);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, value);
  return value;
}

/** The one AWS endpoint behind the caller gate (every service knows its caller), with STS on it. */
export async function startFrontDoor(scope: CloudScope, port: number): Promise<Endpoint> {
  const { policyFor, recordDenial } = scope.rolePolicies;
  const gate = createCallerGate({ credentialStore: scope.credentialStore, policyForRole: policyFor, onDenied: recordDenial, region: scope.region, accountId: scope.accountId });
  const endpoint = await startEndpoint({ port, gate });
  scope.lifecycle.frontDoor('AWS endpoint', () => endpoint.stop());
  endpoint.addService(createStsService({ credentialStore: scope.credentialStore, region: scope.region, accountId: scope.accountId }));
  scope.progress(`endpoint listening on ${endpoint.url}`);
  return endpoint;
}

/**
 * Each front end, bundled in memory (esbuild) on its first request and kept: 0.1–0.4 s of CPU that
 * start-up need not spend beside the JVM. A failed bundle is tried again on the next request.
 */
export function lazyFrontEnds(scope: CloudScope): Record<FrontEnd, () => Promise<FrontEndFiles>> {
  const webRoot = resolve(__dirname, '..', 'web');
  const bundled = new Map<FrontEnd, Promise<FrontEndFiles>>();
  // esbuild's service is a child process (started by the first bundle) that must not outlive the cloud.
  scope.lifecycle.started('front-end bundler', () => stopBundler());
  const load = (frontEnd: FrontEnd) => (): Promise<FrontEndFiles> => {
    let files = bundled.get(frontEnd);
    if (!files) {
      files = bundleFrontEnd(webRoot, frontEnd);
      bundled.set(frontEnd, files);
      files.catch(() => bundled.delete(frontEnd));
    }
    return files;
  };
  return Object.fromEntries(FRONT_ENDS.map((frontEnd) => [frontEnd, load(frontEnd)])) as Record<FrontEnd, () => Promise<FrontEndFiles>>;
}

/** DynamoDB Local (a JVM) and cognito-local, started side by side: the two slow starts. */
export async function startEmulators(scope: CloudScope, endpoint: Endpoint): Promise<{ dynamoUrl: string; userPool: LocalUserPool }> {
  const cognitoDir = scope.persist ? join(scope.stateDir, 'cognito') : mkdtempSync(join(tmpdir(), 'local-cognito-'));
  if (!scope.persist) scope.lifecycle.started('user pool data', async () => rmSync(cognitoDir, { recursive: true, force: true }));
  const [dynamo, userPool] = await Promise.all([
    startDynamoDbLocal({ port: 0, ...(scope.persist ? { persistPath: join(scope.stateDir, 'dynamodb') } : {}) }).then((started) => {
      scope.lifecycle.started('DynamoDB Local', () => started.stop());
      scope.progress(`DynamoDB Local ready on ${started.url}`);
      return started;
    }),
    startUserPool({ endpointUrl: endpoint.url, dataDir: cognitoDir, triggers: { PostConfirmation: FUNCTIONS.postConfirmation.name }, region: scope.region, accountId: scope.accountId }).then(
      (started) => {
        scope.lifecycle.started('user pool', () => started.stop());
        scope.progress(`user pool ${started.userPoolId} ready`);
        return started;
      },
    ),
  ]);
  return { dynamoUrl: dynamo.url, userPool };
}

/** The table behind its IAM gateway, the user pool's API, and the identity pool. Returns the identity pool's id. */
export async function provisionIdentityAndData(scope: CloudScope, endpoint: Endpoint, emulators: { dynamoUrl: string; userPool: LocalUserPool }): Promise<string> {
  const { region, accountId, credentialStore } = scope;
  const tenantRole = tenantRoleArn(scope);
  scope.rolePolicies.register(tenantRole, tenantRolePolicy(scope, scope.tableName));
  const openIdTokens = OpenIdTokenIssuer.create();
  endpoint.addService(createDynamoDbGateway({ upstreamUrl: emulators.dynamoUrl, credentialStore, policyForRole: scope.rolePolicies.policyFor, onDenied: scope.rolePolicies.recordDenial, region, accountId }));
  endpoint.addService(emulators.userPool.service);
  const adminDynamo = new DynamoDBClient({ endpoint: endpoint.url, region, credentials: LOCAL_ADMIN_CREDENTIALS });
  await ensureTable(adminDynamo, scope.tableName);
  adminDynamo.destroy();
  const identityPoolId = stableId(scope, 'identity-pool', () => `${region}:${randomUUID()}`);
  endpoint.addService(
    createIdentityPoolService({
      identityPoolId,
      region,
      accountId,
      developerProviderName: DEVELOPER_PROVIDER_NAME,
      roleArn: tenantRole,
      credentialStore,
      ttlSeconds: TENANT_CREDENTIALS_TTL_SECONDS,
      tokenIssuer: await openIdTokens,
    }),
  );
  return identityPoolId;
}

/** What the functions' variables and policies name, once the identity resources exist. */
export interface ComputeResources {
  readonly userPool: LocalUserPool;
  readonly identityPoolId: string;
  readonly corsOrigins: readonly string[];
  readonly invitationTtlDays: number | undefined;
}

/** Lambda with its on-failure queue (SQS), and Step Functions with the four machines as deployed. */
export function provisionCompute(scope: CloudScope, endpoint: Endpoint, resources: ComputeResources) {
  const { region, accountId } = scope;
  // The on-failure destination of every asynchronously invoked function, as one queue is when deployed.
  const sqs = createSqsService({ region, accountId, endpointUrl: () => endpoint.url, queueNames: [ASYNC_FAILURE_QUEUE.localName] });
  endpoint.addService(sqs.service);
  const stepFunctions = provisionStateMachines(scope, endpoint, resources.userPool.userPoolId);
  const principalResources: PrincipalResources = {
    tableName: scope.tableName,
    eventBusName: EVENT_BUS_NAME,
    userPoolId: resources.userPool.userPoolId,
    identityPoolId: resources.identityPoolId,
    stateMachineArns: stepFunctions.stateMachines,
  };
  for (const [roleArn, policy] of functionRolePolicies(scope, principalResources)) scope.rolePolicies.register(roleArn, policy);
  const variables = functionVariables(scope, resources, stepFunctions.stateMachines);
  const lambda = createLambdaService({
    region,
    accountId,
    projectRoot: resolve(__dirname, '..'),
    functions: Object.values(FUNCTIONS),
    environmentOf: (definition) => functionEnvironment(scope, endpoint, definition, variables),
    failureDestination: (record) => sendInvocationRecord(scope, record, () => sqs.sendMessage(ASYNC_FAILURE_QUEUE.localName, JSON.stringify(record))),
  });
  endpoint.addService(lambda.service);
  endpoint.addService(lambda.localService);
  return { sqs, lambda, stepFunctions: stepFunctions.handles, stateMachines: stepFunctions.stateMachines };
}

/**
 * The four machines of workflows/registry.ts, each with its own role and that role's policy; every
 * Task is signed with the role's session credentials, so the caller gate holds it to the policy.
 */
function provisionStateMachines(scope: CloudScope, endpoint: Endpoint, userPoolId: string) {
  const handles = createStepFunctionsService({
    region: scope.region,
    accountId: scope.accountId,
    taskEndpoint: () => endpoint.url,
    // A machine created through the API names a role this IAM has no policy for (it has no IAM API to
    // define one); only the local administrator may create one, so its tasks run as the administrator.
    // The cloud's own machines run as their roles. AWS does not document the session name Step
    // Functions gives a role session; the role's own name stands in.
    credentialsFor: (roleArn) =>
      scope.rolePolicies.registered().has(roleArn) ? scope.roleSession(roleArn, roleArn.slice(roleArn.lastIndexOf('/') + 1)) : LOCAL_ADMIN_CREDENTIALS,
    minimumTaskTimeoutSeconds: LOCAL_MINIMUM_TASK_TIMEOUT_SECONDS,
  });
  endpoint.addService(handles.service);
  endpoint.addService(handles.faultService);
  for (const [roleArn, policy] of stateMachineRolePolicies(scope, { tableName: scope.tableName, eventBusName: EVENT_BUS_NAME, userPoolId })) {
    scope.rolePolicies.register(roleArn, policy);
  }
  const substitutions = { TableName: scope.tableName, EventBusName: EVENT_BUS_NAME, UserPoolId: userPoolId, ...settingSubstitutions() };
  const stateMachines = {} as Record<WorkflowKey, string>;
  for (const key of Object.keys(WORKFLOWS) as WorkflowKey[]) {
    const workflow = WORKFLOWS[key];
    stateMachines[key] = handles.createStateMachine({
      name: workflow.name,
      // The same rendering the CDK app deploys (and the committed file holds), timeout included.
      aslText: renderDefinition(key),
      substitutions: Object.fromEntries(workflow.placeholders.map((placeholder) => [placeholder, substitutions[placeholder]])),
      type: 'EXPRESS',
      roleArn: stateMachineRoleArn(scope, key),
    }).stateMachineArn;
  }
  return { handles, stateMachines };
}

export type Compute = ReturnType<typeof provisionCompute>;

/**
 * Lambda sends an invocation record to the on-failure destination with the function's execution
 * role, so the role's policy must allow `sqs:SendMessage` on the queue. The record is handed over in
 * process, but only after that check; a refused one is not delivered, as Lambda then counts a
 * DestinationDeliveryFailures instead (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
 */
function sendInvocationRecord(scope: CloudScope, record: AsyncFailureRecord, send: () => unknown): unknown {
  const functionName = record.requestContext.functionArn.split(':')[6] ?? '';
  const roleArn = localRoleArn(scope, LOCAL_ROLE_NAMES.function(functionName));
  // The session the function's workers hold: the principal Lambda sends the record as.
  const principal = sessionPrincipalOf(scope.roleSession(roleArn, functionName), scope.accountId);
  const request = { action: 'sqs:SendMessage', resource: ARNS.queue(scope, ASYNC_FAILURE_QUEUE.localName), context: {} };
  const decision = evaluate(scope.rolePolicies.policyFor(roleArn), principal, [request]);
  if (decision.allowed) return send();
  scope.rolePolicies.recordDenial({ principal: principal.sessionArn, roleArn, action: request.action, resource: request.resource, explicit: decision.explicit });
  console.error(`[local] ${functionName}: invocation record ${record.requestContext.requestId} not delivered: ${accessDeniedMessage(principal, decision)}`);
  return undefined;
}

/** The value of every catalog variable, as the CDK app's bindings set them (infra/constructs/functions.ts). */
function functionVariables(scope: CloudScope, resources: ComputeResources, stateMachines: Record<WorkflowKey, string>): Record<EnvironmentName, string> {
  return {
    EVENT_BUS_NAME,
    TABLE_NAME: scope.tableName,
    USER_POOL_ID: resources.userPool.userPoolId,
    USER_POOL_CLIENT_ID: resources.userPool.userPoolClientId,
    USER_POOL_ISSUER: resources.userPool.issuer,
    IDENTITY_POOL_ID: resources.identityPoolId,
    ONBOARDING_STATE_MACHINE_ARN: stateMachines[STATE_MACHINE_VARIABLES.ONBOARDING_STATE_MACHINE_ARN],
    SWITCHING_STATE_MACHINE_ARN: stateMachines[STATE_MACHINE_VARIABLES.SWITCHING_STATE_MACHINE_ARN],
    ADD_MEMBER_STATE_MACHINE_ARN: stateMachines[STATE_MACHINE_VARIABLES.ADD_MEMBER_STATE_MACHINE_ARN],
    REMOVE_MEMBER_STATE_MACHINE_ARN: stateMachines[STATE_MACHINE_VARIABLES.REMOVE_MEMBER_STATE_MACHINE_ARN],
    INVITATION_TTL_DAYS: String(checkedInvitationTtlDays(resources.invitationTtlDays ?? INVITATION_LIMITS.defaultTtlDays)),
    CORS_ALLOWED_ORIGINS: serializeAllowedOrigins(resources.corsOrigins),
  };
}

/**
 * One execution environment's variables: only those its catalog entry declares (a user pool
 * trigger's included: it declares none of the pool's), the endpoint, and its role's own session
 * credentials (`<Name>FunctionRole`, session named after the function as Lambda names it).
 */
function functionEnvironment(scope: CloudScope, endpoint: Endpoint, definition: FunctionDefinition, values: Record<EnvironmentName, string>): FunctionEnvironment {
  const credentials = scope.roleSession(functionRoleArn(scope, definition), definition.name);
  const declared = Object.fromEntries(definition.environment.map((name) => [name, values[name]]));
  return {
    variables: {
      ...declared,
      AWS_ENDPOINT_URL: endpoint.url,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
    },
    credentialsExpireAt: credentials.expiration,
  };
}

/** The bus with the rules of events/rules.ts, delivering to the local Lambda and Step Functions. */
export function provisionEventBus(scope: CloudScope, endpoint: Endpoint, compute: Compute, duplicateDelivery: boolean) {
  const eventBridge = createEventBridgeService({
    busName: EVENT_BUS_NAME,
    region: scope.region,
    accountId: scope.accountId,
    rules: RULES,
    duplicateDelivery,
    deliver: {
      // EventBridge invokes functions asynchronously: delivery succeeds once Lambda queued the
      // event, and a function error is Lambda's to retry and record (local/lambda/async-invocation.ts).
      lambda: async (functionName, event) => {
        compute.lambda.invokeAsync(functionName, event);
      },
      stateMachine: async (stateMachineName, event) => {
        await compute.stepFunctions.startExecution(compute.stepFunctions.stateMachineArn(stateMachineName), JSON.stringify(event));
      },
    },
  });
  endpoint.addService(eventBridge);
  return eventBridge;
}

export interface WebPages {
  /** Once the REST API listens, the app's config names it. */
  setApiUrl(apiUrl: string): void;
  /** The seeded demo's users, for the app's sign-in picker (seeding runs once the cloud is up). */
  setDemo(directory: DemoDirectory | null): void;
}

/** The tenant app and the inspector on the endpoint (local/web/web-service.ts). */
export function provisionWeb(
  scope: CloudScope,
  endpoint: Endpoint,
  parts: { files: Record<FrontEnd, () => Promise<FrontEndFiles>>; userPool: LocalUserPool; compute: Compute; eventBridge: ReturnType<typeof provisionEventBus> },
): WebPages {
  const { lambda, sqs, stepFunctions } = parts.compute;
  const inspectorDynamo = new DynamoDBClient({ endpoint: endpoint.url, region: scope.region, credentials: LOCAL_ADMIN_CREDENTIALS });
  scope.lifecycle.started('inspector client', async () => inspectorDynamo.destroy());
  const asyncFailures = (): readonly unknown[] => sqs.messages(ASYNC_FAILURE_QUEUE.localName);
  let demo: DemoDirectory | null = null;
  let apiUrl = 'http://127.0.0.1:0';
  const localConsoleUrl = `${endpoint.url}${WEB_ROOTS.inspector}`;
  endpoint.addService(
    createWebService({
      files: parts.files,
      appConfig: () => ({ region: scope.region, apiUrl, userPoolEndpoint: endpoint.url, userPoolClientId: parts.userPool.userPoolClientId, demo, localConsoleUrl }),
      inspectorApi: createInspectorApi({
        stepFunctions,
        eventBridge: parts.eventBridge,
        invocations: () => lambda.invocations(),
        asyncFailures,
        mail: () => parts.userPool.outbox(),
        dynamo: inspectorDynamo,
        tableName: scope.tableName,
      }),
      snapshot: async () => ({
        events: parts.eventBridge.archive().slice(-50).reverse(),
        deadLetters: parts.eventBridge.deadLetters().slice(-50).reverse(),
        invocations: lambda.invocations().slice(-50).reverse(),
        asyncFailures: asyncFailures().slice(-50).reverse(),
        executions: stepFunctions.recentExecutions(50),
      }),
    }),
  );
  return {
    setApiUrl: (url) => void (apiUrl = url),
    setDemo: (directory) => void (demo = directory),
  };
}

/** The REST API of handlers/api/routes.ts, with its authorizer, invoking the local Lambda. */
export async function startApi(scope: CloudScope, port: number, compute: Compute, corsOrigins: readonly string[]) {
  const api = await startRestApi({
    port,
    region: scope.region,
    accountId: scope.accountId,
    routes: ROUTES.map((route) => ({ method: route.method, path: route.path, functionName: route.functionName, authorized: true })),
    authorizer: { functionName: AUTHORIZER.functionName, identityHeader: AUTHORIZER.identityHeader, resultTtlSeconds: AUTHORIZER.resultTtlSeconds },
    corsOrigins,
    invoke: (functionName, event) => compute.lambda.invoke(functionName, event),
  });
  scope.lifecycle.frontDoor('REST API', () => api.stop());
  return api;
}
