import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import {
  AdminConfirmSignUpCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TENANT_ID_CLAIM } from '../../domain/identity';
import { principalTagsFor } from '../../domain/isolation';
import { cognitoIdentityPool } from '../../handlers/authorizer/adapters';
import { FUNCTIONS } from '../../handlers/catalog';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import type { LocalOutputs } from '../../local/cloud';
import { pollUntil } from '../support/eventually';

/** The running local cloud's outputs, as global-setup read them from its outputs.json. */
export function outputs(): LocalOutputs {
  const raw = process.env.LOCAL_CLOUD_OUTPUTS;
  if (!raw) throw new Error('LOCAL_CLOUD_OUTPUTS is not set: the local tier runs under its global setup');
  return JSON.parse(raw) as LocalOutputs;
}

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** SDK clients exactly as a user would build them against the local endpoint. */
export function clients(credentials: Credentials = LOCAL_ADMIN_CREDENTIALS) {
  const { endpoint, region } = outputs();
  const config = { endpoint, region, credentials, disableHostPrefix: true } as const;
  return {
    dynamodb: new DynamoDBClient(config),
    cognito: new CognitoIdentityProviderClient(config),
    identity: new CognitoIdentityClient(config),
    events: new EventBridgeClient(config),
    sfn: new SFNClient(config),
  };
}

export const PASSWORD = 'Passw0rd-local';

export function uniqueEmail(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.com`;
}

/** Sign-up and admin confirmation, as a back office would confirm a user. Returns the user's sub. */
export async function signUpConfirmed(email: string): Promise<string> {
  const { cognito } = clients();
  const { userPoolId, userPoolClientId } = outputs();
  const signUp = await cognito.send(
    new SignUpCommand({ ClientId: userPoolClientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }),
  );
  await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: userPoolId, Username: email }));
  if (!signUp.UserSub) throw new Error('SignUp returned no UserSub');
  return signUp.UserSub;
}

export async function setActiveTenant(email: string, tenantId: string): Promise<void> {
  const { cognito } = clients();
  await cognito.send(
    new AdminUpdateUserAttributesCommand({
      UserPoolId: outputs().userPoolId,
      Username: email,
      UserAttributes: [{ Name: 'custom:tenant_id', Value: tenantId }],
    }),
  );
}

export async function signIn(email: string): Promise<{ idToken: string; accessToken: string; refreshToken: string }> {
  const { cognito } = clients();
  const result = await cognito.send(
    new InitiateAuthCommand({ ClientId: outputs().userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD } }),
  );
  const tokens = result.AuthenticationResult;
  if (!tokens?.IdToken || !tokens.AccessToken || !tokens.RefreshToken) throw new Error('sign-in returned no tokens');
  return { idToken: tokens.IdToken, accessToken: tokens.AccessToken, refreshToken: tokens.RefreshToken };
}

/**
 * Tenant-scoped credentials exactly as the authorizer mints them: the developer flow, signed as the
 * local administrator (the tests stand in for the authorizer's role), tagged with the token's user
 * and active tenant by the same function the authorizer uses. Users cannot make this call.
 */
export async function identityPoolCredentials(idToken: string): Promise<Credentials> {
  const claims = decodeClaims(idToken);
  const tenantId = typeof claims[TENANT_ID_CLAIM] === 'string' && claims[TENANT_ID_CLAIM] !== '' ? claims[TENANT_ID_CLAIM] : null;
  return mintCredentials({ userId: String(claims.sub), tenantId });
}

export async function mintCredentials(subject: { userId: string; tenantId: string | null }): Promise<Credentials> {
  const { identity } = clients();
  const issued = await cognitoIdentityPool(identity, outputs().identityPoolId).credentialsFor(subject.userId, principalTagsFor(subject));
  identity.destroy();
  return { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken };
}

/** Polls until `probe` returns a value, for effects that happen asynchronously (event delivery): locally they take milliseconds. */
export const eventually = <T>(probe: () => Promise<T | undefined>, what: string, attempts = 100): Promise<T> => pollUntil(probe, what, { attempts, intervalMs: 100 });

/** Everything the local cloud process has printed so far (its own lines and its functions' logs). */
export function cloudLog(): string {
  const stateDir = process.env.LOCAL_CLOUD_STATE_DIR;
  if (!stateDir) throw new Error('LOCAL_CLOUD_STATE_DIR is not set');
  return readFileSync(join(stateDir, 'cloud.log'), 'utf8');
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** A call to the REST API, as a front end makes it. */
export async function api<T = Record<string, unknown>>(method: string, path: string, idToken: string | undefined, body?: unknown): Promise<ApiResponse<T>> {
  const response = await fetch(`${outputs().apiUrl}${path}`, {
    method,
    headers: { ...(idToken ? { authorization: `Bearer ${idToken}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

export const decodeClaims = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

export interface SignedFetchInit {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** The signing name; no AWS service has the `/_local/*` paths, so any will do there. */
  readonly service?: string;
}

/**
 * A request to the local endpoint signed with SigV4 (smithy's signer, as every SDK client), for
 * the paths no SDK client covers (`/_local/faults`): the endpoint refuses them unsigned, as AWS
 * refuses any unsigned call.
 */
export async function signedFetch(path: string, init: SignedFetchInit, credentials: Credentials): Promise<Response> {
  const url = new URL(path, outputs().endpoint);
  const method = init.method ?? 'GET';
  const body = init.body ?? '';
  const signer = new SignatureV4({ service: init.service ?? 'local', region: outputs().region, credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...(init.headers ?? {}), host: url.host },
    body,
  });
  // fetch sets Host from the URL itself, to the same value that was signed.
  const { host: _host, ...headers } = signed.headers;
  return fetch(url, { method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body }) });
}

/** `signedFetch` as the local administrator: what the tests' fault injection uses. */
export function adminFetch(path: string, init: SignedFetchInit = {}): Promise<Response> {
  return signedFetch(path, init, LOCAL_ADMIN_CREDENTIALS);
}

export interface AuthorizerOutput {
  principalId: string;
  policyDocument: { Statement: { Effect: string; Action: string; Resource: string[] }[] };
  context: Record<string, string>;
}

/** The method ARN prefix (API and stage) the tests hand the authorizer, as API Gateway would. */
export const authorizerApiArn = (): string => `arn:aws:execute-api:${outputs().region}:${LOCAL_ACCOUNT_ID}:localapi/local`;

/** The Authorizer function invoked through the Lambda API with API Gateway's REQUEST event (signed as the administrator, as API Gateway's service role would). */
export async function invokeAuthorizer(idToken: string): Promise<{ output?: AuthorizerOutput; error?: { errorMessage: string } }> {
  const { endpoint, region } = outputs();
  const lambda = new LambdaClient({ endpoint, region, credentials: LOCAL_ADMIN_CREDENTIALS, disableHostPrefix: true });
  try {
    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: FUNCTIONS.authorizer.name,
        Payload: JSON.stringify({
          type: 'REQUEST',
          methodArn: `${authorizerApiArn()}/GET/me`,
          resource: '/me',
          path: '/me',
          httpMethod: 'GET',
          headers: { Authorization: `Bearer ${idToken}` },
        }),
      }),
    );
    const payload = JSON.parse(new TextDecoder().decode(response.Payload)) as unknown;
    return response.FunctionError ? { error: payload as { errorMessage: string } } : { output: payload as AuthorizerOutput };
  } finally {
    lambda.destroy();
  }
}
