/**
 * Tokens signed with the pool's own key (signing-key.ts) instead of the key cognito-local ships in
 * its npm package, which anyone can read and so signs nothing that is trusted. cognito-local still
 * builds the claims (expiry, groups, custom attributes, the PreTokenGeneration trigger); only the
 * signature and the `kid` change. Re-signing happens inside `generate`, before cognito-local stores
 * the refresh token in the user record, so the stored and the returned refresh token are the same
 * string and refreshing keeps working. One claim is corrected first: `email_verified` (see
 * withStoredEmailVerified).
 */
import type { TokenGenerator, Tokens } from 'cognito-local/lib/services/tokenGenerator';
import { attributeValue, type User } from 'cognito-local/lib/services/userPoolService';
import { encodeSegment, signJws, type SigningKey } from './signing-key';

export class MalformedTokenError extends Error {
  constructor() {
    super('cognito-local produced a token that is not a JWT');
    this.name = 'MalformedTokenError';
  }
}


function decodeHeader(segment: string): Record<string, unknown> {
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (header !== null && typeof header === 'object') return header as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new MalformedTokenError();
}


/**
 * The same token, signed with `key`. The header keeps cognito-local's fields: alg RS256, typ JWT,
 * and a kid (ours) only where it set one; its refresh tokens carry none, and isValidRefreshToken
 * checks them against the key itself. The payload segment is kept byte for byte, so every claim
 * is exactly what cognito-local built.
 */
export function resignJwt(token: string, key: SigningKey): string {
  const [headerSegment, payloadSegment, signature, ...rest] = token.split('.');
  if (headerSegment === undefined || payloadSegment === undefined || signature === undefined || rest.length > 0) {
    throw new MalformedTokenError();
  }
  const original = decodeHeader(headerSegment);
  const header = { alg: 'RS256', typ: 'JWT', ...('kid' in original ? { kid: key.kid } : {}) };
  return signJws(header, payloadSegment, key);
}

/**
 * cognito-local builds the ID token's `email_verified` as `Boolean(attribute ?? false)`, so the
 * stored string `"false"` (what a changed email gets) becomes `true`: a user who set someone
 * else's address got a token vouching for it. The claim says true only when the attribute is
 * `"true"`. The payload is re-encoded only when it is corrected (a PreTokenGeneration override to
 * true for an unverified user is lost with it; no trigger of this project sets the claim).
 */
export function withStoredEmailVerified(idToken: string, user: Pick<User, 'Attributes'>): string {
  const [headerSegment, payloadSegment, ...rest] = idToken.split('.');
  if (headerSegment === undefined || payloadSegment === undefined) throw new MalformedTokenError();
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(payloadSegment, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new MalformedTokenError();
  }
  if (claims.email_verified !== true || attributeValue('email_verified', user.Attributes) === 'true') return idToken;
  return [headerSegment, encodeSegment({ ...claims, email_verified: false }), ...rest].join('.');
}

/** cognito-local's JwtTokenGenerator (or any TokenGenerator), with every token re-signed with `key`. */
export class PoolKeyTokenGenerator implements TokenGenerator {
  constructor(
    private readonly claims: TokenGenerator,
    private readonly key: SigningKey,
  ) {}

  async generate(...args: Parameters<TokenGenerator['generate']>): Promise<Tokens> {
    const tokens = await this.claims.generate(...args);
    const [, user] = args;
    return {
      AccessToken: resignJwt(tokens.AccessToken, this.key),
      IdToken: resignJwt(withStoredEmailVerified(tokens.IdToken, user), this.key),
      RefreshToken: resignJwt(tokens.RefreshToken, this.key),
    };
  }
}
