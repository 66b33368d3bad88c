import type { Fetcher } from 'aws-jwt-verify/https';
import * as z from 'zod';
import { InvalidKeyPartError } from '../../domain/keys';
import { AUTHORIZER, type RouteDefinition } from '../api/routes';
import { ExpiringCache } from './cache';
import { denyAllPolicy, invokePolicy, type InvokePolicyDocument } from './policy';
import { AuthorizationRefusedError, bearerToken, createIdTokenVerifier, type IdTokenIdentity } from './token';

/** The membership item's part the authorizer needs. */
export interface Membership {
  readonly roleId: string;
}

/** Reads the membership item of (tenant, user) with the function's own credentials. */
export type ReadMembership = (tenantId: string, userId: string) => Promise<Membership | undefined>;

/** `Logins` of the identity pool: provider name → ID token. */
export type Logins = Readonly<Record<string, string>>;

export interface TenantCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface IdentityPool {
  getId(logins: Logins): Promise<string>;
  getCredentialsForIdentity(identityId: string, logins: Logins): Promise<TenantCredentials>;
}

/** A token the identity pool refuses (NotAuthorizedException) is the caller's problem: a 401. */
export class IdentityPoolRejectedTokenError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('The identity pool rejected the ID token', options);
    this.name = 'IdentityPoolRejectedTokenError';
  }
}

/** What the authorizer writes to its log; Powertools' Logger fits. */
export interface AuthorizerLogger {
  debug(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
}

export interface CacheSettings {
  /** A membership seen is trusted this long: with API Gateway's result TTL, it bounds how long a removed member keeps access. */
  readonly membershipTtlSeconds: number;
  /** Shorter, so a user whose membership is being written right now is not locked out for long. */
  readonly missingMembershipTtlSeconds: number;
  /** Credentials are reused until this long before they expire, so a caller never receives nearly dead ones. */
  readonly credentialsRefreshMarginSeconds: number;
  /** Entries per cache, so one instance's memory stays bounded however many users it serves. */
  readonly maxEntries: number;
}

export const DEFAULT_CACHE_SETTINGS: CacheSettings = {
  membershipTtlSeconds: AUTHORIZER.membershipTtlSeconds,
  missingMembershipTtlSeconds: 5,
  credentialsRefreshMarginSeconds: 5 * 60,
  maxEntries: 10_000,
};

export interface AuthorizerConfig {
  /** The user pool's `iss` (https in AWS; http on loopback locally). */
  readonly issuer: string;
  readonly clientId: string;
  /** The identity pool's `Logins` key for the user pool: `cognito-idp.<region>.amazonaws.com/<userPoolId>`. */
  readonly loginProvider: string;
  readonly routes: readonly RouteDefinition[];
}

export interface AuthorizerDeps {
  readonly config: AuthorizerConfig;
  readonly readMembership: ReadMembership;
  readonly identityPool: IdentityPool;
  /** Fetches the user pool's JWKS (once per instance, and again only for an unknown key id). */
  readonly jwksFetcher: Fetcher;
  readonly logger: AuthorizerLogger;
  /** `'off'` makes every request read the membership and call GetId and GetCredentialsForIdentity. */
  readonly caching?: CacheSettings | 'off';
  readonly now?: () => number;
}

/** What API Gateway allows in an authorizer's context: flat strings, numbers and booleans only. */
export type AuthorizerContext = {
  readonly userId: string;
  readonly tenantId: string;
  readonly roleId: string;
  readonly username: string;
  readonly email: string;
  /** JSON array of the token's groups. */
  readonly groups: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** ISO-8601 UTC. */
  readonly credentialsExpiration: string;
};

export interface AuthorizerResult {
  readonly principalId: string;
  readonly policyDocument: InvokePolicyDocument;
  /** Absent on a denial: no credentials are minted for a caller who is refused. */
  readonly context?: AuthorizerContext;
}

/** The members of API Gateway's REQUEST authorizer event that this function reads. */
const requestEvent = z.object({
  type: z.literal('REQUEST'),
  methodArn: z.string(),
  headers: z.record(z.string(), z.string()).nullish(),
});

export class InvalidAuthorizerEventError extends Error {
  constructor(cause: unknown) {
    super('Not an API Gateway REQUEST authorizer event', { cause });
    this.name = 'InvalidAuthorizerEventError';
  }
}

/** Header names are case-insensitive; API Gateway passes them as the client wrote them. */
const header = (headers: Record<string, string> | null | undefined, name: string): string | undefined =>
  Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];

/**
 * The API's Lambda REQUEST authorizer: verifies the ID token, checks that its active tenant is one
 * of the user's groups and still has the user's membership item with the token's role, and hands
 * the integration tenant-scoped credentials from the identity pool in the context.
 *
 * Everything it learns is kept for as long as it stays true (keys for the instance's life, the
 * identity id per user forever, memberships for a short TTL, credentials until shortly before they
 * expire), so a warm instance authorizes a known token without a single network call.
 */
