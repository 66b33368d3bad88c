import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { Fetcher } from 'aws-jwt-verify/https';
import { ROUTES } from '../../handlers/api/routes';
import {
  createAuthorizerHandler,
  type AuthorizerResult,
  DEFAULT_CACHE_SETTINGS,
  IdentityPoolRejectedTokenError,
  type AuthorizerDeps,
  type AuthorizerLogger,
  type IdentityPool,
  type Logins,
  type Membership,
  type TenantCredentials,
} from '../../handlers/authorizer/handler';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1';
const CLIENT_ID = 'testclient0000000000000001';
const LOGIN_PROVIDER = 'cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1';
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

/** Payload of a JWT, to let the fake identity pool see who is calling as the real one would. */
const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

class FakeIdentityPool implements IdentityPool {
  getIdCalls = 0;
  readonly credentialRequests: { identityId: string; tenantId: unknown }[] = [];
  rejectTokens = false;

  constructor(private readonly now: () => number) {}

  async getId(logins: Logins): Promise<string> {
    this.getIdCalls += 1;
    if (this.rejectTokens) throw new IdentityPoolRejectedTokenError();
    return `eu-west-1:${String(claimsOf(logins[LOGIN_PROVIDER] ?? '').sub)}`;
  }

  async getCredentialsForIdentity(identityId: string, logins: Logins): Promise<TenantCredentials> {
    const tenantId = claimsOf(logins[LOGIN_PROVIDER] ?? '')['custom:tenant_id'];
    this.credentialRequests.push({ identityId, tenantId });
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
    config: { issuer: ISSUER, clientId: CLIENT_ID, loginProvider: LOGIN_PROVIDER, routes: ROUTES },
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
    portCalls: () => calls.jwks + calls.membershipReads + identityPool.getIdCalls + identityPool.credentialRequests.length,
  };
}

const member = (tenantId = 'tenant-a', role = 'admin'): User => ({ sub: randomUUID(), tenantId, role, groups: [tenantId] });

const allRouteArns = ROUTES.map((route) => `${API}/${route.method}${route.path}`);


