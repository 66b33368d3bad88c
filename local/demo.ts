/**
 * `npm run demo`: walks the seeded demo against a running `npm start`, as a front end would —
 * sign in, who am I, my tenants, switch, and IAM refusing the other tenant's data; a tenant admin
 * at work (roles, members, the audit trail); and the flight school's story (demo-flight-school.ts).
 */
import { CognitoIdentityClient, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { existsSync, readFileSync } from 'node:fs';
import { principalTagsFor } from '../domain/isolation';
import { DATA_KIND, tenantDataPartition } from '../domain/keys';
import { cognitoIdentityPool } from '../handlers/authorizer/adapters';
import type { LocalOutputs } from './cloud';
import { apiCaller, flightSchool } from './demo-flight-school';
import { DEMO_PASSWORD } from './seed';

const outputsFile = process.argv[2] ?? '.local/outputs.json';

async function main(): Promise<void> {
  if (!existsSync(outputsFile)) {
    console.error(`No ${outputsFile}: start the local cloud first with \`npm start\` (in another terminal).`);
    process.exit(1);
  }
  const outputs = JSON.parse(readFileSync(outputsFile, 'utf8')) as LocalOutputs;
  const anyCredentials = { accessKeyId: 'demo', secretAccessKey: 'demo' };
  const config = { endpoint: outputs.endpoint, region: outputs.region, credentials: anyCredentials };
  const idp = new CognitoIdentityProviderClient(config);
  const identity = new CognitoIdentityClient(config);
  const step = (text: string): void => console.log(`\n▶ ${text}`);
  const show = (value: unknown): void => console.log(JSON.stringify(value, null, 2).replace(/^/gm, '  '));
  const call = async (method: string, path: string, idToken: string, body?: unknown) => {
    const response = await fetch(`${outputs.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${idToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  step('maya@pilots.example signs in (USER_PASSWORD_AUTH on the user pool)');
  const auth = await idp.send(
    new InitiateAuthCommand({ ClientId: outputs.userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'maya@pilots.example', PASSWORD: DEMO_PASSWORD } }),
  );
  const idToken = auth.AuthenticationResult?.IdToken ?? '';
  const refreshToken = auth.AuthenticationResult?.RefreshToken ?? '';
  if (!idToken) throw new Error('sign-in failed: was the demo seeded (npm start without --no-seed)?');

  step('GET /me');
  show(await call('GET', '/me', idToken));
  step('GET /tenants (the user → tenant index, read with the tenant-scoped credentials the authorizer minted for this request)');
  const tenants = await call('GET', '/tenants', idToken);
  show(tenants);
  const list = (tenants.body.tenants ?? []) as { tenantId: string; name: string }[];
  const active = tenants.body.activeTenantId as string;
  const other = list.find((tenant) => tenant.tenantId !== active);
  if (!other) throw new Error('maya should belong to two tenants');
  const activeName = list.find((tenant) => tenant.tenantId === active)?.name ?? active;

  step(`PUT /tenants/active → ${other.name} (the switching workflow, then a token refresh)`);
  const switched = await call('PUT', '/tenants/active', idToken, { tenantId: other.tenantId, refreshToken });
  show({ status: switched.status, activeTenantId: switched.body.activeTenantId, tokens: '(new ID and access tokens, not shown)' });
  const newIdToken = (switched.body.tokens as { idToken: string }).idToken;
  step('GET /me with the new token');
  show(await call('GET', '/me', newIdToken));

  step("Only the authorizer obtains tenant credentials: maya's own ID token at the identity pool");
  try {
    await identity.send(
      new GetIdCommand({ IdentityPoolId: outputs.identityPoolId, Logins: { [`cognito-idp.${outputs.region}.amazonaws.com/${outputs.userPoolId}`]: newIdToken } }),
    );
    console.log('  GetId: ALLOWED (this would be a bug)');
  } catch (error) {
    console.log(`  GetId: ${(error as Error).name} (the pool trusts no user pool; it has a developer provider only)`);
  }

  step(`IAM isolation: credentials minted as the authorizer mints them read ${other.name}'s data but not the previous tenant's`);
  // The demo signs as the local administrator here, standing in for the authorizer's role: the
  // only principal allowed GetOpenIdTokenForDeveloperIdentity.
  const claims = JSON.parse(Buffer.from(newIdToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub: string };
  const minted = await cognitoIdentityPool(identity, outputs.identityPoolId).credentialsFor(
    claims.sub,
    principalTagsFor({ userId: claims.sub, tenantId: other.tenantId }),
  );
  const scoped = new DynamoDBClient({
    ...config,
    credentials: { accessKeyId: minted.accessKeyId, secretAccessKey: minted.secretAccessKey, sessionToken: minted.sessionToken },
  });
  const read = (tenantId: string) =>
    scoped.send(new GetItemCommand({ TableName: outputs.tableName, Key: { PK: { S: tenantDataPartition(tenantId, DATA_KIND.aircraft, 0) }, SK: { S: 'ANY' } } }));
  await read(other.tenantId);
  console.log(`  ${other.name}: allowed`);
  try {
    await read(active);
    console.log('  previous tenant: ALLOWED (this would be a bug)');
  } catch (error) {
    console.log(`  previous tenant: ${(error as Error).name}`);
  }
  step(`Switch back: PUT /tenants/active → ${activeName}`);
  const back = await call('PUT', '/tenants/active', newIdToken, { tenantId: active, refreshToken });
  show({ status: back.status, activeTenantId: back.body.activeTenantId });
  await administration(outputs, idp, { step, show });
  await flightSchool(outputs, idp, { step, show });
  console.log(`\nThe console shows the events, executions and invocations: ${outputs.consoleUrl}`);
  for (const client of [idp, identity, scoped]) client.destroy();
}

/**
 * A tenant admin at work: defines a role, assigns it, and reads the audit trail, which also holds
 * the refusal of a member trying what the role does not allow.
 */
async function administration(
  outputs: LocalOutputs,
  idp: CognitoIdentityProviderClient,
  out: { step: (text: string) => void; show: (value: unknown) => void },
): Promise<void> {
  const signIn = async (email: string) => {
    const auth = await idp.send(
      new InitiateAuthCommand({ ClientId: outputs.userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: DEMO_PASSWORD } }),
    );
    return apiCaller(outputs, auth.AuthenticationResult?.IdToken ?? '');
  };
  const ada = await signIn('ada@blue-sky.example');
  out.step('ada (admin of Blue Sky) defines a role: POST /roles');
  out.show(await ada('POST', '/roles', { name: 'Dispatcher', actions: ['aircraft:read', 'reservation:read', 'reservation:cancel', 'member:read'] }));
  out.step('GET /members');
  const members = await ada('GET', '/members');
  out.show(members);
  const maya = ((members.body.members ?? []) as { userId: string; email: string }[]).find((member) => member.email === 'maya@pilots.example');
  if (!maya) throw new Error('maya should be a member of Blue Sky');
  out.step("ada assigns it to maya: PUT /members/{userId}/role (maya's token still says pilot: the membership item decides)");
  out.show(await ada('PUT', `/members/${maya.userId}/role`, { roleId: 'dispatcher' }));
  out.step('GET /invitations: the seeded invitation, claimed when that address signs up and verifies it');
  out.show(await ada('GET', '/invitations'));
  const mayaCall = await signIn('maya@pilots.example');
  out.step('maya tries to define a role: her role does not allow role:manage');
  out.show(await mayaCall('POST', '/roles', { name: 'Chief pilot', actions: ['aircraft:write'] }));
  out.step('GET /audit?limit=6 (newest first: the refusal, the role change, the new role…)');
  const audit = await ada('GET', '/audit?limit=6');
  out.show({
    status: audit.status,
    events: ((audit.body.events ?? []) as { time: string; type: string; actorUserId: string }[]).map(({ time, type, actorUserId }) => ({ time, type, actorUserId })),
    next: audit.body.next === undefined ? undefined : '(an opaque cursor)',
  });
  out.step('ada gives maya her pilot role back and deletes the Dispatcher role (the demo runs again)');
  const restored = await ada('PUT', `/members/${maya.userId}/role`, { roleId: 'pilot' });
  const deleted = await ada('DELETE', '/roles/dispatcher');
  out.show({ restoreRole: restored.status, deleteRole: deleted.status });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
