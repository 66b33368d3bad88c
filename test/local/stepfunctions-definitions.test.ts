import { SFNClient, TestStateCommand, UpdateStateMachineCommand } from '@aws-sdk/client-sfn';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { mintCredentials, outputs } from './support';

const sfn = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = LOCAL_ADMIN_CREDENTIALS): SFNClient =>
  new SFNClient({ endpoint: outputs().endpoint, region: outputs().region, credentials, disableHostPrefix: true, maxAttempts: 1 });

const scanTask = JSON.stringify({ Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:dynamodb:scan', Parameters: { TableName: 'ControlPlane', Limit: 1 }, End: true });

describe("the local Step Functions' definition operations, as a caller without the right is refused them", () => {
  it('refuses TestState and UpdateStateMachine to tenant credentials, naming the action', async () => {
    const tenant = sfn(await mintCredentials({ userId: 'sfn-tester', tenantId: 'sfn-tenant' }));

    await expect(tenant.send(new TestStateCommand({ definition: scanTask, roleArn: 'arn:aws:iam::000000000000:role/any' }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('states:TestState'),
    });
    await expect(tenant.send(new UpdateStateMachineCommand({ stateMachineArn: outputs().stateMachines.switching, definition: scanTask }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('states:UpdateStateMachine'),
    });
  });

  it('asks for the role a Task state would run as: no roleArn, no test', async () => {
    await expect(sfn().send(new TestStateCommand({ definition: scanTask }))).rejects.toMatchObject({ name: 'ValidationException', message: 'TestState needs a roleArn to test a Task state' });
  });
});
