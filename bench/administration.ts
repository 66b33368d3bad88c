import {
  AdminConfirmSignUpCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCloud, type LocalCloud } from '../local/cloud';
import { LOCAL_ADMIN_CREDENTIALS } from '../local/config';
import { endpointRequestsOf, latency, latestRunCost, timedApiCall } from './run-cost';
import { runStandalone } from './standalone';

/** A request's calls at the endpoint, split by service as the benchmark asks (subscribers included). */
function callsByService(requests: Record<string, number>) {
  const sum = (prefix: string) => Object.entries(requests).filter(([operation]) => operation.startsWith(prefix)).reduce((total, [, count]) => total + count, 0);
  return {
    dynamoDb: sum('DynamoDB_20120810.'),
    cognito: sum('AWSCognitoIdentityProviderService.'),
    cognitoIdentity: sum('AWSCognitoIdentityService.'),
    byOperation: requests,
  };
}

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; ms: number; json: Record<string, unknown> }>;

/**
 * A tenant created through the API by a fresh admin, and that admin's way of calling the API:
 * `call` throws on any answer but 2xx. `verifiedUser` signs up another user whose address the back
 * office verified (so POST /members adds it at once).
 */
async function adminSession(outputs: LocalCloud['outputs'], idp: CognitoIdentityProviderClient) {
  const password = 'Bench-pass-1';
  const stamp = Date.now();
  /** A confirmed user whose address the back office has verified: POST /members adds such a user at once. */
  const verifiedUser = async (label: string): Promise<string> => {
    const email = `bench-${label}-${stamp}@example.com`;
    await idp.send(new SignUpCommand({ ClientId: outputs.userPoolClientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] }));
    await idp.send(new AdminConfirmSignUpCommand({ UserPoolId: outputs.userPoolId, Username: email }));
    await idp.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: outputs.userPoolId,
        Username: email,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    return email;
  };
  const adminEmail = await verifiedUser('admin');
  const auth = await idp.send(new InitiateAuthCommand({ ClientId: outputs.userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: adminEmail, PASSWORD: password } }));
  let idToken = auth.AuthenticationResult?.IdToken ?? '';
  const timed = timedApiCall(outputs.apiUrl, () => idToken);
  const call: Call = async (method, path, body) => {
    const answer = await timed(method, path, body);
    if (answer.status >= 400) throw new Error(`${method} ${path} answered ${answer.status}: ${answer.text}`);
    return answer;
  };
  const created = await call('POST', '/tenants', { name: 'Bench Flight School', refreshToken: auth.AuthenticationResult?.RefreshToken ?? '' });
  idToken = (created.json.tokens as { idToken: string }).idToken;
  return { call, verifiedUser, stamp };
}

/**
 * Each administration route through the real API of an in-process local cloud, as a tenant's admin:
 * latency per call (sequential, after a warm-up call) and what one call costs at the AWS endpoint,
 * by service, subscribers (the audit writer) included. Add-member and remove-member also report
 * their workflow runs: state transitions and task calls by service.
 */
export async function benchAdministration(options: { runs?: number } = {}): Promise<Record<string, unknown>> {
  const runs = options.runs ?? 15;
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-administration-'));
  const cloud: LocalCloud = await startLocalCloud({ port: 0, apiPort: 0, stateDir, persist: false });
  const { outputs } = cloud;
  const config = { endpoint: outputs.endpoint, region: outputs.region, credentials: LOCAL_ADMIN_CREDENTIALS, disableHostPrefix: true };
  const idp = new CognitoIdentityProviderClient(config);
  const sfn = new SFNClient(config);
  try {
    const { call, verifiedUser, stamp } = await adminSession(outputs, idp);
    const results: Record<string, unknown> = {};
    /**
     * Runs `request(i)` once to warm up, once more to count its calls, then `runs` times timed.
     * `request` gets a fresh index each time, for routes that need a new role, user or address.
     */
    const measure = async (name: string, request: (index: number) => Promise<number>, stateMachineArn?: string) => {
      let index = 0;
      await request(index++);
      let workflow: unknown;
      const requests = await endpointRequestsOf(cloud, async () => void (await request(index++)));
      if (stateMachineArn) workflow = await latestRunCost(cloud, sfn, stateMachineArn);
      const times: number[] = [];
      for (let run = 0; run < runs; run += 1) times.push(await request(index++));
      results[name] = { ...latency(times), calls: callsByService(requests), ...(workflow ? { workflow } : {}) };
    };

    const total = runs + 2;
    await measure('POST /roles', async (i) => (await call('POST', '/roles', { name: `Crew ${i}`, actions: ['aircraft:read', 'reservation:read'] })).ms);
    await measure('GET /roles', async () => (await call('GET', '/roles')).ms);
    await measure('PUT /roles/{roleId}', async (i) => (await call('PUT', `/roles/crew-${i}`, { actions: ['aircraft:read', 'reservation:create'] })).ms);
    await measure('DELETE /roles/{roleId}', async (i) => (await call('DELETE', `/roles/crew-${i}`)).ms);

    await call('POST', '/roles', { name: 'Pilot', actions: ['aircraft:read', 'reservation:read', 'reservation:create'] });
    await call('POST', '/roles', { name: 'Instructor', actions: ['aircraft:read', 'reservation:read', 'reservation:create', 'reservation:cancel'] });
    const members: string[] = [];
    for (let i = 0; i < total; i += 1) members.push(await verifiedUser(`member-${i}`));
    const memberIds: string[] = [];
    await measure(
      'POST /members (existing user: AddMember)',
      async (i) => {
        const added = await call('POST', '/members', { email: members[i], roleId: 'pilot' });
        memberIds.push((added.json.member as { userId: string }).userId);
        return added.ms;
      },
      outputs.stateMachines.addMember,
    );
    await measure('GET /members', async () => (await call('GET', '/members')).ms);
    await measure('PUT /members/{userId}/role', async (i) => (await call('PUT', `/members/${memberIds[i] ?? ''}/role`, { roleId: 'instructor' })).ms);
    await measure('DELETE /members/{userId} (RemoveMember)', async (i) => (await call('DELETE', `/members/${memberIds[i] ?? ''}`)).ms, outputs.stateMachines.removeMember);

    const invited = (i: number) => `bench-invited-${i}-${stamp}@example.com`;
    await measure('POST /members (unknown address: invitation)', async (i) => (await call('POST', '/members', { email: invited(i), roleId: 'pilot' })).ms);
    await measure('GET /invitations', async () => (await call('GET', '/invitations')).ms);
    await measure('DELETE /invitations/{email}', async (i) => (await call('DELETE', `/invitations/${encodeURIComponent(invited(i))}`)).ms);
    await measure('GET /audit (limit 25)', async () => (await call('GET', '/audit')).ms);
    await measure('GET /audit (limit 100)', async () => (await call('GET', '/audit?limit=100')).ms);
    return results;
  } finally {
    idp.destroy();
    sfn.destroy();
    await cloud.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

if (require.main === module) runStandalone(benchAdministration, (result) => console.log(JSON.stringify(result, null, 2)));
