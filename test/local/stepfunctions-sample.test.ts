import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, GetExecutionHistoryCommand, StartSyncExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminFetch, clients, outputs } from './support';

/**
 * The sample ASL (Retry, Catch, compensation) against the running local cloud: its tasks write to
 * DynamoDB Local through the IAM gateway and publish on the local bus; faults are injected over
 * HTTP from this process, as any test in another process would.
 */
describe('a Retry/Catch state machine on the running local cloud', () => {
  const { sfn, dynamodb } = clients();
  const machineName = `Sample-${randomUUID().slice(0, 8)}`;
  let stateMachineArn: string;

  const injectFault = async (fault: Record<string, unknown>): Promise<void> => {
    const response = await adminFetch('/_local/faults', { method: 'POST', body: JSON.stringify(fault) });
    expect(response.status).toBe(200);
  };

  beforeAll(async () => {
    const asl = readFileSync(join(__dirname, '..', 'fixtures', 'sample-retry-catch.asl.json'), 'utf8')
      .replaceAll('${TableName}', outputs().tableName)
      .replaceAll('${EventBusName}', outputs().eventBusName);
    ({ stateMachineArn = '' } = await sfn.send(
      new CreateStateMachineCommand({ name: machineName, definition: asl, roleArn: 'arn:aws:iam::000000000000:role/sample', type: 'EXPRESS' }),
    ));
  });
  afterAll(() => adminFetch('/_local/faults', { method: 'DELETE' }));

  const run = (tenantId: string) => sfn.send(new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify({ tenantId, notify: true }) }));
  const tenantRecord = (tenantId: string) =>
    dynamodb.send(new GetItemCommand({ TableName: outputs().tableName, Key: { PK: { S: `TENANT#${tenantId}` }, SK: { S: 'TENANT' } } }));
  const stateTrail = async (executionArn: string | undefined): Promise<string[]> => {
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    return events
      .filter((event: HistoryEvent) => event.stateEnteredEventDetails ?? event.stateExitedEventDetails)
      .map((event) => `${event.type}:${(event.stateEnteredEventDetails ?? event.stateExitedEventDetails)?.name}`);
  };

  it('runs to success through StartSyncExecution, writing the record for real', async () => {
    const tenantId = randomUUID();

    const result = await run(tenantId);

    expect(result.status).toBe('SUCCEEDED');
    expect((await tenantRecord(tenantId)).Item?.PK).toEqual({ S: `TENANT#${tenantId}` });
  });

  it('takes the Catch path into the compensation when a fault is injected after the write', async () => {
    const tenantId = randomUUID();
    await injectFault({ stateMachineName: machineName, stateName: 'PublishOnboarded', error: 'EventBridge.InternalException', count: 1 });

    const result = await run(tenantId);

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('OnboardingFailed');
    // The compensation deleted what the forward step wrote.
    expect((await tenantRecord(tenantId)).Item).toBeUndefined();
  });

  it('shows every state entered and exited, in order, in the execution history', async () => {
    const tenantId = randomUUID();
    await injectFault({ stateMachineName: machineName, stateName: 'PublishOnboarded', error: 'EventBridge.InternalException', count: 1 });

    const result = await run(tenantId);

    expect(await stateTrail(result.executionArn)).toEqual([
      'PassStateEntered:PrepareRecord',
      'PassStateExited:PrepareRecord',
      'TaskStateEntered:PutTenantRecord',
      'TaskStateExited:PutTenantRecord',
      'ChoiceStateEntered:ShouldNotify',
      'ChoiceStateExited:ShouldNotify',
      'TaskStateEntered:PublishOnboarded',
      'TaskStateExited:PublishOnboarded',
      'TaskStateEntered:UndoTenantRecord',
      'TaskStateExited:UndoTenantRecord',
      'FailStateEntered:OnboardingFailed',
    ]);
  });

  it('catches a real conditional-check failure from DynamoDB by its Step Functions error name', async () => {
    const tenantId = randomUUID();
    await run(tenantId);

    const again = await run(tenantId);

    expect(again.status).toBe('FAILED');
    expect(again.error).toBe('TenantAlreadyExists');
  });
});
