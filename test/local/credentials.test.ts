/**
 * Who can obtain tenant credentials, and for how long: only the authorizer, only for a current
 * membership item, whatever tokens the user holds. Driven through real SDK clients and HTTP
 * against the running local cloud.
 */
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { AdminUpdateUserAttributesCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { COGNITO_IDENTITY_LOGIN, DEVELOPER_PROVIDER_NAME, TENANT_ID_CLAIM } from '../../domain/identity';
import { membershipKey, tenantDataPartition, tenantRecordKey, userPartition } from '../../domain/keys';
import { USER_INDEX } from '../../domain/table';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { api, clients, decodeClaims, invokeAuthorizer, mintCredentials, outputs, signIn, signUpConfirmed, uniqueEmail, type AuthorizerOutput } from './support';

interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
}

interface Member {
  email: string;
  userId: string;
  tenantId: string;
  tokens: Tokens;
}

/** A signed-up user who created a tenant through the API, with tokens naming it. */
async function memberOfNewTenant(label: string): Promise<Member> {
  const email = uniqueEmail(label);
  const userId = await signUpConfirmed(email);
  const signedIn = await signIn(email);
  const created = await api<{ tenant: { tenantId: string }; tokens: { idToken: string; accessToken: string } }>('POST', '/tenants', signedIn.idToken, {
    name: `${label} school`,
    refreshToken: signedIn.refreshToken,
  });
  expect(created.status).toBe(201);
  return { email, userId, tenantId: created.body.tenant.tenantId, tokens: { ...created.body.tokens, refreshToken: signedIn.refreshToken } };
}

async function refresh(refreshToken: string): Promise<string> {
  const { AuthenticationResult } = await clients().cognito.send(
    new InitiateAuthCommand({ ClientId: outputs().userPoolClientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken } }),
  );
  return AuthenticationResult?.IdToken ?? '';
}

/** The authorizer's answer for a token that it must accept (a refusal fails the test). */
async function authorize(idToken: string): Promise<AuthorizerOutput> {
  const { output, error } = await invokeAuthorizer(idToken);
  expect(error).toBeUndefined();
  if (!output) throw new Error('the authorizer answered nothing');
  return output;
}

const dynamoDbWith = (context: Record<string, string>): DynamoDBClient =>
  new DynamoDBClient({
    endpoint: outputs().endpoint,
    region: outputs().region,
    credentials: { accessKeyId: context.accessKeyId ?? '', secretAccessKey: context.secretAccessKey ?? '', sessionToken: context.sessionToken ?? '' },
  });

const readTenantRecord = (client: DynamoDBClient, tenantId: string) => {
  const key = tenantRecordKey(tenantId);
  return client.send(new GetItemCommand({ TableName: outputs().tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } } }));
};

const userPoolLogin = (): string => `cognito-idp.${outputs().region}.amazonaws.com/${outputs().userPoolId}`;
/** The identity pool's unsigned operations, as anyone on the network can call them. */
const anonymousIdentity = (): CognitoIdentityClient =>
  new CognitoIdentityClient({ endpoint: outputs().endpoint, region: outputs().region, credentials: LOCAL_ADMIN_CREDENTIALS, signer: { sign: async (request) => request } });

/** Every way a user holding only Cognito tokens could ask the identity pool for credentials: all refused. */
async function expectNoCredentialPath(idToken: string): Promise<void> {
  const identity = anonymousIdentity();
  const { identityPoolId } = outputs();
  await expect(identity.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [userPoolLogin()]: idToken } }))).rejects.toThrow(
    expect.objectContaining({ name: 'NotAuthorizedException' }),
  );
  const someIdentity = `${outputs().region}:00000000-0000-5000-8000-000000000000`;
  for (const login of [userPoolLogin(), COGNITO_IDENTITY_LOGIN]) {
    await expect(identity.send(new GetCredentialsForIdentityCommand({ IdentityId: someIdentity, Logins: { [login]: idToken } }))).rejects.toThrow(
      expect.objectContaining({ name: 'NotAuthorizedException' }),
    );
  }
  const claims = decodeClaims(idToken);
  await expect(
    identity.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({
        IdentityPoolId: identityPoolId,
        Logins: { [DEVELOPER_PROVIDER_NAME]: String(claims.sub) },
        PrincipalTags: { tenant_id: String(claims[TENANT_ID_CLAIM]), user_id: String(claims.sub) },
      }),
    ),
  ).rejects.toThrow(expect.objectContaining({ name: 'MissingAuthenticationTokenException' }));
  identity.destroy();
}