export function createAuthorizerHandler(deps: AuthorizerDeps) {
  const now = deps.now ?? Date.now;
  const caching = deps.caching ?? DEFAULT_CACHE_SETTINGS;
  const settings = caching === 'off' ? { ...DEFAULT_CACHE_SETTINGS, maxEntries: 0 } : caching;
  const verify = createIdTokenVerifier(deps.config, deps.jwksFetcher);
  const memberships = new ExpiringCache<string, Membership | null>(settings.maxEntries, now);
  const identityIds = new ExpiringCache<string, string>(settings.maxEntries, now);
  const credentials = new ExpiringCache<string, TenantCredentials>(settings.maxEntries, now);
  // Key parts are ids that contain no newline; the separator keeps (a, bc) apart from (ab, c).
  const pair = (first: string, second: string): string => `${first}\n${second}`;

  async function membershipOf(tenantId: string, userId: string): Promise<Membership | undefined> {
    const key = pair(tenantId, userId);
    const cached = memberships.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const membership = await deps.readMembership(tenantId, userId);
    const ttl = membership ? settings.membershipTtlSeconds : settings.missingMembershipTtlSeconds;
    memberships.set(key, membership ?? null, now() + ttl * 1000);
    return membership;
  }

  /** The identity pool derives the credentials' principal tags from the token's tenant and user. */
  async function credentialsOf(identity: IdTokenIdentity, token: string): Promise<TenantCredentials> {
    const key = pair(identity.userId, identity.tenantId);
    const cached = credentials.get(key);
    if (cached) return cached;
    const logins: Logins = { [deps.config.loginProvider]: token };
    let identityId = identityIds.get(identity.userId);
    if (identityId === undefined) {
      identityId = await deps.identityPool.getId(logins);
      identityIds.set(identity.userId, identityId, Infinity);
    }
    const issued = await deps.identityPool.getCredentialsForIdentity(identityId, logins);
    credentials.set(key, issued, issued.expiration.getTime() - settings.credentialsRefreshMarginSeconds * 1000);
    return issued;
  }

  async function authorize(event: z.infer<typeof requestEvent>): Promise<AuthorizerResult> {
    const token = bearerToken(header(event.headers, 'Authorization'));
    const identity = await verify(token);
    let roleId = '';
    if (identity.tenantId !== '') {
      const subject = { userId: identity.userId, tenantId: identity.tenantId };
      if (!identity.groups.includes(identity.tenantId)) throw new AuthorizationRefusedError('TenantNotInGroups', subject);
      const membership = await membershipOf(identity.tenantId, identity.userId);
      if (!membership) {
        // A genuine user whose membership is gone (removed from the tenant): 403, not 401.
        deps.logger.warn('access denied', { reason: 'NoMembership', ...subject });
        return { principalId: identity.userId, policyDocument: denyAllPolicy(event.methodArn) };
      }
      // The role changed since the token was issued: the caller must refresh it first.
      if (membership.roleId !== identity.roleId) throw new AuthorizationRefusedError('StaleRole', subject);
      roleId = membership.roleId;
    }
    // Minting credentials only after the checks: a refused token never costs an identity pool call.
    const issued = await credentialsOf(identity, token);
    return {
      principalId: identity.userId,
      policyDocument: invokePolicy(event.methodArn, deps.config.routes, identity.tenantId !== ''),
      context: {
        userId: identity.userId,
        tenantId: identity.tenantId,
        roleId,
        username: identity.username,
        email: identity.email,
        groups: JSON.stringify(identity.groups),
        accessKeyId: issued.accessKeyId,
        secretAccessKey: issued.secretAccessKey,
        sessionToken: issued.sessionToken,
        credentialsExpiration: issued.expiration.toISOString(),
      },
    };
  }

  return async (input: unknown): Promise<AuthorizerResult> => {
    const parsed = requestEvent.safeParse(input);
    if (!parsed.success) throw new InvalidAuthorizerEventError(parsed.error);
    try {
      const result = await authorize(parsed.data);
      if (result.context) deps.logger.debug('authorized', { userId: result.principalId, tenantId: result.context.tenantId });
      return result;
    } catch (error) {
      if (error instanceof AuthorizationRefusedError) {
        deps.logger.warn('token refused', { reason: error.reason, ...error.subject });
        throw error;
      }
      if (error instanceof IdentityPoolRejectedTokenError) {
        deps.logger.warn('token refused', { reason: 'RejectedByIdentityPool' });
        throw new AuthorizationRefusedError('RejectedByIdentityPool');
      }
      // A tenant id that cannot be a key part names no membership.
      if (error instanceof InvalidKeyPartError) {
        deps.logger.warn('token refused', { reason: 'NoMembership', tenantKeyPart: error.part });
        throw new AuthorizationRefusedError('NoMembership');
      }
      throw error;
    }
  };
}

export type AuthorizerHandler = ReturnType<typeof createAuthorizerHandler>;
