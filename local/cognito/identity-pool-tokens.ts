/**
 * The OpenID tokens of the local identity pool: what `GetOpenIdTokenForDeveloperIdentity` answers
 * and `GetCredentialsForIdentity` accepts under the `cognito-identity.amazonaws.com` login. AWS
 * signs them with keys of its own; here every start of the pool makes a new RSA key that never
 * leaves the process (signing-key.ts makes it, and signs with it as the user pool does), so no token
 * from an earlier run, or forged with a published key, verifies.
 */
import { encodeSegment, generateSigningKey, hasSignatureOf, signJws, type SigningKey } from './signing-key';

/** The `iss` of every token Cognito Identity issues. */
export const COGNITO_IDENTITY_ISSUER = 'https://cognito-identity.amazonaws.com';

/**
 * The claim in which AWS carries session tags in a web identity token
 * (`https://aws.amazon.com/tags` → `principal_tags`: tag → [value]), as STS reads it.
 */
export const TAGS_CLAIM = 'https://aws.amazon.com/tags';

export interface OpenIdClaims {
  readonly identityId: string;
  readonly identityPoolId: string;
  /** `authenticated`, the developer provider, and `<provider>:<pool>:<user>`, as AWS lists them. */
  readonly amr: readonly string[];
  readonly principalTags: Readonly<Record<string, string>>;
}

export class InvalidOpenIdTokenError extends Error {
  constructor(readonly reason: string) {
    super(`Invalid login token. ${reason}`);
    this.name = 'InvalidOpenIdTokenError';
  }
}

function decodeJson(part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
  return value as Record<string, unknown>;
}

function tagsOf(claim: unknown): Record<string, string> {
  const principalTags = (claim as { principal_tags?: unknown } | undefined)?.principal_tags;
  const tags: Record<string, string> = {};
  if (typeof principalTags !== 'object' || principalTags === null) return tags;
  for (const [name, values] of Object.entries(principalTags)) {
    const [first] = Array.isArray(values) ? (values as unknown[]) : [];
    if (typeof first === 'string') tags[name] = first;
  }
  return tags;
}

/** One pool's signer and verifier, over a key made for this process only (signing-key.ts). */
export class OpenIdTokenIssuer {
  private constructor(
    private readonly key: SigningKey,
    private readonly now: () => Date,
  ) {}

  /** A new issuer with a new key, made off the main thread so that a start can overlap it. */
  static async create(now: () => Date = () => new Date()): Promise<OpenIdTokenIssuer> {
    return new OpenIdTokenIssuer(await generateSigningKey(), now);
  }

  issue(claims: OpenIdClaims, durationSeconds: number): string {
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    const payload = encodeSegment({
      iss: COGNITO_IDENTITY_ISSUER,
      sub: claims.identityId,
      aud: claims.identityPoolId,
      amr: claims.amr,
      [TAGS_CLAIM]: { principal_tags: Object.fromEntries(Object.entries(claims.principalTags).map(([name, value]) => [name, [value]])) },
      iat: issuedAt,
      exp: issuedAt + durationSeconds,
    });
    return signJws({ alg: 'RS256', typ: 'JWT', kid: this.key.kid }, payload, this.key);
  }

  /** The claims of a token this issuer signed for `identityPoolId` and that has not expired. */
  verify(token: string, identityPoolId: string): OpenIdClaims {
    if (!hasSignatureOf(token, this.key)) throw new InvalidOpenIdTokenError('Not a valid OpenId Connect identity token.');
    let claims: Record<string, unknown>;
    try {
      claims = decodeJson(token.split('.')[1] ?? '');
    } catch {
      throw new InvalidOpenIdTokenError('Not a valid OpenId Connect identity token.');
    }
    if (claims.iss !== COGNITO_IDENTITY_ISSUER) throw new InvalidOpenIdTokenError("Issuer doesn't match providerName.");
    if (claims.aud !== identityPoolId) throw new InvalidOpenIdTokenError('Incorrect token audience.');
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.now().getTime()) throw new InvalidOpenIdTokenError('Token expired.');
    if (typeof claims.sub !== 'string') throw new InvalidOpenIdTokenError('The token has no subject.');
    return {
      identityId: claims.sub,
      identityPoolId,
      amr: Array.isArray(claims.amr) ? claims.amr.filter((value): value is string => typeof value === 'string') : [],
      principalTags: tagsOf(claims[TAGS_CLAIM]),
    };
  }
}
