/**
 * The one place SDK clients are built, once per process. Endpoints come from the standard
 * `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` variables, which the SDK reads itself.
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
const endpointOverridden = Object.keys(process.env).some((name) => name.startsWith('AWS_ENDPOINT_URL'));
const common = { disableHostPrefix: endpointOverridden } as const;

let clients:
  | {
      dynamodb: DynamoDBClient;
      eventBridge: EventBridgeClient;
      sfn: SFNClient;
      cognitoIdentityProvider: CognitoIdentityProviderClient;
      cognitoIdentity: CognitoIdentityClient;
    }
  | undefined;

export function awsClients(): NonNullable<typeof clients> {
  clients ??= {
    dynamodb: new DynamoDBClient(common),
    eventBridge: new EventBridgeClient(common),
    sfn: new SFNClient(common),
    cognitoIdentityProvider: new CognitoIdentityProviderClient(common),
    cognitoIdentity: new CognitoIdentityClient(common),
  };
  return clients;
}

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
