import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { Function as LambdaFunction, Code, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { RECONCILIATION } from '../../domain/reconciliation';
import { KEY_PREFIX } from '../../domain/keys';
import { FUNCTIONS } from '../../handlers/catalog';
import { InvalidReconcileRateError, ReconcilerSchedule } from '../../infra/constructs/reconciler';
import { ControlPlaneStack } from '../../infra/stack';
import { type Permission, rolePermissions, sortedPermissions, testApp } from './support';

const app = testApp();
const stack = new ControlPlaneStack(app, 'ControlPlane', { functionCode: 'placeholder' });
const template = Template.fromStack(stack);
const ref = (token: string): unknown => stack.resolve(token);

const reconciler = stack.functions.functions.reconciler;
const scheduleLogicalId = stack.getLogicalId(stack.reconciler.schedule);
const schedule = () => template.findResources('AWS::Scheduler::Schedule')[scheduleLogicalId] as { Properties: Record<string, unknown> };
const roleOf = (role: CfnRole): string => stack.getLogicalId(role);
const isBaseline = ({ action }: Permission): boolean => action.startsWith('logs:') || action.startsWith('xray:');

describe("the reconciler's schedule", () => {
  it('runs the reconciler at the default rate with no flexible window and the default request', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);

    expect(schedule().Properties).toMatchObject({
      ScheduleExpression: `rate(${RECONCILIATION.everyMinutes} minutes)`,
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: ref(reconciler.functionArn),
        RoleArn: ref(stack.reconciler.role.roleArn),
        Input: '{}',
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      },
    });
  });

  it("assumes a role that only this account's default schedule group can assume, which may invoke the reconciler and nothing else", () => {
    const role = template.findResources('AWS::IAM::Role')[roleOf(stack.reconciler.role.node.defaultChild as CfnRole)] as { Properties: Record<string, unknown> };

    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: {
              'aws:SourceAccount': ref(stack.account),
              'aws:SourceArn': ref(stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' })),
            },
          },
        },
      ],
    });
    expect(rolePermissions(template, roleOf(stack.reconciler.role.node.defaultChild as CfnRole))).toEqual([
      { action: 'lambda:InvokeFunction', resource: ref(reconciler.functionArn) },
    ]);
  });

  it('is the only way in: no resource policy lets a service invoke the reconciler, and no other role of the stack may', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')) as { Properties: { FunctionName: unknown } }[];

    const reconcilerId = stack.getLogicalId(reconciler.node.defaultChild as never);
    // Every Allow statement of the stack, inline in a role or in a policy, that names lambda:Invoke* on the reconciler or on '*'.
    type Document = { Statement: { Effect: string; Action: string | string[]; Resource: unknown }[] };
    const roles = template.findResources('AWS::IAM::Role') as Record<string, { Properties: { Policies?: { PolicyDocument: Document }[] } }>;
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: unknown[]; PolicyDocument: Document } }[];
    const invokes = (document: Document) =>
      document.Statement.some(
        (statement) =>
          statement.Effect === 'Allow' &&
          [statement.Action].flat().some((action) => action.startsWith('lambda:Invoke') || action === 'lambda:*' || action === '*') &&
          [statement.Resource].flat().some((resource) => resource === '*' || JSON.stringify(resource).includes(reconcilerId)),
      );
    const mayInvoke = Object.entries(roles)
      .filter(([roleId, role]) =>
        [...(role.Properties.Policies ?? []).map((policy) => policy.PolicyDocument), ...policies.filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`)).map((policy) => policy.Properties.PolicyDocument)].some(invokes),
      )
      .map(([roleId]) => roleId);

    expect(permissions.filter((permission) => JSON.stringify(permission.Properties.FunctionName).includes(reconcilerId))).toEqual([]);
    expect(mayInvoke).toEqual([roleOf(stack.reconciler.role.node.defaultChild as CfnRole)]);
  });

  it('refuses a rate that is not a whole number of minutes', () => {
    const other = new Stack(testApp(), 'Other');
    const fn = new LambdaFunction(other, 'Fn', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => {};') });

    expect(() => new ReconcilerSchedule(other, 'Zero', { function: fn, everyMinutes: 0 })).toThrow(InvalidReconcileRateError);
    expect(() => new ReconcilerSchedule(other, 'Half', { function: fn, everyMinutes: 1.5 })).toThrow(InvalidReconcileRateError);
    new ReconcilerSchedule(other, 'One', { function: fn, everyMinutes: 1 });
    expect(Template.fromStack(other).findResources('AWS::Scheduler::Schedule')).toMatchObject({ [other.getLogicalId(other.node.findChild('One').node.findChild('Schedule') as CfnSchedule)]: { Properties: { ScheduleExpression: 'rate(1 minute)' } } });
  });
});

describe('the reconciler function', () => {
  const properties = () =>
    (template.findResources('AWS::Lambda::Function')[stack.getLogicalId(reconciler.node.defaultChild as never)] as { Properties: Record<string, unknown> }).Properties;

  it('has time for the scan, the longest grace and the repairs, and the three variables it reads', () => {
    expect(properties().Timeout).toBe(FUNCTIONS.reconciler.timeoutSeconds);
    expect(FUNCTIONS.reconciler.timeoutSeconds).toBeGreaterThan(RECONCILIATION.maxGraceSeconds + 60);
    expect(properties().Environment).toEqual({
      Variables: {
        NODE_OPTIONS: '--enable-source-maps',
        TABLE_NAME: ref(stack.data.table.tableName),
        USER_POOL_ID: ref(stack.identity.userPool.userPoolId),
        EVENT_BUS_NAME: ref(stack.events.bus.eventBusName),
      },
    });
  });

  it('may scan the table, repair in tenant and user partitions, call the Cognito operations it uses and publish its events, nothing more', () => {
    const role = roleOf(reconciler.role?.node.defaultChild as CfnRole);
    const table = ref(stack.data.table.tableArn);
    const pool = ref(stack.identity.userPool.userPoolArn);
    const within = (prefix: string) => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${prefix}*`] }, Null: { 'dynamodb:LeadingKeys': 'false' } });
    const tenantActions = ['Query', 'GetItem', 'DeleteItem', 'UpdateItem', 'ConditionCheckItem'];
    const cognitoActions = ['ListGroups', 'ListUsersInGroup', 'ListUsers', 'GetGroup', 'CreateGroup', 'DeleteGroup', 'AdminAddUserToGroup', 'AdminRemoveUserFromGroup', 'AdminGetUser', 'AdminUpdateUserAttributes'];

    const granted = sortedPermissions(rolePermissions(template, role).filter((permission) => !isBaseline(permission)));

    expect(granted).toEqual(
      sortedPermissions([
        { action: 'dynamodb:Scan', resource: table },
        ...tenantActions.map((action) => ({ action: `dynamodb:${action}`, resource: table, condition: within(KEY_PREFIX.tenant) })),
        ...['GetItem', 'UpdateItem'].map((action) => ({ action: `dynamodb:${action}`, resource: table, condition: within(KEY_PREFIX.user) })),
        ...cognitoActions.map((action) => ({ action: `cognito-idp:${action}`, resource: pool })),
        { action: 'events:PutEvents', resource: ref(stack.events.bus.eventBusArn) },
      ]),
    );
  });

  it('is named in the outputs, for `npm run reconcile`', () => {
    template.hasOutput('reconcilerFunctionName', { Value: ref(reconciler.functionName) });
  });
});
