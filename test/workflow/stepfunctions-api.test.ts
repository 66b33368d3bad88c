import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  InvalidDefinition,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  ListTagsForResourceCommand,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StateMachineAlreadyExists,
  StateMachineDoesNotExist,
  StateMachineTypeNotSupported,
  StopExecutionCommand,
  TestStateCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { UnsubstitutedPlaceholderError } from '../../local/stepfunctions/service';
import { SAMPLE_ASL, SAMPLE_SUBSTITUTIONS, startHarness, stopHarness, type Harness } from './stepfunctions-doubles';

const ROLE_ARN = 'arn:aws:iam::000000000000:role/sfn';

const passThrough = JSON.stringify({ StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } });
const failing = JSON.stringify({ StartAt: 'Stop', States: { Stop: { Type: 'Fail', Error: 'Nope', Cause: 'always fails' } } });

describe('local Step Functions API', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => stopHarness(harness));
  beforeEach(() => {
    harness.doubles.reset();
    harness.stepFunctions.faults.clear();
  });

  const create = (name: string, definition: string, type: 'STANDARD' | 'EXPRESS' = 'STANDARD') =>
    harness.sfn.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE_ARN, type }));

  /** StartExecution returns at once; the run completes in the background. */
  const settled = async (executionArn: string): Promise<DescribeExecutionCommandOutput> => {
    for (;;) {
      const execution = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (execution.status !== 'RUNNING') return execution;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('creates, describes, lists and deletes a state machine', async () => {
    const { stateMachineArn } = await create('Lifecycle', passThrough, 'EXPRESS');

    const described = await harness.sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
    const listed = await harness.sfn.send(new ListStateMachinesCommand({}));
    await harness.sfn.send(new DeleteStateMachineCommand({ stateMachineArn }));

    expect(stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:Lifecycle');
    expect(described).toMatchObject({ name: 'Lifecycle', definition: passThrough, roleArn: ROLE_ARN, type: 'EXPRESS', status: 'ACTIVE' });
    expect(described.creationDate).toBeInstanceOf(Date);
    expect(listed.stateMachines?.map((machine) => machine.name)).toContain('Lifecycle');
    await expect(harness.sfn.send(new DescribeStateMachineCommand({ stateMachineArn }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });

  it('answers InvalidDefinition for ASL that does not validate', async () => {
    const dangling = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Missing' } } });

    await expect(create('Broken', dangling)).rejects.toBeInstanceOf(InvalidDefinition);
    await expect(create('NotJson', '{ "StartAt": ')).rejects.toBeInstanceOf(InvalidDefinition);
  });

  it('answers InvalidDefinition naming a Task resource the local cloud cannot run', async () => {
    const unsupported = JSON.stringify({
      StartAt: 'Send',
      States: { Send: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Parameters: { QueueUrl: 'q', MessageBody: 'm' }, End: true } },
    });

    await expect(create('Unsupported', unsupported)).rejects.toThrow(/arn:aws:states:::sqs:sendMessage/);
  });

  it('treats an identical create as idempotent and a different one under the same name as a conflict', async () => {
    const first = await create('Twice', passThrough);

    const again = await create('Twice', passThrough);

    expect(again.stateMachineArn).toBe(first.stateMachineArn);
    await expect(create('Twice', failing)).rejects.toBeInstanceOf(StateMachineAlreadyExists);
  });

  it('refuses to create a machine whose ASL keeps a placeholder with no substitution, naming it', () => {
    const act = () =>
      harness.stepFunctions.createStateMachine({ name: 'Unsubstituted', aslText: SAMPLE_ASL, substitutions: { TableName: 'tenants-table' } });

    expect(act).toThrow(UnsubstitutedPlaceholderError);
    expect(act).toThrow(/\$\{EventBusName\}/);
  });

  it('runs StartExecution in the background and reports the outcome through DescribeExecution', async () => {
    const { stateMachineArn } = await create('Async', passThrough);

    const started = await harness.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'first-run', input: '{"n":1}' }));
    const execution = await settled(started.executionArn ?? '');

    expect(started.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:Async:first-run');
    expect(execution).toMatchObject({ status: 'SUCCEEDED', name: 'first-run', stateMachineArn, input: '{"n":1}', output: '{"n":1}' });
    expect(execution.stopDate).toBeInstanceOf(Date);
  });

  it('lists executions newest first, filtered by status', async () => {
    const { stateMachineArn } = await create('Mixed', JSON.stringify({
      StartAt: 'Route',
      States: {
        Route: { Type: 'Choice', Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Fine' }], Default: 'Broken' },
        Fine: { Type: 'Succeed' },
        Broken: { Type: 'Fail', Error: 'Nope' },
      },
    }));
    const arns: string[] = [];
    for (const ok of [true, false, true]) {
      const { executionArn = '' } = await harness.sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ ok }) }));
      await settled(executionArn);
      arns.push(executionArn);
    }

    const succeeded = await harness.sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED' }));
    const failed = await harness.sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'FAILED' }));
    const all = await harness.sfn.send(new ListExecutionsCommand({ stateMachineArn }));

    expect(succeeded.executions?.map((execution) => execution.executionArn)).toEqual([arns[2], arns[0]]);
    expect(failed.executions?.map((execution) => execution.executionArn)).toEqual([arns[1]]);
    expect(all.executions?.map((execution) => execution.executionArn)).toEqual([...arns].reverse());
  });

  it('refuses StartSyncExecution on a STANDARD machine, as AWS does', async () => {
    const { stateMachineArn } = await create('StandardOnly', passThrough);

    await expect(harness.sfn.send(new StartSyncExecutionCommand({ stateMachineArn }))).rejects.toBeInstanceOf(StateMachineTypeNotSupported);
  });

  it('keeps Express executions run synchronously inspectable, with or without execution data', async () => {
    const { stateMachineArn } = harness.stepFunctions.createStateMachine({ name: 'Inspectable', aslText: SAMPLE_ASL, substitutions: SAMPLE_SUBSTITUTIONS });
    const { executionArn = '' } = await harness.sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify({ tenantId: 'secret-tenant', notify: false }) }),
    );

    const described = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const withData = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const withoutData = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }));

    expect(executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:express:Inspectable:/);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.stringify(withData.events)).toContain('secret-tenant');
    expect(withoutData.events?.map((event) => event.type)).toEqual(withData.events?.map((event) => event.type));
    expect(JSON.stringify(withoutData.events)).not.toContain('secret-tenant');
    expect(withoutData.events?.[0]?.executionStartedEventDetails).toEqual({ inputDetails: { truncated: false }, roleArn: expect.any(String) });
  });

  it('pages a history and reverses it on request', async () => {
    const { stateMachineArn } = await create('Paged', passThrough, 'EXPRESS');
    const { executionArn = '' } = await harness.sfn.send(new StartSyncExecutionCommand({ stateMachineArn }));

    const firstPage = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2 }));
    const secondPage = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2, nextToken: firstPage.nextToken }));
    const reversed = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));

    expect([...(firstPage.events ?? []), ...(secondPage.events ?? [])].map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(secondPage.nextToken).toBeUndefined();
    expect(reversed.events?.map((event) => event.id)).toEqual([4, 3, 2, 1]);
  });

  it("times an execution out after the machine's TimeoutSeconds", async () => {
    const { stateMachineArn } = await create(
      'TooSlow',
      JSON.stringify({ StartAt: 'Linger', TimeoutSeconds: 1, States: { Linger: { Type: 'Wait', Seconds: 30, End: true } } }),
      'EXPRESS',
    );

    const result = await harness.sfn.send(new StartSyncExecutionCommand({ stateMachineArn }));

    expect(result).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    const history = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn: result.executionArn, reverseOrder: true }));
    expect(history.events?.[0]?.type).toBe('ExecutionTimedOut');
  });

  const lingering = JSON.stringify({ StartAt: 'Linger', States: { Linger: { Type: 'Wait', Seconds: 30, End: true } } });

  it('answers StartExecution of a running STANDARD execution with the same name and input with that execution', async () => {
    const { stateMachineArn } = await create('Idempotent', lingering);
    const request = { stateMachineArn, name: 'once', input: '{"a":1}' };

    const first = await harness.sfn.send(new StartExecutionCommand(request));
    const again = await harness.sfn.send(new StartExecutionCommand(request));
    const otherInput = harness.sfn.send(new StartExecutionCommand({ ...request, input: '{"a":2}' }));

    expect(again).toMatchObject({ executionArn: first.executionArn, startDate: first.startDate });
    await expect(otherInput).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await harness.sfn.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    await expect(harness.sfn.send(new StartExecutionCommand(request))).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it("records StopExecution's error and cause in the ExecutionAborted event and the execution", async () => {
    const { stateMachineArn } = await create('Stoppable', lingering);
    const { executionArn } = await harness.sfn.send(new StartExecutionCommand({ stateMachineArn }));

    await harness.sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator.Stop', cause: 'stopped by hand' }));

    const described = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const history = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator.Stop', cause: 'stopped by hand' });
    expect(history.events?.[0]).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Operator.Stop', cause: 'stopped by hand' } });
  });

  it('validates a definition as CreateStateMachine would, with AWS-shaped diagnostics', async () => {
    const ok = await harness.sfn.send(new ValidateStateMachineDefinitionCommand({ definition: passThrough }));
    const notJson = await harness.sfn.send(new ValidateStateMachineDefinitionCommand({ definition: '{"StartAt":' }));
    const badState = await harness.sfn.send(new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify({ StartAt: 'Missing', States: { Echo: { Type: 'Pass', End: true } } }) }));

    expect(ok).toMatchObject({ result: 'OK', diagnostics: [], truncated: false });
    expect(notJson).toMatchObject({ result: 'FAIL', diagnostics: [expect.objectContaining({ severity: 'ERROR', code: 'INVALID_JSON_DESCRIPTION' })] });
    expect(badState).toMatchObject({ result: 'FAIL', diagnostics: [expect.objectContaining({ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED' })] });
  });

  it('updates a definition, and still describes the machine an earlier execution ran', async () => {
    const { stateMachineArn } = await create('Updatable', passThrough);
    const before = await harness.sfn.send(new StartExecutionCommand({ stateMachineArn }));
    await settled(before.executionArn ?? '');

    await harness.sfn.send(new UpdateStateMachineCommand({ stateMachineArn, definition: failing }));

    expect((await harness.sfn.send(new DescribeStateMachineCommand({ stateMachineArn }))).definition).toBe(failing);
    expect(await harness.sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn: before.executionArn }))).toMatchObject({ stateMachineArn, definition: passThrough });
    expect(await harness.sfn.send(new ListTagsForResourceCommand({ resourceArn: stateMachineArn }))).toMatchObject({ tags: [] });
  });

  it('tests one state through the interpreter: its output and next state, or its error', async () => {
    const pass = JSON.stringify({ Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)' }, Next: 'After' });
    const fail = JSON.stringify({ Type: 'Fail', Error: 'Nope', Cause: 'always' });

    const passed = await harness.sfn.send(new TestStateCommand({ definition: pass, roleArn: ROLE_ARN, input: '{"n":21}' }));
    const failed = await harness.sfn.send(new TestStateCommand({ definition: fail, roleArn: ROLE_ARN }));

    expect(passed).toMatchObject({ status: 'SUCCEEDED', output: '{"doubled":42}', nextState: 'After' });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'Nope', cause: 'always' });
  });

  describe('fault injection over HTTP', () => {
    const faultsUrl = () => `${harness.endpoint.url}/_local/faults`;
    const runSample = async () => {
      const { stateMachineArn } = harness.stepFunctions.createStateMachine({ name: 'FaultTarget', aslText: SAMPLE_ASL, substitutions: SAMPLE_SUBSTITUTIONS });
      return harness.sfn.send(new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify({ tenantId: 't9', notify: false }) }));
    };

    it('fails the next run of the named state with the posted error', async () => {
      const response = await fetch(faultsUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stateMachineName: 'FaultTarget', stateName: 'PutTenantRecord', error: 'DynamoDB.AmazonDynamoDBException', count: 1 }),
      });

      const faulted = await runSample();
      const clean = await runSample();

      expect(response.status).toBe(200);
      expect(faulted).toMatchObject({ status: 'FAILED', error: 'OnboardingFailed' });
      expect(clean.status).toBe('SUCCEEDED');
      expect(harness.doubles.callsOf('DynamoDB_20120810.PutItem')).toHaveLength(1);
    });

    it('forgets every pending fault on DELETE', async () => {
      await fetch(faultsUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stateMachineName: 'FaultTarget', stateName: 'PutTenantRecord', error: 'DynamoDB.AmazonDynamoDBException', count: 5 }),
      });

      const cleared = await fetch(faultsUrl(), { method: 'DELETE' });
      const result = await runSample();

      expect(cleared.status).toBe(200);
      expect(result.status).toBe('SUCCEEDED');
    });

    it('rejects a fault without a positive count', async () => {
      const response = await fetch(faultsUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stateMachineName: 'FaultTarget', stateName: 'PutTenantRecord', error: 'X', count: 0 }),
      });

      expect(response.status).toBe(400);
      expect(((await response.json()) as { __type: string }).__type).toBe('ValidationException');
    });
  });
});
