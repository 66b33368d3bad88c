import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { USER_INDEX } from '../../domain/table';
import { type EnvironmentName, FUNCTIONS, type FunctionKey } from '../../handlers/catalog';
import { bindEnvironment, CatalogFunction, TABLE_ACCESS, UnboundEnvironmentError, USER_POOL_ACCESS } from '../../infra/constructs/functions';
import { INVITATION_LIMITS } from '../../domain/limits';
import { ROUTES } from '../../handlers/api/routes';
import { RULES } from '../../events/rules';
import { ControlPlaneStack } from '../../infra/stack';
import { LAMBDA_PLATFORM } from '../../infra/bundling';
import { type Permission, rolePermissions, sortedPermissions, testApp } from './support';

const app = testApp();
const stack = new ControlPlaneStack(app, 'ControlPlane', { functionCode: 'placeholder' });
const template = Template.fromStack(stack);
const ref = (token: string): unknown => stack.resolve(token);

const keys = Object.keys(FUNCTIONS) as FunctionKey[];
const fnOf = (key: FunctionKey): LambdaFunction => stack.functions.functions[key];
const logicalId = (key: FunctionKey): string => stack.getLogicalId(fnOf(key).node.defaultChild as CfnFunction);
const properties = (key: FunctionKey): Record<string, unknown> =>
  (template.findResources('AWS::Lambda::Function')[logicalId(key)] as { Properties: Record<string, unknown> }).Properties;
const permissionsOf = (key: FunctionKey): Permission[] => {
  const role = fnOf(key).role?.node.defaultChild as CfnRole;
  return rolePermissions(template, stack.getLogicalId(role));
};
const isBaseline = ({ action }: Permission): boolean => action.startsWith('logs:') || action.startsWith('xray:');
const granted = (key: FunctionKey): Permission[] => sortedPermissions(permissionsOf(key).filter((p) => !isBaseline(p)));

const subscribers = new Set(RULES.flatMap((rule) => rule.targets.flatMap((target) => (target.kind === 'lambda' ? [target.functionName] : []))));
const { table } = stack.data;
const { bus } = stack.events;
const { userPool, userPoolClient, identityPool } = stack.identity;
const machines = stack.workflows.stateMachines;

const expectedValue: Record<EnvironmentName, () => unknown> = {
  TABLE_NAME: () => ref(table.tableName),
  EVENT_BUS_NAME: () => ref(bus.eventBusName),
  USER_POOL_ID: () => ref(userPool.userPoolId),
  USER_POOL_CLIENT_ID: () => ref(userPoolClient.userPoolClientId),
  USER_POOL_ISSUER: () => ref(userPool.userPoolProviderUrl),
  IDENTITY_POOL_ID: () => ref(identityPool.ref),
  ONBOARDING_STATE_MACHINE_ARN: () => ref(machines.onboarding.stateMachineArn),
  SWITCHING_STATE_MACHINE_ARN: () => ref(machines.switching.stateMachineArn),
  ADD_MEMBER_STATE_MACHINE_ARN: () => ref(machines.addMember.stateMachineArn),
  REMOVE_MEMBER_STATE_MACHINE_ARN: () => ref(machines.removeMember.stateMachineArn),
  INVITATION_TTL_DAYS: () => String(INVITATION_LIMITS.defaultTtlDays),
  // No corsOrigins in the test app's context: no origin allowed.
  CORS_ALLOWED_ORIGINS: () => '',
};

