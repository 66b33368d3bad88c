import { DeleteRuleCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { DETAIL_TYPE, EVENT_SOURCE, userConfirmedDetail } from '../../events/catalog';
import { clients, eventually, outputs, signUpConfirmed, uniqueEmail } from './support';

describe('sign-up confirmation on the local user pool', () => {
  const { events, sfn } = clients();
  const ruleName = `probe-user-confirmed-${randomUUID().slice(0, 8)}`;
  let stateMachineArn: string;

  beforeAll(async () => {
    // A state machine stands as the rule's target: its executions show what the bus delivered.
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: `UserConfirmedProbe-${randomUUID().slice(0, 8)}`,
        roleArn: `arn:aws:iam::000000000000:role/probe`,
        type: 'STANDARD',
        definition: JSON.stringify({ StartAt: 'RecordEvent', States: { RecordEvent: { Type: 'Pass', End: true } } }),
      }),
    );
    stateMachineArn = created.stateMachineArn ?? '';
    await events.send(
      new PutRuleCommand({
        Name: ruleName,
        EventBusName: outputs().eventBusName,
        EventPattern: JSON.stringify({ source: [EVENT_SOURCE.identity], 'detail-type': [DETAIL_TYPE.userConfirmed] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: ruleName,
        EventBusName: outputs().eventBusName,
        Targets: [{ Id: 'probe', Arn: stateMachineArn, RoleArn: 'arn:aws:iam::000000000000:role/probe-events' }],
      }),
    );
  });

  afterAll(async () => {
    await events.send(new RemoveTargetsCommand({ Rule: ruleName, EventBusName: outputs().eventBusName, Ids: ['probe'] }));
    await events.send(new DeleteRuleCommand({ Name: ruleName, EventBusName: outputs().eventBusName }));
  });

  it('runs the post-confirmation function through the Lambda API, whose user.confirmed event reaches the rule target', async () => {
    const email = uniqueEmail('confirm');

    const userId = await signUpConfirmed(email);

    const delivered = await eventually(async () => {
      const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
      for (const execution of executions) {
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
        const event = JSON.parse(described.input ?? '{}') as { 'detail-type'?: string; source?: string; detail?: { userId?: string } };
        if (event.detail?.userId === userId) return event;
      }
      return undefined;
    }, 'the user.confirmed event at the rule target');
    expect(delivered).toMatchObject({ source: EVENT_SOURCE.identity, 'detail-type': DETAIL_TYPE.userConfirmed });
    // The detail is exactly the catalog's schema: nothing else (no token, no password) rides along.
    expect(userConfirmedDetail.parse(delivered.detail)).toEqual({
      userId,
      email,
      userPoolId: outputs().userPoolId,
      confirmedAt: expect.any(String),
    });
  });
});
