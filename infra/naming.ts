import { Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Stages and the physical names that carry them. A stage (`cdk deploy -c stage=prod`) is one
 * deployment of the control plane: its own stack, `ControlPlane-<stage>`, and every resource the
 * stack names explicitly is named `<stack name>-<what>`, so two stages deploy side by side in one
 * account and Region without a name in common (test/infra/stages.test.ts synthesizes two and
 * intersects their names). Resources left to CloudFormation to name get the stack name in their
 * generated names anyway. The local cloud has no stages: it reads the shared catalogs' names as
 * they are (`handlers/catalog.ts`, `workflows/registry.ts`), which stay the stems of the deployed ones.
 */
export const APP_NAME = 'ControlPlane';
export const DEFAULT_STAGE = 'dev';

/**
 * A lower-case letter, then up to 11 lower-case letters or digits. Letters and digits are valid in
 * every name the stage reaches (CloudFormation stacks, Lambda functions, state machines, log
 * groups, alarms, identity pools), and 12 characters keep the longest of them within its limit
 * with room for longer catalog names (NAME_LIMITS; the stages test checks the longest stage).
 */
export const STAGE_PATTERN = /^[a-z][a-z0-9]{0,11}$/;
export const MAX_STAGE_LENGTH = 12;

export const stackNameFor = (stage: string): string => `${APP_NAME}-${stage}`;

/**
 * The length limit of each kind of name the stack sets, from each service's API reference:
 * Lambda `FunctionName` 64, Step Functions `name` 80, CloudWatch Logs `logGroupName` 512,
 * CloudWatch `AlarmName` 255, Cognito `PoolName` and `IdentityPoolName` 128, API Gateway's REST
 * API `name` (no documented limit below 128 is relied on: 128 is used).
 */
export const NAME_LIMITS = {
  lambdaFunction: 64,
  stateMachine: 80,
  logGroup: 512,
  alarm: 255,
  userPool: 128,
  identityPool: 128,
  restApi: 128,
} as const;
export type NamedKind = keyof typeof NAME_LIMITS;

/** A physical name over its service's limit: synthesis stops rather than fail in CloudFormation. */
export class PhysicalNameTooLongError extends Error {
  constructor(
    readonly kind: NamedKind,
    readonly physicalName: string,
  ) {
    super(`${kind} name ${physicalName} has ${physicalName.length} characters; the limit is ${NAME_LIMITS[kind]} (use a shorter stage)`);
    this.name = 'PhysicalNameTooLongError';
  }
}

/**
 * `<stack name>-<parts joined by '-'>`, checked against the kind's limit: the one way a resource of
 * this app gets an explicit name, so every such name carries the stage.
 */
export function physicalName(scope: IConstruct, kind: NamedKind, ...parts: readonly string[]): string {
  const name = [Stack.of(scope).stackName, ...parts].join('-');
  // A stack name that is a token (never from infra/app.ts) cannot be measured here.
  if (!Token.isUnresolved(name) && name.length > NAME_LIMITS[kind]) throw new PhysicalNameTooLongError(kind, name);
  return name;
}
