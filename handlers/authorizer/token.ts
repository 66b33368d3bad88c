import { JwtVerifier } from 'aws-jwt-verify';
import {
  FetchError,
  JwtBaseError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureError,
  JwtParseError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import * as z from 'zod';
import { GROUPS_CLAIM, ROLE_CLAIM, TENANT_ID_CLAIM } from '../../domain/identity';

/** Why a presented token is refused. Logged; never the token or one of its claims. */
export type RejectionReason =
  | 'MissingBearerToken'
  | 'Malformed'
  | 'InvalidSignature'
  | 'UnknownSigningKey'
  | 'WrongIssuer'
  | 'WrongAudience'
  | 'Expired'
  | 'NotAnIdToken'
  | 'InvalidToken'
  | 'UnexpectedClaims';

/**
 * API Gateway turns an authorizer failure into a 401 only when its message is exactly
 * "Unauthorized"; any other failure becomes a 500. Not the API's `UnauthorizedError`
 * (domain/errors.ts): that one is mapped to a response by the API's functions, this one is
 * thrown to API Gateway.
 */
export class AuthorizationRefusedError extends Error {
  constructor(readonly reason: RejectionReason) {
    super('Unauthorized');
    this.name = 'AuthorizationRefusedError';
  }
}

class NotAnIdTokenError extends JwtBaseError {
  constructor() {
    super('token_use is not "id"');
    this.name = 'NotAnIdTokenError';
  }
}

/** By `instanceof`, not by class name: a minified bundle renames classes. */
const REASONS: readonly (readonly [new (...args: never[]) => JwtBaseError, RejectionReason])[] = [
  [NotAnIdTokenError, 'NotAnIdToken'],
  [JwtExpiredError, 'Expired'],
  [JwtInvalidSignatureError, 'InvalidSignature'],
  [JwtInvalidIssuerError, 'WrongIssuer'],
  [JwtInvalidAudienceError, 'WrongAudience'],
  [JwtParseError, 'Malformed'],
  [KidNotFoundInJwksError, 'UnknownSigningKey'],
  [WaitPeriodNotYetEndedJwkError, 'UnknownSigningKey'],
];

const rejectionReason = (error: JwtBaseError): RejectionReason =>
  REASONS.find(([type]) => error instanceof type)?.[1] ?? 'InvalidToken';

export interface TokenVerifierConfig {
  /** The user pool's `iss`; its JWKS is at `<issuer>/.well-known/jwks.json`. */
  readonly issuer: string;
  /** The app client whose ID tokens are accepted (their `aud`). */
  readonly clientId: string;
}

/** The claims the authorizer reads from a verified ID token. */
const idTokenClaims = z.object({
  sub: z.string().min(1),
  'cognito:username': z.string().min(1),
  email: z.string().optional(),
  [GROUPS_CLAIM]: z.array(z.string()).optional(),
  [TENANT_ID_CLAIM]: z.string().optional(),
  [ROLE_CLAIM]: z.string().optional(),
});

export interface IdTokenIdentity {
  readonly userId: string;
  readonly username: string;
  readonly email: string;
  readonly groups: readonly string[];
  /** Empty for a user with no active tenant. */
  readonly tenantId: string;
  readonly roleId: string;
}

export type VerifyIdToken = (token: string) => Promise<IdTokenIdentity>;

/**
 * Signature, issuer, audience, expiry and `token_use` are checked by aws-jwt-verify, whose JWKS
 * cache keeps the keys for the life of the instance: only a token signed with an unknown key id
 * makes it fetch again, at most once per 10 seconds per key id (its penalty box), so forged key
 * ids cannot turn into a flood of JWKS requests.
 */
export function createIdTokenVerifier(config: TokenVerifierConfig, fetcher: Fetcher): VerifyIdToken {
  const verifier = JwtVerifier.create(
    {
      issuer: config.issuer,
      audience: config.clientId,
      jwksUri: `${config.issuer}/.well-known/jwks.json`,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== 'id') throw new NotAnIdTokenError();
      },
    },
    { jwksCache: new SimpleJwksCache({ fetcher }) },
  );

  return async (token) => {
    let payload: unknown;
    try {
      payload = await verifier.verify(token);
    } catch (error) {
      // An unreachable JWKS is this side's fault, not the caller's: it must surface as a 500.
      if (error instanceof FetchError || !(error instanceof JwtBaseError)) throw error;
      throw new AuthorizationRefusedError(rejectionReason(error));
    }
    const claims = idTokenClaims.safeParse(payload);
    if (!claims.success) throw new AuthorizationRefusedError('UnexpectedClaims');
    return {
      userId: claims.data.sub,
      username: claims.data['cognito:username'],
      email: claims.data.email ?? '',
      groups: claims.data[GROUPS_CLAIM] ?? [],
      tenantId: claims.data[TENANT_ID_CLAIM] ?? '',
      roleId: claims.data[ROLE_CLAIM] ?? '',
    };
  };
}

/** `Bearer <token>`, the scheme matched case-insensitively (RFC 7235). */
export function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) throw new AuthorizationRefusedError('MissingBearerToken');
  return match[1];
}
