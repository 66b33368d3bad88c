/**
 * The user pool (real cognito-local) behind a real endpoint on loopback, with a recording stand-in
 * for the Lambda API that its triggers call. Shared by the cognito-*.test.ts files.
 */
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
// Only to forge with: the key cognito-local ships in its npm package, which the pool must refuse.
import shippedPrivateKey from 'cognito-local/lib/keys/cognitoLocal.private.json';
import { readSigningKey, type SigningKey } from '../../../local/cognito/signing-key';
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
  /** The pool's own key, read from its data directory: lets a test sign as the pool would. */
  readonly signingKey: SigningKey;
  /** Stops the endpoint and the pool; removes the data directory unless it was given. */
  stop(): Promise<void>;
}

export interface CognitoFixtureOptions {
  readonly dataDir?: string;
  readonly extraServices?: LocalService[];
  /** 0 (any free port) unless told; a restart on the same port keeps the issuer of earlier tokens. */
  readonly port?: number;
}

async function poolSigningKey(dataDir: string): Promise<SigningKey> {
  const key = await readSigningKey(dataDir);
  if (!key) throw new Error(`the user pool kept no signing key in ${dataDir}`);
  return key;
}

export async function startCognitoFixture(options: CognitoFixtureOptions = {}): Promise<CognitoFixture> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'cognito-test-')));
  const extraServices = options.extraServices ?? [];
  const lambda = new RecordingLambda();
  const endpoint = await startEndpoint({ port: options.port ?? 0, services: [lambda, ...extraServices] });
  const userPool = await startUserPool({
    endpointUrl: endpoint.url,
    dataDir,
    triggers: { PostConfirmation: POST_CONFIRMATION_FUNCTION },
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
  });
  endpoint.addService(userPool.service);
  const signingKey = await poolSigningKey(dataDir);
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
    signingKey,
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

export interface SentCodes {
  /** The last code the pool sent to `address`; throws when it sent none. */
  codeSentTo(address: string): string;
  /** How many codes the pool sent to `address` while watched. */
  countSentTo(address: string): number;
  /** Gives the console back. */
  stop(): void;
}

const SENT_CODE_LINE = /^\[cognito-local\] email to (\S+) \(user [^)]*\): code (\S+)$/;

/**
 * The codes the pool sends. No mail leaves the laptop: the pool prints one console line per message
 * (local/cognito/cognito-local.ts); while watched, those lines are read back instead of printed.
 */
export function watchSentCodes(): SentCodes {
  const sent: { address: string; code: string }[] = [];
  const print = console.log.bind(console);
  const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    const match = SENT_CODE_LINE.exec(args.map(String).join(' '));
    if (match?.[1] && match[2]) sent.push({ address: match[1], code: match[2] });
    else print(...args);
  });
  return {
    codeSentTo(address) {
      const code = sent.filter((message) => message.address === address).at(-1)?.code;
      if (code === undefined) throw new Error(`the pool sent no code to ${address}`);
      return code;
    },
    countSentTo: (address) => sent.filter((message) => message.address === address).length,
    stop: () => spy.mockRestore(),
  };
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The key id cognito-local's shipped key has in its tokens and its JWKS. */
export const SHIPPED_KEY_ID = 'CognitoLocal';

/** An RS256 JWT with the header the pool uses (alg, typ and a kid unless null), signed with the given key. */
export function signJwt(claims: Record<string, unknown>, privateKey: KeyObject | string, kid: string | null): string {
  const unsigned = `${base64url({ alg: 'RS256', typ: 'JWT', ...(kid === null ? {} : { kid }) })}.${base64url(claims)}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url');
  return `${unsigned}.${signature}`;
}

/** Signed with the pool's own key under its kid: valid in every way the claims allow. */
export const signAsUserPool = (claims: Record<string, unknown>, key: SigningKey): string => signJwt(claims, key.privateKey, key.kid);

/**
 * A forgery with the private key that ships in cognito-local's npm package, under its kid: what
 * anyone could mint before the pool had a key of its own. The pool, the API and the identity pool
 * must all refuse it.
 */
export const signWithShippedKey = (claims: Record<string, unknown>, kid: string | null = SHIPPED_KEY_ID): string =>
  signJwt(claims, shippedPrivateKey.pem, kid);

/** Signed with a key the user pool never had, under the given key id (pass the pool's, to test the signature itself). */
export const signWithForeignKey = (claims: Record<string, unknown>, kid: string | null = SHIPPED_KEY_ID): string =>
  signJwt(claims, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, kid);
