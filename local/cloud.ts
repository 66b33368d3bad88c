import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FUNCTIONS } from '../handlers/catalog';
import { ROUTES, AUTHORIZER } from '../handlers/api/routes';
import { parseAllowedOrigins, serializeAllowedOrigins } from '../handlers/api/cors';
import { settingSubstitutions, WORKFLOWS, type WorkflowKey } from '../workflows/registry';
import { renderDefinition } from '../workflows/render';
import { RULES } from '../events/rules';
import { DEFAULT_TABLE_NAME } from '../domain/table';
import { checkedInvitationTtlDays, INVITATION_LIMITS } from '../domain/limits';
import { tenantPolicyDocument, type PolicyDocument } from '../domain/isolation';
import { DEVELOPER_PROVIDER_NAME, TENANT_CREDENTIALS_TTL_SECONDS } from '../domain/identity';
import { startRestApi } from './apigateway/rest-api';
import { startUserPool } from './cognito/user-pool';
import { createInspectorApi } from './console/inspector-api';
import { bundleFrontEnd, FRONT_ENDS, stopBundler, type FrontEnd, type FrontEndFiles } from './web/bundle';
import { WEB_ROOTS } from './web/paths';
import { createWebService } from './web/web-service';
import type { DemoDirectory } from '../web/shared/app-config';
import { createIdentityPoolService } from './cognito/identity-pool';
import { OpenIdTokenIssuer } from './cognito/identity-pool-tokens';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS, LOCAL_MINIMUM_TASK_TIMEOUT_SECONDS, LOCAL_REGION, localAppOrigin } from './config';
import { startDynamoDbLocal, ensureTable } from './dynamodb/dynamodb-local';
import { createDynamoDbGateway } from './dynamodb/gateway';
import { createEventBridgeService } from './eventbridge/bus';
import { createCallerGate } from './iam/caller-gate';
import { CredentialStore } from './iam/credential-store';
import { createLambdaService } from './lambda/lambda-service';
import { createSqsService } from './sqs/sqs-service';
import { ASYNC_FAILURE_QUEUE } from '../events/async-invocation';
import { startEndpoint } from './server/endpoint';
import { createStsService } from './sts/sts-service';
import { startReconcileSchedule } from './reconcile-schedule';
import { createStepFunctionsService } from './stepfunctions/service';

export interface LocalCloudOptions {
  /** The AWS endpoint's port; 0 picks a free one. */
  readonly port: number;
  readonly apiPort: number;
  /** Where outputs.json and (with `persist`) the emulators' data live. */
  readonly stateDir: string;
  /** Keep DynamoDB and Cognito data across restarts (otherwise every start is empty). */
  readonly persist: boolean;
  /** Deliver every matched event twice, to prove the subscribers idempotent (the bus is at-least-once). */
  readonly duplicateDelivery?: boolean;
  /** Days an invitation stays claimable, as the CDK context `invitationTtlDays` sets it when deployed. */
  readonly invitationTtlDays?: number;
  /**
   * CORS origins allowed in addition to the local endpoint's own (`localAppOrigin`), as the CDK
   * context `corsOrigins` allows them when deployed (`npm start -- --cors-origin …`).
   */
  readonly corsOrigins?: readonly string[];
  /** Minutes between the reconciler's runs, as its schedule runs it when deployed; 0 or absent: never. */
  readonly reconcileEveryMinutes?: number;
  readonly progress?: (message: string) => void;
}

/**
 * The names API.md's outputs define. A deployed stack has the same names as CloudFormation outputs,
 * except `endpoint`, `appUrl` (no front end is deployed) and `consoleUrl` (local only), with
 * `stateMachines` as one JSON-string output.
 */
export interface LocalOutputs {
  region: string;
  endpoint: string;
  apiUrl: string;
  /** The tenant app (web/app), served by the endpoint as a static host would serve it. */
  appUrl: string;
  /** The inspector (web/inspector): executions, events, invocations, audit trails. Local only. */
  consoleUrl: string;
  userPoolId: string;
  userPoolClientId: string;
  identityPoolId: string;
  tableName: string;
  eventBusName: string;
  stateMachines: Record<string, string>;
  /** The subscribers' on-failure queue (`ASYNC_FAILURE_QUEUE.urlOutput`), which `npm run redrive` drains. */
  asyncFailureQueueUrl: string;
  /** The reconciler (`npm run reconcile` invokes it by this name). */
  reconcilerFunctionName: string;
}

