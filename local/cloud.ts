import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FUNCTIONS } from '../handlers/catalog';
import { parseAllowedOrigins } from '../handlers/api/cors';
import { DEFAULT_TABLE_NAME } from '../domain/table';
import { ASYNC_FAILURE_QUEUE } from '../events/async-invocation';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, localAppOrigin } from './config';
import { CredentialStore } from './iam/credential-store';
import { RolePolicies, type Denial } from './iam/role-policies';
import { roleSessions, tenantRoleArn } from './principals';
import { Lifecycle } from './lifecycle';
import {
  EVENT_BUS_NAME,
  lazyFrontEnds,
  provisionCompute,
  provisionEventBus,
  provisionIdentityAndData,
  provisionWeb,
  startApi,
  startEmulators,
  startFrontDoor,
  type CloudScope,
  type Compute,
} from './provisioning';
import { startReconcileSchedule } from './reconcile-schedule';
import { WEB_ROOTS } from './web/paths';

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
  /**
   * Print a function's or a state machine's refusals by its own policy on the terminal (default):
   * a test that removes grants on purpose turns it off and reads `rolePolicies.denials()` instead.
   */
  readonly reportMissingGrants?: boolean;
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

export { EVENT_BUS_NAME, TENANT_ROLE_NAME } from './provisioning';

export async function startLocalCloud(options: LocalCloudOptions) {
  const stateDir = resolve(options.stateDir);
  // The state directory holds the pool's signing key, users' refresh tokens and the table: readable
  // by this user only, also when an earlier start (or the user) made it with looser modes.
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  chmodSync(stateDir, 0o700);
  const lifecycle = new Lifecycle();
  const credentialStore = new CredentialStore();
  const scope: CloudScope = {
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    stateDir,
    persist: options.persist,
    tableName: DEFAULT_TABLE_NAME,
    credentialStore,
    rolePolicies: new RolePolicies(options.reportMissingGrants === false ? undefined : reportMissingGrant(tenantRoleArn({ region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID }))),
    roleSession: roleSessions(credentialStore),
    lifecycle,
    progress: options.progress ?? (() => undefined),
  };
  try {
    const endpoint = await startFrontDoor(scope, options.port);
    const corsOrigins = parseAllowedOrigins([localAppOrigin(endpoint.url), ...(options.corsOrigins ?? [])]);
    const emulators = await startEmulators(scope, endpoint);
    const identityPoolId = await provisionIdentityAndData(scope, endpoint, emulators);
    const compute = provisionCompute(scope, endpoint, { userPool: emulators.userPool, identityPoolId, corsOrigins, invitationTtlDays: options.invitationTtlDays });
    const eventBridge = provisionEventBus(scope, endpoint, compute, options.duplicateDelivery ?? false);
    const web = provisionWeb(scope, endpoint, { files: lazyFrontEnds(scope), userPool: emulators.userPool, compute, eventBridge });
    const api = await startApi(scope, options.apiPort, compute, corsOrigins);
    web.setApiUrl(api.url);
    scheduleReconciler(scope, compute, options.reconcileEveryMinutes ?? 0);

    const outputs: LocalOutputs = {
      region: scope.region,
      endpoint: endpoint.url,
      apiUrl: api.url,
      appUrl: `${endpoint.url}${WEB_ROOTS.app}`,
      consoleUrl: `${endpoint.url}${WEB_ROOTS.inspector}`,
      userPoolId: emulators.userPool.userPoolId,
      userPoolClientId: emulators.userPool.userPoolClientId,
      identityPoolId,
      tableName: scope.tableName,
      eventBusName: EVENT_BUS_NAME,
      stateMachines: compute.stateMachines,
      reconcilerFunctionName: FUNCTIONS.reconciler.name,
      asyncFailureQueueUrl: compute.sqs.queueUrl(ASYNC_FAILURE_QUEUE.localName),
    };
    const outputsFile = join(stateDir, 'outputs.json');
    // Removed before anything stops: whoever waits for the file must not find a cloud going away.
    lifecycle.frontDoor('outputs.json', async () => rmSync(outputsFile, { force: true }));
    /** Announces the cloud as ready: `.local/outputs.json` appears only once everything answers. */
    const writeOutputs = (): string => {
      writeFileSync(outputsFile, `${JSON.stringify(outputs, null, 2)}\n`);
      return outputsFile;
    };
    const { lambda, stepFunctions } = compute;
    const stop = (): Promise<void> => lifecycle.stop();
    return { outputs, writeOutputs, setDemo: web.setDemo, stop, lambda, eventBridge, stepFunctions, credentialStore: scope.credentialStore, rolePolicies: scope.rolePolicies, endpoint, api, corsOrigins };
  } catch (error) {
    await lifecycle.stop();
    throw error;
  }
}

/**
 * A function or a state machine refused by its own policy is a grant the deployed stack lacks too:
 * said on the terminal, where the developer sees it beside the failure. Tenant credentials are
 * refused by design (other tenants' data), so those stay quiet.
 */
function reportMissingGrant(tenantRole: string): (denial: Denial) => void {
  return (denial) => {
    if (denial.roleArn === tenantRole) return;
    console.error(`[local] AccessDenied: ${denial.principal} may not ${denial.action} on ${denial.resource} (its policy: infra/policies/)`);
  };
}

/** The reconciler on the deployed schedule's input (the default grace, every tenant); 0 minutes: never. */
function scheduleReconciler(scope: CloudScope, compute: Compute, everyMinutes: number): void {
  if (everyMinutes <= 0) return;
  scope.lifecycle.started('reconcile schedule', startReconcileSchedule({ everyMinutes, run: () => compute.lambda.invoke(FUNCTIONS.reconciler.name, {}), log: scope.progress }));
  scope.progress(`reconciler scheduled every ${everyMinutes} min`);
}

export type LocalCloud = Awaited<ReturnType<typeof startLocalCloud>>;