const expectedGrants: Record<EnvironmentName, (key: FunctionKey) => Permission[]> = {
  TABLE_NAME: (key) => {
    const access = TABLE_ACCESS[key as keyof typeof TABLE_ACCESS];
    return [
      ...access.items.map((action) => ({ action: `dynamodb:${action}`, resource: ref(table.tableArn) })),
      ...(access.partitions ?? []).flatMap((grant) =>
        grant.actions.map((action) => ({
          action: `dynamodb:${action}`,
          resource: ref(table.tableArn),
          condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...grant.leadingKeys] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
        })),
      ),
      ...(access.userIndex ?? []).map((action) => ({
        action: `dynamodb:${action}`,
        resource: ref(`${table.tableArn}/index/${USER_INDEX.indexName}`),
      })),
    ];
  },
  EVENT_BUS_NAME: () => [{ action: 'events:PutEvents', resource: ref(bus.eventBusArn) }],
  USER_POOL_ID: (key) =>
    (USER_POOL_ACCESS[key as keyof typeof USER_POOL_ACCESS] ?? []).map((action) => ({ action, resource: ref(userPool.userPoolArn) })),
  USER_POOL_CLIENT_ID: () => [],
  USER_POOL_ISSUER: () => [],
  IDENTITY_POOL_ID: () => [
    {
      action: 'cognito-identity:GetOpenIdTokenForDeveloperIdentity',
      resource: ref(stack.formatArn({ service: 'cognito-identity', resource: 'identitypool', resourceName: identityPool.ref })),
    },
  ],
  ONBOARDING_STATE_MACHINE_ARN: () => [{ action: 'states:StartSyncExecution', resource: ref(machines.onboarding.stateMachineArn) }],
  SWITCHING_STATE_MACHINE_ARN: () => [{ action: 'states:StartSyncExecution', resource: ref(machines.switching.stateMachineArn) }],
  ADD_MEMBER_STATE_MACHINE_ARN: () => [{ action: 'states:StartSyncExecution', resource: ref(machines.addMember.stateMachineArn) }],
  REMOVE_MEMBER_STATE_MACHINE_ARN: () => [{ action: 'states:StartSyncExecution', resource: ref(machines.removeMember.stateMachineArn) }],
  INVITATION_TTL_DAYS: () => [],
  CORS_ALLOWED_ORIGINS: () => [],
};

