import { GetExecutionHistoryCommand, SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS, LOCAL_REGION } from '../../local/config';
import { startEndpoint } from '../../local/server/endpoint';
import { createStepFunctionsService } from '../../local/stepfunctions/service';
import { LambdaFunctionError, startHarness, stopHarness, type Harness } from './stepfunctions-doubles';

/** Each Task integration's wire format, result shape and AWS error names, one state machine per case. */
describe('local Step Functions task integrations', () => {
  let harness: Harness;
  let machineCount = 0;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => stopHarness(harness));
  beforeEach(() => harness.doubles.reset());

  /** A one-Task machine whose Catch records the error, so the run shows what the Catch saw. */
  const runTask = async (task: Record<string, unknown>, input: unknown = {}) => {
    machineCount += 1;
    const { stateMachineArn } = harness.stepFunctions.createStateMachine({
      name: `Integration${machineCount}`,
      aslText: JSON.stringify({
        StartAt: 'Call',
        States: {
          Call: { Type: 'Task', ...task, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: true },
          Caught: { Type: 'Pass', End: true },
        },
      }),
    });
    const result = await harness.sfn.send(new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
    return { result, output: JSON.parse(result.output ?? 'null') as Record<string, unknown> };
  };

  it('names aws-sdk DynamoDB errors DynamoDb.<Code>, unlike the optimized integration', async () => {
    harness.doubles.failNext('DynamoDB_20120810.PutItem', 'ConditionalCheckFailedException', 'The conditional request failed');

    const { output } = await runTask({
      Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem',
      Parameters: { TableName: 't', Item: { PK: { S: 'x' } } },
    });

    expect(output.Error).toBe('DynamoDb.ConditionalCheckFailedException');
    expect(output.Cause).toMatch(/^The conditional request failed \(Service: DynamoDb, Status Code: 400, Request ID: [\w-]+\)$/);
  });

  it('calls Cognito user pools as AWSCognitoIdentityProviderService.<Operation>, signed for cognito-idp', async () => {
    const { result, output } = await runTask({
      Resource: 'arn:aws:states:::aws-sdk:cognitoidentityprovider:adminGetUser',
      Parameters: { UserPoolId: 'pool', 'Username.$': '$.user' },
    }, { user: 'alice' });

    expect(result.status).toBe('SUCCEEDED');
    expect(output).toEqual({ Username: 'alice', UserAttributes: [] });
    const [call] = harness.doubles.callsOf('AWSCognitoIdentityProviderService.AdminGetUser');
    expect(call?.authorization).toMatch(/\/cognito-idp\/aws4_request, /);
    expect(call?.signatureValid).toBe(true);
  });

  it('adds the Exception suffix to aws-sdk error codes that lack it', async () => {
    harness.doubles.failNext('AWSCognitoIdentityProviderService.AdminGetUser', 'UserNotFound', 'User does not exist.');

    const { output } = await runTask({
      Resource: 'arn:aws:states:::aws-sdk:cognitoidentityprovider:adminGetUser',
      Parameters: { UserPoolId: 'pool', Username: 'ghost' },
    });

    expect(output.Error).toBe('CognitoIdentityProvider.UserNotFoundException');
  });

  it('fails an optimized putEvents with EventBridge.FailedEntry when an entry failed', async () => {
    harness.doubles.failedEventEntries = 1;

    const { output } = await runTask({
      Resource: 'arn:aws:states:::events:putEvents',
      Parameters: { Entries: [{ Source: 's', DetailType: 'd', Detail: {} }] },
    });

    expect(output.Error).toBe('EventBridge.FailedEntry');
    expect(JSON.parse(String(output.Cause))).toMatchObject({ FailedEntryCount: 1 });
  });

  it("returns lambda:invoke's result with the function's parsed Payload and StatusCode", async () => {
    harness.doubles.defineFunction('double-it', (payload) => ({ doubled: (payload as { n: number }).n * 2 }));

    const { result, output } = await runTask({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'double-it', 'Payload.$': '$' },
    }, { n: 21 });

    expect(result.status).toBe('SUCCEEDED');
    expect(output).toMatchObject({ Payload: { doubled: 42 }, StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(harness.doubles.callsOf('lambda:double-it')[0]?.body).toEqual({ n: 21 });
  });

  it("fails lambda:invoke with the function's errorType when the function throws", async () => {
    harness.doubles.defineFunction('grumpy', () => {
      throw new LambdaFunctionError('TenantLimitReached', 'too many tenants');
    });

    const { output } = await runTask({ Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'grumpy', Payload: {} } });

    expect(output.Error).toBe('TenantLimitReached');
    expect(JSON.parse(String(output.Cause))).toMatchObject({ errorType: 'TenantLimitReached', errorMessage: 'too many tenants' });
  });

  it('names Lambda service errors Lambda.<Code>', async () => {
    const { output } = await runTask({ Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'missing', Payload: {} } });

    expect(output.Error).toBe('Lambda.ResourceNotFoundException');
    expect(output.Cause).toMatch(/^Function not found: missing \(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; /);
  });

  it("times a Task out after its TimeoutSeconds with States.Timeout, recorded as TaskTimedOut", async () => {
    harness.doubles.delayNext('DynamoDB_20120810.PutItem', 1500);

    const { result, output } = await runTask({
      Resource: 'arn:aws:states:::dynamodb:putItem',
      TimeoutSeconds: 1,
      Parameters: { TableName: 't', Item: { PK: { S: 'slow' } } },
    });
    const history = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn: result.executionArn }));

    expect(output.Error).toBe('States.Timeout');
    const types = history.events?.map((event) => event.type) ?? [];
    expect(types.slice(0, 6)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskTimedOut', 'TaskStateExited']);
    expect(history.events?.[2]?.taskScheduledEventDetails?.timeoutInSeconds).toBe(1);
  });

  it('dispatches Task states nested in Parallel branches and Map processors', async () => {
    const { stateMachineArn } = harness.stepFunctions.createStateMachine({
      name: 'Nested',
      aslText: JSON.stringify({
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'ReadTenant', States: { ReadTenant: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:getItem', Parameters: { TableName: 't', Key: { PK: { S: 'TENANT#1' } } }, End: true } } },
              {
                StartAt: 'EachUser',
                States: {
                  EachUser: {
                    Type: 'Map',
                    ItemsPath: '$.users',
                    ItemProcessor: {
                      StartAt: 'GetUser',
                      States: { GetUser: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:cognitoidentityprovider:adminGetUser', Parameters: { UserPoolId: 'p', 'Username.$': '$' }, End: true } },
                    },
                    End: true,
                  },
                },
              },
            ],
            End: true,
          },
        },
      }),
    });

    const result = await harness.sfn.send(new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify({ users: ['a', 'b'] }) }));
    const history = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn: result.executionArn }));

    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? 'null')).toEqual([
      { Item: { PK: { S: 'TENANT#1' }, SK: { S: 'TENANT' } } },
      [
        { Username: 'a', UserAttributes: [] },
        { Username: 'b', UserAttributes: [] },
      ],
    ]);
    const types = history.events?.map((event) => event.type) ?? [];
    expect(types.filter((type) => type === 'TaskSucceeded')).toHaveLength(3);
    expect(types.filter((type) => type === 'MapIterationSucceeded')).toHaveLength(2);
    expect(types).toEqual(expect.arrayContaining(['ParallelStateStarted', 'ParallelStateSucceeded', 'MapStateStarted', 'MapStateSucceeded']));
  });

  it('fails with the integration transport error when the endpoint cannot be reached', async () => {
    const unreachable = await startEndpoint({ port: 0 });
    const deadUrl = unreachable.url;
    await unreachable.stop();
    const isolated = createStepFunctionsService({
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      taskEndpoint: () => deadUrl,
      // No caller gate in front of these doubles: any keys sign.
    credentialsFor: () => LOCAL_ADMIN_CREDENTIALS,
    });
    const endpoint = await startEndpoint({ port: 0, services: [isolated.service] });
    const { stateMachineArn } = isolated.createStateMachine({
      name: 'Unreachable',
      aslText: JSON.stringify({ StartAt: 'Put', States: { Put: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: { TableName: 't', Item: {} }, End: true } } }),
    });
    const sfn = new SFNClient({ endpoint: endpoint.url, region: LOCAL_REGION, credentials: LOCAL_ADMIN_CREDENTIALS, disableHostPrefix: true });

    try {
      const result = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn }));

      expect(result).toMatchObject({ status: 'FAILED', error: 'DynamoDB.AmazonDynamoDBException' });
    } finally {
      sfn.destroy();
      await endpoint.stop();
    }
  });
});
