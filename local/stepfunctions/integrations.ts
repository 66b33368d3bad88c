import type { JsonProtocolVersion } from '../server/aws-json';
import { JSON_WIRE, LAMBDA_WIRE } from '../server/wire';

/**
 * The Task resources the local dispatcher runs, and how each reaches its service on the wire.
 * Anything else is refused when the state machine is created, so an unsupported step shows up
 * at `npm start` rather than halfway through a workflow.
 */

/** An AWS service reached over an AWS JSON protocol (`X-Amz-Target: <prefix>.<Operation>`). */
export interface JsonProtocolTarget {
  /** SigV4 signing name (the credential scope's service). */
  readonly signingName: string;
  readonly targetPrefix: string;
  readonly version: JsonProtocolVersion;
}

/** Keyed by the service name as written in `arn:aws:states:::aws-sdk:<service>:<action>`. */
export const SDK_SERVICES = {
  dynamodb: JSON_WIRE.dynamodb,
  cognitoidentityprovider: JSON_WIRE.cognitoIdentityProvider,
  eventbridge: JSON_WIRE.eventBridge,
  sfn: JSON_WIRE.stepFunctions,
  cognitoidentity: JSON_WIRE.cognitoIdentity,
} as const satisfies Record<string, JsonProtocolTarget>;

export type SdkServiceName = keyof typeof SDK_SERVICES;

export const DYNAMODB_TARGET: JsonProtocolTarget = SDK_SERVICES.dynamodb;
export const EVENTS_TARGET: JsonProtocolTarget = SDK_SERVICES.eventbridge;
export const LAMBDA_SIGNING_NAME = LAMBDA_WIRE.signingName;

const OPTIMIZED_DYNAMODB_ACTIONS = ['putItem', 'getItem', 'updateItem', 'deleteItem'] as const;
type OptimizedDynamoDbAction = (typeof OPTIMIZED_DYNAMODB_ACTIONS)[number];

export type TaskIntegration =
  | { readonly kind: 'aws-sdk'; readonly service: SdkServiceName; readonly operation: string }
  | { readonly kind: 'dynamodb'; readonly action: OptimizedDynamoDbAction; readonly operation: string }
  | { readonly kind: 'events'; readonly action: 'putEvents' }
  | { readonly kind: 'lambda'; readonly action: 'invoke' };

/** What a Task's history events call it, as AWS does: `resourceType` `aws-sdk:dynamodb`, `resource` `putItem`. */
export interface ResourceLabel {
  readonly resourceType: string;
  readonly resource: string;
}

export const pascalCase = (camel: string): string => camel.charAt(0).toUpperCase() + camel.slice(1);

const isSdkService = (name: string): name is SdkServiceName => Object.hasOwn(SDK_SERVICES, name);
const isOptimizedDynamoDbAction = (name: string): name is OptimizedDynamoDbAction =>
  (OPTIMIZED_DYNAMODB_ACTIONS as readonly string[]).includes(name);

/**
 * Parses a Task `Resource`. Returns undefined for anything the dispatcher cannot run, including
 * the `.sync` and `.waitForTaskToken` patterns (no callback support locally).
 */
export function parseTaskResource(resource: string): TaskIntegration | undefined {
  const sdk = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([a-z][A-Za-z0-9]*)$/.exec(resource);
  if (sdk) {
    const [, service = '', action = ''] = sdk;
    return isSdkService(service) ? { kind: 'aws-sdk', service, operation: pascalCase(action) } : undefined;
  }
  const optimized = /^arn:aws:states:::([a-z]+):([a-zA-Z]+)$/.exec(resource);
  if (!optimized) return undefined;
  const [, service, action = ''] = optimized;
  if (service === 'dynamodb' && isOptimizedDynamoDbAction(action)) return { kind: 'dynamodb', action, operation: pascalCase(action) };
  if (service === 'events' && action === 'putEvents') return { kind: 'events', action };
  if (service === 'lambda' && action === 'invoke') return { kind: 'lambda', action };
  return undefined;
}

export function resourceLabel(integration: TaskIntegration): ResourceLabel {
  switch (integration.kind) {
    case 'aws-sdk':
      return { resourceType: `aws-sdk:${integration.service}`, resource: integration.operation.charAt(0).toLowerCase() + integration.operation.slice(1) };
    case 'dynamodb':
    case 'events':
    case 'lambda':
      return { resourceType: integration.kind, resource: integration.action };
  }
}