describe('the catalog functions', () => {
  it('are exactly the catalog entries', () => {
    template.resourceCountIs('AWS::Lambda::Function', keys.length);
  });

  it.each(keys)('%s runs Node.js 22 on arm64 (what the local Lambda API reports) with the catalog timeout and memory, traced', (key) => {
    const fn = properties(key);

    expect(LAMBDA_PLATFORM).toEqual({ runtime: 'nodejs22.x', architecture: 'arm64' });
    expect(fn).toMatchObject({
      Runtime: LAMBDA_PLATFORM.runtime,
      Architectures: [LAMBDA_PLATFORM.architecture],
      Timeout: FUNCTIONS[key].timeoutSeconds,
      MemorySize: FUNCTIONS[key].memoryMb,
      TracingConfig: { Mode: 'Active' },
    });
    expect(fn.FunctionName).toEqual(`ControlPlane-${FUNCTIONS[key].name}`);
  });

  it.each(keys)('%s logs to its own log group with a retention', (key) => {
    const logGroupId = (properties(key).LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    const logGroup = template.findResources('AWS::Logs::LogGroup')[logGroupId] as { Properties: Record<string, unknown> };

    expect(logGroup.Properties.RetentionInDays).toBe(30);
    expect(permissionsOf(key).filter(isBaseline)).toEqual(
      expect.arrayContaining([
        { action: 'logs:CreateLogStream', resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
        { action: 'logs:PutLogEvents', resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
      ]),
    );
  });

  it.each(keys)('%s has exactly its catalog variables, each set to its resource', (key) => {
    const variables = (properties(key).Environment as { Variables: Record<string, unknown> }).Variables;

    const expected = Object.fromEntries(FUNCTIONS[key].environment.map((name) => [name, expectedValue[name]()]));
    expect(variables).toEqual({ ...expected, NODE_OPTIONS: '--enable-source-maps' });
  });

  it.each(keys)('%s is granted what its variables imply and nothing more', (key) => {
    // A rule target also sends its failed events to the on-failure queue (async-failures.test.ts).
    const onFailure = subscribers.has(FUNCTIONS[key].name) ? [{ action: 'sqs:SendMessage', resource: ref(stack.events.asyncFailureQueue.queueArn) }] : [];
    const expected = [...FUNCTIONS[key].environment.flatMap((name) => expectedGrants[name](key)), ...onFailure];

    expect(granted(key)).toEqual(sortedPermissions(expected));
    expect(permissionsOf(key).filter(isBaseline).map(({ action }) => action).sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('lets the authorizer read single items, never write the table, and mint OpenID tokens for developer identities of its pool', () => {
    expect(granted('authorizer')).toEqual(
      sortedPermissions([
        { action: 'dynamodb:GetItem', resource: ref(table.tableArn) },
        {
          action: 'cognito-identity:GetOpenIdTokenForDeveloperIdentity',
          resource: ref(stack.formatArn({ service: 'cognito-identity', resource: 'identitypool', resourceName: identityPool.ref })),
        },
      ]),
    );
  });

  it('gives only the authorizer a way to mint tenant credentials', () => {
    const minters = keys.filter((key) => permissionsOf(key).some(({ action }) => action.startsWith('cognito-identity:')));

    expect(minters).toEqual(['authorizer']);
  });

  it('lets the post-confirmation trigger only put events on the bus', () => {
    expect(granted('postConfirmation')).toEqual([{ action: 'events:PutEvents', resource: ref(bus.eventBusArn) }]);
  });

  it('lets the API functions that read with tenant credentials do nothing on the table themselves', () => {
    expect(granted('getMe')).toEqual([]);
    expect(granted('listTenants')).toEqual([]);
  });
});

describe('the data-plane functions', () => {
  // Derived from the route table, so a new data-plane route is covered without touching this test.
  const dataPlane = ROUTES.filter((route) => route.path.startsWith('/aircraft') || route.path.startsWith('/reservations')).map(
    (route) => keys.find((key) => FUNCTIONS[key].name === route.functionName) as FunctionKey,
  );

  it('are the eight functions of the aircraft and reservation routes', () => {
    expect([...new Set(dataPlane)].sort()).toEqual(
      ['cancelReservation', 'createAircraft', 'createReservation', 'deleteAircraft', 'getAircraft', 'listAircraft', 'listReservations', 'updateAircraft'].sort(),
    );
  });

  it.each(dataPlane)('%s holds no DynamoDB permission at all: only the caller\'s tenant credentials reach the table', (key) => {
    const role = template.findResources('AWS::IAM::Role')[stack.getLogicalId(fnOf(key).role?.node.defaultChild as CfnRole)] as { Properties: Record<string, unknown> };

    expect(permissionsOf(key).filter(({ action }) => action.toLowerCase().startsWith('dynamodb:'))).toEqual([]);
    expect(granted(key)).toEqual([{ action: 'events:PutEvents', resource: ref(bus.eventBusArn) }]);
    // The Lambda basic role's managed policy grants logs only; nothing else may be attached.
    expect(JSON.stringify(role.Properties.ManagedPolicyArns ?? [])).not.toMatch(/DynamoDB/i);
  });
});

describe('the post-confirmation trigger', () => {
  const pool = Object.values(template.findResources('AWS::Cognito::UserPool'))[0] as { Properties: Record<string, unknown> };

  it('is wired on the user pool', () => {
    expect(pool.Properties.LambdaConfig).toEqual({ PostConfirmation: { 'Fn::GetAtt': [logicalId('postConfirmation'), 'Arn'] } });
  });

  // Template.fromStack above already rejects a template with a dependency cycle; this names the cause.
  it('refers to no identity resource, which would close a cycle with the pool', () => {
    const identityIds = [userPool, userPoolClient, identityPool].map((construct) =>
      stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement),
    );
    const fn = JSON.stringify(properties('postConfirmation'));
    const policies = JSON.stringify(permissionsOf('postConfirmation'));

    expect(identityIds.filter((id) => fn.includes(id) || policies.includes(id))).toEqual([]);
  });

  it('may be invoked by Cognito for this pool only', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [logicalId('postConfirmation'), 'Arn'] },
      Principal: 'cognito-idp.amazonaws.com',
      SourceArn: ref(userPool.userPoolArn),
    });
  });
});

describe('binding a variable', () => {
  const scratch = () => {
    const scope = new Stack(testApp(), 'Scratch');
    const fn = new CatalogFunction(scope, 'Fn', { definition: FUNCTIONS.postConfirmation, code: 'placeholder', retainLogs: false }).function;
    const machine = StateMachine.fromStateMachineName(scope, 'Machine', 'machine');
    const resources = {
      table: TableV2.fromTableName(scope, 'Table', 'table'),
      eventBus: EventBus.fromEventBusName(scope, 'Bus', 'bus'),
      stateMachines: { onboarding: machine, switching: machine, addMember: machine, removeMember: machine },
    };
    return { fn, resources };
  };

  it('refuses an identity variable for a function without identity resources (a user pool trigger)', () => {
    const { fn, resources } = scratch();

    expect(() => bindEnvironment(fn, 'postConfirmation', 'USER_POOL_ID', resources)).toThrow(UnboundEnvironmentError);
  });

  it('refuses a variable with no binding', () => {
    const { fn, resources } = scratch();

    expect(() => bindEnvironment(fn, 'postConfirmation', 'SOMETHING_ELSE' as EnvironmentName, resources)).toThrow(
      UnboundEnvironmentError,
    );
  });

  it('refuses TABLE_NAME for a function without a table access entry', () => {
    const { fn, resources } = scratch();

    expect(() => bindEnvironment(fn, 'postConfirmation', 'TABLE_NAME', resources)).toThrow(UnboundEnvironmentError);
  });
});
