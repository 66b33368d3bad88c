import { AdminGetUserCommand, AdminUpdateUserAttributesCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetExecutionHistoryCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { DETAIL_TYPE } from '../../events/catalog';
import { auditPartition, profileKey, tenantDataPartition } from '../../domain/keys';
import { signWithForeignKey, signWithShippedKey } from './components/cognito-fixture';
import { verifyEmail } from './tenant-fixtures';
import {
  api,
  clients,
  cloudLog,
  decodeClaims,
  eventually,
  identityPoolCredentials,
  outputs,
  signIn,
  signUpConfirmed,
  uniqueEmail,
} from './support';

interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
}

/** Every token these flows handle, so the last test can prove none of them leaked anywhere. */
const seenTokens: string[] = [];
const remember = <T extends Partial<Tokens>>(tokens: T): T => {
  for (const token of [tokens.idToken, tokens.accessToken, tokens.refreshToken]) if (token) seenTokens.push(token);
  return tokens;
};

interface CreatedTenant {
  tenant: { tenantId: string; name: string };
  tokens: { idToken: string; accessToken: string };
}

async function newUser(label: string): Promise<{ email: string; userId: string; tokens: Tokens }> {
  const email = uniqueEmail(label);
  const userId = await signUpConfirmed(email);
  return { email, userId, tokens: remember(await signIn(email)) };
}

async function createTenant(tokens: Tokens, name: string): Promise<CreatedTenant> {
  const response = await api<CreatedTenant>('POST', '/tenants', tokens.idToken, { name, refreshToken: tokens.refreshToken });
  expect(response.status).toBe(201);
  remember(response.body.tokens);
  return response.body;
}

const adminUser = async (email: string) => clients().cognito.send(new AdminGetUserCommand({ UserPoolId: outputs().userPoolId, Username: email }));
const attribute = async (email: string, name: string) => (await adminUser(email)).UserAttributes?.find((entry) => entry.Name === name)?.Value;

describe('sign-up, onboarding and the first tenant', () => {
  it('persists the profile, creates the tenant and returns tokens that carry the tenant and its group', async () => {
    const { userId, tokens } = await newUser('founder');

    const profile = await eventually(async () => {
      const key = profileKey(userId);
      const { Item } = await clients().dynamodb.send(new GetItemCommand({ TableName: outputs().tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } } }));
      return Item;
    }, 'the profile written by the user.confirmed subscriber');
    const me = await api('GET', '/me', tokens.idToken);
    const created = await createTenant(tokens, 'Blue Sky Flight School');

    expect(profile.userId).toEqual({ S: userId });
    expect(me).toEqual({ status: 200, body: { userId, email: expect.any(String), activeTenantId: null, roleId: null, permissions: [] } });
    const claims = decodeClaims(created.tokens.idToken);
    expect(claims['custom:tenant_id']).toBe(created.tenant.tenantId);
    expect(claims['custom:role']).toBe('admin');
    expect(claims['cognito:groups']).toEqual([created.tenant.tenantId]);
    const meAfter = await api<{ activeTenantId: string; roleId: string; permissions: string[] }>('GET', '/me', created.tokens.idToken);
    expect(meAfter.body).toMatchObject({ activeTenantId: created.tenant.tenantId, roleId: 'admin' });
    expect(meAfter.body.permissions).toContain('role:manage');
  });

  it('names the bad field when the body is invalid', async () => {
    const { tokens } = await newUser('badbody');

    const response = await api('POST', '/tenants', tokens.idToken, { name: '', refreshToken: tokens.refreshToken, extra: 1 });

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: {
        code: 'ValidationError',
        message: expect.any(String),
        details: expect.arrayContaining([expect.objectContaining({ field: 'name' })]),
      },
    });
  });

  it('allows a user without a tenant only /me, GET /tenants and POST /tenants', async () => {
    const { tokens } = await newUser('notenant');

    const listed = await api('GET', '/tenants', tokens.idToken);
    const switched = await api('PUT', '/tenants/active', tokens.idToken, { tenantId: randomUUID(), refreshToken: tokens.refreshToken });

    expect(listed).toEqual({ status: 200, body: { tenants: [], activeTenantId: null } });
    expect(switched.status).toBe(403);
  });
});

