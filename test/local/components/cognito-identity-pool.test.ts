import { generateKeyPairSync, sign } from 'node:crypto';
import {
  CognitoIdentityClient,
  DescribeIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  InvalidParameterException,
  ListIdentityPoolsCommand,
  NotAuthorizedException,
  ResourceConflictException,
  ResourceNotFoundException,
} from '@aws-sdk/client-cognito-identity';
import { COGNITO_IDENTITY_LOGIN, DEVELOPER_PROVIDER_NAME } from '../../../domain/identity';
import { principalTagsFor } from '../../../domain/isolation';
import { createIdentityPoolService, identityIdFor } from '../../../local/cognito/identity-pool';
import { COGNITO_IDENTITY_ISSUER, OpenIdTokenIssuer } from '../../../local/cognito/identity-pool-tokens';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS, LOCAL_REGION } from '../../../local/config';
import { CredentialStore } from '../../../local/iam/credential-store';
import { startEndpoint, type Endpoint } from '../../../local/server/endpoint';

const IDENTITY_POOL_ID = `${LOCAL_REGION}:6d1b4b1e-9f0c-4c57-8d1e-3f2a4b5c6d7e`;
const ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/tenant`;
const TTL_SECONDS = 900;
const USER_POOL_LOGIN = `cognito-idp.${LOCAL_REGION}.amazonaws.com/${LOCAL_REGION}_Pool12345`;

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token shaped like the pool's own, signed with a key the pool never had. */
function forgedOpenIdToken(identityId: string, tags: Record<string, string>): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  const input = `${base64url({ alg: 'RS256', typ: 'JWT', kid: 'forged' })}.${base64url({
    iss: COGNITO_IDENTITY_ISSUER,
    sub: identityId,
    aud: IDENTITY_POOL_ID,
    amr: ['authenticated', DEVELOPER_PROVIDER_NAME],
    'https://aws.amazon.com/tags': { principal_tags: Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, [v]])) },
    iat: now,
    exp: now + 600,
  })}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), privateKey).toString('base64url')}`;
}

describe('local identity pool (developer provider only)', () => {
  let endpoint: Endpoint;
  let identity: CognitoIdentityClient;
  let credentialStore: CredentialStore;
  let clock: Date | undefined;

  beforeAll(async () => {
    credentialStore = new CredentialStore();
    const service = createIdentityPoolService({
      identityPoolId: IDENTITY_POOL_ID,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      developerProviderName: DEVELOPER_PROVIDER_NAME,
      roleArn: ROLE_ARN,
      credentialStore,
      ttlSeconds: TTL_SECONDS,
      tokenIssuer: await OpenIdTokenIssuer.create(() => clock ?? new Date()),
    });
    endpoint = await startEndpoint({ port: 0, services: [service] });
    identity = new CognitoIdentityClient({ endpoint: endpoint.url, region: LOCAL_REGION, credentials: LOCAL_ADMIN_CREDENTIALS });
  });
  afterEach(() => {
    clock = undefined;
  });
  afterAll(async () => {
    identity.destroy();
    await endpoint.stop();
  });

  const openIdToken = (userId: string, tenantId: string | null, extra: { TokenDuration?: number; IdentityId?: string } = {}) =>
    identity.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({
        IdentityPoolId: IDENTITY_POOL_ID,
        Logins: { [DEVELOPER_PROVIDER_NAME]: userId },
        PrincipalTags: { ...principalTagsFor({ userId, tenantId }) },
        ...extra,
      }),
    );
  const credentialsFor = (identityId: string | undefined, logins: Record<string, string>) =>
    identity.send(new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: logins }));

  it('describes itself as AWS does: a developer provider, no classic flow, no user pool', async () => {
    const pool = await identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: IDENTITY_POOL_ID }));

    expect(pool).toMatchObject({
      IdentityPoolId: IDENTITY_POOL_ID,
      DeveloperProviderName: DEVELOPER_PROVIDER_NAME,
      AllowClassicFlow: false,
      AllowUnauthenticatedIdentities: false,
      CognitoIdentityProviders: [],
    });
  });

  it('issues credentials tagged with exactly the principal tags of the OpenID token', async () => {
    const { IdentityId, Token } = await openIdToken('u-1', 't-7');
    const before = Date.now();

    const result = await credentialsFor(IdentityId, { [COGNITO_IDENTITY_LOGIN]: Token ?? '' });

    const issued = credentialStore.lookup(result.Credentials?.AccessKeyId ?? '');
    expect(result.IdentityId).toBe(IdentityId);
    expect(issued).toMatchObject({ roleArn: ROLE_ARN, identityId: IdentityId, principalTags: { tenant_id: 't-7', user_id: 'u-1' } });
    expect(issued?.expiration.getTime()).toBeGreaterThanOrEqual(before + TTL_SECONDS * 1000 - 1000);
    expect(result.Credentials?.AccessKeyId).toMatch(/^ASIA[0-9A-F]{16}$/);
  });

  it('issues credentials without a tenant tag for a user with no tenant', async () => {
    const { IdentityId, Token } = await openIdToken('u-2', null);

    const result = await credentialsFor(IdentityId, { [COGNITO_IDENTITY_LOGIN]: Token ?? '' });

    expect(credentialStore.lookup(result.Credentials?.AccessKeyId ?? '')?.principalTags).toEqual({ user_id: 'u-2' });
  });

  it('gives the same developer user the same identity id every time, and another user another', async () => {
    const first = await openIdToken('u-3', 't-1');
    const again = await openIdToken('u-3', 't-2');
    const other = await openIdToken('u-4', 't-1');

    expect(first.IdentityId).toMatch(new RegExp(`^${LOCAL_REGION}:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`));
    expect(again.IdentityId).toBe(first.IdentityId);
    expect(other.IdentityId).not.toBe(first.IdentityId);
    expect(first.IdentityId).toBe(
      identityIdFor({ identityPoolId: IDENTITY_POOL_ID, region: LOCAL_REGION, providerName: DEVELOPER_PROVIDER_NAME, sub: 'u-3' }),
    );
  });

  it('lists itself, the one pool of this cloud, and bounds MaxResults as AWS does', async () => {
    const listed = await identity.send(new ListIdentityPoolsCommand({ MaxResults: 60 }));

    expect(listed.IdentityPools?.map((pool) => pool.IdentityPoolId)).toEqual([IDENTITY_POOL_ID]);
    await expect(identity.send(new ListIdentityPoolsCommand({ MaxResults: 61 }))).rejects.toBeInstanceOf(InvalidParameterException);
  });

  describe('refuses, as AWS does', () => {
    it('a new OpenID token from any login, its own token included: only the authorizer renews one', async () => {
      const { IdentityId, Token } = await openIdToken('u-renew', 't-1');

      const renewed = identity.send(new GetOpenIdTokenCommand({ IdentityId, Logins: { [COGNITO_IDENTITY_LOGIN]: Token ?? '' } }));
      const fromUserPool = identity.send(new GetOpenIdTokenCommand({ IdentityId, Logins: { [USER_POOL_LOGIN]: 'a.b.c' } }));

      await expect(renewed).rejects.toMatchObject({ name: 'NotAuthorizedException', message: expect.stringContaining('not from a supported provider') });
      await expect(fromUserPool).rejects.toBeInstanceOf(NotAuthorizedException);
    });

    it('a user pool ID token at GetId: the pool has no such provider', async () => {
      await expect(identity.send(new GetIdCommand({ IdentityPoolId: IDENTITY_POOL_ID, Logins: { [USER_POOL_LOGIN]: 'a.b.c' } }))).rejects.toBeInstanceOf(
        NotAuthorizedException,
      );
    });

    it('a user pool ID token at GetCredentialsForIdentity', async () => {
      const { IdentityId } = await openIdToken('u-5', 't-1');

      await expect(credentialsFor(IdentityId, { [USER_POOL_LOGIN]: 'a.b.c' })).rejects.toThrow(
        expect.objectContaining({ name: 'NotAuthorizedException', message: expect.stringContaining('not from a supported provider') }),
      );
    });

    it('unauthenticated access (no Logins)', async () => {
      await expect(identity.send(new GetIdCommand({ IdentityPoolId: IDENTITY_POOL_ID }))).rejects.toBeInstanceOf(NotAuthorizedException);
      await expect(credentialsFor(`${LOCAL_REGION}:00000000-0000-5000-8000-000000000000`, {})).rejects.toBeInstanceOf(NotAuthorizedException);
    });

    it('an OpenID token signed with any other key, whatever tags it claims', async () => {
      const { IdentityId } = await openIdToken('u-6', null);

      await expect(
        credentialsFor(IdentityId, { [COGNITO_IDENTITY_LOGIN]: forgedOpenIdToken(IdentityId ?? '', { tenant_id: 't-1', user_id: 'u-6' }) }),
      ).rejects.toBeInstanceOf(NotAuthorizedException);
    });

    it('an OpenID token with a tampered payload', async () => {
      const { IdentityId, Token } = await openIdToken('u-7', 't-1');
      const [header, payload, signature] = (Token ?? '').split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      const tampered = `${header}.${base64url({ ...claims, 'https://aws.amazon.com/tags': { principal_tags: { tenant_id: ['t-2'] } } })}.${signature}`;

      await expect(credentialsFor(IdentityId, { [COGNITO_IDENTITY_LOGIN]: tampered })).rejects.toBeInstanceOf(NotAuthorizedException);
    });

    it('an expired OpenID token', async () => {
      const { IdentityId, Token } = await openIdToken('u-8', 't-1', { TokenDuration: 1 });
      clock = new Date(Date.now() + 2000);

      await expect(credentialsFor(IdentityId, { [COGNITO_IDENTITY_LOGIN]: Token ?? '' })).rejects.toThrow(
        expect.objectContaining({ name: 'NotAuthorizedException', message: expect.stringContaining('expired') }),
      );
    });

    it("another identity's OpenID token", async () => {
      const mine = await openIdToken('u-9', 't-1');
      const theirs = await openIdToken('u-10', 't-1');

      await expect(credentialsFor(mine.IdentityId, { [COGNITO_IDENTITY_LOGIN]: theirs.Token ?? '' })).rejects.toBeInstanceOf(NotAuthorizedException);
    });

    it('a developer provider that is not the pool’s', async () => {
      await expect(
        identity.send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: IDENTITY_POOL_ID, Logins: { 'login.other': 'u-1' } })),
      ).rejects.toBeInstanceOf(NotAuthorizedException);
    });

    it('an IdentityId that the login is not linked to', async () => {
      await expect(openIdToken('u-11', null, { IdentityId: `${LOCAL_REGION}:00000000-0000-5000-8000-000000000000` })).rejects.toBeInstanceOf(
        ResourceConflictException,
      );
    });

    it.each([
      ['an empty tag value', { PrincipalTags: { tenant_id: '' } }],
      ['a token duration of 0', { TokenDuration: 0 }],
      ['a token duration over a day', { TokenDuration: 86_401 }],
    ])('%s', async (_case, extra) => {
      await expect(
        identity.send(
          new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: IDENTITY_POOL_ID, Logins: { [DEVELOPER_PROVIDER_NAME]: 'u-1' }, ...extra }),
        ),
      ).rejects.toBeInstanceOf(InvalidParameterException);
    });

    it('another identity pool', async () => {
      await expect(identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: `${LOCAL_REGION}:11111111-1111-4111-8111-111111111111` }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });
  });
});
