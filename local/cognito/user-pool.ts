/**
 * The local user pool: cognito-local behind the single endpoint, with the pool and app client
 * defined by domain/identity.ts, and the Cognito rules that cognito-local lacks enforced in front
 * of it (see README.md in this folder).
 */
import { randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JwtVerifier } from 'aws-jwt-verify';
import { JwtExpiredError } from 'aws-jwt-verify/error';
import type { Jwks } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { CodeMismatchError, CognitoError, ExpiredCodeError, UnsupportedError } from 'cognito-local/lib/errors';
import type { AppClient } from 'cognito-local/lib/services/appClient';
import type { DeliveryDetails } from 'cognito-local/lib/services/messageDelivery/messageDelivery';
import { USER_POOL_AWS_DEFAULTS } from 'cognito-local/lib/services/cognitoService';
import {
  attributeValue,
  type User,
  type UserPool as CognitoLocalUserPool,
  type UserPoolService,
} from 'cognito-local/lib/services/userPoolService';
import { APP_CLIENT, AUTO_VERIFIED_ATTRIBUTES, CUSTOM_ATTRIBUTES, PASSWORD_POLICY } from '../../domain/identity';
import { AwsServiceError, jsonErrorResponse, parseJsonBody } from '../server/aws-json';
import type { AwsRequest, AwsResponse, LocalService } from '../server/types';
import { createCognitoLocal, RequestLog, type CognitoLocal, type SentMessage, type TriggerFunctions } from './cognito-local';
import {
  assertAttributesWritable,
  assertAuthFlowAllowed,
  assertPasswordConforms,
  attributeInput,
  maskedCodeDelivery,
  sameEmail,
  simulatedCodeDelivery,
} from './rules';
import { AuthSessions } from './auth-sessions';
import { ADMIN_ALIAS_OPERATIONS, pageOfGroups, TokenRevocations, withTokenLifetime } from './aws-answers';
import { hasSignatureOf, loadOrCreateSigningKey, type SigningKey } from './signing-key';
import { attemptLimitExceeded, CodeAttempts, otp, type CodeCheckOutcome } from './verification-codes';
import { JSON_WIRE } from '../server/wire';

export const USER_POOL_TARGET_PREFIX = JSON_WIRE.cognitoIdentityProvider.targetPrefix;
/** GlobalSignOut times, kept with the pool's data (aws-answers.ts TokenRevocations). */
export const REVOCATIONS_FILE = 'token-revocations.json';
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
  /** Codes the pool sent (no mail leaves the laptop): the inspector's Mail view. */
  readonly outbox: () => readonly SentMessage[];
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
    // As deployed: SignUp sends the code that confirms the user and verifies the address.
    AutoVerifiedAttributes: [...AUTO_VERIFIED_ATTRIBUTES],
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

/** Operations whose answer may be a challenge with a Session to respond to. */
const CHALLENGE_ISSUERS = new Set(['InitiateAuth', 'AdminInitiateAuth', 'RespondToAuthChallenge', 'AdminRespondToAuthChallenge']);

const REFRESH_FLOWS = new Set(['REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN']);
/** Flows that name the user and their password in one call (the ones PreventUserExistenceErrors answers generically). */
const PASSWORD_FLOWS = new Set(['USER_PASSWORD_AUTH', 'ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH']);
const SIGN_IN_OPERATIONS = new Set(['InitiateAuth', 'AdminInitiateAuth']);

/** Operations that check a code the pool sent; their wrong guesses are limited (verification-codes.ts). */
const CODE_CHECKS = new Set(['ConfirmForgotPassword', 'ConfirmSignUp', 'VerifyUserAttribute']);
/** cognito-local's answers to a wrong or stale code: the failures that count. */
const CODE_FAILURES = new Set(['CodeMismatchException', 'ExpiredCodeException']);

/** Requests that create a user or change an email: one at a time, so that two cannot take the same address. */
const writesEmail = (operation: string, input: Record<string, unknown>): boolean =>
  operation === 'SignUp' ||
  operation === 'AdminCreateUser' ||
  ((operation === 'UpdateUserAttributes' || operation === 'AdminUpdateUserAttributes') && attributeInput(input.UserAttributes, 'email') !== undefined);

