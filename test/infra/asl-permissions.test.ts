import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidStateMachineDefinitionError, taskPermissions, UnsupportedTaskResourceError } from '../../infra/policies/asl-permissions';
import { WORKFLOWS } from '../../workflows/registry';

const machine = (states: Record<string, unknown>) => ({ StartAt: Object.keys(states)[0], States: states });
const task = (Resource: string, Parameters: Record<string, unknown> = {}) => ({ Type: 'Task', Resource, Parameters, End: true });

describe('the permissions an ASL definition needs', () => {
  it('names the IAM action of each aws-sdk integration by its service prefix', () => {
    const definition = machine({
      CreateTenantGroup: task('arn:aws:states:::aws-sdk:cognitoidentityprovider:createGroup'),
      SetActiveTenant: task('arn:aws:states:::aws-sdk:cognitoidentityprovider:adminUpdateUserAttributes'),
      Publish: task('arn:aws:states:::aws-sdk:eventbridge:putEvents'),
      Read: task('arn:aws:states:::aws-sdk:dynamodb:getItem'),
    });

    expect(taskPermissions(definition)).toEqual({
      table: ['dynamodb:GetItem'],
      tableIndex: [],
      userPool: ['cognito-idp:AdminUpdateUserAttributes', 'cognito-idp:CreateGroup'],
      eventBus: ['events:PutEvents'],
    });
  });

  it('reads the optimized DynamoDB and EventBridge integrations', () => {
    const definition = machine({
      Put: task('arn:aws:states:::dynamodb:putItem'),
      Delete: task('arn:aws:states:::dynamodb:deleteItem'),
      Publish: task('arn:aws:states:::events:putEvents'),
    });

    expect(taskPermissions(definition)).toMatchObject({ table: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], eventBus: ['events:PutEvents'] });
  });

  it('grants a transaction the action of each of its items, not an action of its own', () => {
    const definition = machine({
      Write: task('arn:aws:states:::aws-sdk:dynamodb:transactWriteItems', {
        TransactItems: [{ ConditionCheck: {} }, { Put: {} }, { Update: {} }, { Put: {} }],
      }),
    });

    expect(taskPermissions(definition).table).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  });

  it('puts a query on an index against the index', () => {
    const definition = machine({ Memberships: task('arn:aws:states:::aws-sdk:dynamodb:query', { IndexName: 'ByUser' }) });

    expect(taskPermissions(definition)).toMatchObject({ table: [], tableIndex: ['dynamodb:Query'] });
  });

  it('finds tasks inside parallel branches and map iterations', () => {
    const definition = machine({
      Both: {
        Type: 'Parallel',
        Branches: [machine({ A: task('arn:aws:states:::dynamodb:getItem') }), machine({ B: task('arn:aws:states:::events:putEvents') })],
        Next: 'Each',
      },
      Each: { Type: 'Map', ItemProcessor: machine({ C: task('arn:aws:states:::aws-sdk:cognitoidentityprovider:deleteGroup') }), End: true },
    });

    expect(taskPermissions(definition)).toEqual({
      table: ['dynamodb:GetItem'],
      tableIndex: [],
      userPool: ['cognito-idp:DeleteGroup'],
      eventBus: ['events:PutEvents'],
    });
  });

  it("grants onboarding the UpdateItem of its limits counter, with every other call it makes", () => {
    const onboarding: unknown = JSON.parse(readFileSync(path.join(__dirname, '..', '..', WORKFLOWS.onboarding.aslFile), 'utf8'));

    expect(taskPermissions(onboarding)).toEqual({
      table: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      tableIndex: [],
      // No AdminRemoveUserFromGroup: onboarding's undo deletes the group, which removes its members.
      userPool: [
        'cognito-idp:AdminAddUserToGroup',
        'cognito-idp:AdminUpdateUserAttributes',
        'cognito-idp:CreateGroup',
        'cognito-idp:DeleteGroup',
      ],
      eventBus: ['events:PutEvents'],
    });
  });

  it('refuses a service the control plane does not grant', () => {
    const definition = machine({ Invoke: task('arn:aws:states:::lambda:invoke') });

    expect(() => taskPermissions(definition)).toThrow(UnsupportedTaskResourceError);
  });

  it('refuses a transaction whose items are chosen at run time', () => {
    const definition = machine({ Write: task('arn:aws:states:::aws-sdk:dynamodb:transactWriteItems', { 'TransactItems.$': '$.items' }) });

    expect(() => taskPermissions(definition)).toThrow(UnsupportedTaskResourceError);
  });

  it('refuses a definition without states', () => {
    expect(() => taskPermissions({ StartAt: 'Nothing' })).toThrow(InvalidStateMachineDefinitionError);
  });
});