describe('a user of two tenants', () => {
  let user: { email: string; userId: string; tokens: Tokens };
  let first: CreatedTenant;
  let second: CreatedTenant;

  beforeAll(async () => {
    user = await newUser('twotenants');
    first = await createTenant(user.tokens, 'Blue Sky Flight School');
    second = await createTenant({ ...user.tokens, idToken: first.tokens.idToken }, 'Red Rock Aviation');
  });

  it('lists both tenants with their names and roles', async () => {
    const listed = await api<{ tenants: { tenantId: string; name: string; roleId: string }[]; activeTenantId: string }>('GET', '/tenants', second.tokens.idToken);

    expect(listed.status).toBe(200);
    expect(listed.body.activeTenantId).toBe(second.tenant.tenantId);
    expect(listed.body.tenants).toEqual(
      expect.arrayContaining([
        { tenantId: first.tenant.tenantId, name: 'Blue Sky Flight School', roleId: 'admin' },
        { tenantId: second.tenant.tenantId, name: 'Red Rock Aviation', roleId: 'admin' },
      ]),
    );
  });

  it('switches with one call, and the next data call is scoped to the new tenant', async () => {
    const response = await api<{ activeTenantId: string; tokens: { idToken: string; accessToken: string } }>('PUT', '/tenants/active', second.tokens.idToken, {
      tenantId: first.tenant.tenantId,
      refreshToken: user.tokens.refreshToken,
    });
    remember(response.body.tokens);

    expect(response.status).toBe(200);
    expect(response.body.activeTenantId).toBe(first.tenant.tenantId);
    expect(decodeClaims(response.body.tokens.idToken)['custom:tenant_id']).toBe(first.tenant.tenantId);
    const credentials = await identityPoolCredentials(response.body.tokens.idToken);
    const scoped = new DynamoDBClient({ endpoint: outputs().endpoint, region: outputs().region, credentials });
    const dataItem = (tenantId: string) => ({ PK: { S: tenantDataPartition(tenantId, 'DATA', 0) }, SK: { S: `ITEM#${randomUUID()}` } });
    await expect(scoped.send(new PutItemCommand({ TableName: outputs().tableName, Item: dataItem(first.tenant.tenantId) }))).resolves.toBeDefined();
    await expect(scoped.send(new PutItemCommand({ TableName: outputs().tableName, Item: dataItem(second.tenant.tenantId) }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    scoped.destroy();
  });

  it('ends ten concurrent switches on a tenant it belongs to, with tokens that agree', async () => {
    const targets = Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? first.tenant.tenantId : second.tenant.tenantId));

    const responses = await Promise.all(
      targets.map((tenantId) => api<{ activeTenantId: string; tokens: { idToken: string } }>('PUT', '/tenants/active', second.tokens.idToken, { tenantId, refreshToken: user.tokens.refreshToken })),
    );

    for (const response of responses) {
      expect(response.status).toBe(200);
      remember(response.body.tokens);
      expect(decodeClaims(response.body.tokens.idToken)['custom:tenant_id']).toBe(response.body.activeTenantId);
    }
    const finalTenant = await attribute(user.email, 'custom:tenant_id');
    expect([first.tenant.tenantId, second.tenant.tenantId]).toContain(finalTenant);
    const fresh = remember(await signIn(user.email));
    expect(decodeClaims(fresh.idToken)['custom:tenant_id']).toBe(finalTenant);
  });

  it('is refused a switch into a tenant it does not belong to: 403, nothing changed, access.denied audited', async () => {
    const outsider = await newUser('outsider');
    const foreign = await createTenant(outsider.tokens, 'Someone Else Aviation');
    const before = await attribute(user.email, 'custom:tenant_id');
    const tokens = remember(await signIn(user.email));

    const response = await api('PUT', '/tenants/active', tokens.idToken, { tenantId: foreign.tenant.tenantId, refreshToken: tokens.refreshToken });

    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ error: { code: 'Forbidden' } });
    expect(await attribute(user.email, 'custom:tenant_id')).toBe(before);
    const audited = await eventually(async () => {
      const { Items = [] } = await clients().dynamodb.send(
        new QueryCommand({
          TableName: outputs().tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': { S: auditPartition(foreign.tenant.tenantId) } },
        }),
      );
      return Items.find((item) => item.type?.S === DETAIL_TYPE.accessDenied && item.actorUserId?.S === user.userId);
    }, 'the access.denied audit record');
    expect(audited).toBeDefined();
  });
});

