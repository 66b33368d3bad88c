/**
 * The local Cognito identity pool: `GetId` and `GetCredentialsForIdentity` (enhanced flow), which
 * turn a user pool ID token into session credentials tagged with the token's claims. No emulator
 * exists for this, so it is written here against AWS's documented behaviour.
 */
import { createHash } from 'node:crypto';
import { JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError, JwtExpiredError, JwtInvalidAudienceError, JwtInvalidIssuerError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { CredentialStore } from '../iam/credential-store';
import { AwsServiceError, jsonProtocolService } from '../server/aws-json';
import type { LocalService } from '../server/types';
import { LoopbackFetcher, type JwksFetch } from './loopback-fetcher';

export const IDENTITY_POOL_TARGET_PREFIX = 'AWSCognitoIdentityService';

export interface IdentityProvider {
  /** The key of `Logins`: `cognito-idp.<region>.amazonaws.com/<userPoolId>`. */
  readonly providerName: string;
  /** The `iss` of the provider's tokens; its JWKS is at `<issuer>/.well-known/jwks.json`. */
  readonly issuer: string;
  /** The app client whose ID tokens are accepted (their `aud`). */
  readonly clientId: string;
}

export interface IdentityPoolOptions {
  readonly identityPoolId: string;
  readonly region: string;
  readonly accountId: string;
  readonly providers: readonly IdentityProvider[];
  /** The authenticated role every identity assumes (no role mapping rules). */
  readonly roleArn: string;
  readonly credentialStore: CredentialStore;
  /** Principal tag → ID token claim, as the CDK app deploys it (domain/isolation.ts). */
  readonly tagMapping: Readonly<Record<string, string>>;
  readonly ttlSeconds: number;
  /** How JWKS are fetched from loopback issuers; global `fetch` unless given. */
  readonly jwksFetch?: JwksFetch;
}

/** A token that verifies but is not an ID token (an access token, say): identity pools take ID tokens only. */
class NotAnIdTokenError extends Error {
  constructor() {
    super('not an ID token');
    this.name = 'NotAnIdTokenError';
  }
}

const IDENTITY_ID_PATTERN = /^[\w-]+:[0-9a-f-]+$/;

/**
 * AWS keeps a table from (pool, provider, user) to a random identity id. Deriving the id from the
 * same triple gives the same stability with no table to persist: the same user always gets the
 * same id, across restarts too.
 */
export function identityIdFor(input: { identityPoolId: string; region: string; providerName: string; sub: string }): string {
  const digest = createHash('sha256').update(`${input.identityPoolId}\n${input.providerName}\n${input.sub}`).digest();
  // Version 5 and RFC 4122 variant bits, so the id reads as the name-based UUID it is.
  digest[6] = ((digest[6] ?? 0) & 0x0f) | 0x50;
  digest[8] = ((digest[8] ?? 0) & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${input.region}:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Principal tags from the claims; a claim the token lacks (or leaves empty) gives no tag, as in AWS. */
export function principalTagsFor(claims: JwtPayload, mapping: Readonly<Record<string, string>>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [tag, claim] of Object.entries(mapping)) {
    const value = claims[claim];
    if (typeof value === 'string' && value !== '') tags[tag] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') tags[tag] = String(value);
  }
  return tags;
}

const invalidLogin = (reason: string): AwsServiceError => new AwsServiceError('NotAuthorizedException', `Invalid login token. ${reason}`);

function loginError(error: unknown): AwsServiceError {
  if (error instanceof JwtExpiredError) return invalidLogin('Token expired.');
  if (error instanceof JwtInvalidAudienceError) return invalidLogin('Incorrect token audience.');
  if (error instanceof JwtInvalidIssuerError) return invalidLogin("Issuer doesn't match providerName.");
  if (error instanceof NotAnIdTokenError) return invalidLogin('Not a valid OpenId Connect identity token.');
  // The provider's JWKS could not be read: the fault is on this side, not in the token.
  if (error instanceof FetchError) return new AwsServiceError('InternalErrorException', `Could not read the provider's JWKS: ${error.message}`, 500);
  if (error instanceof JwtBaseError) return invalidLogin('Not a valid OpenId Connect identity token.');
  return new AwsServiceError('InternalErrorException', error instanceof Error ? error.message : String(error), 500);
}

export function createIdentityPoolService(options: IdentityPoolOptions): LocalService {
  const jwksCache = new SimpleJwksCache({ fetcher: new LoopbackFetcher(options.jwksFetch) });
  const verifiers = new Map(
    options.providers.map((provider) => [
      provider.providerName,
      JwtVerifier.create(
        {
          issuer: provider.issuer,
          audience: provider.clientId,
          jwksUri: `${provider.issuer}/.well-known/jwks.json`,
          customJwtCheck: ({ payload }) => {
            if (payload.token_use !== 'id') throw new NotAnIdTokenError();
          },
        },
        { jwksCache },
      ),
    ]),
  );
  /** Identities handed out by GetId since start; derived ids of presented tokens count as known too. */
  const issuedIdentities = new Set<string>();

  /** Verifies the one login of a request and answers which provider's user it names. */
  async function verifyLogins(logins: unknown): Promise<{ providerName: string; claims: JwtPayload }> {
    if (logins === undefined || logins === null) {
      throw new AwsServiceError('NotAuthorizedException', 'Unauthenticated access is not supported for this identity pool.');
    }
    if (typeof logins !== 'object') throw new AwsServiceError('InvalidParameterException', 'Logins must be a map of provider name to token');
    const entries = Object.entries(logins as Record<string, unknown>);
    if (entries.length === 0) {
      throw new AwsServiceError('NotAuthorizedException', 'Unauthenticated access is not supported for this identity pool.');
    }
    if (entries.length > 1) throw new AwsServiceError('InvalidParameterException', 'The local identity pool links one login per identity');
    const [providerName, token] = entries[0] as [string, unknown];
    const verifier = verifiers.get(providerName);
    if (!verifier) throw invalidLogin('Token is not from a supported provider of this identity pool.');
    if (typeof token !== 'string' || token === '') throw new AwsServiceError('InvalidParameterException', `The login for ${providerName} must be a token`);
    try {
      return { providerName, claims: await verifier.verify(token) };
    } catch (error) {
      throw loginError(error);
    }
  }

  const identityOf = (providerName: string, claims: JwtPayload): string => {
    if (typeof claims.sub !== 'string') throw invalidLogin('The token has no subject.');
    return identityIdFor({ identityPoolId: options.identityPoolId, region: options.region, providerName, sub: claims.sub });
  };

  return jsonProtocolService({
    name: 'cognito-identity',
    targetPrefix: IDENTITY_POOL_TARGET_PREFIX,
    version: '1.1',
    operations: {
      async GetId(input) {
        if (typeof input.IdentityPoolId !== 'string') throw new AwsServiceError('InvalidParameterException', 'IdentityPoolId is required');
        if (input.IdentityPoolId !== options.identityPoolId) {
          throw new AwsServiceError('ResourceNotFoundException', `IdentityPool '${input.IdentityPoolId}' not found.`);
        }
        if (input.AccountId !== undefined && input.AccountId !== options.accountId) {
          throw new AwsServiceError('NotAuthorizedException', `IdentityPool '${input.IdentityPoolId}' is not in account ${String(input.AccountId)}.`);
        }
        const { providerName, claims } = await verifyLogins(input.Logins);
        const identityId = identityOf(providerName, claims);
        issuedIdentities.add(identityId);
        return { IdentityId: identityId };
      },

      async GetCredentialsForIdentity(input) {
        const identityId = input.IdentityId;
        if (typeof identityId !== 'string' || !IDENTITY_ID_PATTERN.test(identityId)) {
          throw new AwsServiceError('InvalidParameterException', 'IdentityId must look like <region>:<uuid>');
        }
        if (!identityId.startsWith(`${options.region}:`)) throw new AwsServiceError('ResourceNotFoundException', `Identity '${identityId}' not found.`);
        if (input.CustomRoleArn !== undefined && input.CustomRoleArn !== options.roleArn) {
          throw new AwsServiceError('InvalidParameterException', 'CustomRoleArn is not a role of this identity pool');
        }
        const { providerName, claims } = await verifyLogins(input.Logins);
        if (identityOf(providerName, claims) !== identityId) {
          if (!issuedIdentities.has(identityId)) throw new AwsServiceError('ResourceNotFoundException', `Identity '${identityId}' not found.`);
          throw invalidLogin('The token does not belong to this identity.');
        }
        const credentials = options.credentialStore.issue({
          roleArn: options.roleArn,
          identityId,
          principalTags: principalTagsFor(claims, options.tagMapping),
          ttlSeconds: options.ttlSeconds,
        });
        return {
          IdentityId: identityId,
          Credentials: {
            AccessKeyId: credentials.accessKeyId,
            SecretKey: credentials.secretAccessKey,
            SessionToken: credentials.sessionToken,
            Expiration: Math.floor(credentials.expiration.getTime() / 1000),
          },
        };
      },
    },
  });
}