export const EVENT_BUS_NAME = 'control-plane';
export const TENANT_ROLE_NAME = 'TenantRole';

/** A persisted cloud keeps its identity pool id, as a deployed one would. */
function stableId(stateDir: string, persist: boolean, name: string, make: () => string): string {
  if (!persist) return make();
  const file = join(stateDir, `${name}.id`);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, value);
  return value;
}

/** Both front ends, bundled while the emulators start (esbuild, in memory: nothing is written). */
async function bundleFrontEnds(): Promise<Record<FrontEnd, FrontEndFiles>> {
  const webRoot = resolve(__dirname, '..', 'web');
  try {
    const bundles = await Promise.all(FRONT_ENDS.map(async (frontEnd) => [frontEnd, await bundleFrontEnd(webRoot, frontEnd)] as const));
    return Object.fromEntries(bundles) as Record<FrontEnd, FrontEndFiles>;
  } finally {
    // esbuild's service is a child process that would otherwise outlive a stopped cloud by a moment.
    await stopBundler();
  }
}

export async function startLocalCloud(options: LocalCloudOptions) {
  const progress = options.progress ?? (() => undefined);
  const stateDir = resolve(options.stateDir);
  // The state directory holds the pool's signing key, users' refresh tokens and the table: readable
  // by this user only, also when an earlier start (or the user) made it with looser modes.
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  chmodSync(stateDir, 0o700);
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    // Reverse order: the endpoint stops taking requests before the emulators behind it go away.
    for (const stopper of stoppers.splice(0).reverse()) {
      await stopper().catch((error: unknown) => console.error('[local] stop failed:', error));
    }
  };

  try {
    const region = LOCAL_REGION;
    const accountId = LOCAL_ACCOUNT_ID;
    const credentialStore = new CredentialStore();
    const tableName = DEFAULT_TABLE_NAME;
    const tableArn = `arn:aws:dynamodb:${region}:${accountId}:table/${tableName}`;
    const tenantRoleArn = `arn:aws:iam::${accountId}:role/${TENANT_ROLE_NAME}`;
    const policyForRole = (roleArn: string): PolicyDocument | undefined => (roleArn === tenantRoleArn ? tenantPolicyDocument(tableArn) : undefined);
    // Every service behind the endpoint knows its caller: tenant credentials get the tenant policy everywhere.
    const gate = createCallerGate({ credentialStore, policyForRole, region, accountId });
    const endpoint = await startEndpoint({ port: options.port, gate });
    stoppers.push(() => endpoint.stop());
    endpoint.addService(createStsService({ credentialStore, region, accountId }));
    const endpointUrl = endpoint.url;
    progress(`endpoint listening on ${endpointUrl}`);
    const corsOrigins = parseAllowedOrigins([localAppOrigin(endpointUrl), ...(options.corsOrigins ?? [])]);

    // Handlers run in this process and read these at load time, exactly as they read Lambda's.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: endpointUrl,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: LOCAL_ADMIN_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_ADMIN_CREDENTIALS.secretAccessKey,
      EVENT_BUS_NAME,
      TABLE_NAME: tableName,
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;

    const cognitoDir = options.persist ? join(stateDir, 'cognito') : mkdtempSync(join(tmpdir(), 'local-cognito-'));
    if (!options.persist) stoppers.push(async () => rmSync(cognitoDir, { recursive: true, force: true }));

    // The slow starts overlap: a JVM, cognito-local, and the identity pool's RSA key.
    const openIdTokens = OpenIdTokenIssuer.create();
    const frontEnds = bundleFrontEnds();
    // Awaited where the pages are served; a failure before then must not also surface as unhandled.
    frontEnds.catch(() => undefined);
    const [dynamo, userPool] = await Promise.all([
      startDynamoDbLocal({ port: 0, ...(options.persist ? { persistPath: join(stateDir, 'dynamodb') } : {}) }).then((started) => {
        progress(`DynamoDB Local ready on ${started.url}`);
        return started;
      }),
      startUserPool({
        endpointUrl,
        dataDir: cognitoDir,
        triggers: { PostConfirmation: FUNCTIONS.postConfirmation.name },
        region,
        accountId,
      }).then((started) => {
        progress(`user pool ${started.userPoolId} ready`);
        return started;
      }),
    ]);
    stoppers.push(() => dynamo.stop());
    stoppers.push(() => userPool.stop());

    endpoint.addService(
      createDynamoDbGateway({
        upstreamUrl: dynamo.url,
        credentialStore,
        policyForRole,
        region,
        accountId,
      }),
    );
    endpoint.addService(userPool.service);

    const adminDynamo = new DynamoDBClient({ endpoint: endpointUrl, region, credentials: LOCAL_ADMIN_CREDENTIALS });
    await ensureTable(adminDynamo, tableName);
    adminDynamo.destroy();

    const identityPoolId = stableId(stateDir, options.persist, 'identity-pool', () => `${region}:${randomUUID()}`);
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

    // The on-failure destination of every asynchronously invoked function, as one queue is when deployed.
    const sqs = createSqsService({ region, accountId, endpointUrl: () => endpointUrl, queueNames: [ASYNC_FAILURE_QUEUE.localName] });
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
      taskEndpoint: () => endpointUrl,
      credentials: LOCAL_ADMIN_CREDENTIALS,
      minimumTaskTimeoutSeconds: LOCAL_MINIMUM_TASK_TIMEOUT_SECONDS,
    });
    endpoint.addService(stepFunctions.service);
    endpoint.addService(stepFunctions.faultService);

    const substitutions = { TableName: tableName, EventBusName: EVENT_BUS_NAME, UserPoolId: userPool.userPoolId, ...settingSubstitutions() };
    const stateMachines: Record<string, string> = {};
    for (const key of Object.keys(WORKFLOWS) as WorkflowKey[]) {
      const workflow = WORKFLOWS[key];
      const { stateMachineArn } = stepFunctions.createStateMachine({
        name: workflow.name,
        // The same rendering the CDK app deploys (and the committed file holds), timeout included.
        aslText: renderDefinition(key),
        substitutions: Object.fromEntries(workflow.placeholders.map((placeholder) => [placeholder, substitutions[placeholder]])),
        type: 'EXPRESS',
      });
      stateMachines[key] = stateMachineArn;
    }

    // The rest of every function's environment, now that the resources it names exist.
    Object.assign(process.env, {
      USER_POOL_ID: userPool.userPoolId,
      USER_POOL_CLIENT_ID: userPool.userPoolClientId,
      USER_POOL_ISSUER: userPool.issuer,
      IDENTITY_POOL_ID: identityPoolId,
      ONBOARDING_STATE_MACHINE_ARN: stateMachines.onboarding,
      SWITCHING_STATE_MACHINE_ARN: stateMachines.switching,
      ADD_MEMBER_STATE_MACHINE_ARN: stateMachines.addMember,
      REMOVE_MEMBER_STATE_MACHINE_ARN: stateMachines.removeMember,
      INVITATION_TTL_DAYS: String(checkedInvitationTtlDays(options.invitationTtlDays ?? INVITATION_LIMITS.defaultTtlDays)),
      CORS_ALLOWED_ORIGINS: serializeAllowedOrigins(corsOrigins),
    });

    const eventBridge = createEventBridgeService({
      busName: EVENT_BUS_NAME,
      region,
      accountId,
      rules: RULES,
      duplicateDelivery: options.duplicateDelivery ?? false,
      deliver: {
        // EventBridge invokes functions asynchronously: delivery succeeds once Lambda queued the
        // event, and a function error is Lambda's to retry and record (local/lambda/async-invocation.ts).
        lambda: async (functionName, event) => {
          lambda.invokeAsync(functionName, event);
        },
        stateMachine: async (stateMachineName, event) => {
          await stepFunctions.startExecution(stepFunctions.stateMachineArn(stateMachineName), JSON.stringify(event));
        },
      },
    });
    endpoint.addService(eventBridge);

    const inspectorDynamo = new DynamoDBClient({ endpoint: endpointUrl, region, credentials: LOCAL_ADMIN_CREDENTIALS });
    stoppers.push(async () => inspectorDynamo.destroy());
    const asyncFailures = (): readonly unknown[] => sqs.messages(ASYNC_FAILURE_QUEUE.localName);
    let demo: DemoDirectory | null = null;
    const appConfigFor = (apiUrl: string) => () => ({ region, apiUrl, userPoolEndpoint: endpointUrl, userPoolClientId: userPool.userPoolClientId, demo, localConsoleUrl: `${endpointUrl}${WEB_ROOTS.inspector}` });
    let appConfig = appConfigFor('http://127.0.0.1:0');
    endpoint.addService(
      createWebService({
        files: await frontEnds,
        appConfig: () => appConfig(),
        inspectorApi: createInspectorApi({
          stepFunctions,
          eventBridge,
          invocations: () => lambda.invocations(),
          asyncFailures,
          mail: () => userPool.outbox(),
          dynamo: inspectorDynamo,
          tableName,
        }),
        snapshot: async () => ({
          events: eventBridge.archive().slice(-50).reverse(),
          deadLetters: eventBridge.deadLetters().slice(-50).reverse(),
          invocations: lambda.invocations().slice(-50).reverse(),
          asyncFailures: asyncFailures().slice(-50).reverse(),
          executions: stepFunctions.recentExecutions(50),
        }),
      }),
    );

    const api = await startRestApi({
      port: options.apiPort,
      region,
      accountId,
      routes: ROUTES.map((route) => ({ method: route.method, path: route.path, functionName: route.functionName, authorized: true })),
      authorizer: { functionName: AUTHORIZER.functionName, identityHeader: AUTHORIZER.identityHeader, resultTtlSeconds: AUTHORIZER.resultTtlSeconds },
      corsOrigins,
      invoke: (functionName, event) => lambda.invoke(functionName, event),
    });
    stoppers.push(() => api.stop());
    appConfig = appConfigFor(api.url);

    const reconcileEvery = options.reconcileEveryMinutes ?? 0;
    if (reconcileEvery > 0) {
      // The deployed schedule's input: the default grace, every tenant.
      stoppers.push(startReconcileSchedule({ everyMinutes: reconcileEvery, run: () => lambda.invoke(FUNCTIONS.reconciler.name, {}), log: progress }));
      progress(`reconciler scheduled every ${reconcileEvery} min`);
    }

    const outputs: LocalOutputs = {
      region,
      endpoint: endpointUrl,
      apiUrl: api.url,
      appUrl: `${endpointUrl}${WEB_ROOTS.app}`,
      consoleUrl: `${endpointUrl}${WEB_ROOTS.inspector}`,
      userPoolId: userPool.userPoolId,
      userPoolClientId: userPool.userPoolClientId,
      identityPoolId,
      tableName,
      eventBusName: EVENT_BUS_NAME,
      stateMachines,
      reconcilerFunctionName: FUNCTIONS.reconciler.name,
      asyncFailureQueueUrl: sqs.queueUrl(ASYNC_FAILURE_QUEUE.localName),
    };
    const outputsFile = join(stateDir, 'outputs.json');
    stoppers.push(async () => rmSync(outputsFile, { force: true }));
    /** Announces the cloud as ready: `.local/outputs.json` appears only once everything answers. */
    const writeOutputs = (): string => {
      writeFileSync(outputsFile, `${JSON.stringify(outputs, null, 2)}\n`);
      return outputsFile;
    };

    /** The seeded demo's users, for the app's sign-in picker (seeding runs once the cloud is up). */
    const setDemo = (directory: DemoDirectory | null): void => {
      demo = directory;
    };

    return { outputs, writeOutputs, setDemo, stop, lambda, eventBridge, stepFunctions, credentialStore, endpoint, api, corsOrigins };
  } catch (error) {
    await stop();
    throw error;
  }
}

export type LocalCloud = Awaited<ReturnType<typeof startLocalCloud>>;
