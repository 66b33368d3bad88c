import { AdminConfirmSignUpCommand, CognitoIdentityProviderClient, InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DeleteRuleCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { outputs } from './support';

/** The inspector's tests act as a developer would: through the real API, the user pool and the AWS APIs of the local cloud. */

const PASSWORD = 'Inspect-2026-local';
const sdkConfig = () => ({ endpoint: outputs().endpoint, region: outputs().region, credentials: LOCAL_ADMIN_CREDENTIALS });

export interface TestUser {
  readonly email: string;
  readonly userId: string;
  readonly idToken: string;
  readonly refreshToken: string;
}

/** A new user, signed up, confirmed by the administrator and signed in. */
export async function newUser(label: string): Promise<TestUser> {
  const cognito = new CognitoIdentityProviderClient(sdkConfig());
  const { userPoolId, userPoolClientId } = outputs();
  const email = `${label}-${randomUUID().slice(0, 8)}@inspector.example`;
  try {
    const signUp = await cognito.send(new SignUpCommand({ ClientId: userPoolClientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
    await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: userPoolId, Username: email }));
    const auth = await cognito.send(new InitiateAuthCommand({ ClientId: userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD } }));
    const tokens = auth.AuthenticationResult;
    if (!signUp.UserSub || !tokens?.IdToken || !tokens.RefreshToken) throw new Error('sign-up or sign-in returned nothing');
    return { email, userId: signUp.UserSub, idToken: tokens.IdToken, refreshToken: tokens.RefreshToken };
  } finally {
    cognito.destroy();
  }
}

/** `POST /tenants` as the tenant app sends it. */
export async function createTenant(user: TestUser, name: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${outputs().apiUrl}/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.idToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, refreshToken: user.refreshToken }),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** A call to a `/_local/` control path, SigV4-signed as the local administrator (the caller gate refuses it unsigned). */
export async function adminFetch(path: string, method: string, body: string): Promise<Response> {
  const url = new URL(path, outputs().endpoint);
  const signer = new SignatureV4({ service: 'local', region: outputs().region, credentials: LOCAL_ADMIN_CREDENTIALS, sha256: Sha256 });
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers: { 'content-type': 'application/json', host: url.host },
    body,
  });
  const { host: _host, ...headers } = signed.headers;
  return fetch(url, { method, headers, body });
}

/** The next run of `stateName` in `machine` for this user fails with `error` (local/stepfunctions/README.md, "Fault injection"). */
export async function injectFault(machine: string, stateName: string, userId: string, error: string): Promise<void> {
  const response = await adminFetch('/_local/faults', 'POST', JSON.stringify({ stateMachineName: machine, stateName, error, cause: 'injected by the inspector test', count: 1, whenInput: { userId } }));
  if (!response.ok) throw new Error(`fault injection answered ${response.status}: ${await response.text()}`);
}

export interface FailingRule {
  readonly source: string;
  readonly ruleName: string;
  readonly targetId: string;
  /** Sends one event that the rule matches; returns its id. */
  publish(detail: Record<string, unknown>): Promise<string>;
  remove(): Promise<void>;
}

/**
 * A rule on the default bus, created through the EventBridge API, whose one target is a state
 * machine that does not exist: every delivery fails (StateMachineDoesNotExist) until the bus gives
 * the event up as a dead letter. Its own source, so it matches only this test's events.
 */
export async function failingRule(retries: number): Promise<FailingRule> {
  const events = new EventBridgeClient(sdkConfig());
  const suffix = randomUUID().slice(0, 8);
  const source = `inspector.test.${suffix}`;
  const ruleName = `inspector-failing-${suffix}`;
  const targetId = 'MissingMachine';
  await events.send(new PutRuleCommand({ Name: ruleName, EventPattern: JSON.stringify({ source: [source] }) }));
  await events.send(
    new PutTargetsCommand({
      Rule: ruleName,
      Targets: [{ Id: targetId, Arn: `arn:aws:states:${outputs().region}:${LOCAL_ACCOUNT_ID}:stateMachine:NoSuchMachine${suffix}`, RetryPolicy: { MaximumRetryAttempts: retries } }],
    }),
  );
  return {
    source,
    ruleName,
    targetId,
    async publish(detail) {
      const sent = await events.send(new PutEventsCommand({ Entries: [{ Source: source, DetailType: 'inspector.probe', Detail: JSON.stringify(detail) }] }));
      const id = sent.Entries?.[0]?.EventId;
      if (!id) throw new Error(`PutEvents refused the probe: ${JSON.stringify(sent.Entries)}`);
      return id;
    },
    async remove() {
      await events.send(new RemoveTargetsCommand({ Rule: ruleName, Ids: [targetId] }));
      await events.send(new DeleteRuleCommand({ Name: ruleName }));
      events.destroy();
    },
  };
}