describe('only the authorizer can obtain tenant credentials', () => {
  let member: Member;
  beforeAll(async () => {
    member = await memberOfNewTenant('minter');
  });

  it("refuses a member's own ID token at the identity pool, in every form, signed or not", async () => {
    await expectNoCredentialPath(member.tokens.idToken);
  });

  it('mints, through the authorizer, credentials that read the tenant and no other', async () => {
    const other = await memberOfNewTenant('neighbour');

    const answer = await authorize(member.tokens.idToken);

    expect(answer.context).toMatchObject({ userId: member.userId, tenantId: member.tenantId, roleId: 'admin' });
    const scoped = dynamoDbWith(answer.context);
    const own = await readTenantRecord(scoped, member.tenantId);
    expect(own.Item?.tenantId).toEqual({ S: member.tenantId });
    await expect(readTenantRecord(scoped, other.tenantId)).rejects.toThrow(expect.objectContaining({ name: 'AccessDeniedException' }));
    scoped.destroy();
  });
});

describe('the membership item decides', () => {
  it('a stale active tenant is served as no tenant: the four open routes work and no tenant credentials are minted', async () => {
    const member = await memberOfNewTenant('stale');
    const foreign = await memberOfNewTenant('foreign');
    await clients().cognito.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: outputs().userPoolId,
        Username: member.email,
        UserAttributes: [{ Name: TENANT_ID_CLAIM, Value: foreign.tenantId }],
      }),
    );
    const stale = await refresh(member.tokens.refreshToken);
    expect(decodeClaims(stale)[TENANT_ID_CLAIM]).toBe(foreign.tenantId);

    const me = await api('GET', '/me', stale);
    const tenants = await api<{ tenants: { tenantId: string }[]; activeTenantId: unknown }>('GET', '/tenants', stale);
    const answer = await authorize(stale);
    const scoped = dynamoDbWith(answer.context);

    expect(me).toEqual({ status: 200, body: { userId: member.userId, email: member.email, activeTenantId: null, roleId: null, permissions: [] } });
    expect(tenants.status).toBe(200);
    expect(tenants.body.activeTenantId).toBeNull();
    expect(tenants.body.tenants.map((tenant) => tenant.tenantId)).toEqual([member.tenantId]);
    expect(answer.context).toMatchObject({ tenantId: '', roleId: '' });
    await expect(readTenantRecord(scoped, foreign.tenantId)).rejects.toThrow(expect.objectContaining({ name: 'AccessDeniedException' }));
    await expect(readTenantRecord(scoped, member.tenantId)).rejects.toThrow(expect.objectContaining({ name: 'AccessDeniedException' }));
    const ownIndex = await scoped.send(
      new QueryCommand({
        TableName: outputs().tableName,
        IndexName: USER_INDEX.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': USER_INDEX.partitionKey },
        ExpressionAttributeValues: { ':pk': { S: userPartition(member.userId) } },
      }),
    );
    expect(ownIndex.Items).toHaveLength(1);
    scoped.destroy();

    const switched = await api<{ activeTenantId: string; tokens: { idToken: string } }>('PUT', '/tenants/active', stale, {
      tenantId: member.tenantId,
      refreshToken: member.tokens.refreshToken,
    });
    expect(switched.status).toBe(200);
    expect(switched.body.activeTenantId).toBe(member.tenantId);
    const created = await api('POST', '/tenants', stale, { name: 'Fresh start', refreshToken: member.tokens.refreshToken });
    expect(created.status).toBe(201);
  });

  it('a removed member loses every way into the tenant within 60 s, with the old token and with a refreshed one', async () => {
    const member = await memberOfNewTenant('removed');
    expect((await api<{ activeTenantId: string }>('GET', '/me', member.tokens.idToken)).body.activeTenantId).toBe(member.tenantId);
    const key = membershipKey(member.tenantId, member.userId);

    await clients().dynamodb.send(new DeleteItemCommand({ TableName: outputs().tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } } }));
    const removedAt = Date.now();
    const refreshed = await refresh(member.tokens.refreshToken);
    const stillIn = async (idToken: string): Promise<boolean> =>
      (await api<{ activeTenantId: string | null }>('GET', '/me', idToken)).body.activeTenantId === member.tenantId;
    while ((await stillIn(member.tokens.idToken)) || (await stillIn(refreshed))) {
      expect(Date.now() - removedAt).toBeLessThanOrEqual(60_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const lostAfterMs = Date.now() - removedAt;

    expect(lostAfterMs).toBeLessThanOrEqual(60_000);
    for (const idToken of [member.tokens.idToken, refreshed, await refresh(member.tokens.refreshToken)]) {
      const answer = await authorize(idToken);
      expect(answer.context).toMatchObject({ tenantId: '', roleId: '' });
      const scoped = dynamoDbWith(answer.context);
      await expect(readTenantRecord(scoped, member.tenantId)).rejects.toThrow(expect.objectContaining({ name: 'AccessDeniedException' }));
      scoped.destroy();
      await expectNoCredentialPath(idToken);
    }
  }, 90_000);
});

