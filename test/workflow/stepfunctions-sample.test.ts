import { GetExecutionHistoryCommand, StartSyncExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { SAMPLE_ASL, SAMPLE_SUBSTITUTIONS, signatureMatches, startHarness, stopHarness, type Harness } from './stepfunctions-doubles';

/** The sample ASL (Retry, Catch, Choice, compensation) run end to end through the real SFN client. */
describe('local Step Functions running the sample Retry/Catch workflow', () => {
  let harness: Harness;
  let stateMachineArn: string;

  beforeAll(async () => {
    harness = await startHarness();
    ({ stateMachineArn } = harness.stepFunctions.createStateMachine({ name: 'SampleOnboarding', aslText: SAMPLE_ASL, substitutions: SAMPLE_SUBSTITUTIONS, type: 'EXPRESS' }));
  });
  afterAll(() => stopHarness(harness));
  beforeEach(() => {
    harness.doubles.reset();
    harness.stepFunctions.faults.clear();
  });

  const run = (input: Record<string, unknown>) =>
    harness.sfn.send(new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));

  const history = async (executionArn: string): Promise<HistoryEvent[]> =>
    (await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];

  const stateEvents = (events: HistoryEvent[]) =>
    events
      .filter((event) => event.stateEnteredEventDetails ?? event.stateExitedEventDetails)
      .map((event) => `${event.type}:${(event.stateEnteredEventDetails ?? event.stateExitedEventDetails)?.name}`);

  it('succeeds, writing the tenant record and publishing the event with substituted names', async () => {
    const result = await run({ tenantId: 't1', notify: true });

    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? 'null')).toEqual({ tenantId: 't1', notify: true });
    expect(result.billingDetails?.billedDurationInMilliseconds).toBeGreaterThan(0);
    const [put] = harness.doubles.callsOf('DynamoDB_20120810.PutItem');
    expect(put?.body).toEqual({
      TableName: 'tenants-table',
      Item: { PK: { S: 'TENANT#t1' }, SK: { S: 'TENANT' } },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    const [publish] = harness.doubles.callsOf('AWSEvents.PutEvents');
    expect(publish?.body).toEqual({
      Entries: [
        {
          EventBusName: 'control-plane',
          Source: 'sample.tenants',
          DetailType: 'tenant.onboarded.v1',
          Detail: JSON.stringify({ tenantId: 't1' }),
          Resources: [stateMachineArn, result.executionArn],
        },
      ],
    });
  });

  it('signs every task call with SigV4 for the target service, verifiably', async () => {
    await run({ tenantId: 't1', notify: true });

    const calls = harness.doubles.calls;
    expect(calls.map((call) => call.operation)).toEqual(['DynamoDB_20120810.PutItem', 'AWSEvents.PutEvents']);
    expect(calls.every((call) => call.signatureValid)).toBe(true);
    expect(calls[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=LOCALADMINKEY\/\d{8}\/us-east-1\/dynamodb\/aws4_request, /);
    expect(calls[1]?.authorization).toMatch(/\/us-east-1\/events\/aws4_request, /);
    const [first] = calls;
    if (!first) throw new Error('no call recorded');
    // The check has teeth: the same request with another body no longer matches its signature.
    await expect(signatureMatches({ ...first.request, body: Buffer.from('{"TableName":"other"}') })).resolves.toBe(false);
  });

  it('records every state entered and exited, in order, with the task events between', async () => {
    const result = await run({ tenantId: 't1', notify: true });

    const events = await history(result.executionArn ?? '');
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(stateEvents(events)).toEqual([
      'PassStateEntered:PrepareRecord',
      'PassStateExited:PrepareRecord',
      'TaskStateEntered:PutTenantRecord',
      'TaskStateExited:PutTenantRecord',
      'ChoiceStateEntered:ShouldNotify',
      'ChoiceStateExited:ShouldNotify',
      'TaskStateEntered:PublishOnboarded',
      'TaskStateExited:PublishOnboarded',
      'SucceedStateEntered:Done',
      'SucceedStateExited:Done',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events.map((event) => event.previousEventId)).toEqual(events.map((_, index) => index));
    expect(events[4]?.taskScheduledEventDetails).toMatchObject({ resourceType: 'dynamodb', resource: 'putItem', region: 'us-east-1' });
  });

  it('takes the Catch path into the compensation when a fault is injected into a later step', async () => {
    harness.stepFunctions.faults.inject({ stateMachineName: 'SampleOnboarding', stateName: 'PublishOnboarded', error: 'EventBridge.AmazonEventBridgeException', count: 1 });

    const result = await run({ tenantId: 't2', notify: true });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('OnboardingFailed');
    expect(harness.doubles.calls.map((call) => call.operation)).toEqual(['DynamoDB_20120810.PutItem', 'DynamoDB_20120810.DeleteItem']);
    expect(harness.doubles.callsOf('DynamoDB_20120810.DeleteItem')[0]?.body).toMatchObject({ Key: { PK: { S: 'TENANT#t2' } } });
    const events = await history(result.executionArn ?? '');
    expect(events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails).toMatchObject({
      resourceType: 'events',
      resource: 'putEvents',
      error: 'EventBridge.AmazonEventBridgeException',
    });
    expect(stateEvents(events)).toContain('TaskStateEntered:UndoTenantRecord');
    expect(events.at(-1)?.type).toBe('ExecutionFailed');
  });

  it('lets a Retry consume a single injected fault and then succeed without the fault reaching the service', async () => {
    harness.stepFunctions.faults.inject({
      stateMachineName: 'SampleOnboarding',
      stateName: 'PutTenantRecord',
      error: 'DynamoDB.ProvisionedThroughputExceededException',
      cause: 'injected throttle',
      count: 1,
    });

    const result = await run({ tenantId: 't3', notify: false });

    expect(result.status).toBe('SUCCEEDED');
    expect(harness.doubles.callsOf('DynamoDB_20120810.PutItem')).toHaveLength(1);
    const taskEvents = (await history(result.executionArn ?? '')).filter((event) => event.type?.startsWith('Task') && !event.type.includes('State'));
    expect(taskEvents.map((event) => event.type)).toEqual(['TaskScheduled', 'TaskStarted', 'TaskFailed', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded']);
    expect(taskEvents[2]?.taskFailedEventDetails).toMatchObject({ error: 'DynamoDB.ProvisionedThroughputExceededException', cause: 'injected throttle' });
  });

  it("surfaces DynamoDB's ConditionalCheckFailedException under AWS's name, caught by the Catch on that name", async () => {
    harness.doubles.failNext('DynamoDB_20120810.PutItem', 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', 'The conditional request failed');

    const result = await run({ tenantId: 't4', notify: true });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('TenantAlreadyExists');
    const events = await history(result.executionArn ?? '');
    const failed = events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails;
    expect(failed?.error).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(failed?.cause).toMatch(/^The conditional request failed \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; /);
    const exited = events.find((event) => event.stateExitedEventDetails?.name === 'PutTenantRecord');
    expect(JSON.parse(exited?.stateExitedEventDetails?.output ?? '{}').error).toEqual({ Error: failed?.error, Cause: failed?.cause });
    expect(stateEvents(events)).toContain('FailStateEntered:TenantAlreadyExists');
    expect(harness.doubles.callsOf('AWSEvents.PutEvents')).toHaveLength(0);
  });

  it('retries throttling from the service itself, then succeeds', async () => {
    harness.doubles.failNext('DynamoDB_20120810.PutItem', 'ProvisionedThroughputExceededException', 'Rate exceeded');

    const result = await run({ tenantId: 't5', notify: false });

    expect(result.status).toBe('SUCCEEDED');
    expect(harness.doubles.callsOf('DynamoDB_20120810.PutItem')).toHaveLength(2);
  });
});