const INCORRECT_CREDENTIALS = 'Incorrect username or password.';
const EMAIL_TAKEN = 'An account with the given email already exists.';

const hidesUserExistence = (client: AppClient | null): boolean => client?.PreventUserExistenceErrors === 'ENABLED';

const errorCode = (error: unknown): string | undefined =>
  error instanceof CognitoError || error instanceof AwsServiceError ? error.code : undefined;

/**
 * An answer's CodeDeliveryDetails (and lists of them) with their destinations masked, as Cognito
 * answers; cognito-local shows the whole address. Masking is idempotent, so simulated ones pass.
 */
function withMaskedDeliveries(output: unknown): unknown {
  if (output === null || typeof output !== 'object') return output;
  const record = output as Record<string, unknown>;
  if (!('CodeDeliveryDetails' in record) && !Array.isArray(record.CodeDeliveryDetailsList)) return output;
  const masked: Record<string, unknown> = { ...record };
  if ('CodeDeliveryDetails' in record) masked.CodeDeliveryDetails = maskedCodeDelivery(record.CodeDeliveryDetails);
  if (Array.isArray(record.CodeDeliveryDetailsList)) masked.CodeDeliveryDetailsList = record.CodeDeliveryDetailsList.map(maskedCodeDelivery);
  return masked;
}

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
  if (!hasSignatureOf(token, { publicKey })) return false;
  const payload = token.split('.')[1] ?? '';
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown; exp?: unknown };
    return claims.iss === issuer && typeof claims.exp === 'number' && claims.exp * 1000 > now.getTime();
  } catch {
    return false;
  }
}

