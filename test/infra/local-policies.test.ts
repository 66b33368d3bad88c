import { Template } from 'aws-cdk-lib/assertions';
import type { CfnElement, IResolvable } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { ASYNC_FAILURE_QUEUE } from '../../events/async-invocation';
import { FUNCTIONS, type FunctionKey } from '../../handlers/catalog';
import { ARNS } from '../../infra/policies/arns';
import type { IdentityPolicy } from '../../infra/policies/statements';
import { ControlPlaneStack } from '../../infra/stack';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../local/config';
import {
  functionRoleArn,
  functionRolePolicies,
  stateMachineRoleArn,
  stateMachineRolePolicies,
  tenantRolePolicy,
  type PrincipalResources,
} from '../../local/principals';
import { WORKFLOWS, type WorkflowKey } from '../../workflows/registry';
import { asArray, rolePermissions, sortedPermissions, testApp, type Permission } from './support';

/**
 * Template against local cloud, principal by principal: what the synthesized stack grants each
 * function's role, each state machine's role and the tenant role (CDK's merging and minimizing
 * included) is what the local cloud evaluates for the same principal. The template's references
 * are resolved to the local cloud's own names, so both sides are plain ARNs.
 */
const scope = { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID };
const local: PrincipalResources = {
  tableName: 'local-table',
  eventBusName: 'local-bus',
  userPoolId: `${LOCAL_REGION}_localpool`,
  identityPoolId: `${LOCAL_REGION}:00000000-0000-4000-8000-000000000000`,
  stateMachineArns: Object.fromEntries(
    (Object.keys(WORKFLOWS) as WorkflowKey[]).map((key) => [key, ARNS.stateMachine(scope, WORKFLOWS[key].name)]),
  ) as Record<WorkflowKey, string>,
};

const app = testApp();
const stack = new ControlPlaneStack(app, 'ControlPlane', { functionCode: 'placeholder' });
const template = Template.fromStack(stack);

/** Each of the stack's references, as the template writes it, and the local value it stands for. */
const references = new Map<string, string>([
  [JSON.stringify({ Ref: 'AWS::Partition' }), 'aws'],
  [JSON.stringify({ Ref: 'AWS::Region' }), LOCAL_REGION],
  [JSON.stringify({ Ref: 'AWS::AccountId' }), LOCAL_ACCOUNT_ID],
  [token(stack.data.table.tableArn), ARNS.table(scope, local.tableName)],
  [token(stack.events.bus.eventBusArn), ARNS.eventBus(scope, local.eventBusName)],
  [token(stack.identity.userPool.userPoolArn), ARNS.userPool(scope, local.userPoolId)],
  [token(stack.identity.identityPool.ref), local.identityPoolId],
  [token(stack.events.asyncFailureQueue.queueArn), ARNS.queue(scope, ASYNC_FAILURE_QUEUE.localName)],
  ...(Object.keys(WORKFLOWS) as WorkflowKey[]).map((key) => [token(stack.workflows.stateMachines[key].stateMachineArn), local.stateMachineArns[key]] as [string, string]),
]);

function token(value: string | IResolvable): string {
  return JSON.stringify(stack.resolve(value));
}

class UnresolvedReferenceError extends Error {
  constructor(reference: unknown) {
    super(`The template references ${JSON.stringify(reference)}, which no local resource stands for`);
    this.name = 'UnresolvedReferenceError';
  }
}

function resolveIntrinsic(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(resolveIntrinsic).join(join[0]);
  const resolved = references.get(JSON.stringify(value));
  if (resolved === undefined) throw new UnresolvedReferenceError(value);
  return resolved;
}

/** Services with no local counterpart: a role's CloudWatch Logs and X-Ray grants are the template's alone. */
const NOT_EMULATED = ['logs:', 'xray:'];

function templatePermissions(roleLogicalId: string): Permission[] {
  return sortedPermissions(
    rolePermissions(template, roleLogicalId, { denies: true })
      .filter(({ action }) => !NOT_EMULATED.some((prefix) => action.startsWith(prefix)))
      .map((permission) => ({ ...permission, resource: resolveIntrinsic(permission.resource) })),
  );
}

function localPermissions(policy: IdentityPolicy | undefined): Permission[] {
  if (!policy) throw new Error('The local cloud has no policy for this principal');
  return sortedPermissions(
    policy.Statement.flatMap((statement) =>
      asArray(statement.Action).flatMap((action) =>
        asArray(statement.Resource).map((resource) => ({
          action,
          resource,
          ...(statement.Condition ? { condition: statement.Condition } : {}),
          ...(statement.Effect === 'Deny' ? { effect: 'Deny' as const } : {}),
        })),
      ),
    ),
  );
}

const roleOf = (resource: { Properties: Record<string, unknown> }, property: string): string => {
  const [roleLogicalId] = (resource.Properties[property] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
  return roleLogicalId;
};

function functionRoleLogicalId(key: FunctionKey): string {
  const { name, entry } = FUNCTIONS[key];
  const matches = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: `${name} (${entry})` } }));
  expect(matches).toHaveLength(1);
  return roleOf(matches[0] as { Properties: Record<string, unknown> }, 'Role');
}

const logicalIdOf = (construct: IConstruct): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);

function stateMachineRoleLogicalId(key: WorkflowKey): string {
  const found = template.findResources('AWS::StepFunctions::StateMachine')[logicalIdOf(stack.workflows.stateMachines[key])];
  if (!found) throw new Error(`No state machine for ${key}`);
  return roleOf(found as { Properties: Record<string, unknown> }, 'RoleArn');
}

describe('the policies the local cloud enforces, against the synthesized template', () => {
  const functionPolicies = functionRolePolicies(scope, local);
  const machinePolicies = stateMachineRolePolicies(scope, local);

  it.each(Object.keys(FUNCTIONS) as FunctionKey[])('grants function %s locally exactly what its deployed role grants', (key) => {
    const deployed = templatePermissions(functionRoleLogicalId(key));

    const enforced = localPermissions(functionPolicies.get(functionRoleArn(scope, FUNCTIONS[key])));

    expect(enforced).toEqual(deployed);
  });

  it.each(Object.keys(WORKFLOWS) as WorkflowKey[])('grants state machine %s locally exactly what its deployed role grants', (key) => {
    const deployed = templatePermissions(stateMachineRoleLogicalId(key));

    const enforced = localPermissions(machinePolicies.get(stateMachineRoleArn(scope, key)));

    expect(enforced).toEqual(deployed);
  });

  it('grants tenant credentials locally exactly what the deployed tenant role grants', () => {
    const deployed = templatePermissions(logicalIdOf(stack.identity.tenantRole));

    const enforced = localPermissions(tenantRolePolicy(scope, local.tableName));

    expect(enforced).toEqual(deployed);
  });

  it('compares a grant on every service the principals use, so an empty comparison cannot pass', () => {
    const policies = [...functionPolicies.values(), ...machinePolicies.values(), tenantRolePolicy(scope, local.tableName)];

    const services = new Set(policies.flatMap((policy) => policy.Statement.flatMap((statement) => asArray(statement.Action).map((action) => action.split(':')[0]))));

    expect([...services].sort()).toEqual(['cognito-identity', 'cognito-idp', 'dynamodb', 'events', 'sqs', 'states']);
  });
});
