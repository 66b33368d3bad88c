import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';

const CDK_JSON = path.join(__dirname, '..', '..', 'cdk.json');

/** The context `cdk synth` gives the app (feature flags), which `new App()` alone does not read. */
export function cdkContext(): Record<string, unknown> {
  const { context } = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context?: Record<string, unknown> };
  return context ?? {};
}

/**
 * An app as `cdk synth` builds it, minus aws-cdk-lib's built-in CloudFormation validation: it costs
 * ~3 s and ~330 MB per synth and `npm run synth` runs it anyway. This is the same switch as
 * `CDK_VALIDATION=false`, scoped to this app instead of the whole jest worker.
 */
export function testApp(): App {
  return new App({ context: cdkContext(), builtinCloudFormationValidation: false });
}

export interface Resource {
  logicalId: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** The one resource of `type`; fails the test if there is not exactly one. */
export function onlyResource(template: Template, type: string): Resource {
  template.resourceCountIs(type, 1);
  const [[logicalId, resource]] = Object.entries(template.findResources(type)) as [[string, Omit<Resource, 'logicalId'>]];
  return { logicalId, ...resource };
}

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** One allowed action on one resource, resolved as in the template. */
export interface Permission {
  action: string;
  resource: unknown;
  /** The statement's Condition, when it has one. */
  condition?: unknown;
  /** Only on a Deny statement's permissions (rolePermissions with `denies: true`). */
  effect?: 'Deny';
}

/**
 * Everything the role with `roleLogicalId` may do, from its inline policies and every
 * AWS::IAM::Policy attached to it, one action-resource pair each (so that merged statements compare equal).
 */
export function rolePermissions(template: Template, roleLogicalId: string, options: { denies?: boolean } = {}): Permission[] {
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId] as { Properties: { Policies?: { PolicyDocument: { Statement: Statement[] } }[] } } | undefined;
  if (!role) throw new Error(`No role ${roleLogicalId}`);
  const attached = Object.values(template.findResources('AWS::IAM::Policy')) as {
    Properties: { Roles: unknown[]; PolicyDocument: { Statement: Statement[] } };
  }[];
  const statements = [
    ...(role.Properties.Policies ?? []).flatMap((policy) => policy.PolicyDocument.Statement),
    ...attached
      .filter((policy) => policy.Properties.Roles.some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleLogicalId })))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement),
  ];
  return statements.flatMap((statement) => {
    const denied = statement.Effect === 'Deny' && options.denies === true;
    if (statement.Effect !== 'Allow' && !denied) throw new Error(`Unexpected ${statement.Effect} statement on ${roleLogicalId}`);
    const condition = { ...(statement.Condition === undefined ? {} : { condition: statement.Condition }), ...(denied ? { effect: 'Deny' as const } : {}) };
    return asArray(statement.Action).flatMap((action) => asArray(statement.Resource).map((resource) => ({ action, resource, ...condition })));
  });
}

const byActionThenResource = (a: Permission, b: Permission): number =>
  `${a.action} ${JSON.stringify(a.resource)} ${JSON.stringify(a.condition ?? null)}`.localeCompare(`${b.action} ${JSON.stringify(b.resource)} ${JSON.stringify(b.condition ?? null)}`);

export const sortedPermissions = (permissions: Permission[]): Permission[] => [...permissions].sort(byActionThenResource);

/** The full path of every AWS::ApiGateway::Resource, by logical id, from the PathPart/ParentId chain. */
export function resourcePaths(template: Template): Map<string, string> {
  const resources = template.findResources('AWS::ApiGateway::Resource') as Record<
    string,
    { Properties: { PathPart: string; ParentId: { Ref?: string } } }
  >;
  const pathOf = (logicalId: string): string => {
    const resource = resources[logicalId];
    if (!resource) throw new Error(`No API resource ${logicalId}`);
    const parent = resource.Properties.ParentId.Ref;
    return `${parent === undefined ? '' : pathOf(parent)}/${resource.Properties.PathPart}`;
  };
  return new Map(Object.keys(resources).map((logicalId) => [logicalId, pathOf(logicalId)]));
}
