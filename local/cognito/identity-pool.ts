/**
 * The local Cognito identity pool, configured as the deployed one is: a developer provider and no
 * other login provider, no unauthenticated identities, no classic flow. The one way to
 * credentials is the enhanced developer flow: `GetOpenIdTokenForDeveloperIdentity` (a SigV4 call:
 * the endpoint's caller gate refuses it unsigned or signed with tenant credentials, as AWS does),
 * then `GetCredentialsForIdentity` with that OpenID token. No emulator exists for this, so it is
 * written here against AWS's API reference (operations, errors and their messages).
 */
import { createHash } from 'node:crypto';
import type { CredentialStore } from '../iam/credential-store';
import { IDENTITY_POOL_SESSION_NAME } from '../iam/policy-evaluator';
import { AwsServiceError, jsonProtocolService } from '../server/aws-json';
import type { LocalService } from '../server/types';
import { COGNITO_IDENTITY_LOGIN } from '../../domain/identity';
import { InvalidOpenIdTokenError, type OpenIdTokenIssuer } from './identity-pool-tokens';
import { JSON_WIRE } from '../server/wire';

export const IDENTITY_POOL_TARGET_PREFIX = JSON_WIRE.cognitoIdentity.targetPrefix;

export interface IdentityPoolOptions {
  readonly identityPoolId: string;
  readonly identityPoolName?: string;
  readonly region: string;
  readonly accountId: string;
  /** The pool's developer provider name (domain/identity.ts). */
  readonly developerProviderName: string;
  /** The authenticated role every identity assumes (no role mapping rules). */
  readonly roleArn: string;
  readonly credentialStore: CredentialStore;
  readonly ttlSeconds: number;
  /** Signs and verifies the pool's OpenID tokens (`OpenIdTokenIssuer.create()`: a key for this run only). */
  readonly tokenIssuer: OpenIdTokenIssuer;
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

const invalidLogin = (reason: string): AwsServiceError => new AwsServiceError('NotAuthorizedException', `Invalid login token. ${reason}`);
const unauthenticated = (): AwsServiceError =>
  new AwsServiceError('NotAuthorizedException', 'Unauthenticated access is not supported for this identity pool.');

/** GetOpenIdTokenForDeveloperIdentity's limits (API reference): 50 tags, keys 1–128, values 1–256, 1 s–24 h. */
const MAX_PRINCIPAL_TAGS = 50;
const DEFAULT_TOKEN_DURATION_SECONDS = 900;
const MAX_TOKEN_DURATION_SECONDS = 86_400;

/** The one login of a request: `Logins` must name exactly one provider with a non-empty string. */
function singleLogin(logins: unknown): [string, string] {
  if (logins === undefined || logins === null) throw unauthenticated();
  if (typeof logins !== 'object' || Array.isArray(logins)) throw new AwsServiceError('InvalidParameterException', 'Logins must be a map of provider name to token');
  const entries = Object.entries(logins as Record<string, unknown>);
  if (entries.length === 0) throw unauthenticated();
  if (entries.length > 1) throw new AwsServiceError('InvalidParameterException', 'The local identity pool links one login per identity');
  const [provider, value] = entries[0] as [string, unknown];
  if (typeof value !== 'string' || value === '') throw new AwsServiceError('InvalidParameterException', `The login for ${provider} must be a non-empty string`);
  return [provider, value];
}

function principalTagsOf(input: unknown): Record<string, string> {
  if (input === undefined) return {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new AwsServiceError('InvalidParameterException', 'PrincipalTags must be a map of tag name to value');
  }
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length > MAX_PRINCIPAL_TAGS) throw new AwsServiceError('InvalidParameterException', `PrincipalTags has more than ${MAX_PRINCIPAL_TAGS} tags`);
  for (const [name, value] of entries) {
    if (name.length < 1 || name.length > 128 || typeof value !== 'string' || value.length < 1 || value.length > 256) {
      throw new AwsServiceError('InvalidParameterException', `PrincipalTags: '${name}' must have a name of 1-128 and a value of 1-256 characters`);
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function tokenDurationOf(input: unknown): number {
  if (input === undefined) return DEFAULT_TOKEN_DURATION_SECONDS;
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 1 || input > MAX_TOKEN_DURATION_SECONDS) {
    throw new AwsServiceError('InvalidParameterException', `TokenDuration must be an integer from 1 to ${MAX_TOKEN_DURATION_SECONDS}`);
  }
  return input;
}

export function createIdentityPoolService(options: IdentityPoolOptions): LocalService {
  const tokens = options.tokenIssuer;

  const assertPool = (identityPoolId: unknown): void => {
    if (typeof identityPoolId !== 'string') throw new AwsServiceError('InvalidParameterException', 'IdentityPoolId is required');
    if (identityPoolId !== options.identityPoolId) throw new AwsServiceError('ResourceNotFoundException', `IdentityPool '${identityPoolId}' not found.`);
  };

  /** The identity of a developer user: derived, so the same user keeps one identity id. */
  const developerIdentity = (userIdentifier: string): string =>
    identityIdFor({ identityPoolId: options.identityPoolId, region: options.region, providerName: options.developerProviderName, sub: userIdentifier });

  return jsonProtocolService({
    name: 'cognito-identity',
    targetPrefix: IDENTITY_POOL_TARGET_PREFIX,
    version: '1.1',
    operations: {
      /** The pool trusts no external provider, so no login can get an identity this way. */
      async GetId(input) {
        assertPool(input.IdentityPoolId);
        if (input.AccountId !== undefined && input.AccountId !== options.accountId) {
          throw new AwsServiceError('NotAuthorizedException', `IdentityPool '${String(input.IdentityPoolId)}' is not in account ${String(input.AccountId)}.`);
        }
        singleLogin(input.Logins);
        throw invalidLogin('Token is not from a supported provider of this identity pool.');
      },

      async GetOpenIdTokenForDeveloperIdentity(input) {
        assertPool(input.IdentityPoolId);
        const [provider, userIdentifier] = singleLogin(input.Logins);
        if (provider !== options.developerProviderName) {
          throw new AwsServiceError('NotAuthorizedException', `Invalid developer provider name: ${provider} is not the developer provider of this identity pool.`);
        }
        const identityId = developerIdentity(userIdentifier);
        if (input.IdentityId !== undefined && input.IdentityId !== identityId) {
          throw new AwsServiceError('ResourceConflictException', 'The login is already linked to another identity.');
        }
        const token = tokens.issue(
          {
            identityId,
            identityPoolId: options.identityPoolId,
            amr: ['authenticated', provider, `${provider}:${options.region}:${options.identityPoolId}:${userIdentifier}`],
            principalTags: principalTagsOf(input.PrincipalTags),
          },
          tokenDurationOf(input.TokenDuration),
        );
        return { IdentityId: identityId, Token: token };
      },

      async GetCredentialsForIdentity(input) {
        const identityId = input.IdentityId;
        if (typeof identityId !== 'string' || !IDENTITY_ID_PATTERN.test(identityId)) {
          throw new AwsServiceError('InvalidParameterException', 'IdentityId must look like <region>:<uuid>');
        }
        if (input.CustomRoleArn !== undefined && input.CustomRoleArn !== options.roleArn) {
          throw new AwsServiceError('InvalidParameterException', 'CustomRoleArn is not a role of this identity pool');
        }
        const [provider, token] = singleLogin(input.Logins);
        // AWS accepts its own OpenID tokens under this key, and the tokens of the pool's login
        // providers under theirs; this pool has no login provider.
        if (provider !== COGNITO_IDENTITY_LOGIN) throw invalidLogin('Token is not from a supported provider of this identity pool.');
        let claims;
        try {
          claims = tokens.verify(token, options.identityPoolId);
        } catch (error) {
          if (error instanceof InvalidOpenIdTokenError) throw new AwsServiceError('NotAuthorizedException', error.message);
          throw error;
        }
        if (claims.identityId !== identityId) throw invalidLogin('The token does not belong to this identity.');
        const credentials = options.credentialStore.issue({
          roleArn: options.roleArn,
          sessionName: IDENTITY_POOL_SESSION_NAME,
          identityId,
          principalTags: { ...claims.principalTags },
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

      /** This cloud's one pool (MaxResults 1–60, as the Cognito Identity API Reference bounds it). */
      async ListIdentityPools(input) {
        const max = input.MaxResults;
        if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 60) {
          throw new AwsServiceError('InvalidParameterException', `1 validation error detected: Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60 and greater than or equal to 1`);
        }
        return { IdentityPools: [{ IdentityPoolId: options.identityPoolId, IdentityPoolName: options.identityPoolName ?? 'local' }] };
      },

      /**
       * A new OpenID token for an identity, from a login of one of the pool's providers. This pool
       * has none (its identities come from the developer provider, through the authorizer alone),
       * so every login is refused as AWS refuses one from an unsupported provider. AWS does not
       * document whether its own token (`cognito-identity.amazonaws.com`) is accepted here; it is
       * refused, so that no token can be renewed without the authorizer.
       */
      async GetOpenIdToken(input) {
        const identityId = input.IdentityId;
        if (typeof identityId !== 'string' || !IDENTITY_ID_PATTERN.test(identityId)) {
          throw new AwsServiceError('InvalidParameterException', 'IdentityId must look like <region>:<uuid>');
        }
        singleLogin(input.Logins);
        throw invalidLogin('Token is not from a supported provider of this identity pool.');
      },

      /** What tools read to find the developer provider name; shaped as AWS's IdentityPool answer. */
      async DescribeIdentityPool(input) {
        assertPool(input.IdentityPoolId);
        return {
          IdentityPoolId: options.identityPoolId,
          IdentityPoolName: options.identityPoolName ?? 'local',
          AllowUnauthenticatedIdentities: false,
          AllowClassicFlow: false,
          DeveloperProviderName: options.developerProviderName,
          CognitoIdentityProviders: [],
          SupportedLoginProviders: {},
          OpenIdConnectProviderARNs: [],
          SamlProviderARNs: [],
          IdentityPoolTags: {},
        };
      },
    },
  });
}
