/**
 * ARN formats of the resources the control plane's principals act on, as each service documents
 * them ("Actions, resources, and condition keys" of the Service Authorization Reference). The CDK
 * app takes these ARNs from its constructs' attributes; the local cloud builds them here.
 */
export interface ArnScope {
  readonly partition?: string;
  readonly region: string;
  readonly accountId: string;
}

const prefix = (scope: ArnScope, service: string, regional = true): string =>
  `arn:${scope.partition ?? 'aws'}:${service}:${regional ? scope.region : ''}:${scope.accountId}`;

export const ARNS = {
  table: (scope: ArnScope, tableName: string) => `${prefix(scope, 'dynamodb')}:table/${tableName}`,
  tableIndex: (tableArn: string, indexName: string) => `${tableArn}/index/${indexName}`,
  userPool: (scope: ArnScope, userPoolId: string) => `${prefix(scope, 'cognito-idp')}:userpool/${userPoolId}`,
  identityPool: (scope: ArnScope, identityPoolId: string) => `${prefix(scope, 'cognito-identity')}:identitypool/${identityPoolId}`,
  eventBus: (scope: ArnScope, busName: string) => `${prefix(scope, 'events')}:event-bus/${busName}`,
  /** A rule of the default bus is `rule/<name>`, of another bus `rule/<bus>/<name>`. */
  eventRule: (scope: ArnScope, busName: string | undefined, ruleName: string) => `${prefix(scope, 'events')}:rule/${busName === undefined ? '' : `${busName}/`}${ruleName}`,
  stateMachine: (scope: ArnScope, name: string) => `${prefix(scope, 'states')}:stateMachine:${name}`,
  queue: (scope: ArnScope, queueName: string) => `${prefix(scope, 'sqs')}:${queueName}`,
  lambdaFunction: (scope: ArnScope, name: string) => `${prefix(scope, 'lambda')}:function:${name}`,
  /** IAM is global: no region in its ARNs. */
  role: (scope: ArnScope, roleName: string) => `${prefix(scope, 'iam', false)}:role/${roleName}`,
} as const;
