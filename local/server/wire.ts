/**
 * How each AWS service the local endpoint serves is recognised on the wire, defined once: the
 * services read their prefixes from here, and so do the caller gate (operation-rules.ts) and the
 * Step Functions dispatcher that calls them (stepfunctions/integrations.ts). Values as each
 * service's API model names them (the SDK's `X-Amz-Target` prefixes, SigV4 signing names, which are
 * also the IAM prefixes). Resource ARN formats are infra/policies/arns.ts.
 */
import type { JsonProtocolVersion } from './aws-json';

export interface JsonWireService {
  /** `X-Amz-Target: <targetPrefix>.<Operation>`. */
  readonly targetPrefix: string;
  /** SigV4 signing name (the credential scope's service) and IAM action prefix. */
  readonly signingName: string;
  readonly version: JsonProtocolVersion;
}

export const JSON_WIRE = {
  dynamodb: { targetPrefix: 'DynamoDB_20120810', signingName: 'dynamodb', version: '1.0' },
  cognitoIdentityProvider: { targetPrefix: 'AWSCognitoIdentityProviderService', signingName: 'cognito-idp', version: '1.1' },
  cognitoIdentity: { targetPrefix: 'AWSCognitoIdentityService', signingName: 'cognito-identity', version: '1.1' },
  eventBridge: { targetPrefix: 'AWSEvents', signingName: 'events', version: '1.1' },
  stepFunctions: { targetPrefix: 'AWSStepFunctions', signingName: 'states', version: '1.0' },
  // SQS's JSON protocol (AWS JSON 1.0), which the SDK v3 speaks since 2023.
  sqs: { targetPrefix: 'AmazonSQS', signingName: 'sqs', version: '1.0' },
} as const satisfies Record<string, JsonWireService>;

/** Lambda's REST-JSON API: its signing name and the API version in every path. */
export const LAMBDA_WIRE = { signingName: 'lambda', apiVersionPath: '/2015-03-31' } as const;

/** STS's query protocol (form POST, XML answers). */
export const STS_WIRE = { signingName: 'sts', version: '2011-06-15' } as const;
