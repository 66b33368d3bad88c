/**
 * The local user pool: cognito-local behind the single endpoint, with the pool and app client
 * defined by domain/identity.ts, and the Cognito rules that cognito-local lacks enforced in front
 * of it (see README.md in this folder).
 */
import { createVerify, randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JwtVerifier } from 'aws-jwt-verify';
import { JwtExpiredError } from 'aws-jwt-verify/error';
import type { Jwks } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { CognitoError, UnsupportedError } from 'cognito-local/lib/errors';
import type { AppClient } from 'cognito-local/lib/services/appClient';
import { USER_POOL_AWS_DEFAULTS } from 'cognito-local/lib/services/cognitoService';
import type { User, UserPool as CognitoLocalUserPool } from 'cognito-local/lib/services/userPoolService';
import { APP_CLIENT, CUSTOM_ATTRIBUTES, PASSWORD_POLICY } from '../../domain/identity';
import { AwsServiceError, jsonErrorResponse, parseJsonBody } from '../server/aws-json';
import type { AwsRequest, AwsResponse, LocalService } from '../server/types';
import { createCognitoLocal, RequestLog, type CognitoLocal, type TriggerFunctions } from './cognito-local';
import { assertAttributesWritable, assertAuthFlowAllowed, assertPasswordConforms } from './rules';
import { loadOrCreateSigningKey, type SigningKey } from './signing-key';

export const USER_POOL_TARGET_PREFIX = 'AWSCognitoIdentityProviderService';
const JSON_VERSION = '1.1';

export interface StartUserPoolOptions {
  /** The single local AWS endpoint: the issuer's domain and where triggers invoke Lambda. */
  readonly endpointUrl: string;
  /**
   * Holds cognito-local's files (`db/`), the ids of the pool and client (`user-pool.json`) and the
   * key that signs the pool's tokens (`signing-key.pem`, mode 0600): kept with it, new without it.
   */
  readonly dataDir: string;
  /** Trigger → local Lambda function name. */
  readonly triggers: TriggerFunctions;
  readonly region: string;
  readonly accountId: string;
}

export interface LocalUserPool {
  readonly service: LocalService;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  /** `<endpointUrl>/<userPoolId>`: the `iss` of every token; JWKS at `<issuer>/.well-known/jwks.json`. */
  readonly issuer: string;
  /** The identity pool's name for this provider: `cognito-idp.<region>.amazonaws.com/<userPoolId>`. */
  readonly providerName: string;
  stop(): Promise<void>;
}

/** The pool ids as stored in the data directory, so that a restart keeps them. */
interface PersistedIds {
  readonly userPoolId: string;
  readonly userPoolClientId: string;
}

export class UserPoolStateError extends Error {
  constructor(path: string, cause: unknown) {
    super(`${path} is not a user pool state file; delete it to create a new pool`, { cause });
    this.name = 'UserPoolStateError';
  }
}

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const randomString = (alphabet: string, length: number): string =>
  Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

/** AWS's shapes: `us-east-1_AbC123xYz` and a 26-character lower-case client id. */
const newUserPoolId = (region: string): string => `${region}_${randomString(ALPHANUMERIC, 9)}`;
const newClientId = (): string => randomString('0123456789abcdefghijklmnopqrstuvwxyz', 26);

