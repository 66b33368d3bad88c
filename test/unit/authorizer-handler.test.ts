import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { Fetcher } from 'aws-jwt-verify/https';
import type { PrincipalTags } from '../../domain/isolation';
import { ROUTES, type RouteDefinition } from '../../handlers/api/routes';
import {
  createAuthorizerHandler,
  DEFAULT_CACHE_SETTINGS,
  type AuthorizerDeps,
  type AuthorizerLogger,
  type IdentityPool,
  type Membership,
  type TenantCredentials,
} from '../../handlers/authorizer/handler';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1';
const CLIENT_ID = 'testclient0000000000000001';
const API = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod';
const METHOD_ARN = `${API}/GET/me`;
const KEY_ID = 'test-key';
const CREDENTIALS_LIFETIME_MS = 60 * 60 * 1000;

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const foreignKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const JWKS = { keys: [{ ...signingKey.publicKey.export({ format: 'jwk' }), kid: KEY_ID, alg: 'RS256', use: 'sig' }] };

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function signJwt(payload: Record<string, unknown>, key: KeyObject = signingKey.privateKey): string {
  const input = `${base64url({ alg: 'RS256', typ: 'JWT', kid: KEY_ID })}.${base64url(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

interface User {
  readonly sub: string;
  readonly tenantId?: string;
  readonly role?: string;
  readonly groups?: readonly string[];
}

function idToken(user: User, overrides: Record<string, unknown> = {}, key?: KeyObject): string {
  const issuedAt = Math.floor(Date.now() / 1000);
  return signJwt(
    {
      sub: user.sub,
      'cognito:username': user.sub,
      email: `${user.sub}@example.com`,
      ...(user.groups ? { 'cognito:groups': user.groups } : {}),
      ...(user.tenantId ? { 'custom:tenant_id': user.tenantId } : {}),
      ...(user.role ? { 'custom:role': user.role } : {}),
      token_use: 'id',
      aud: CLIENT_ID,
      iss: ISSUER,
      iat: issuedAt,
      auth_time: issuedAt,
      exp: issuedAt + 3600,
      ...overrides,
    },
    key,
  );
}

const requestEvent = (token: string | undefined, methodArn = METHOD_ARN) => ({
  type: 'REQUEST',
  methodArn,
  resource: '/me',
  path: '/me',
  httpMethod: 'GET',
  headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
});

/** Records what credentials were asked for: the user and exactly the tags they would carry. */
class FakeIdentityPool implements IdentityPool {
  readonly credentialRequests: { userId: string; principalTags: PrincipalTags }[] = [];

  constructor(private readonly now: () => number) {}

  async credentialsFor(userId: string, principalTags: PrincipalTags): Promise<TenantCredentials> {
    this.credentialRequests.push({ userId, principalTags });
    const serial = this.credentialRequests.length;
    return {
      accessKeyId: `ASIA${serial}`,
      secretAccessKey: `secret-${serial}-${randomUUID()}`,
      sessionToken: `session-${serial}-${randomUUID()}`,
      expiration: new Date(this.now() + CREDENTIALS_LIFETIME_MS),
    };
  }
}

class RecordingLogger implements AuthorizerLogger {
  readonly entries: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  debug(message: string, attributes: Record<string, unknown>): void {
    this.entries.push({ level: 'debug', message, attributes });
  }
  warn(message: string, attributes: Record<string, unknown>): void {
    this.entries.push({ level: 'warn', message, attributes });
  }
}

/** The authorizer over in-memory ports that count their calls, with a clock the test moves. */
function setUp(options: { caching?: AuthorizerDeps['caching'] } = {}) {
  let clock = Date.now();
  const memberships = new Map<string, Membership>();
  const calls = { jwks: 0, membershipReads: 0 };
  const jwksFetcher: Fetcher = {
    fetch: async () => {
      calls.jwks += 1;
      return new TextEncoder().encode(JSON.stringify(JWKS)).buffer;
    },
  };
  const identityPool = new FakeIdentityPool(() => clock);
  const logger = new RecordingLogger();
  const handler = createAuthorizerHandler({
    config: { issuer: ISSUER, clientId: CLIENT_ID, routes: TEST_ROUTES },
    readMembership: async (tenantId, userId) => {
      calls.membershipReads += 1;
      return memberships.get(`${tenantId}/${userId}`);
    },
    identityPool,
    jwksFetcher,
    logger,
    now: () => clock,
    ...(options.caching ? { caching: options.caching } : {}),
  });
  return {
    handler,
    identityPool,
    logger,
    calls,
    addMembership: (tenantId: string, userId: string, roleId: string) => memberships.set(`${tenantId}/${userId}`, { roleId }),
    removeMembership: (tenantId: string, userId: string) => memberships.delete(`${tenantId}/${userId}`),
    advanceSeconds: (seconds: number) => {
      clock += seconds * 1000;
    },
    portCalls: () => calls.jwks + calls.membershipReads + identityPool.credentialRequests.length,
  };
}

const member = (tenantId = 'tenant-a', role = 'admin'): User => ({ sub: randomUUID(), tenantId, role, groups: [tenantId] });

const TEST_ROUTES: readonly RouteDefinition[] = ROUTES;
// A path parameter is a wildcard in the policy, as in the method ARNs API Gateway builds.
const arnOf = (route: RouteDefinition): string => `${API}/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`;
const allRouteArns = TEST_ROUTES.map(arnOf);
const noTenantRouteArns = TEST_ROUTES.filter((route) => route.withoutTenant).map(arnOf);

/**
 * Served as a user with no active tenant: the routes that need none, and credentials tagged with
 * the user only, so no tenant partition is reachable with them.
 */
function expectServedWithoutTenant(result: Awaited<ReturnType<ReturnType<typeof setUp>['handler']>>, pool: FakeIdentityPool, userId: string): void {
  expect(result.policyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: noTenantRouteArns }]);
  expect(result.context).toMatchObject({ userId, tenantId: '', roleId: '' });
  expect(pool.credentialRequests.at(-1)).toEqual({ userId, principalTags: { user_id: userId } });
}

describe('the API authorizer', () => {
  it('allows a member of the active tenant every route and hands over tenant credentials', async () => {
    const authorizer = setUp();
    const user = member('tenant-a', 'editor');
    authorizer.addMembership('tenant-a', user.sub, 'editor');

    const result = await authorizer.handler(requestEvent(idToken({ ...user, groups: ['tenant-b', 'tenant-a'] })));

    expect(result.principalId).toBe(user.sub);
    expect(result.policyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: allRouteArns }]);
    expect(result.context).toEqual({
      userId: user.sub,
      tenantId: 'tenant-a',
      roleId: 'editor',
      username: user.sub,
      email: `${user.sub}@example.com`,
      groups: JSON.stringify(['tenant-b', 'tenant-a']),
      accessKeyId: 'ASIA1',
      secretAccessKey: expect.stringMatching(/^secret-1-/),
      sessionToken: expect.stringMatching(/^session-1-/),
      credentialsExpiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(authorizer.identityPool.credentialRequests).toEqual([{ userId: user.sub, principalTags: { user_id: user.sub, tenant_id: 'tenant-a' } }]);
  });

  it("puts the membership's role in the context, not the token's stale one", async () => {
    const authorizer = setUp();
    const user = member('tenant-a', 'admin');
    authorizer.addMembership('tenant-a', user.sub, 'viewer');

    const result = await authorizer.handler(requestEvent(idToken(user)));

    expect(result.context).toMatchObject({ tenantId: 'tenant-a', roleId: 'viewer' });
    expect(result.policyDocument.Statement[0]?.Resource).toEqual(allRouteArns);
  });

  it('decides by the membership item, not by the groups the token lists', async () => {
    const authorizer = setUp();
    const user = { ...member('tenant-a'), groups: [] };
    authorizer.addMembership('tenant-a', user.sub, 'admin');

    const result = await authorizer.handler(requestEvent(idToken(user)));

    expect(result.context).toMatchObject({ tenantId: 'tenant-a', roleId: 'admin' });
  });

  it('serves a token whose active tenant has no membership item as a user with no active tenant', async () => {
    const authorizer = setUp();
    const user = member('tenant-a', 'admin');

    const result = await authorizer.handler(requestEvent(idToken(user)));

    expectServedWithoutTenant(result, authorizer.identityPool, user.sub);
    expect(authorizer.logger.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', attributes: { userId: user.sub, tenantId: 'tenant-a' } }),
    );
  });

  it('serves a token whose active tenant cannot be a key part as a user with no active tenant', async () => {
    const authorizer = setUp();
    const user = member('tenant#a', 'admin');

    const result = await authorizer.handler(requestEvent(idToken(user)));

    expectServedWithoutTenant(result, authorizer.identityPool, user.sub);
  });

  it('accepts the Authorization header in any case and the Bearer scheme in any case', async () => {
    const authorizer = setUp();
    const user = member();
    authorizer.addMembership('tenant-a', user.sub, 'admin');

    const result = await authorizer.handler({ ...requestEvent(undefined), headers: { AUTHORIZATION: `bearer ${idToken(user)}` } });

    expect(result.principalId).toBe(user.sub);
  });

  it('allows a user with no active tenant only the routes that need none, with empty tenant and role', async () => {
    const authorizer = setUp();
    const user: User = { sub: randomUUID() };

    const result = await authorizer.handler(requestEvent(idToken(user)));

    expect(noTenantRouteArns.length).toBeLessThan(allRouteArns.length);
    expectServedWithoutTenant(result, authorizer.identityPool, user.sub);
    expect(result.context).toMatchObject({ groups: '[]', accessKeyId: 'ASIA1' });
    expect(authorizer.calls.membershipReads).toBe(0);
  });

  describe('refuses with "Unauthorized"', () => {
    const user = member();
    const now = Math.floor(Date.now() / 1000);
    it.each([
      ['no Authorization header', undefined, 'MissingBearerToken'],
      ['a token that is not a JWT', 'garbage', 'Malformed'],
      ['three segments of garbage', 'aaa.bbb.ccc', 'Malformed'],
      ['a forged signature', idToken(user, {}, foreignKey.privateKey), 'InvalidSignature'],
      ['a token of another issuer', idToken(user, { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' }), 'WrongIssuer'],
      ['a token for another app client', idToken(user, { aud: 'anotherclient000000000000' }), 'WrongAudience'],
      ['an expired token', idToken(user, { iat: now - 7200, exp: now - 60 }), 'Expired'],
      ['an access token', idToken(user, { token_use: 'access' }), 'NotAnIdToken'],
      ['an ID token without cognito:username', idToken(user, { 'cognito:username': undefined }), 'UnexpectedClaims'],
    ])('%s', async (_case, token, reason) => {
      const authorizer = setUp();
      authorizer.addMembership('tenant-a', user.sub, 'admin');

      await expect(authorizer.handler(requestEvent(token))).rejects.toThrow(new Error('Unauthorized'));

      expect(authorizer.logger.entries).toEqual([expect.objectContaining({ level: 'warn', attributes: expect.objectContaining({ reason }) })]);
      expect(authorizer.identityPool.credentialRequests).toHaveLength(0);
    });
  });

  it('fails with the underlying error, not "Unauthorized", when the membership cannot be read', async () => {
    const unavailable = new Error('ProvisionedThroughputExceededException');
    const authorizer = createAuthorizerHandler({
      config: { issuer: ISSUER, clientId: CLIENT_ID, routes: TEST_ROUTES },
      readMembership: async () => {
        throw unavailable;
      },
      identityPool: new FakeIdentityPool(Date.now),
      jwksFetcher: { fetch: async () => new TextEncoder().encode(JSON.stringify(JWKS)).buffer },
      logger: new RecordingLogger(),
    });

    await expect(authorizer(requestEvent(idToken(member())))).rejects.toBe(unavailable);
  });

  it('fails with a typed error for an event that is not a REQUEST authorizer event', async () => {
    const authorizer = setUp();

    await expect(authorizer.handler({ type: 'TOKEN', authorizationToken: 'x', methodArn: METHOD_ARN })).rejects.toThrow(
      expect.objectContaining({ name: 'InvalidAuthorizerEventError' }),
    );
  });

  it('never logs the token or the credentials', async () => {
    const authorizer = setUp();
    const user = member();
    const token = idToken(user);
    authorizer.addMembership('tenant-a', user.sub, 'admin');
    const allowed = await authorizer.handler(requestEvent(token));
    authorizer.removeMembership('tenant-a', user.sub);
    authorizer.advanceSeconds(DEFAULT_CACHE_SETTINGS.membershipTtlSeconds + 1);

    const withoutTenant = await authorizer.handler(requestEvent(token));
    await expect(authorizer.handler(requestEvent(idToken(user, {}, foreignKey.privateKey)))).rejects.toThrow('Unauthorized');

    const logged = JSON.stringify(authorizer.logger.entries);
    expect(authorizer.logger.entries.map((entry) => entry.level)).toEqual(['debug', 'warn', 'debug', 'warn']);
    const secrets = [token, token.split('.')[2] ?? token];
    for (const context of [allowed.context, withoutTenant.context]) secrets.push(context.secretAccessKey, context.sessionToken);
    for (const secret of secrets) {
      expect(logged).not.toContain(secret);
    }
  });

  describe('caching', () => {
    it('authorizes a known token again without a single port call', async () => {
      const authorizer = setUp();
      const user = member();
      const token = idToken(user);
      authorizer.addMembership('tenant-a', user.sub, 'admin');
      const first = await authorizer.handler(requestEvent(token));
      const coldCalls = authorizer.portCalls();

      const again = await authorizer.handler(requestEvent(token, `${API}/PUT/tenants/active`));

      expect(coldCalls).toBe(3);
      expect(authorizer.portCalls()).toBe(coldCalls);
      expect(again.context).toEqual(first.context);
    });

    it('mints credentials once per user and tenant, across new tokens', async () => {
      const authorizer = setUp();
      const user = { ...member('tenant-a'), groups: ['tenant-a', 'tenant-b'] };
      authorizer.addMembership('tenant-a', user.sub, 'admin');
      authorizer.addMembership('tenant-b', user.sub, 'admin');

      await authorizer.handler(requestEvent(idToken(user)));
      const inB = await authorizer.handler(requestEvent(idToken({ ...user, tenantId: 'tenant-b' })));
      await authorizer.handler(requestEvent(idToken({ ...user, tenantId: 'tenant-b' }, { jti: randomUUID() })));

      expect(authorizer.identityPool.credentialRequests.map((request) => request.principalTags.tenant_id)).toEqual(['tenant-a', 'tenant-b']);
      expect(inB.context).toMatchObject({ tenantId: 'tenant-b', accessKeyId: 'ASIA2' });
    });

    it('gets new credentials once the cached ones are within five minutes of expiry', async () => {
      const authorizer = setUp();
      const user = member();
      const token = idToken(user);
      authorizer.addMembership('tenant-a', user.sub, 'admin');
      await authorizer.handler(requestEvent(token));
      authorizer.advanceSeconds(CREDENTIALS_LIFETIME_MS / 1000 - 5 * 60 - 1);
      const stillCached = await authorizer.handler(requestEvent(token));

      authorizer.advanceSeconds(2);
      const refreshed = await authorizer.handler(requestEvent(token));

      expect(stillCached.context?.accessKeyId).toBe('ASIA1');
      expect(refreshed.context?.accessKeyId).toBe('ASIA2');
    });

    it('reads the membership again after its TTL, and serves a member removed meanwhile without the tenant', async () => {
      const authorizer = setUp();
      const user = member();
      const token = idToken(user);
      authorizer.addMembership('tenant-a', user.sub, 'admin');
      await authorizer.handler(requestEvent(token));
      authorizer.removeMembership('tenant-a', user.sub);
      authorizer.advanceSeconds(DEFAULT_CACHE_SETTINGS.membershipTtlSeconds - 1);
      await authorizer.handler(requestEvent(token));
      expect(authorizer.calls.membershipReads).toBe(1);

      authorizer.advanceSeconds(2);

      expectServedWithoutTenant(await authorizer.handler(requestEvent(token)), authorizer.identityPool, user.sub);
      expect(authorizer.calls.membershipReads).toBe(2);
    });

    it('remembers a missing membership for a shorter time than a present one', async () => {
      const authorizer = setUp();
      const user = member();
      const token = idToken(user);
      expectServedWithoutTenant(await authorizer.handler(requestEvent(token)), authorizer.identityPool, user.sub);
      authorizer.addMembership('tenant-a', user.sub, 'admin');
      expectServedWithoutTenant(await authorizer.handler(requestEvent(token)), authorizer.identityPool, user.sub);
      expect(authorizer.calls.membershipReads).toBe(1);

      authorizer.advanceSeconds(DEFAULT_CACHE_SETTINGS.missingMembershipTtlSeconds + 1);
      const result = await authorizer.handler(requestEvent(token));

      expect(DEFAULT_CACHE_SETTINGS.missingMembershipTtlSeconds).toBeLessThan(DEFAULT_CACHE_SETTINGS.membershipTtlSeconds);
      expect(result.context?.tenantId).toBe('tenant-a');
      expect(authorizer.calls.membershipReads).toBe(2);
    });

    it('with caching off, reads the membership and mints credentials on every request', async () => {
      const authorizer = setUp({ caching: 'off' });
      const user = member();
      const token = idToken(user);
      authorizer.addMembership('tenant-a', user.sub, 'admin');

      for (let request = 0; request < 3; request += 1) await authorizer.handler(requestEvent(token));

      expect(authorizer.calls).toEqual({ jwks: 1, membershipReads: 3 });
      expect(authorizer.identityPool.credentialRequests).toHaveLength(3);
    });
  });
});
