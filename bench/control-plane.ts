import { runStandalone } from './standalone';
import { AdminConfirmSignUpCommand, CognitoIdentityProviderClient, InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { SFNClient } from '@aws-sdk/client-sfn';
import { latestRunCost, percentile, type WorkflowRunCost } from './run-cost';
import { usageOf, type MeasuredUsage } from './usage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TENANT_LIMITS } from '../domain/limits';
import { FUNCTIONS } from '../handlers/catalog';
import { startLocalCloud, type LocalCloud } from '../local/cloud';
import { LOCAL_ADMIN_CREDENTIALS } from '../local/config';

type RunCost = WorkflowRunCost & {
  /** Every request the AWS endpoint served for one call, subscribers included, by operation. */
  endpointRequests: Record<string, number>;
  usage: MeasuredUsage;
};

/**
 * Onboarding and switching through the real API of an in-process local cloud: latency per call
 * (sequential, after a warm-up) and the AWS calls one run costs.
 */
export async function benchControlPlane(options: { onboardings?: number; switches?: number } = {}): Promise<Record<string, unknown>> {
  const onboardings = options.onboardings ?? 12;
  const switches = options.switches ?? 40;
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-control-plane-'));
  const cloud: LocalCloud = await startLocalCloud({ port: 0, apiPort: 0, stateDir, persist: false });
  const { outputs } = cloud;
  const config = { endpoint: outputs.endpoint, region: outputs.region, credentials: LOCAL_ADMIN_CREDENTIALS, disableHostPrefix: true };
  const idp = new CognitoIdentityProviderClient(config);
  const sfn = new SFNClient(config);
  try {
    const password = 'Bench-pass-1';
    const signUp = async (label: string) => {
      const email = `bench-${label}-${Date.now()}@example.com`;
      await idp.send(new SignUpCommand({ ClientId: outputs.userPoolClientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] }));
      await idp.send(new AdminConfirmSignUpCommand({ UserPoolId: outputs.userPoolId, Username: email }));
      return email;
    };
    const signIn = async (email: string) => {
      const auth = await idp.send(new InitiateAuthCommand({ ClientId: outputs.userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }));
      return { refreshToken: auth.AuthenticationResult?.RefreshToken ?? '', idToken: auth.AuthenticationResult?.IdToken ?? '' };
    };
    const email = await signUp('1');
    // Cognito gives the trigger 5 s in all: the local invocation's duration, sign-up to event published.
    const postConfirmationMs = cloud.lambda
      .invocations()
      .filter((invocation) => invocation.functionName === FUNCTIONS.postConfirmation.name)
      .map((invocation) => invocation.durationMs);
    let { refreshToken, idToken } = await signIn(email);

    const call = async (method: string, path: string, body: unknown) => {
      const started = performance.now();
      const response = await fetch(`${outputs.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as { tokens?: { idToken: string }; tenant?: { tenantId: string }; activeTenantId?: string };
      if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(json)}`);
      return { ms: performance.now() - started, json };
    };

    const costOf = async (action: () => Promise<void>, stateMachineArn: string): Promise<RunCost> => {
      // One run's whole usage: what the cost model (bench/cost-model.ts) prices.
      const usage = await usageOf(cloud, 1, action);
      return { ...(await latestRunCost(cloud, sfn, stateMachineArn)), endpointRequests: usage.endpointRequests, usage };
    };

    // The current user's tenants. One user may create only so many, so the runs move on to a fresh
    // user (signed up outside the timing) when one is full; the switches then use that user's.
    const tenants: string[] = [];
    let users = 1;
    const onboard = async () => {
      if (tenants.length === TENANT_LIMITS.maxTenantsPerUser) {
        users += 1;
        ({ refreshToken, idToken } = await signIn(await signUp(String(users))));
        tenants.length = 0;
      }
      const { ms, json } = await call('POST', '/tenants', { name: `Bench ${tenants.length}`, refreshToken });
      tenants.push(json.tenant?.tenantId ?? '');
      idToken = json.tokens?.idToken ?? idToken;
      return ms;
    };
    await onboard(); // warm-up: loads the functions, JIT, JWKS
    const onboardingCost = await costOf(async () => void (await onboard()), outputs.stateMachines.onboarding ?? '');
    const onboardingMs: number[] = [];
    for (let run = 0; run < onboardings; run += 1) onboardingMs.push(await onboard());

    let target = 0;
    const switchOnce = async () => {
      target = (target + 1) % tenants.length;
      const { ms, json } = await call('PUT', '/tenants/active', { tenantId: tenants[target], refreshToken });
      idToken = json.tokens?.idToken ?? idToken;
      return ms;
    };
    await switchOnce();
    const switchCost = await costOf(async () => void (await switchOnce()), outputs.stateMachines.switching ?? '');
    const switchMs: number[] = [];
    for (let run = 0; run < switches; run += 1) switchMs.push(await switchOnce());

    // A warm trigger: another user confirms once the function is loaded.
    await signUp('warm');
    postConfirmationMs.push(...cloud.lambda.invocations().filter((invocation) => invocation.functionName === FUNCTIONS.postConfirmation.name).slice(1).map((invocation) => invocation.durationMs));
    return {
      postConfirmation: { coldMs: postConfirmationMs[0], warmMs: postConfirmationMs[1] },
      onboarding: { runs: onboardings, p50Ms: +percentile(onboardingMs, 50).toFixed(1), p95Ms: +percentile(onboardingMs, 95).toFixed(1), ...onboardingCost },
      switching: { runs: switches, p50Ms: +percentile(switchMs, 50).toFixed(1), p95Ms: +percentile(switchMs, 95).toFixed(1), ...switchCost },
    };
  } finally {
    idp.destroy();
    sfn.destroy();
    await cloud.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

if (require.main === module) runStandalone(benchControlPlane, (result) => console.log(JSON.stringify(result, null, 2)));