/** The pool's options as cognito-local stores them, from the same data the CDK app deploys. */
export function userPoolDefinition(input: {
  userPoolId: string;
  region: string;
  accountId: string;
  triggers: TriggerFunctions;
  now: Date;
}): CognitoLocalUserPool {
  const custom = Object.entries(CUSTOM_ATTRIBUTES).map(([name, constraints]) => ({
    Name: `custom:${name}`,
    AttributeDataType: 'String',
    DeveloperOnlyAttribute: false,
    Mutable: true,
    Required: false,
    StringAttributeConstraints: { MinLength: String(constraints.minLength), MaxLength: String(constraints.maxLength) },
  }));
  const functionArn = (name: string): string => `arn:aws:lambda:${input.region}:${input.accountId}:function:${name}`;
  return {
    ...USER_POOL_AWS_DEFAULTS,
    Id: input.userPoolId,
    Name: 'local-cloud',
    Arn: `arn:aws:cognito-idp:${input.region}:${input.accountId}:userpool/${input.userPoolId}`,
    CreationDate: input.now,
    LastModifiedDate: input.now,
    UsernameAttributes: ['email'],
    Policies: {
      PasswordPolicy: {
        MinimumLength: PASSWORD_POLICY.minLength,
        RequireLowercase: PASSWORD_POLICY.requireLowercase,
        RequireUppercase: PASSWORD_POLICY.requireUppercase,
        RequireNumbers: PASSWORD_POLICY.requireDigits,
        RequireSymbols: PASSWORD_POLICY.requireSymbols,
        TemporaryPasswordValidityDays: 7,
      },
    },
    SchemaAttributes: [...(USER_POOL_AWS_DEFAULTS.SchemaAttributes ?? []), ...custom],
    LambdaConfig: Object.fromEntries(
      Object.entries(input.triggers).flatMap(([trigger, name]) => (name ? [[trigger, functionArn(name)]] : [])),
    ),
  };
}

export function appClientDefinition(input: { userPoolId: string; clientId: string; now: Date }): AppClient {
  return {
    UserPoolId: input.userPoolId,
    ClientId: input.clientId,
    ClientName: APP_CLIENT.name,
    CreationDate: input.now,
    LastModifiedDate: input.now,
    ExplicitAuthFlows: [...APP_CLIENT.authFlows],
    ReadAttributes: [...APP_CLIENT.readAttributes],
    WriteAttributes: [...APP_CLIENT.writeAttributes],
    IdTokenValidity: APP_CLIENT.idTokenValidityMinutes,
    AccessTokenValidity: APP_CLIENT.accessTokenValidityMinutes,
    RefreshTokenValidity: APP_CLIENT.refreshTokenValidityDays,
    TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'days' },
    PreventUserExistenceErrors: 'ENABLED',
  };
}

async function readPersistedIds(path: string): Promise<PersistedIds | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<PersistedIds>;
    if (typeof parsed.userPoolId !== 'string' || typeof parsed.userPoolClientId !== 'string') throw new TypeError('missing ids');
    return { userPoolId: parsed.userPoolId, userPoolClientId: parsed.userPoolClientId };
  } catch (error) {
    throw new UserPoolStateError(path, error);
  }
}

