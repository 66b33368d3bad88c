/**
 * One step per service of the local cloud, in the order `startLocalCloud` runs them. Each step
 * registers what it started with the lifecycle, so that a failure at any later step stops it.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FUNCTIONS } from '../handlers/catalog';
import { ROUTES, AUTHORIZER } from '../handlers/api/routes';
import { serializeAllowedOrigins } from '../handlers/api/cors';
import { settingSubstitutions, WORKFLOWS, type WorkflowKey } from '../workflows/registry';
import { renderDefinition } from '../workflows/render';
import { RULES } from '../events/rules';
import { ASYNC_FAILURE_QUEUE } from '../events/async-invocation';
import { checkedInvitationTtlDays, INVITATION_LIMITS } from '../domain/limits';
import { tenantPolicyDocument, type PolicyDocument } from '../domain/isolation';
import { DEVELOPER_PROVIDER_NAME, TENANT_CREDENTIALS_TTL_SECONDS } from '../domain/identity';
import type { DemoDirectory } from '../web/shared/app-config';
import { startRestApi } from './apigateway/rest-api';
import { createIdentityPoolService } from './cognito/identity-pool';
import { OpenIdTokenIssuer } from './cognito/identity-pool-tokens';
import { startUserPool, type LocalUserPool } from './cognito/user-pool';
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_MINIMUM_TASK_TIMEOUT_SECONDS } from './config';
import { createInspectorApi } from './console/inspector-api';
import { ensureTable, startDynamoDbLocal } from './dynamodb/dynamodb-local';
import { createDynamoDbGateway } from './dynamodb/gateway';
import { createEventBridgeService } from './eventbridge/bus';
import { createCallerGate } from './iam/caller-gate';
import type { CredentialStore } from './iam/credential-store';
import { createLambdaService } from './lambda/lambda-service';
import type { Lifecycle } from './lifecycle';
import { startEndpoint, type Endpoint } from './server/endpoint';
import { createSqsService } from './sqs/sqs-service';
import { createStepFunctionsService } from './stepfunctions/service';
import { createStsService } from './sts/sts-service';
import { bundleFrontEnd, FRONT_ENDS, stopBundler, type FrontEnd, type FrontEndFiles } from './web/bundle';
import { WEB_ROOTS } from './web/paths';
import { createWebService } from './web/web-service';

export const EVENT_BUS_NAME = 'control-plane';
export const TENANT_ROLE_NAME = 'TenantRole';

/** What every step reads: where the cloud is, who it is, and what to register its stops with. */
export interface CloudScope {
  readonly region: string;
  readonly accountId: string;
  readonly stateDir: string;
  readonly persist: boolean;
  readonly tableName: string;
  readonly credentialStore: CredentialStore;
  readonly lifecycle: Lifecycle;
  readonly progress: (message: string) => void;
}

/** The tenant role's policy, the one identity policy the local IAM knows today. */
function rolePolicies(scope: CloudScope): { tenantRoleArn: string; policyForRole: (roleArn: string) => PolicyDocument | undefined } {
  const tableArn = `arn:aws:dynamodb:${scope.region}:${scope.accountId}:table/${scope.tableName}`;
  const tenantRoleArn = `arn:aws:iam::${scope.accountId}:role/${TENANT_ROLE_NAME}`;
  return { tenantRoleArn, policyForRole: (roleArn) => (roleArn === tenantRoleArn ? tenantPolicyDocument(tableArn) : undefined) };
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
  const { policyForRole } = rolePolicies(scope);
  const gate = createCallerGate({ credentialStore: scope.credentialStore, policyForRole, region: scope.region, accountId: scope.accountId });
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
  const { tenantRoleArn, policyForRole } = rolePolicies(scope);
  const { region, accountId, credentialStore } = scope;
  const openIdTokens = OpenIdTokenIssuer.create();
  endpoint.addService(createDynamoDbGateway({ upstreamUrl: emulators.dynamoUrl, credentialStore, policyForRole, region, accountId }));
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
      roleArn: tenantRoleArn,
      credentialStore,
      ttlSeconds: TENANT_CREDENTIALS_TTL_SECONDS,
      tokenIssuer: await openIdTokens,
    }),
  );
  return identityPoolId;
}

