/**
 * The one place SDK clients are built, once per process. Endpoints come from the standard
 * `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` variables, which the SDK reads itself.
 * One builder per client, so that a function's bundle carries only the clients it uses.
 */
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * With an endpoint override, host prefixes (`sync-` for StartSyncExecution) would be prepended to
 * the override's host and no longer resolve; AWS's own endpoints need them.
 */
export const clientConfig = (): { disableHostPrefix: boolean } => ({
  disableHostPrefix: Object.keys(process.env).some((name) => name.startsWith('AWS_ENDPOINT_URL')),
});

function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}

export const dynamoDbClient = /* @__PURE__ */ once(() => new DynamoDBClient(clientConfig()));
export const eventBridgeClient = /* @__PURE__ */ once(() => new EventBridgeClient(clientConfig()));
export const sfnClient = /* @__PURE__ */ once(() => new SFNClient(clientConfig()));
export const cognitoIdentityProviderClient = /* @__PURE__ */ once(() => new CognitoIdentityProviderClient(clientConfig()));
export const cognitoIdentityClient = /* @__PURE__ */ once(() => new CognitoIdentityClient(clientConfig()));

export class MissingEnvironmentError extends Error {
  constructor(readonly variable: string) {
    super(`Environment variable ${variable} is not set`);
    this.name = 'MissingEnvironmentError';
  }
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new MissingEnvironmentError(name);
  return value;
}