describe('the user index lists memberships only', () => {
  it('refuses tenant credentials that write the index key attributes on a data item', async () => {
    const member = await memberOfNewTenant('poisoner');
    const credentials = await mintCredentials({ userId: member.userId, tenantId: member.tenantId });
    const scoped = new DynamoDBClient({ endpoint: outputs().endpoint, region: outputs().region, credentials });
    const dataKey = { PK: { S: tenantDataPartition(member.tenantId, 'notes', 0) }, SK: { S: randomUUID() } };

    await scoped.send(new PutItemCommand({ TableName: outputs().tableName, Item: { ...dataKey, body: { S: 'allowed' } } }));
    for (const attribute of [USER_INDEX.partitionKey, USER_INDEX.sortKey]) {
      await expect(
        scoped.send(new PutItemCommand({ TableName: outputs().tableName, Item: { ...dataKey, [attribute]: { S: userPartition(randomUUID()) } } })),
      ).rejects.toThrow(expect.objectContaining({ name: 'AccessDeniedException' }));
    }
    scoped.destroy();
  });

  it("does not list an item that poses as a membership in another user's tenant list", async () => {
    const victim = await memberOfNewTenant('victim');
    const attacker = await memberOfNewTenant('attacker');
    // Written as the administrator: the strongest poisoning a write could do, past IAM.
    await clients().dynamodb.send(
      new PutItemCommand({
        TableName: outputs().tableName,
        Item: {
          PK: { S: tenantDataPartition(attacker.tenantId, 'notes', 0) },
          SK: { S: randomUUID() },
          [USER_INDEX.partitionKey]: { S: userPartition(victim.userId) },
          [USER_INDEX.sortKey]: { S: `TENANT#${attacker.tenantId}` },
          tenantId: { S: attacker.tenantId },
          userId: { S: victim.userId },
          tenantName: { S: 'Blue Sky (admin)' },
          roleId: { S: 'admin' },
        },
      }),
    );

    const listed = await api<{ tenants: { tenantId: string; name: string }[] }>('GET', '/tenants', victim.tokens.idToken);

    expect(listed.status).toBe(200);
    expect(listed.body.tenants.map((tenant) => tenant.tenantId)).toEqual([victim.tenantId]);
  });
});