/** Lambda with its on-failure queue (SQS), and Step Functions with the four machines as deployed. */
export function provisionCompute(scope: CloudScope, endpoint: Endpoint, userPoolId: string) {
  const { region, accountId } = scope;
  // The on-failure destination of every asynchronously invoked function, as one queue is when deployed.
  const sqs = createSqsService({ region, accountId, endpointUrl: () => endpoint.url, queueNames: [ASYNC_FAILURE_QUEUE.localName] });
  endpoint.addService(sqs.service);
  const lambda = createLambdaService({
    region,
    accountId,
    projectRoot: resolve(__dirname, '..'),
    functions: Object.values(FUNCTIONS),
    failureDestination: (record) => sqs.sendMessage(ASYNC_FAILURE_QUEUE.localName, JSON.stringify(record)),
  });
  endpoint.addService(lambda.service);
  endpoint.addService(lambda.localService);
  const stepFunctions = createStepFunctionsService({
    region,
    accountId,
    taskEndpoint: () => endpoint.url,
    credentials: LOCAL_ADMIN_CREDENTIALS,
    minimumTaskTimeoutSeconds: LOCAL_MINIMUM_TASK_TIMEOUT_SECONDS,
  });
  endpoint.addService(stepFunctions.service);
  endpoint.addService(stepFunctions.faultService);
  const substitutions = { TableName: scope.tableName, EventBusName: EVENT_BUS_NAME, UserPoolId: userPoolId, ...settingSubstitutions() };
  const stateMachines: Record<string, string> = {};
  for (const key of Object.keys(WORKFLOWS) as WorkflowKey[]) {
    const workflow = WORKFLOWS[key];
    stateMachines[key] = stepFunctions.createStateMachine({
      name: workflow.name,
      // The same rendering the CDK app deploys (and the committed file holds), timeout included.
      aslText: renderDefinition(key),
      substitutions: Object.fromEntries(workflow.placeholders.map((placeholder) => [placeholder, substitutions[placeholder]])),
      type: 'EXPRESS',
    }).stateMachineArn;
  }
  return { sqs, lambda, stepFunctions, stateMachines };
}

export type Compute = ReturnType<typeof provisionCompute>;

/**
 * Every function's environment. Handlers run in this process and read these at load time, as they
 * read Lambda's; the resource names exist by now.
 */
export function setFunctionEnvironment(
  scope: CloudScope,
  resources: { endpointUrl: string; userPool: LocalUserPool; identityPoolId: string; stateMachines: Record<string, string>; corsOrigins: readonly string[]; invitationTtlDays: number | undefined },
): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: resources.endpointUrl,
    AWS_REGION: scope.region,
    AWS_DEFAULT_REGION: scope.region,
    AWS_ACCESS_KEY_ID: LOCAL_ADMIN_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_ADMIN_CREDENTIALS.secretAccessKey,
    EVENT_BUS_NAME,
    TABLE_NAME: scope.tableName,
    USER_POOL_ID: resources.userPool.userPoolId,
    USER_POOL_CLIENT_ID: resources.userPool.userPoolClientId,
    USER_POOL_ISSUER: resources.userPool.issuer,
    IDENTITY_POOL_ID: resources.identityPoolId,
    ONBOARDING_STATE_MACHINE_ARN: resources.stateMachines.onboarding,
    SWITCHING_STATE_MACHINE_ARN: resources.stateMachines.switching,
    ADD_MEMBER_STATE_MACHINE_ARN: resources.stateMachines.addMember,
    REMOVE_MEMBER_STATE_MACHINE_ARN: resources.stateMachines.removeMember,
    INVITATION_TTL_DAYS: String(checkedInvitationTtlDays(resources.invitationTtlDays ?? INVITATION_LIMITS.defaultTtlDays)),
    CORS_ALLOWED_ORIGINS: serializeAllowedOrigins(resources.corsOrigins),
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
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
