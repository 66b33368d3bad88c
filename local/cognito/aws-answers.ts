/**
 * Where cognito-local's answers differ from Cognito's and the fix is a rewrite of the request or
 * the answer, not a guard: each cites what AWS documents.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { AwsServiceError } from '../server/aws-json';

/** Longer than any access token lives (Cognito allows at most a day): older times can be forgotten. */
const TOKEN_HORIZON_MS = 24 * 3_600_000;

/** "The limit of the request to list groups": ListGroups pages at most 60 (Cognito API Reference). */
export const LIST_GROUPS_MAX_LIMIT = 60;

/**
 * ListGroups' paging, which cognito-local ignores (it returns every group, no NextToken). The
 * token is the last name of the page, opaque to clients as AWS's is; groups come in name order
 * (AWS documents no order).
 */
export function pageOfGroups<G extends { GroupName?: string }>(groups: readonly G[], input: Record<string, unknown>): { Groups: G[]; NextToken?: string } {
  const limit = input.Limit === undefined ? LIST_GROUPS_MAX_LIMIT : input.Limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > LIST_GROUPS_MAX_LIMIT) {
    throw new AwsServiceError('InvalidParameterException', `1 validation error detected: Value '${String(limit)}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${LIST_GROUPS_MAX_LIMIT} and greater than or equal to 1`);
  }
  const sorted = [...groups].sort((a, b) => (a.GroupName ?? '').localeCompare(b.GroupName ?? ''));
  let start = 0;
  if (typeof input.NextToken === 'string') {
    const after = decodeToken(input.NextToken);
    start = sorted.findIndex((group) => (group.GroupName ?? '') > after);
    if (start < 0) start = sorted.length;
  }
  const page = sorted.slice(start, start + limit);
  const last = page[page.length - 1];
  return start + limit < sorted.length && last ? { Groups: page, NextToken: Buffer.from(last.GroupName ?? '').toString('base64url') } : { Groups: page };
}

function decodeToken(token: string): string {
  const value = Buffer.from(token, 'base64url').toString('utf8');
  if (Buffer.from(value).toString('base64url') !== token) throw new AwsServiceError('InvalidParameterException', 'Invalid pagination token.');
  return value;
}

/**
 * InitiateAuth's and RespondToAuthChallenge's `AuthenticationResult` as AWS returns it: with
 * `ExpiresIn` (the access token's lifetime in seconds) and `TokenType` `Bearer`, both of which
 * cognito-local leaves out.
 */
export function withTokenLifetime(output: unknown): unknown {
  if (typeof output !== 'object' || output === null) return output;
  const result = (output as { AuthenticationResult?: Record<string, unknown> }).AuthenticationResult;
  const accessToken = result?.AccessToken;
  if (!result || typeof accessToken !== 'string') return output;
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number; iat?: number };
  const expiresIn = typeof claims.exp === 'number' && typeof claims.iat === 'number' ? claims.exp - claims.iat : undefined;
  return { ...output, AuthenticationResult: { ...result, TokenType: 'Bearer', ...(expiresIn === undefined ? {} : { ExpiresIn: expiresIn }) } };
}

/**
 * Operations that name a user by `Username` and then compare it with stored names: with email as a
 * sign-in alias, "you can use the alias ... in the Username parameter of admin API operations"
 * (developer guide, user pool attributes), but cognito-local matches group members by the name as
 * given, so AdminListGroupsForUser by email answered no groups. The proxy passes the user's own name.
 */
export const ADMIN_ALIAS_OPERATIONS: ReadonlySet<string> = new Set(['AdminListGroupsForUser', 'AdminAddUserToGroup', 'AdminRemoveUserFromGroup']);

/**
 * GlobalSignOut "invalidates the identity, access and refresh tokens that Amazon Cognito has
 * issued to a user"; a revoked access token is then refused: `NotAuthorizedException`, "Access
 * Token has been revoked". The time each access token was issued (`jti`) is kept here as it is
 * handed out, so that a token issued in the same second as the sign-out, but after it, still works;
 * tokens from before a restart fall back to their `iat`.
 */
export class TokenRevocations {
  private readonly issuedAt = new Map<string, number>();
  private readonly signedOutAt = new Map<string, number>();

  /**
   * `file`: where sign-outs outlive a restart, beside the users and the signing key that do (the
   * pool's data directory), so that a persisted cloud does not accept a revoked token again.
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly file?: string,
  ) {
    if (!file || !existsSync(file)) return;
    const horizon = now() - TOKEN_HORIZON_MS;
    for (const [sub, at] of Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)) {
      if (typeof at === 'number' && at >= horizon) this.signedOutAt.set(sub, at);
    }
  }

  /** Notes an access token as issued now. */
  issued(accessToken: string): void {
    const claims = decodeClaims(accessToken);
    if (typeof claims.jti !== 'string') return;
    this.issuedAt.set(claims.jti, this.now());
    this.forgetExpired();
  }

  revokeAll(sub: string): void {
    this.signedOutAt.set(sub, this.now());
    if (this.file) writeFileSync(this.file, JSON.stringify(Object.fromEntries(this.signedOutAt)), { mode: 0o600 });
  }

  assertNotRevoked(claims: { sub?: unknown; jti?: unknown; iat?: unknown }): void {
    const signedOut = typeof claims.sub === 'string' ? this.signedOutAt.get(claims.sub) : undefined;
    if (signedOut === undefined) return;
    const issued = (typeof claims.jti === 'string' ? this.issuedAt.get(claims.jti) : undefined) ?? (typeof claims.iat === 'number' ? claims.iat * 1000 : 0);
    if (issued <= signedOut) throw new AwsServiceError('NotAuthorizedException', 'Access Token has been revoked');
  }

  /** Access tokens live an hour at most: older issue times are of no use. */
  private forgetExpired(): void {
    const horizon = this.now() - TOKEN_HORIZON_MS;
    for (const [jti, at] of this.issuedAt) {
      if (at >= horizon) break;
      this.issuedAt.delete(jti);
    }
  }
}

function decodeClaims(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}
