import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { InvalidTenantLimitError, TENANT_LIMITS } from '../../domain/limits';
import { USER_INDEX } from '../../domain/table';
import { WORKFLOWS, type WorkflowKey, type WorkflowPlaceholder } from '../../workflows/registry';
import { taskPermissions, type TaskTarget } from '../../infra/policies/asl-permissions';
import { ControlPlaneWorkflows, type WorkflowsProps } from '../../infra/constructs/workflows';
import { renderDefinition } from '../../workflows/render';
import { ControlPlaneStack } from '../../infra/stack';
import { type Permission, rolePermissions, sortedPermissions, testApp } from './support';

const app = testApp();
const stack = new ControlPlaneStack(app, 'ControlPlane', { functionCode: 'placeholder' });
const template = Template.fromStack(stack);
const ref = (token: string): unknown => stack.resolve(token);

const keys = Object.keys(WORKFLOWS) as WorkflowKey[];
const asl = (key: WorkflowKey): string => readFileSync(path.join(__dirname, '..', '..', WORKFLOWS[key].aslFile), 'utf8');
const machineOf = (key: WorkflowKey) => stack.workflows.stateMachines[key];
const properties = (key: WorkflowKey): Record<string, unknown> =>
  (
    template.findResources('AWS::StepFunctions::StateMachine')[stack.getLogicalId(machineOf(key).node.defaultChild as CfnStateMachine)] as {
      Properties: Record<string, unknown>;
    }
  ).Properties;
const deployed = (key: WorkflowKey) => JSON.parse(properties(key).DefinitionString as string) as Record<string, unknown>;
const granted = (key: WorkflowKey): Permission[] =>
  sortedPermissions(
    rolePermissions(template, stack.getLogicalId(machineOf(key).role.node.defaultChild as CfnRole)).filter(
      ({ action }) => !action.startsWith('logs:') && !action.startsWith('xray:'),
    ),
  );

const substitutionValue: Record<WorkflowPlaceholder, () => unknown> = {
  TableName: () => ref(stack.data.table.tableName),
  EventBusName: () => ref(stack.events.bus.eventBusName),
  UserPoolId: () => ref(stack.identity.userPool.userPoolId),
  MaxTenantsPerUser: () => String(TENANT_LIMITS.maxTenantsPerUser),
  MaxMembershipsPerUser: () => String(TENANT_LIMITS.maxMembershipsPerUser),
};

// Everything any control-plane workflow may call (DESIGN.md §6); a step outside this list is a design change.
const ALLOWED_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
  'cognito-idp:CreateGroup',
  'cognito-idp:DeleteGroup',
  'cognito-idp:AdminAddUserToGroup',
  'cognito-idp:AdminRemoveUserFromGroup',
  'cognito-idp:AdminUpdateUserAttributes',
  'cognito-idp:AdminGetUser',
  'events:PutEvents',
];

describe('the state machines', () => {
  it('are exactly the registry entries', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', keys.length);
  });

  it.each(keys)('%s is an Express machine', (key) => {
    expect(properties(key).StateMachineType).toBe('EXPRESS');
  });

  it.each(keys)('%s logs every step with its input and output (what the console shows of an Express run), to its own log group', (key) => {
    const logging = properties(key).LoggingConfiguration as {
      Level: string;
      IncludeExecutionData: boolean;
      Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string, string] } } }[];
    };

    expect(logging.Level).toBe('ALL');
    expect(logging.IncludeExecutionData).toBe(true);
    const [logGroupId] = logging.Destinations[0]?.CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'] ?? [];
    const logGroup = template.findResources('AWS::Logs::LogGroup')[logGroupId ?? ''] as { Properties: Record<string, unknown> };
    expect(logGroup.Properties).toMatchObject({ RetentionInDays: 30, LogGroupName: `/aws/vendedlogs/states/ControlPlane-${WORKFLOWS[key].name}` });
  });

  it.each(keys)('%s is traced', (key) => {
    expect(properties(key).TracingConfiguration).toEqual({ Enabled: true });
  });

  it.each(keys)('%s times out after the registry timeout', (key) => {
    expect(deployed(key).TimeoutSeconds).toBe(WORKFLOWS[key].timeoutSeconds);
  });

  it.each(keys)('%s deploys the rendered definition, the text the local cloud runs', (key) => {
    expect(properties(key).DefinitionString).toBe(renderDefinition(key));
  });

  it.each(keys)('%s deploys the states of its ASL file', (key) => {
    expect(deployed(key).States).toEqual((JSON.parse(asl(key)) as { States: unknown }).States);
    expect(deployed(key).StartAt).toEqual((JSON.parse(asl(key)) as { StartAt: unknown }).StartAt);
  });

  it.each(keys)('%s substitutes every registry placeholder with its deployed resource', (key) => {
    const expected = Object.fromEntries(WORKFLOWS[key].placeholders.map((name) => [name, substitutionValue[name]()]));

    expect(properties(key).DefinitionSubstitutions).toEqual(expected);
  });

  it.each(keys)('%s leaves no ${placeholder} that CloudFormation will not substitute', (key) => {
    const substituted = Object.keys(properties(key).DefinitionSubstitutions as Record<string, unknown>);
    const tokens = [...(properties(key).DefinitionString as string).matchAll(/\$\{([^}]*)\}/g)].map(([, name]) => name);

    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.filter((name) => !substituted.includes(name ?? ''))).toEqual([]);
  });
});