describe('tokens the API refuses with 401', () => {
  let user: { email: string; userId: string; tokens: Tokens };
  let tenant: CreatedTenant;
  let validClaims: Record<string, unknown>;

  beforeAll(async () => {
    user = await newUser('tokens');
    tenant = await createTenant(user.tokens, 'Token Test Aviation');
    validClaims = decodeClaims(tenant.tokens.idToken);
  });

  const expect401 = async (idToken: string | undefined): Promise<void> => {
    const response = await api('GET', '/me', idToken);
    expect(response).toEqual({ status: 401, body: { error: { code: 'Unauthorized', message: expect.any(String) } } });
  };

  // Wrong issuer, audience and expiry under the pool's own signature are the authorizer's unit
  // tests: the local pool's private key never leaves the cloud process, so no test here can sign
  // as the pool, which is the point (forged-tokens.test.ts).
  it('accepts the genuine token (the control for the cases below)', async () => {
    expect((await api('GET', '/me', tenant.tokens.idToken)).status).toBe(200);
  });

  it('refuses a forged signature', () => expect401(signWithForeignKey(validClaims)));
  it('refuses a token signed with the key cognito-local ships', () => expect401(signWithShippedKey(validClaims)));
  it('refuses an access token where an ID token is due', () => expect401(tenant.tokens.accessToken));
  it('refuses garbage and a missing token', async () => {
    await expect401('not-a-jwt');
    await expect401(undefined);
  });

  it('serves a genuine token whose custom:tenant_id names no membership of the user as one with no active tenant', async () => {
    await clients().cognito.send(
      new AdminUpdateUserAttributesCommand({ UserPoolId: outputs().userPoolId, Username: user.email, UserAttributes: [{ Name: 'custom:tenant_id', Value: randomUUID() }] }),
    );
    const tokens = remember(await signIn(user.email));

    const me = await api('GET', '/me', tokens.idToken);

    expect(me).toMatchObject({ status: 200, body: { activeTenantId: null, roleId: null, permissions: [] } });
  });
});

/**
 * A member added and removed through the API, with tokens this file remembers: runs of the member
 * workflows of this file's own, so that every machine's histories are searched below whatever other
 * files ran before this one.
 */
async function memberWorkflowRuns(): Promise<void> {
  const admin = await newUser('secrets-admin');
  const created = await createTenant(admin.tokens, 'Secrets Flying Club');
  const member = await newUser('secrets-member');
  await verifyEmail(member.userId, member.email);
  const added = await api('POST', '/members', created.tokens.idToken, { email: member.email, roleId: 'admin' });
  expect(added.status).toBe(201);
  const removed = await api('DELETE', `/members/${member.userId}`, created.tokens.idToken);
  expect(removed.status).toBe(204);
}

describe('secrets never leave the request that carries them', () => {
  it('no token appears in any execution history, log line, event or audit record', async () => {
    const { sfn, dynamodb } = clients();
    await memberWorkflowRuns();
    expect(seenTokens.length).toBeGreaterThan(10);
    const haystacks: string[] = [cloudLog()];
    for (const stateMachineArn of Object.values(outputs().stateMachines)) {
      const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000 }));
      expect(executions.length).toBeGreaterThan(0);
      for (const execution of executions) {
        const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: execution.executionArn, includeExecutionData: true, maxResults: 1000 }));
        haystacks.push(JSON.stringify(history.events));
      }
    }
    const state = (await (await fetch(`${outputs().endpoint}/_local/console/state.json`)).json()) as { events: unknown[] };
    expect(state.events.length).toBeGreaterThan(0);
    haystacks.push(JSON.stringify(state));
    // What the inspector serves to anyone on this machine: its lists, and every execution in full.
    const inspector = async (view: string): Promise<unknown> => (await fetch(`${outputs().endpoint}/_local/console/api/${view}`)).json();
    const listed = (await inspector('executions?limit=1000')) as { executions: { executionArn: string }[] };
    expect(listed.executions.length).toBeGreaterThan(0);
    haystacks.push(JSON.stringify(listed), JSON.stringify(await inspector('events?limit=1000')), JSON.stringify(await inspector('invocations?limit=1000')));
    for (const { executionArn } of listed.executions) haystacks.push(JSON.stringify(await inspector(`execution?arn=${encodeURIComponent(executionArn)}`)));
    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: outputs().tableName, FilterExpression: 'begins_with(PK, :audit)', ExpressionAttributeValues: { ':audit': { S: 'AUDIT#' } } }));
    expect(Items.length).toBeGreaterThan(0);
    haystacks.push(JSON.stringify(Items));

    const all = haystacks.join('\n');
    // The signature part alone is enough to recognise a token, however it was re-encoded around it.
    const leaked = seenTokens.filter((token) => all.includes(token) || all.includes(token.split('.').pop() ?? token));
    expect(leaked).toEqual([]);
  });
});

