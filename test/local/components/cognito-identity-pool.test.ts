import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  InvalidParameterException,
  NotAuthorizedException,
  ResourceNotFoundException,
} from '@aws-sdk/client-cognito-identity';
import { AdminUpdateUserAttributesCommand, CreateUserPoolClientCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { TENANT_ID_CLAIM } from '../../../domain/identity';
import { PRINCIPAL_TAG_MAPPING } from '../../../domain/isolation';
import { CredentialStore } from '../../../local/iam/credential-store';
import { createIdentityPoolService, identityIdFor, principalTagsFor } from '../../../local/cognito/identity-pool';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS, LOCAL_REGION } from '../../../local/config';
import {
  decodeClaims,
  PASSWORD,
  signAsUserPool,
  signUpAndSignIn,
  signWithForeignKey,
  startCognitoFixture,
  type CognitoFixture,
  type SignedInUser,
} from './cognito-fixture';

const IDENTITY_POOL_ID = `${LOCAL_REGION}:6d1b4b1e-9f0c-4c57-8d1e-3f2a4b5c6d7e`;
const ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/tenant`;
const TTL_SECONDS = 900;

describe('local identity pool', () => {
  let fixture: CognitoFixture;
  let identity: CognitoIdentityClient;
  let credentialStore: CredentialStore;
  let tenantUser: SignedInUser;

  beforeAll(async () => {
    credentialStore = new CredentialStore();
    fixture = await startCognitoFixture();
    fixture.endpoint.addService(
      createIdentityPoolService({
        identityPoolId: IDENTITY_POOL_ID,
        region: LOCAL_REGION,
        accountId: LOCAL_ACCOUNT_ID,
        providers: [{ providerName: fixture.userPool.providerName, issuer: fixture.userPool.issuer, clientId: fixture.userPool.userPoolClientId }],
        roleArn: ROLE_ARN,
        credentialStore,
        tagMapping: PRINCIPAL_TAG_MAPPING,
        ttlSeconds: TTL_SECONDS,
      }),
    );
    identity = new CognitoIdentityClient({
      endpoint: fixture.endpoint.url,
      region: LOCAL_REGION,
      credentials: LOCAL_ADMIN_CREDENTIALS,
      disableHostPrefix: true,
    });
    tenantUser = await signInWithTenant('tenant-user', 't-7');
  });
  afterAll(async () => {
    identity.destroy();
    await fixture.stop();
  });

  async function signInWithTenant(label: string, tenantId: string): Promise<SignedInUser> {
    const user = await signUpAndSignIn(fixture, label);
    await fixture.idp.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: fixture.userPool.userPoolId,
        Username: user.sub,
        UserAttributes: [{ Name: TENANT_ID_CLAIM, Value: tenantId }],
      }),
    );
    const refreshed = await fixture.idp.send(
      new InitiateAuthCommand({
        ClientId: fixture.userPool.userPoolClientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: user.refreshToken },
      }),
    );
    return { ...user, idToken: refreshed.AuthenticationResult?.IdToken ?? '' };
  }

  const logins = (token: string): Record<string, string> => ({ [fixture.userPool.providerName]: token });
  const getId = (token: string) => identity.send(new GetIdCommand({ IdentityPoolId: IDENTITY_POOL_ID, Logins: logins(token) }));
  const getCredentials = (identityId: string, token: string) =>
    identity.send(new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: logins(token) }));

  it('gives the same user the same identity id every time, and another user another', async () => {
    const other = await signUpAndSignIn(fixture, 'other-user');

    const first = await getId(tenantUser.idToken);
    const again = await getId(tenantUser.idToken);
    const otherId = await getId(other.idToken);

    expect(first.IdentityId).toMatch(new RegExp(`^${LOCAL_REGION}:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`));
    expect(again.IdentityId).toBe(first.IdentityId);
    expect(otherId.IdentityId).not.toBe(first.IdentityId);
  });

  it('issues expiring credentials tagged with the tenant and the user from the token', async () => {
    const { IdentityId } = await getId(tenantUser.idToken);
    const before = Date.now();

    const result = await getCredentials(IdentityId ?? '', tenantUser.idToken);

    const issued = credentialStore.lookup(result.Credentials?.AccessKeyId ?? '');
    expect(result.IdentityId).toBe(IdentityId);
    expect(issued).toMatchObject({
      roleArn: ROLE_ARN,
      identityId: IdentityId,
      secretAccessKey: result.Credentials?.SecretKey,
      sessionToken: result.Credentials?.SessionToken,
      principalTags: { tenant_id: 't-7', user_id: tenantUser.sub },
    });
    const expiresInSeconds = ((result.Credentials?.Expiration?.getTime() ?? 0) - before) / 1000;
    expect(expiresInSeconds).toBeGreaterThan(TTL_SECONDS - 5);
    expect(expiresInSeconds).toBeLessThanOrEqual(TTL_SECONDS);
  });

  it('leaves out the tag of a claim the token lacks', async () => {
    const noTenant = await signUpAndSignIn(fixture, 'no-tenant');
    const { IdentityId } = await getId(noTenant.idToken);

    const result = await getCredentials(IdentityId ?? '', noTenant.idToken);

    expect(credentialStore.lookup(result.Credentials?.AccessKeyId ?? '')?.principalTags).toEqual({ user_id: noTenant.sub });
  });

  it('rejects a token signed with a key the user pool does not have', async () => {
    const forged = signWithForeignKey(decodeClaims(tenantUser.idToken));

    await expect(getId(forged)).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  it('rejects a token issued to another app client', async () => {
    const { UserPoolClient } = await fixture.idp.send(
      new CreateUserPoolClientCommand({
        UserPoolId: fixture.userPool.userPoolId,
        ClientName: 'other',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'],
      }),
    );
    const auth = await fixture.idp.send(
      new InitiateAuthCommand({
        ClientId: UserPoolClient?.ClientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: tenantUser.email, PASSWORD },
      }),
    );

    await expect(getId(auth.AuthenticationResult?.IdToken ?? '')).rejects.toThrow(/audience/);
  });

  it('rejects an expired token', async () => {
    const { IdentityId } = await getId(tenantUser.idToken);
    const expired = signAsUserPool({ ...decodeClaims(tenantUser.idToken), exp: Math.floor(Date.now() / 1000) - 60 });

    await expect(getCredentials(IdentityId ?? '', expired)).rejects.toThrow(/expired/);
  });

  it('rejects an access token', async () => {
    const { IdentityId } = await getId(tenantUser.idToken);
    const accessAsId = signAsUserPool({ ...decodeClaims(tenantUser.accessToken), aud: fixture.userPool.userPoolClientId });

    await expect(getCredentials(IdentityId ?? '', tenantUser.accessToken)).rejects.toBeInstanceOf(NotAuthorizedException);
    await expect(getCredentials(IdentityId ?? '', accessAsId)).rejects.toThrow(/Not a valid OpenId Connect identity token/);
  });

  it("rejects a token presented for another user's identity", async () => {
    const victim = await signUpAndSignIn(fixture, 'victim');
    const { IdentityId: victimIdentity } = await getId(victim.idToken);

    await expect(getCredentials(victimIdentity ?? '', tenantUser.idToken)).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  it('answers ResourceNotFoundException for an identity it never issued and for another pool', async () => {
    const unknownIdentity = `${LOCAL_REGION}:00000000-0000-4000-8000-000000000000`;

    await expect(getCredentials(unknownIdentity, tenantUser.idToken)).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      identity.send(new GetIdCommand({ IdentityPoolId: `${LOCAL_REGION}:11111111-1111-4111-8111-111111111111`, Logins: logins(tenantUser.idToken) })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('answers InvalidParameterException for a malformed identity id', async () => {
    await expect(getCredentials('not an identity', tenantUser.idToken)).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('refuses unauthenticated identities', async () => {
    await expect(identity.send(new GetIdCommand({ IdentityPoolId: IDENTITY_POOL_ID }))).rejects.toBeInstanceOf(NotAuthorizedException);
  });
});

describe('identity pool rules', () => {
  it('derives the identity id from pool, provider and user only', () => {
    const base = { identityPoolId: IDENTITY_POOL_ID, region: LOCAL_REGION, providerName: 'cognito-idp.us-east-1.amazonaws.com/p', sub: 'u1' };

    expect(identityIdFor(base)).toBe(identityIdFor({ ...base }));
    expect(identityIdFor({ ...base, sub: 'u2' })).not.toBe(identityIdFor(base));
    expect(identityIdFor({ ...base, providerName: 'cognito-idp.us-east-1.amazonaws.com/q' })).not.toBe(identityIdFor(base));
    expect(identityIdFor(base).startsWith(`${LOCAL_REGION}:`)).toBe(true);
  });

  it('maps present claims to tags and skips empty or missing ones', () => {
    expect(principalTagsFor({ sub: 'u1', [TENANT_ID_CLAIM]: '' }, PRINCIPAL_TAG_MAPPING)).toEqual({ user_id: 'u1' });
    expect(principalTagsFor({ sub: 'u1', [TENANT_ID_CLAIM]: 't1' }, PRINCIPAL_TAG_MAPPING)).toEqual({ user_id: 'u1', tenant_id: 't1' });
  });
});
