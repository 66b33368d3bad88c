/**
 * The user pool (real cognito-local) behind a real endpoint on loopback, with a recording stand-in
 * for the Lambda API that its triggers call. Shared by the cognito-*.test.ts files.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import cognitoLocalPrivateKey from 'cognito-local/lib/keys/cognitoLocal.private.json';
import { startUserPool, type LocalUserPool } from '../../../local/cognito/user-pool';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS, LOCAL_REGION } from '../../../local/config';
import { startEndpoint, type Endpoint } from '../../../local/server/endpoint';
import type { AwsRequest, AwsResponse, LocalService } from '../../../local/server/types';

export const POST_CONFIRMATION_FUNCTION = 'PostConfirmation';

export interface RecordedInvocation {
  readonly functionName: string;
  readonly event: Record<string, unknown>;
}

/** Answers Lambda's Invoke as a function that returns its event, or fails when told to. */
export class RecordingLambda implements LocalService {
  readonly name = 'lambda-recorder';
  readonly invocations: RecordedInvocation[] = [];
  failWith: string | undefined;

  canHandle(request: AwsRequest): boolean {
    return request.method === 'POST' && /^\/2015-03-31\/functions\/[^/]+\/invocations$/.test(request.path);
  }

  async handle(request: AwsRequest): Promise<AwsResponse> {
    const functionName = decodeURIComponent(request.path.split('/')[3] ?? '');
    const event = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
    this.invocations.push({ functionName, event });
    if (this.failWith) {
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' },
        body: JSON.stringify({ errorType: 'Error', errorMessage: this.failWith }),
      };
    }
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) };
  }
}

export interface CognitoFixture {
  readonly endpoint: Endpoint;
  readonly userPool: LocalUserPool;
  readonly lambda: RecordingLambda;
  readonly idp: CognitoIdentityProviderClient;
  readonly dataDir: string;
  /** Stops the endpoint and the pool; removes the data directory unless it was given. */
  stop(): Promise<void>;
}

export async function startCognitoFixture(options: { dataDir?: string; extraServices?: LocalService[] } = {}): Promise<CognitoFixture> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'cognito-test-')));
  const extraServices = options.extraServices ?? [];
  const lambda = new RecordingLambda();
  const endpoint = await startEndpoint({ port: 0, services: [lambda, ...extraServices] });
  const userPool = await startUserPool({
    endpointUrl: endpoint.url,
    dataDir,
    triggers: { PostConfirmation: POST_CONFIRMATION_FUNCTION },
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
  });
  endpoint.addService(userPool.service);
  const idp = new CognitoIdentityProviderClient({
    endpoint: endpoint.url,
    region: LOCAL_REGION,
    credentials: LOCAL_ADMIN_CREDENTIALS,
    disableHostPrefix: true,
  });
  return {
    endpoint,
    userPool,
    lambda,
    idp,
    dataDir,
    async stop() {
      idp.destroy();
      await endpoint.stop();
      await userPool.stop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const PASSWORD = 'Correct-Horse-9';

let userCounter = 0;
export const uniqueEmail = (label: string): string => `${label}-${process.pid}-${++userCounter}@example.com`;

export interface SignedInUser {
  readonly email: string;
  readonly sub: string;
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** Sign-up, admin confirmation and a password sign-in: a user as the web app would have one. */
export async function signUpAndSignIn(fixture: CognitoFixture, label: string): Promise<SignedInUser> {
  const email = uniqueEmail(label);
  const signUp = await fixture.idp.send(
    new SignUpCommand({ ClientId: fixture.userPool.userPoolClientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }),
  );
  await fixture.idp.send(new AdminConfirmSignUpCommand({ UserPoolId: fixture.userPool.userPoolId, Username: email }));
  const auth = await fixture.idp.send(
    new InitiateAuthCommand({
      ClientId: fixture.userPool.userPoolClientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD },
    }),
  );
  const result = auth.AuthenticationResult;
  if (!result?.IdToken || !result.AccessToken || !result.RefreshToken || !signUp.UserSub) throw new Error('sign-in returned no tokens');
  return { email, sub: signUp.UserSub, idToken: result.IdToken, accessToken: result.AccessToken, refreshToken: result.RefreshToken };
}

export { decodeClaims } from '../support';

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An RS256 JWT with the header cognito-local uses, signed with the given key. */
export function signJwt(claims: Record<string, unknown>, privateKeyPem: string): string {
  const unsigned = `${base64url({ alg: 'RS256', typ: 'JWT', kid: 'CognitoLocal' })}.${base64url(claims)}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKeyPem).toString('base64url');
  return `${unsigned}.${signature}`;
}

/** Signed with cognito-local's own key: valid in every way the claims allow. */
export const signAsUserPool = (claims: Record<string, unknown>): string => signJwt(claims, cognitoLocalPrivateKey.pem);

/** Signed with a key the user pool never had, under the pool's key id. */
export const signWithForeignKey = (claims: Record<string, unknown>): string =>
  signJwt(claims, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
