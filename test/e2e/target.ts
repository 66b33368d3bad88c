import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import {
  AdminConfirmSignUpCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { randomUUID } from 'node:crypto';
import { operatorClientConfig, readStackOutputs, type StackOutputs } from '../../infra/operations/outputs';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { E2E_ENV } from './environment';
import { pollUntil } from '../support/eventually';

/**
 * What the e2e tests may use: the stack's outputs, the user pool through the AWS SDK and the REST
 * API through HTTP, exactly as a client of API.md would. Nothing here reads a table, calls a
 * `_local` path or knows which runtime answers; the only privileged calls are the two a back office
 * makes to confirm a user (AdminConfirmSignUp, and AdminUpdateUserAttributes to mark the address
 * verified, which confirming with the emailed code does on AWS and which an unattended run cannot).
 */

let cached: StackOutputs | undefined;
export function target(): StackOutputs {
  const file = process.env[E2E_ENV.targetOutputs];
  if (!file) throw new Error(`${E2E_ENV.targetOutputs} is not set: the e2e tier runs under its global setup (npm run e2e, or jest --selectProjects e2e)`);
  cached ??= readStackOutputs(file, process.env[E2E_ENV.stack]);
  return cached;
}

/** The local administrator's key for the local cloud, the default credential chain on AWS. */
const clientConfig = () => operatorClientConfig(target(), LOCAL_ADMIN_CREDENTIALS);

let userPool: CognitoIdentityProviderClient | undefined;
const cognito = (): CognitoIdentityProviderClient => (userPool ??= new CognitoIdentityProviderClient(clientConfig()));

/** The identity pool as anyone on the network reaches it: its public operations, unsigned. */
export function anonymousIdentityPool(): CognitoIdentityClient {
  const { credentials: _ignored, ...config } = clientConfig();
  return new CognitoIdentityClient({ ...config, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, signer: { sign: async (request) => request } });
}

/** The login name of the user pool in an identity pool's `Logins` (the one this stack's pool does not trust). */
export const userPoolLogin = (): string => `cognito-idp.${target().region}.amazonaws.com/${target().userPoolId}`;

/** This file's run: in every address and tenant name, so that what a run leaves in a deployed pool can be found. */
export const RUN_ID = randomUUID().slice(0, 8);
/** Lower and upper case and digits, as the pool's policy asks (domain/identity.ts). */
const PASSWORD = `E2e-${randomUUID()}`;

export function uniqueEmail(label: string): string {
  return `e2e-${RUN_ID}-${label}-${randomUUID().slice(0, 4)}@${process.env[E2E_ENV.emailDomain] ?? 'example.com'}`;
}

export interface User {
  readonly userId: string;
  readonly email: string;
  idToken: string;
  refreshToken: string;
}

/**
 * Sign-up as a front end makes it, then confirmation as a back office makes it. `verified` marks the
 * address verified before the confirmation, so that the post-confirmation trigger sees a verified
 * address (what an invitation's claim needs) and POST /members can add the user at once.
 */
export async function signUp(label: string, options: { verified?: boolean; email?: string } = {}): Promise<User> {
  const { userPoolClientId, userPoolId } = target();
  const email = options.email ?? uniqueEmail(label);
  const created = await cognito().send(new SignUpCommand({ ClientId: userPoolClientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
  const userId = created.UserSub;
  if (!userId) throw new Error('SignUp returned no UserSub');
  if (options.verified) {
    // Cognito takes `email_verified` only together with `email`. The sub names the user on both runtimes.
    await cognito().send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: userPoolId,
        Username: userId,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
  }
  await cognito().send(new AdminConfirmSignUpCommand({ UserPoolId: userPoolId, Username: userId }));
  return { userId, email, ...(await signIn(email)) };
}

export async function signIn(email: string): Promise<{ idToken: string; refreshToken: string }> {
  const result = await cognito().send(
    new InitiateAuthCommand({ ClientId: target().userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD } }),
  );
  const tokens = result.AuthenticationResult;
  if (!tokens?.IdToken || !tokens.RefreshToken) throw new Error('sign-in returned no tokens');
  return { idToken: tokens.IdToken, refreshToken: tokens.RefreshToken };
}

export interface ApiResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

/** Every answer the API gave this file's tests, headers and body as received, for the credential-leak check. */
const answers: string[] = [];
export const recordedAnswers = (): readonly string[] => answers;

/** A call to the REST API, as a front end makes it. */
export async function api<T = Record<string, unknown>>(method: string, path: string, idToken?: string, body?: unknown): Promise<ApiResponse<T>> {
  const response = await fetch(`${target().apiUrl.replace(/\/$/, '')}${path}`, {
    method,
    headers: { ...(idToken ? { authorization: `Bearer ${idToken}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  answers.push(`${method} ${path} → ${response.status}\n${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n${text}`);
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

export const decodeClaims = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

/** The token with its claims changed and its signature kept: what a client that edits its own token sends. */
export function withEditedClaims(jwt: string, changes: Record<string, unknown>): string {
  const [header, , signature] = jwt.split('.');
  const payload = Buffer.from(JSON.stringify({ ...decodeClaims(jwt), ...changes })).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

/**
 * Polls until `probe` returns a value, for effects a deployed stack makes asynchronously (an
 * invitation claimed after the event bus delivered `user.confirmed`). 60 × 0.5 s: EventBridge and
 * Lambda's asynchronous invocation take seconds on AWS, milliseconds locally.
 */
export const eventually = <T>(probe: () => Promise<T | undefined>, what: string, attempts = 60): Promise<T> => pollUntil(probe, what, { attempts, intervalMs: 500 });

/** Releases the SDK clients' sockets so that jest's worker exits at once. */
export function closeClients(): void {
  userPool?.destroy();
  userPool = undefined;
}