function createUserPoolService(runtime: CognitoLocal, ids: PersistedIds, issuer: string, signingKey: SigningKey, dataDir: string): LocalService {
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
  const codeAttempts = new CodeAttempts();
  let emailWrites: Promise<unknown> = Promise.resolve();

  /** Runs `work` once every email write that came before it has finished. */
  function serializeEmailWrite<T>(work: () => Promise<T>): Promise<T> {
    const run = emailWrites.then(work);
    emailWrites = run.catch(() => undefined);
    return run;
  }

  const revocations = new TokenRevocations(Date.now, join(dataDir, REVOCATIONS_FILE));

  async function verifyAccessToken(token: string): Promise<JwtPayload> {
    let claims: JwtPayload;
    try {
      claims = await accessTokens.verify(token);
    } catch (error) {
      throw new AwsServiceError('NotAuthorizedException', error instanceof JwtExpiredError ? 'Access Token has expired' : 'Invalid Access Token');
    }
    revocations.assertNotRevoked(claims);
    return claims;
  }

  async function appClient(clientId: string | undefined): Promise<AppClient | null> {
    return clientId ? runtime.cognito.getAppClient(ctx(), clientId) : null;
  }

  const sessions = new AuthSessions();
  const poolOf = (client: AppClient): Promise<UserPoolService> => runtime.cognito.getUserPoolForClientId(ctx(), client.ClientId);

  /** cognito-local signs disabled users in; AWS does not. */
  function assertUserEnabled(user: User | null): void {
    if (user && user.Enabled === false) throw new AwsServiceError('NotAuthorizedException', 'User is disabled.');
  }

  /**
   * Email is the pool's sign-in attribute (UsernameAttributes), so an address belongs to one user:
   * "The email address or phone number must be unique, and it must not already be in use by another
   * user. It doesn't have to be verified." (developer guide, user pool attributes, sign-in with
   * email as the user name). cognito-local checks nothing, and then signs in whichever holder it
   * finds first.
   */
  async function emailHolder(pool: UserPoolService, emails: readonly string[], except?: string): Promise<User | undefined> {
    if (emails.length === 0) return undefined;
    // One pass over the pool's users, however many addresses the request names.
    const users = await pool.listUsers(ctx());
    return users.find((user) => {
      const held = attributeValue('email', user.Attributes);
      return user.Username !== except && held !== undefined && emails.some((email) => sameEmail(held, email));
    });
  }

  /**
   * UpdateUserAttributes and AdminUpdateUserAttributes of an address another user has: AWS's
   * `AliasExistsException` (listed in both API references: "an account with this email address
   * or phone already exists in a user pool that you've configured to use email address or phone
   * number as a sign-in alias"). Whether the change leaves the email unverified is cognito-local's
   * part: it adds `email_verified: false` unless the request sets it, as AWS does (the
   * AdminUpdateUserAttributes reference: include `email_verified` `true` to skip verification);
   * token-generator.ts makes the ID token say so.
   */
  async function assertEmailFreeFor(pool: UserPoolService, attributes: unknown, username: string): Promise<void> {
    const email = attributeInput(attributes, 'email');
    if (email && (await emailHolder(pool, [email], username))) throw new AwsServiceError('AliasExistsException', EMAIL_TAKEN);
  }

  /** SignUp and AdminCreateUser of an address another user has: `UsernameExistsException`, AWS's answer for a taken user name. */
  async function assertNewUserEmailFree(pool: UserPoolService, input: Record<string, unknown>): Promise<void> {
    const names = [stringField(input, 'Username'), attributeInput(input.UserAttributes, 'email')].filter((name): name is string => Boolean(name));
    if (await emailHolder(pool, names)) throw new AwsServiceError('UsernameExistsException', EMAIL_TAKEN);
  }

  async function guardSignIn(input: Record<string, unknown>): Promise<void> {
    const client = await appClient(stringField(input, 'ClientId'));
    if (!client) return; // cognito-local answers the unknown client itself
    const authFlow = input.AuthFlow;
    assertAuthFlowAllowed(authFlow, client.ExplicitAuthFlows);
    const parameters = recordField(input, 'AuthParameters');
    const pool = await poolOf(client);
    if (typeof authFlow === 'string' && REFRESH_FLOWS.has(authFlow)) {
      const token = stringField(parameters, 'REFRESH_TOKEN');
      if (token === undefined) return;
      // cognito-local only looks the token up in the user's list and never checks its expiry.
      if (!isValidRefreshToken(token, issuer, signingKey.publicKey)) throw new AwsServiceError('NotAuthorizedException', 'Invalid Refresh Token');
      assertUserEnabled(await pool.getUserByRefreshToken(ctx(), token));
    } else {
      const username = stringField(parameters, 'USERNAME');
      if (username === undefined) return;
      const user = await pool.getUserByUsername(ctx(), username);
      // "Managing user existence error responses": with PreventUserExistenceErrors ENABLED, password
      // flows answer an unknown user as a wrong password ("a generic NotAuthorizedException error
      // indicating either the user name or password is incorrect"); cognito-local says "User not authorized".
      if (!user && typeof authFlow === 'string' && PASSWORD_FLOWS.has(authFlow)) {
        throw hidesUserExistence(client)
          ? new AwsServiceError('NotAuthorizedException', INCORRECT_CREDENTIALS)
          : new AwsServiceError('UserNotFoundException', 'User does not exist.');
      }
      assertUserEnabled(user);
    }
  }

  /** A challenge response names the session of a challenge issued to that user and client (auth-sessions.ts). */
  async function guardChallengeResponse(input: Record<string, unknown>): Promise<void> {
    const client = await appClient(stringField(input, 'ClientId'));
    if (!client) return; // cognito-local answers the unknown client itself
    const username = stringField(recordField(input, 'ChallengeResponses'), 'USERNAME') ?? '';
    const user = await (await poolOf(client)).getUserByUsername(ctx(), username);
    const subject = { clientId: client.ClientId, username: user?.Username ?? '', challengeName: stringField(input, 'ChallengeName') ?? '' };
    if (!user || !sessions.consume(stringField(input, 'Session') ?? '', subject)) {
      throw new AwsServiceError('NotAuthorizedException', 'Invalid session for the user.');
    }
    assertUserEnabled(user);
  }

  /** Remembers the session of a challenge the pool just issued, so that only its response is taken. */
  function recordChallenge(input: Record<string, unknown>, output: unknown): void {
    const answer = typeof output === 'object' && output !== null ? (output as Record<string, unknown>) : {};
    const session = stringField(answer, 'Session');
    const challengeName = stringField(answer, 'ChallengeName');
    const username = stringField(recordField(answer, 'ChallengeParameters'), 'USER_ID_FOR_SRP');
    const clientId = stringField(input, 'ClientId');
    if (session && challengeName && username && clientId) sessions.issue(session, { clientId, username, challengeName });
  }

  /**
   * Checks that run before cognito-local sees the request; each throws as AWS would answer.
   * Returns the verified access token's claims when the request carries one.
   */
  async function guard(operation: string, input: Record<string, unknown>): Promise<JwtPayload | undefined> {
    // cognito-local decodes access tokens without verifying them, so a forged one would pass.
    const accessToken = stringField(input, 'AccessToken');
    const accessClaims = accessToken === undefined ? undefined : await verifyAccessToken(accessToken);
    switch (operation) {
      case 'SignUp': {
        const client = await appClient(stringField(input, 'ClientId'));
        if (client) assertAttributesWritable(input.UserAttributes ?? [], client.WriteAttributes);
        assertPasswordConforms(input.Password, PASSWORD_POLICY);
        if (client) await assertNewUserEmailFree(await poolOf(client), input);
        break;
      }
      case 'UpdateUserAttributes': {
        const clientId = accessClaims?.client_id;
        const client = await appClient(typeof clientId === 'string' ? clientId : undefined);
        if (!client) break;
        assertAttributesWritable(input.UserAttributes ?? [], client.WriteAttributes);
        const pool = await poolOf(client);
        const caller = await pool.getUserByUsername(ctx(), String(accessClaims?.sub));
        if (caller) await assertEmailFreeFor(pool, input.UserAttributes, caller.Username);
        break;
      }
      case 'AdminUpdateUserAttributes': {
        if (attributeInput(input.UserAttributes, 'email') === undefined) break; // the control plane's custom attributes
        const pool = await runtime.cognito.getUserPool(ctx(), stringField(input, 'UserPoolId') ?? '');
        const user = await pool.getUserByUsername(ctx(), stringField(input, 'Username') ?? '');
        if (user) await assertEmailFreeFor(pool, input.UserAttributes, user.Username);
        break;
      }
      case 'ConfirmSignUp': {
        // cognito-local re-confirms a confirmed user whose stored code matches, and its one stored code
        // is also a pending ForgotPassword code: answered as AWS does, without checking the code.
        const client = await appClient(stringField(input, 'ClientId'));
        const user = client ? await (await poolOf(client)).getUserByUsername(ctx(), stringField(input, 'Username') ?? '') : null;
        if (user && user.UserStatus !== 'UNCONFIRMED') {
          throw new AwsServiceError('NotAuthorizedException', `User cannot be confirmed. Current status is ${user.UserStatus}`);
        }
        break;
      }
      case 'ChangePassword': {
        // cognito-local answers a wrong previous password InvalidPasswordException; Cognito's
        // ChangePassword reference lists NotAuthorizedException for wrong credentials.
        const pool = await runtime.cognito.getUserPoolForClientId(ctx(), String(accessClaims?.client_id));
        const user = await pool.getUserByUsername(ctx(), String(accessClaims?.username));
        if (user && input.PreviousPassword !== user.Password) throw new AwsServiceError('NotAuthorizedException', INCORRECT_CREDENTIALS);
        assertPasswordConforms(input.ProposedPassword, PASSWORD_POLICY);
        break;
      }
      case 'AdminConfirmSignUp': {
        // cognito-local: NotAuthorizedException; AdminConfirmSignUp's reference lists UserNotFoundException.
        const pool = await runtime.cognito.getUserPool(ctx(), stringField(input, 'UserPoolId') ?? '');
        if (!(await pool.getUserByUsername(ctx(), stringField(input, 'Username') ?? ''))) throw new AwsServiceError('UserNotFoundException', 'User does not exist.');
        break;
      }
      case 'ConfirmForgotPassword':
      case 'AdminSetUserPassword':
        assertPasswordConforms(input.Password, PASSWORD_POLICY);
        break;
      case 'AdminCreateUser': {
        assertPasswordConforms(input.TemporaryPassword, PASSWORD_POLICY);
        const poolId = stringField(input, 'UserPoolId');
        if (poolId && input.MessageAction !== 'RESEND') await assertNewUserEmailFree(await runtime.cognito.getUserPool(ctx(), poolId), input);
        break;
      }
      case 'RespondToAuthChallenge':
      case 'AdminRespondToAuthChallenge':
        assertPasswordConforms(recordField(input, 'ChallengeResponses').NEW_PASSWORD, PASSWORD_POLICY);
        await guardChallengeResponse(input);
        break;
      case 'DeleteUserAttributes': {
        // AWS checks the app client's write attributes on deletion too: a user may not clear the
        // active tenant the control plane set.
        const clientId = accessClaims?.client_id;
        const client = await appClient(typeof clientId === 'string' ? clientId : undefined);
        const names = Array.isArray(input.UserAttributeNames) ? (input.UserAttributeNames as unknown[]).map((Name) => ({ Name })) : [];
        if (client) assertAttributesWritable(names, client.WriteAttributes);
        break;
      }
      case 'InitiateAuth':
      case 'AdminInitiateAuth':
        await guardSignIn(input);
        break;
      default:
        break;
    }
    return accessClaims;
  }

  /** Operations cognito-local lacks, done here on its data. Sign-out revokes the refresh tokens. */
  const ownOperations: Record<string, (input: Record<string, unknown>) => Promise<unknown>> = {
    async GlobalSignOut(input) {
      const claims = await verifyAccessToken(stringField(input, 'AccessToken') ?? '');
      const pool = await runtime.cognito.getUserPoolForClientId(ctx(), String(claims.client_id));
      const user = await pool.getUserByUsername(ctx(), String(claims.sub));
      if (!user) throw new AwsServiceError('NotAuthorizedException', 'Invalid Access Token');
      await pool.saveUser(ctx(), { ...user, RefreshTokens: [] });
      revocations.revokeAll(String(claims.sub));
      return {};
    },
    async AdminUserGlobalSignOut(input) {
      const pool = await runtime.cognito.getUserPool(ctx(), stringField(input, 'UserPoolId') ?? '');
      const user = await pool.getUserByUsername(ctx(), stringField(input, 'Username') ?? '');
      if (!user) throw new AwsServiceError('UserNotFoundException', 'User does not exist.');
      await pool.saveUser(ctx(), { ...user, RefreshTokens: [] });
      revocations.revokeAll(attributeValue('sub', user.Attributes) ?? user.Username);
      return {};
    },
    async ListGroups(input) {
      const output = (await forward('ListGroups', input, true)) as { Groups?: { GroupName?: string }[] };
      return pageOfGroups(output.Groups ?? [], input);
    },
    /**
     * A new sign-up code for an unconfirmed user, delivered (printed) as cognito-local delivers the
     * first. With PreventUserExistenceErrors ENABLED, "Amazon Cognito returns CodeDeliveryDetails for
     * a disabled user or a user that doesn't exist" ("Managing user existence error responses");
     * a confirmed user gets the same answer and no code, so the answer tells nobody who exists.
     */
    async ResendConfirmationCode(input) {
      const clientId = stringField(input, 'ClientId') ?? '';
      const client = await appClient(clientId);
      const pool = await runtime.cognito.getUserPoolForClientId(ctx(), clientId); // ResourceNotFoundException for an unknown client
      const username = stringField(input, 'Username') ?? '';
      const user = await pool.getUserByUsername(ctx(), username);
      const email = user ? attributeValue('email', user.Attributes) : undefined;
      if (!user || user.Enabled === false || user.UserStatus !== 'UNCONFIRMED' || !email) {
        if (hidesUserExistence(client)) return { CodeDeliveryDetails: simulatedCodeDelivery(username) };
        if (!user) throw new AwsServiceError('UserNotFoundException', 'Username/client id combination not found.');
        throw new AwsServiceError('InvalidParameterException', user.UserStatus !== 'UNCONFIRMED' ? 'User is already confirmed.' : 'User has no email to send a code to.');
      }
      const delivery: DeliveryDetails = { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: email };
      const code = otp();
      const clientMetadata = recordField(input, 'ClientMetadata') as Record<string, string>;
      await runtime.messages.deliver(ctx(), 'ResendCode', clientId, pool.options.Id, user, code, clientMetadata, delivery);
      await pool.saveUser(ctx(), { ...user, ConfirmationCode: code, UserLastModifiedDate: new Date() });
      return { CodeDeliveryDetails: delivery };
    },
  };

  /** `cognitoLocal`: straight to cognito-local, for an operation of ours that builds on its answer. */
  async function forward(operation: string, input: Record<string, unknown>, cognitoLocal = false): Promise<unknown> {
    const own = !cognitoLocal && Object.hasOwn(ownOperations, operation) ? ownOperations[operation] : undefined;
    if (own) return own(input);
    const log = new RequestLog();
    const output = await runtime.route(operation)({ logger: log }, input);
    // cognito-local keeps the sign-up code after an admin confirms the user, where it stays valid
    // for ConfirmForgotPassword forever; on AWS a confirmation consumes it.
    if (operation === 'AdminConfirmSignUp') await discardConfirmationCode(stringField(input, 'UserPoolId'), stringField(input, 'Username'));
    const swallowed = log.swallowed.find((error) => TRIGGER_ERROR_CODES.has(error.code));
    // AWS keeps the confirmation but fails the call, so the client learns that the trigger failed.
    if (swallowed) throw new AwsServiceError(swallowed.code, swallowed.message);
    return output;
  }

  async function discardConfirmationCode(poolId: string | undefined, username: string | undefined): Promise<void> {
    if (!poolId || !username) return;
    const pool = await runtime.cognito.getUserPool(ctx(), poolId);
    const user = await pool.getUserByUsername(ctx(), username);
    if (user?.ConfirmationCode !== undefined) await pool.saveUser(ctx(), { ...user, ConfirmationCode: undefined });
  }

  /**
   * ForgotPassword with PreventUserExistenceErrors ENABLED: "When a user isn't found, is
   * deactivated, or doesn't have a verified delivery mechanism to recover their password, Amazon
   * Cognito returns CodeDeliveryDetails with a simulated delivery medium" ("Managing user
   * existence error responses"). cognito-local answers UserNotFoundException and sends disabled
   * users a code. (Unverified addresses still get one here: local users are confirmed by an admin,
   * without verification, and would otherwise never get a code.)
   */
  async function forgotPassword(input: Record<string, unknown>): Promise<unknown> {
    const client = await appClient(stringField(input, 'ClientId'));
    if (client && hidesUserExistence(client)) {
      const username = stringField(input, 'Username') ?? '';
      const user = await (await poolOf(client)).getUserByUsername(ctx(), username);
      if (!user || user.Enabled === false) return { CodeDeliveryDetails: simulatedCodeDelivery(username) };
    }
    return forward('ForgotPassword', input);
  }

  interface CodeOwner {
    /** Pool and user whose failures count together: the user's own name, or the name given for an unknown one. */
    readonly key: string;
    readonly user: User | null;
    readonly hidesExistence: boolean;
  }

  async function codeOwner(operation: string, input: Record<string, unknown>, accessClaims: JwtPayload | undefined): Promise<CodeOwner | undefined> {
    if (operation === 'VerifyUserAttribute') {
      if (!accessClaims) return undefined;
      const client = await appClient(String(accessClaims.client_id));
      if (!client) return undefined;
      const pool = await poolOf(client);
      const user = await pool.getUserByUsername(ctx(), String(accessClaims.sub));
      return { key: `${pool.options.Id}/${user?.Username ?? String(accessClaims.sub)}`, user, hidesExistence: hidesUserExistence(client) };
    }
    const client = await appClient(stringField(input, 'ClientId'));
    if (!client) return undefined; // cognito-local answers the unknown client
    const pool = await poolOf(client);
    const username = stringField(input, 'Username') ?? '';
    const user = await pool.getUserByUsername(ctx(), username);
    return { key: `${pool.options.Id}/${user ? user.Username : `?${username.toLowerCase()}`}`, user, hidesExistence: hidesUserExistence(client) };
  }

  /**
   * The pool auto-verifies email (CDK `autoVerify: { email: true }`), so its confirmation code goes
   * to the address, and confirming sign-up with it verifies the address: "Amazon Cognito ... marks
   * the attribute as verified when the user enters the code" (developer guide, verifying contact
   * information at sign-up). cognito-local confirms the account only. Set before cognito-local
   * confirms, and only for the right code, so that the PostConfirmation trigger, and every subscriber
   * of `user.confirmed` after it, already sees `email_verified` true. AdminConfirmSignUp verifies
   * nothing, on AWS as here.
   */
  async function verifyEmailOnConfirmation(owner: CodeOwner, input: Record<string, unknown>): Promise<void> {
    const user = owner.user;
    const code = stringField(input, 'ConfirmationCode');
    if (!user || user.UserStatus !== 'UNCONFIRMED' || code === undefined || user.ConfirmationCode !== code) return;
    if (attributeValue('email', user.Attributes) === undefined) return;
    const client = await appClient(stringField(input, 'ClientId'));
    if (!client) return;
    const attributes = [...(user.Attributes ?? []).filter((attribute) => attribute.Name !== 'email_verified'), { Name: 'email_verified', Value: 'true' }];
    await (await poolOf(client)).saveUser(ctx(), { ...user, Attributes: attributes });
  }

  /** A code check, let through only while its user has failures left; its outcome is counted. */
  async function checkCode(operation: string, input: Record<string, unknown>, owner: CodeOwner): Promise<unknown> {
    if (!codeAttempts.begin(owner.key)) throw attemptLimitExceeded();
    let outcome: CodeCheckOutcome = 'inconclusive';
    try {
      if (operation === 'ConfirmForgotPassword' && owner.hidesExistence && (!owner.user || owner.user.Enabled === false)) {
        // "Amazon Cognito returns the CodeMismatchException error for users that don't exist or are disabled."
        throw new CodeMismatchError();
      }
      if (operation === 'ConfirmForgotPassword' && owner.user && owner.user.ConfirmationCode === undefined) {
        // "If a code isn't requested when using ForgotPassword, Amazon Cognito returns the ExpiredCodeException error."
        throw new ExpiredCodeError();
      }
      if (operation === 'ConfirmSignUp') await verifyEmailOnConfirmation(owner, input);
      const output = await forward(operation, input);
      outcome = 'accepted';
      return output;
    } catch (error) {
      const code = errorCode(error);
      if (code !== undefined && CODE_FAILURES.has(code)) outcome = 'rejected';
      else if (code !== undefined && TRIGGER_ERROR_CODES.has(code)) outcome = 'accepted'; // the code was right; a trigger failed after
      throw error;
    } finally {
      codeAttempts.finish(owner.key, outcome);
    }
  }

  /** The guards, then the operation: ours, cognito-local's, or a code check counted per user. */
  async function serve(operation: string, request: Record<string, unknown>): Promise<unknown> {
    const accessClaims = await guard(operation, request);
    if (operation === 'ForgotPassword') return withMaskedDeliveries(await forgotPassword(request));
    const input = ADMIN_ALIAS_OPERATIONS.has(operation) ? await withOwnUsername(request) : request;
    const owner = CODE_CHECKS.has(operation) ? await codeOwner(operation, input, accessClaims) : undefined;
    const output = owner ? await checkCode(operation, input, owner) : await forward(operation, input);
    if (!CHALLENGE_ISSUERS.has(operation)) return withMaskedDeliveries(output);
    recordChallenge(input, output);
    const accessToken = (output as { AuthenticationResult?: { AccessToken?: unknown } } | undefined)?.AuthenticationResult?.AccessToken;
    if (typeof accessToken === 'string') revocations.issued(accessToken);
    return withTokenLifetime(output);
  }

  /** The request with `Username` as the user's own name when it names them by an alias (their email). */
  async function withOwnUsername(input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const pool = await runtime.cognito.getUserPool(ctx(), stringField(input, 'UserPoolId') ?? '');
    const user = await pool.getUserByUsername(ctx(), stringField(input, 'Username') ?? '');
    return user ? { ...input, Username: user.Username } : input;
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
        const output = await (writesEmail(operation, input) ? serializeEmailWrite(() => serve(operation, input)) : serve(operation, input));
        return awsJson(output);
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
    service: createUserPoolService(runtime, ids, issuer, signingKey, options.dataDir),
    userPoolId: ids.userPoolId,
    userPoolClientId: ids.userPoolClientId,
    issuer,
    providerName: `cognito-idp.${options.region}.amazonaws.com/${ids.userPoolId}`,
    outbox: () => [...runtime.outbox],
    // Nothing to close: cognito-local runs in this process without a server of its own, and
    // StormDB writes each change to disk as it happens.
    stop: async () => {},
  };
}
