import type { Fetcher } from 'aws-jwt-verify/https';
import * as z from 'zod';
import { principalTagsFor, type PrincipalTags } from '../../domain/isolation';
import { InvalidKeyPartError } from '../../domain/keys';
import { AUTHORIZER, type RouteDefinition } from '../api/routes';
import { ExpiringCache } from './cache';
import { invokePolicy, type InvokePolicyDocument } from './policy';
import { AuthorizationRefusedError, bearerToken, createIdTokenVerifier, type IdTokenIdentity } from './token';

/** The membership item's part the authorizer needs. */
export interface Membership {
  readonly roleId: string;
}

/** Reads the membership item of (tenant, user) with the function's own credentials. */
export type ReadMembership = (tenantId: string, userId: string) => Promise<Membership | undefined>;

export interface TenantCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/**
 * The identity pool as the authorizer uses it: credentials for a user of the developer provider,
 * carrying exactly the principal tags given. Only a caller holding the authorizer's AWS
 * permission can ask for them (GetOpenIdTokenForDeveloperIdentity is a SigV4 call).
 */
export interface IdentityPool {
  credentialsFor(userId: string, principalTags: PrincipalTags): Promise<TenantCredentials>;
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
  readonly routes: readonly RouteDefinition[];
}

export interface AuthorizerDeps {
  readonly config: AuthorizerConfig;
  readonly readMembership: ReadMembership;
  readonly identityPool: IdentityPool;
  /** Fetches the user pool's JWKS (once per instance, and again only for an unknown key id). */
  readonly jwksFetcher: Fetcher;
  readonly logger: AuthorizerLogger;
  /** `'off'` makes every request read the membership and mint credentials. */
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
  readonly context: AuthorizerContext;
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
 * The API's Lambda REQUEST authorizer: verifies the ID token, reads the membership item of the
 * token's active tenant, and hands the integration credentials minted for exactly that: tagged
 * with the tenant when the membership exists, with no tenant otherwise.
 *
 * The membership item decides, never the token: the role in the context is the membership's
 * (the token's `custom:role` is a hint that may be stale), and a token whose active tenant has no
 * membership (the member was removed, or a switch raced a removal) is served as a user with no
 * active tenant: the routes that need none, and credentials that reach no tenant partition.
 *
 * Everything it learns is kept for as long as it stays true (keys for the instance's life,
 * memberships for a short TTL, credentials until shortly before they expire), so a warm instance
 * authorizes a known token without a single network call.
 */
export function createAuthorizerHandler(deps: AuthorizerDeps) {
  const now = deps.now ?? Date.now;
  const caching = deps.caching ?? DEFAULT_CACHE_SETTINGS;
  const settings = caching === 'off' ? { ...DEFAULT_CACHE_SETTINGS, maxEntries: 0 } : caching;
  const verify = createIdTokenVerifier(deps.config, deps.jwksFetcher);
  const memberships = new ExpiringCache<string, Membership | null>(settings.maxEntries, now);
  const credentials = new ExpiringCache<string, TenantCredentials>(settings.maxEntries, now);
  // Key parts are ids that contain no newline; the separator keeps (a, bc) apart from (ab, c).
  const pair = (first: string, second: string): string => `${first}\n${second}`;

  async function membershipOf(tenantId: string, userId: string): Promise<Membership | undefined> {
    const key = pair(tenantId, userId);
    const cached = memberships.get(key);
    if (cached !== undefined) return cached ?? undefined;
    let membership: Membership | undefined;
    try {
      membership = await deps.readMembership(tenantId, userId);
    } catch (error) {
      // A tenant id that cannot be a key part names no membership.
      if (!(error instanceof InvalidKeyPartError)) throw error;
    }
    const ttl = membership ? settings.membershipTtlSeconds : settings.missingMembershipTtlSeconds;
    memberships.set(key, membership ?? null, now() + ttl * 1000);
    return membership;
  }

  async function credentialsOf(userId: string, tenantId: string | null): Promise<TenantCredentials> {
    const key = pair(userId, tenantId ?? '');
    const cached = credentials.get(key);
    if (cached) return cached;
    const issued = await deps.identityPool.credentialsFor(userId, principalTagsFor({ userId, tenantId }));
    credentials.set(key, issued, issued.expiration.getTime() - settings.credentialsRefreshMarginSeconds * 1000);
    return issued;
  }

  /** The tenant the caller acts in, by its membership item: none without one. */
  async function activeMembership(identity: IdTokenIdentity): Promise<{ tenantId: string; roleId: string } | null> {
    if (identity.tenantId === '') return null;
    const membership = await membershipOf(identity.tenantId, identity.userId);
    if (membership) return { tenantId: identity.tenantId, roleId: membership.roleId };
    deps.logger.warn('active tenant without membership: served as no tenant', { userId: identity.userId, tenantId: identity.tenantId });
    return null;
  }

  async function authorize(event: z.infer<typeof requestEvent>): Promise<AuthorizerResult> {
    const identity = await verify(bearerToken(header(event.headers, 'Authorization')));
    const active = await activeMembership(identity);
    // Minted only after the checks, with the tenant the membership confirmed and nothing else.
    const issued = await credentialsOf(identity.userId, active?.tenantId ?? null);
    return {
      principalId: identity.userId,
      policyDocument: invokePolicy(event.methodArn, deps.config.routes, active !== null),
      context: {
        userId: identity.userId,
        tenantId: active?.tenantId ?? '',
        roleId: active?.roleId ?? '',
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
      deps.logger.debug('authorized', { userId: result.principalId, tenantId: result.context.tenantId });
      return result;
    } catch (error) {
      if (error instanceof AuthorizationRefusedError) deps.logger.warn('token refused', { reason: error.reason });
      throw error;
    }
  };
}

export type AuthorizerHandler = ReturnType<typeof createAuthorizerHandler>;