/** A removed or never-added member is authenticated but not allowed: a Deny everywhere (API Gateway's 403), no credentials. */
async function expectDenied(result: Promise<AuthorizerResult>): Promise<void> {
  const denied = await result;
  expect(denied.policyDocument.Statement).toEqual([{ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: [expect.stringMatching(/\/\*$/)] }]);
  expect(denied.context).toBeUndefined();
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
    expect(authorizer.identityPool.credentialRequests).toEqual([{ identityId: `eu-west-1:${user.sub}`, tenantId: 'tenant-a' }]);
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

    const withoutTenant = ROUTES.filter((route) => route.withoutTenant).map((route) => `${API}/${route.method}${route.path}`);
    expect(withoutTenant.length).toBeLessThan(ROUTES.length);
    expect(result.policyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: withoutTenant }]);
    expect(result.context).toMatchObject({ userId: user.sub, tenantId: '', roleId: '', groups: '[]', accessKeyId: 'ASIA1' });
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
      ['a tenant that is not among its groups', idToken({ ...user, groups: ['tenant-b'] }), 'TenantNotInGroups'],
      ['a tenant with no groups at all', idToken({ ...user, groups: undefined }), 'TenantNotInGroups'],
    ])('%s', async (_case, token, reason) => {
      const authorizer = setUp();
      authorizer.addMembership('tenant-a', user.sub, 'admin');

      await expect(authorizer.handler(requestEvent(token))).rejects.toThrow(new Error('Unauthorized'));

      expect(authorizer.logger.entries).toEqual([expect.objectContaining({ level: 'warn', attributes: expect.objectContaining({ reason }) })]);
      expect(authorizer.identityPool.getIdCalls + authorizer.identityPool.credentialRequests.length).toBe(0);
    });

    it('a member of the group without a membership item (denied with 403, not 401)', async () => {
      const authorizer = setUp();

      await expectDenied(authorizer.handler(requestEvent(idToken(user))));

      expect(authorizer.logger.entries[0]?.attributes).toEqual({ reason: 'NoMembership', userId: user.sub, tenantId: 'tenant-a' });
      expect(authorizer.identityPool.credentialRequests).toHaveLength(0);
    });

    it('a token whose role is no longer the membership role (stale token)', async () => {
      const authorizer = setUp();
      authorizer.addMembership('tenant-a', user.sub, 'viewer');

      await expect(authorizer.handler(requestEvent(idToken(user)))).rejects.toThrow(new Error('Unauthorized'));

      expect(authorizer.logger.entries[0]?.attributes).toMatchObject({ reason: 'StaleRole' });
    });

    it('a token that the identity pool rejects', async () => {
      const authorizer = setUp();
      authorizer.addMembership('tenant-a', user.sub, 'admin');
      authorizer.identityPool.rejectTokens = true;

      await expect(authorizer.handler(requestEvent(idToken(user)))).rejects.toThrow(new Error('Unauthorized'));

      expect(authorizer.logger.entries[0]?.attributes).toEqual({ reason: 'RejectedByIdentityPool' });
    });
  });

  it('fails with the underlying error, not "Unauthorized", when the membership cannot be read', async () => {
    const unavailable = new Error('ProvisionedThroughputExceededException');
    const authorizer = createAuthorizerHandler({
      config: { issuer: ISSUER, clientId: CLIENT_ID, loginProvider: LOGIN_PROVIDER, routes: ROUTES },
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

    await expectDenied(authorizer.handler(requestEvent(token)));

    const logged = JSON.stringify(authorizer.logger.entries);
    expect(authorizer.logger.entries.map((entry) => entry.level)).toEqual(['debug', 'warn']);
    expect(allowed.context).toBeDefined();
    for (const secret of [token, token.split('.')[2] ?? token, allowed.context?.secretAccessKey, allowed.context?.sessionToken]) {
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

      expect(coldCalls).toBe(4);
      expect(authorizer.portCalls()).toBe(coldCalls);
      expect(again.context).toEqual(first.context);
    });

    it('resolves the identity id once per user, across tenants and new tokens', async () => {
      const authorizer = setUp();
      const user = { ...member('tenant-a'), groups: ['tenant-a', 'tenant-b'] };
      authorizer.addMembership('tenant-a', user.sub, 'admin');
      authorizer.addMembership('tenant-b', user.sub, 'admin');

      await authorizer.handler(requestEvent(idToken(user)));
      const inB = await authorizer.handler(requestEvent(idToken({ ...user, tenantId: 'tenant-b' })));
      await authorizer.handler(requestEvent(idToken({ ...user, tenantId: 'tenant-b' }, { jti: randomUUID() })));

      expect(authorizer.identityPool.getIdCalls).toBe(1);
      expect(authorizer.identityPool.credentialRequests.map((request) => request.tenantId)).toEqual(['tenant-a', 'tenant-b']);
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
      expect(authorizer.identityPool.getIdCalls).toBe(1);
    });

    it('reads the membership again after its TTL, and refuses a member removed meanwhile', async () => {
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

      await expectDenied(authorizer.handler(requestEvent(token)));
      expect(authorizer.calls.membershipReads).toBe(2);
    });

    it('remembers a missing membership for a shorter time than a present one', async () => {
      const authorizer = setUp();
      const user = member();
      const token = idToken(user);
      await expectDenied(authorizer.handler(requestEvent(token)));
      authorizer.addMembership('tenant-a', user.sub, 'admin');
      await expectDenied(authorizer.handler(requestEvent(token)));
      expect(authorizer.calls.membershipReads).toBe(1);

      authorizer.advanceSeconds(DEFAULT_CACHE_SETTINGS.missingMembershipTtlSeconds + 1);
      const result = await authorizer.handler(requestEvent(token));

      expect(DEFAULT_CACHE_SETTINGS.missingMembershipTtlSeconds).toBeLessThan(DEFAULT_CACHE_SETTINGS.membershipTtlSeconds);
      expect(result.context?.tenantId).toBe('tenant-a');
      expect(authorizer.calls.membershipReads).toBe(2);
    });

    it('with caching off, reads the membership and calls GetId and GetCredentialsForIdentity on every request', async () => {
      const authorizer = setUp({ caching: 'off' });
      const user = member();
      const token = idToken(user);
      authorizer.addMembership('tenant-a', user.sub, 'admin');

      for (let request = 0; request < 3; request += 1) await authorizer.handler(requestEvent(token));

      expect(authorizer.calls).toEqual({ jwks: 1, membershipReads: 3 });
      expect(authorizer.identityPool.getIdCalls).toBe(3);
      expect(authorizer.identityPool.credentialRequests).toHaveLength(3);
    });
  });
});