async function writePersistedIds(path: string, ids: PersistedIds): Promise<void> {
  // Write-then-rename so that a crash never leaves a half-written file that would orphan the pool.
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(ids, null, 2)}\n`);
  await rename(temporary, path);
}

/**
 * Creates the pool and its client on first start and converges them to domain/identity.ts on every
 * later start (same ids), so a changed definition never needs a wiped data directory.
 */
async function ensurePoolAndClient(runtime: CognitoLocal, options: StartUserPoolOptions): Promise<PersistedIds> {
  const ctx = { logger: new RequestLog() };
  const statePath = join(options.dataDir, 'user-pool.json');
  const persisted = await readPersistedIds(statePath);
  const now = new Date();
  const pools = await runtime.cognito.listUserPools(ctx);
  const existingPool = pools.find((pool) => pool.Id === persisted?.userPoolId);
  const userPoolId = existingPool?.Id ?? newUserPoolId(options.region);
  const definition = userPoolDefinition({ userPoolId, region: options.region, accountId: options.accountId, triggers: options.triggers, now });
  if (existingPool) {
    const pool = await runtime.cognito.getUserPool(ctx, userPoolId);
    await pool.updateOptions(ctx, { ...definition, CreationDate: existingPool.CreationDate ?? now });
  } else {
    await runtime.cognito.createUserPool(ctx, definition);
  }

  const existingClient = persisted ? await runtime.cognito.getAppClient(ctx, persisted.userPoolClientId) : null;
  const clientId = existingClient?.UserPoolId === userPoolId ? existingClient.ClientId : newClientId();
  const client = appClientDefinition({ userPoolId, clientId, now });
  const pool = await runtime.cognito.getUserPool(ctx, userPoolId);
  await pool.saveAppClient(ctx, { ...client, CreationDate: existingClient?.CreationDate ?? now });

  const ids = { userPoolId, userPoolClientId: clientId };
  if (persisted?.userPoolId !== ids.userPoolId || persisted.userPoolClientId !== ids.userPoolClientId) {
    await writePersistedIds(statePath, ids);
  }
  return ids;
}

/** cognito-local's responses hold Dates; AWS's JSON protocol sends timestamps as epoch seconds. */
function epochSecondsReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  return original instanceof Date ? Math.floor(original.getTime() / 1000) : value;
}

const awsJson = (body: unknown): AwsResponse => ({
  status: 200,
  headers: { 'content-type': `application/x-amz-json-${JSON_VERSION}` },
  body: JSON.stringify(body ?? {}, epochSecondsReplacer),
});

const stringField = (input: Record<string, unknown>, name: string): string | undefined => {
  const value = input[name];
  return typeof value === 'string' ? value : undefined;
};

const recordField = (input: Record<string, unknown>, name: string): Record<string, unknown> => {
  const value = input[name];
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
};

/** Trigger failures that cognito-local logs and swallows, but AWS answers to the caller. */
const TRIGGER_ERROR_CODES = new Set(['UserLambdaValidationException', 'UnexpectedLambdaException', 'InvalidLambdaResponseException']);

const REFRESH_FLOWS = new Set(['REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN']);
const SIGN_IN_OPERATIONS = new Set(['InitiateAuth', 'AdminInitiateAuth']);

/** The AWS error for a failure of cognito-local or of a check here; undefined for a bug (a 500). */
function toAwsServiceError(operation: string, error: unknown): AwsServiceError | undefined {
  if (error instanceof AwsServiceError) return error;
  if (error instanceof UnsupportedError) {
    return new AwsServiceError('UnsupportedOperationException', `The local user pool (cognito-local) does not support this: ${error.message}`);
  }
  if (error instanceof CognitoError) {
    // cognito-local tells a wrong password apart; AWS does not, so as not to help guessing.
    if (SIGN_IN_OPERATIONS.has(operation) && error.code === 'InvalidPasswordException') {
      return new AwsServiceError('NotAuthorizedException', 'Incorrect username or password.');
    }
    return new AwsServiceError(error.code, error.message);
  }
  return undefined;
}

/**
 * cognito-local's refresh tokens are JWTs without a `kid`, which JWKS-based verifiers refuse; so the
 * signature (with the pool's public key, never the one cognito-local ships), issuer and expiry are
 * checked here with the key itself.
 */
export function isValidRefreshToken(token: string, issuer: string, publicKey: KeyObject, now: Date = new Date()): boolean {
  const [header, payload, signature] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined) return false;
  const signatureValid = createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(publicKey, signature, 'base64url');
  if (!signatureValid) return false;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown; exp?: unknown };
    return claims.iss === issuer && typeof claims.exp === 'number' && claims.exp * 1000 > now.getTime();
  } catch {
    return false;
  }
}

function createUserPoolService(runtime: CognitoLocal, ids: PersistedIds, issuer: string, signingKey: SigningKey): LocalService {
  // Only the pool's own key: a token signed with the key cognito-local ships is a forgery.
  const jwks: Jwks = { keys: [signingKey.jwk] };
  const accessTokens = JwtVerifier.create({
    issuer,
    audience: null,
    customJwtCheck: ({ payload }) => {
      if (payload.token_use !== 'access') throw new Error('not an access token');
    },
  });
  accessTokens.cacheJwks(jwks);
  const ctx = (): { logger: RequestLog } => ({ logger: new RequestLog() });
  const wellKnownPrefix = `/${ids.userPoolId}/.well-known/`;

  async function verifyAccessToken(token: string): Promise<JwtPayload> {
    try {
      return await accessTokens.verify(token);
    } catch (error) {
      throw new AwsServiceError('NotAuthorizedException', error instanceof JwtExpiredError ? 'Access Token has expired' : 'Invalid Access Token');
    }
  }

  async function appClient(clientId: string | undefined): Promise<AppClient | null> {
    return clientId ? runtime.cognito.getAppClient(ctx(), clientId) : null;
  }

  /** cognito-local signs disabled users in; AWS does not. */
  function assertUserEnabled(user: User | null): void {
    if (user && user.Enabled === false) throw new AwsServiceError('NotAuthorizedException', 'User is disabled.');
  }

  async function guardSignIn(input: Record<string, unknown>): Promise<void> {
    const client = await appClient(stringField(input, 'ClientId'));
    if (!client) return; // cognito-local answers the unknown client itself
    const authFlow = input.AuthFlow;
    assertAuthFlowAllowed(authFlow, client.ExplicitAuthFlows);
    const parameters = recordField(input, 'AuthParameters');
    const pool = await runtime.cognito.getUserPoolForClientId(ctx(), client.ClientId);
    if (typeof authFlow === 'string' && REFRESH_FLOWS.has(authFlow)) {
      const token = stringField(parameters, 'REFRESH_TOKEN');
      if (token === undefined) return;
      // cognito-local only looks the token up in the user's list and never checks its expiry.
      if (!isValidRefreshToken(token, issuer, signingKey.publicKey)) throw new AwsServiceError('NotAuthorizedException', 'Invalid Refresh Token');
      assertUserEnabled(await pool.getUserByRefreshToken(ctx(), token));
    } else {
      const username = stringField(parameters, 'USERNAME');
      if (username !== undefined) assertUserEnabled(await pool.getUserByUsername(ctx(), username));
    }
  }

  /** Checks that run before cognito-local sees the request; each throws as AWS would answer. */
  async function guard(operation: string, input: Record<string, unknown>): Promise<void> {
    // cognito-local decodes access tokens without verifying them, so a forged one would pass.
    const accessToken = stringField(input, 'AccessToken');
    const accessClaims = accessToken === undefined ? undefined : await verifyAccessToken(accessToken);
    switch (operation) {
      case 'SignUp': {
        const client = await appClient(stringField(input, 'ClientId'));
        if (client) assertAttributesWritable(input.UserAttributes ?? [], client.WriteAttributes);
        assertPasswordConforms(input.Password, PASSWORD_POLICY);
        return;
      }
      case 'UpdateUserAttributes': {
        const clientId = accessClaims?.client_id;
        const client = await appClient(typeof clientId === 'string' ? clientId : undefined);
        if (client) assertAttributesWritable(input.UserAttributes ?? [], client.WriteAttributes);
        return;
      }
      case 'ChangePassword':
        return assertPasswordConforms(input.ProposedPassword, PASSWORD_POLICY);
      case 'ConfirmForgotPassword':
      case 'AdminSetUserPassword':
        return assertPasswordConforms(input.Password, PASSWORD_POLICY);
      case 'AdminCreateUser':
        return assertPasswordConforms(input.TemporaryPassword, PASSWORD_POLICY);
      case 'RespondToAuthChallenge':
        return assertPasswordConforms(recordField(input, 'ChallengeResponses').NEW_PASSWORD, PASSWORD_POLICY);
      case 'InitiateAuth':
      case 'AdminInitiateAuth':
        return guardSignIn(input);
      default:
        return;
    }
  }

  /** Operations cognito-local lacks, done here on its data. Sign-out revokes the refresh tokens. */
  const ownOperations: Record<string, (input: Record<string, unknown>) => Promise<unknown>> = {
    async GlobalSignOut(input) {
      const claims = await verifyAccessToken(stringField(input, 'AccessToken') ?? '');
      const pool = await runtime.cognito.getUserPoolForClientId(ctx(), String(claims.client_id));
      const user = await pool.getUserByUsername(ctx(), String(claims.sub));
      if (!user) throw new AwsServiceError('NotAuthorizedException', 'Invalid Access Token');
      await pool.saveUser(ctx(), { ...user, RefreshTokens: [] });
      return {};
    },
    async AdminUserGlobalSignOut(input) {
      const pool = await runtime.cognito.getUserPool(ctx(), stringField(input, 'UserPoolId') ?? '');
      const user = await pool.getUserByUsername(ctx(), stringField(input, 'Username') ?? '');
      if (!user) throw new AwsServiceError('UserNotFoundException', 'User does not exist.');
      await pool.saveUser(ctx(), { ...user, RefreshTokens: [] });
      return {};
    },
  };

  async function forward(operation: string, input: Record<string, unknown>): Promise<unknown> {
    const own = Object.hasOwn(ownOperations, operation) ? ownOperations[operation] : undefined;
    if (own) return own(input);
    const log = new RequestLog();
    const output = await runtime.route(operation)({ logger: log }, input);
    const swallowed = log.swallowed.find((error) => TRIGGER_ERROR_CODES.has(error.code));
    // AWS keeps the confirmation but fails the call, so the client learns that the trigger failed.
    if (swallowed) throw new AwsServiceError(swallowed.code, swallowed.message);
    return output;
  }

  function wellKnown(path: string): AwsResponse {
    const document =
      path.slice(wellKnownPrefix.length) === 'jwks.json'
        ? { keys: [signingKey.jwk] }
        : {
            issuer,
            jwks_uri: `${issuer}/.well-known/jwks.json`,
            id_token_signing_alg_values_supported: ['RS256'],
            subject_types_supported: ['public'],
          };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(document) };
  }

  return {
    name: 'cognito-idp',
    canHandle(request: AwsRequest) {
      if (request.method === 'POST' && request.target?.startsWith(`${USER_POOL_TARGET_PREFIX}.`)) return true;
      return (
        request.method === 'GET' &&
        request.target === undefined &&
        (request.path === `${wellKnownPrefix}jwks.json` || request.path === `${wellKnownPrefix}openid-configuration`)
      );
    },
    async handle(request: AwsRequest) {
      if (request.method === 'GET') return wellKnown(request.path);
      const operation = request.target?.slice(USER_POOL_TARGET_PREFIX.length + 1) ?? '';
      try {
        const input = parseJsonBody(request);
        await guard(operation, input);
        return awsJson(await forward(operation, input));
      } catch (error) {
        const answer = toAwsServiceError(operation, error);
        if (answer) return jsonErrorResponse(answer, JSON_VERSION);
        throw error;
      }
    },
  };
}

/**
 * Starts cognito-local in process on `dataDir` and returns the service the endpoint routes
 * `AWSCognitoIdentityProviderService.*` and the pool's `.well-known` documents to.
 */
export async function startUserPool(options: StartUserPoolOptions): Promise<LocalUserPool> {
  const dbDirectory = join(options.dataDir, 'db');
  await mkdir(dbDirectory, { recursive: true });
  const signingKey = await loadOrCreateSigningKey(options.dataDir);
  const runtime = await createCognitoLocal({
    signingKey,
    dbDirectory,
    issuerDomain: options.endpointUrl,
    lambdaEndpoint: options.endpointUrl,
    region: options.region,
    triggers: options.triggers,
  });
  const ids = await ensurePoolAndClient(runtime, options);
  const issuer = `${options.endpointUrl}/${ids.userPoolId}`;
  return {
    service: createUserPoolService(runtime, ids, issuer, signingKey),
    userPoolId: ids.userPoolId,
    userPoolClientId: ids.userPoolClientId,
    issuer,
    providerName: `cognito-idp.${options.region}.amazonaws.com/${ids.userPoolId}`,
    // Nothing to close: cognito-local runs in this process without a server of its own, and
    // StormDB writes each change to disk as it happens.
    stop: async () => {},
  };
}
