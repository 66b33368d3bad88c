/**
 * `npm run demo`: walks the seeded demo against a running `npm start`, as a front end would —
 * sign in, who am I, my tenants, switch, and IAM refusing the other tenant's data.
 */
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { existsSync, readFileSync } from 'node:fs';
import { tenantDataPartition } from '../domain/keys';
import type { LocalOutputs } from './cloud';
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
  step('GET /tenants (the user → tenant index, read with her own tenant-scoped credentials)');
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

  step(`IAM isolation: credentials from the identity pool read ${other.name}'s data but not the previous tenant's`);
  const logins = { [`cognito-idp.${outputs.region}.amazonaws.com/${outputs.userPoolId}`]: newIdToken };
  const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: outputs.identityPoolId, Logins: logins }));
  const { Credentials } = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }));
  const scoped = new DynamoDBClient({
    ...config,
    credentials: { accessKeyId: Credentials?.AccessKeyId ?? '', secretAccessKey: Credentials?.SecretKey ?? '', sessionToken: Credentials?.SessionToken ?? '' },
  });
  const read = (tenantId: string) =>
    scoped.send(new GetItemCommand({ TableName: outputs.tableName, Key: { PK: { S: tenantDataPartition(tenantId, 'DATA', 0) }, SK: { S: 'ANY' } } }));
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
  console.log(`\nThe console shows the events, executions and invocations: ${outputs.consoleUrl}`);
  for (const client of [idp, identity, scoped]) client.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