describe('the state machine roles', () => {
  const arnOf: Record<TaskTarget, () => unknown[]> = {
    table: () => [ref(stack.data.table.tableArn)],
    tableIndex: () => [ref(`${stack.data.table.tableArn}/index/${USER_INDEX.indexName}`)],
    userPool: () => [ref(stack.identity.userPool.userPoolArn)],
    eventBus: () => [ref(stack.events.bus.eventBusArn)],
  };

  it.each(keys)('%s may call exactly what the tasks of its ASL call, on the stack\'s own resources', (key) => {
    const needed = taskPermissions(JSON.parse(asl(key)));
    const expected = (Object.keys(needed) as TaskTarget[]).flatMap((target) =>
      needed[target].flatMap((action) => arnOf[target]().map((resource) => ({ action, resource }))),
    );

    expect(granted(key)).toEqual(sortedPermissions(expected));
  });

  it.each(keys)('%s may call nothing outside the workflows\' allowed actions', (key) => {
    expect(granted(key).map(({ action }) => action).filter((action) => !ALLOWED_ACTIONS.includes(action))).toEqual([]);
  });

  it('let onboarding create and undo a tenant and switching only read a membership and set attributes', () => {
    const actions = (key: WorkflowKey) => [...new Set(granted(key).map(({ action }) => action))].sort();

    // No AdminRemoveUserFromGroup: onboarding's undo deletes the group, which removes its members.
    expect(actions('onboarding')).toEqual([
      'cognito-idp:AdminAddUserToGroup',
      'cognito-idp:AdminUpdateUserAttributes',
      'cognito-idp:CreateGroup',
      'cognito-idp:DeleteGroup',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'events:PutEvents',
    ]);
    expect(actions('switching')).toEqual(['cognito-idp:AdminUpdateUserAttributes', 'dynamodb:GetItem', 'events:PutEvents']);
  });

  it('let the member workflows write memberships, their counts and the group, and neither create nor delete a group', () => {
    const actions = (key: WorkflowKey) => [...new Set(granted(key).map(({ action }) => action))].sort();
    const membershipWrites = ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

    expect(actions('addMember')).toEqual(['cognito-idp:AdminAddUserToGroup', 'cognito-idp:AdminRemoveUserFromGroup', ...membershipWrites, 'events:PutEvents']);
    expect(actions('removeMember')).toEqual([
      'cognito-idp:AdminAddUserToGroup',
      'cognito-idp:AdminGetUser',
      'cognito-idp:AdminRemoveUserFromGroup',
      'cognito-idp:AdminUpdateUserAttributes',
      ...membershipWrites,
      'events:PutEvents',
    ]);
  });
});

describe("a deployment's own limit on tenants created per user", () => {
  /** The workflows construct alone, on throw-away resources: the limit touches nothing else. */
  const workflowsWith = (limits: Pick<WorkflowsProps, 'maxTenantsPerUser'>) => {
    const scope = new Stack(testApp(), 'Limits');
    const table = new TableV2(scope, 'Table', { partitionKey: { name: 'PK', type: AttributeType.STRING } });
    return new ControlPlaneWorkflows(scope, 'Workflows', { table, eventBus: new EventBus(scope, 'Bus'), userPool: new UserPool(scope, 'Pool'), ...limits });
  };
  const onboardingSubstitutions = (workflows: ControlPlaneWorkflows) =>
    (workflows.stateMachines.onboarding.node.defaultChild as CfnStateMachine).definitionSubstitutions as Record<string, unknown>;

  it('replaces the default in the onboarding definition, and leaves the membership limit alone', () => {
    const substitutions = onboardingSubstitutions(workflowsWith({ maxTenantsPerUser: 25 }));

    expect(substitutions).toMatchObject({ MaxTenantsPerUser: '25', MaxMembershipsPerUser: String(TENANT_LIMITS.maxMembershipsPerUser) });
  });

  it.each([0, 2.5, TENANT_LIMITS.maxMembershipsPerUser + 1])('refuses %p, which could not work as a limit', (maxTenantsPerUser) => {
    expect(() => workflowsWith({ maxTenantsPerUser })).toThrow(InvalidTenantLimitError);
  });
});

describe('the stateMachines output', () => {
  it('is the JSON of API.md\'s stateMachines object', () => {
    const value = template.findOutputs('stateMachines').stateMachines?.Value;

    expect(value).toEqual(
      ref(stack.toJsonString(Object.fromEntries(keys.map((key) => [key, machineOf(key).stateMachineArn])))),
    );
  });
});
