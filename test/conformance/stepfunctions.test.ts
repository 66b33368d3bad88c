import { CreateStateMachineCommand, DeleteStateMachineCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { aws, awsJson, isoTimestamp, outputs, SERVICE_ERROR_EXIT_CODES } from './environment';
import { uniqueName } from './support';

// API Reference pages cited below: https://docs.aws.amazon.com/step-functions/latest/apireference/API_<Operation>.html
const ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/ConformanceMachineRole`;
const passing = (result: unknown): string => JSON.stringify({ StartAt: 'Only', States: { Only: { Type: 'Pass', Result: result, End: true } } });

interface Throwaway {
  readonly express: string;
  readonly standard: string;
  readonly executionArn: string;
}

let sfn: SFNClient;
let machines: Throwaway;

/** Two machines of the test's own (never the cloud's four): an Express one to update and run synchronously, a Standard one with an execution. */
beforeAll(async () => {
  sfn = new SFNClient({ endpoint: outputs().endpoint, region: outputs().region, credentials: LOCAL_ADMIN_CREDENTIALS });
  const create = async (type: 'EXPRESS' | 'STANDARD'): Promise<string> => {
    // The Express one carries a tag, the Standard one none (list-tags-for-resource answers both).
    const tags = type === 'EXPRESS' ? [{ key: 'purpose', value: 'conformance' }] : undefined;
    const created = await sfn.send(new CreateStateMachineCommand({ name: uniqueName(`conformance-${type.toLowerCase()}`), type, roleArn: ROLE_ARN, definition: passing({ version: 1 }), tags }));
    return created.stateMachineArn ?? '';
  };
  const [express, standard] = [await create('EXPRESS'), await create('STANDARD')];
  const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: standard, input: '{}' }));
  machines = { express, standard, executionArn: started.executionArn ?? '' };
});

afterAll(async () => {
  for (const arn of [machines.express, machines.standard]) await sfn.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
  sfn.destroy();
});

describe('aws stepfunctions validate-state-machine-definition', () => {
  it('answers OK with no diagnostics for a valid definition', async () => {
    const answer = await awsJson(['stepfunctions', 'validate-state-machine-definition', '--definition', passing('fine')]);

    expect(answer).toEqual({ result: 'OK', diagnostics: [], truncated: false });
  });

  it('answers FAIL with an ERROR diagnostic for a transition to a state that does not exist', async () => {
    const broken = JSON.stringify({ StartAt: 'Missing', States: { Only: { Type: 'Pass', End: true } } });

    const answer = await awsJson<{ result: string; diagnostics: { severity: string; code: string; message: string }[] }>(['stepfunctions', 'validate-state-machine-definition', '--definition', broken]);

    // The diagnostic's codes are not listed by the API Reference: only its shape is asserted.
    expect(answer.result).toBe('FAIL');
    expect(answer.diagnostics).toContainEqual({ severity: 'ERROR', code: expect.any(String), message: expect.stringContaining('Missing') });
  });
});

describe('aws stepfunctions on a throwaway machine', () => {
  it('update-state-machine answers updateDate and a revisionId, and the next start-sync-execution runs the new definition', async () => {
    const updated = await awsJson(['stepfunctions', 'update-state-machine', '--state-machine-arn', machines.express, '--definition', passing({ version: 2 })]);
    const run = await awsJson(['stepfunctions', 'start-sync-execution', '--state-machine-arn', machines.express, '--input', '{"from":"conformance"}']);

    expect(updated).toEqual({ updateDate: isoTimestamp(), revisionId: expect.any(String) });
    // StartSyncExecution's response: executionArn, stateMachineArn, name, startDate, stopDate, status, input, output, billingDetails.
    expect(run).toMatchObject({
      stateMachineArn: machines.express,
      executionArn: expect.stringMatching(new RegExp(`^arn:aws:states:${outputs().region}:${LOCAL_ACCOUNT_ID}:express:`)),
      status: 'SUCCEEDED',
      input: '{"from":"conformance"}',
      output: JSON.stringify({ version: 2 }),
      startDate: isoTimestamp(),
      stopDate: isoTimestamp(),
      billingDetails: { billedMemoryUsedInMB: expect.any(Number), billedDurationInMilliseconds: expect.any(Number) },
    });
  });

  it('start-sync-execution of a Standard machine fails with StateMachineTypeNotSupported', async () => {
    const result = await aws(['stepfunctions', 'start-sync-execution', '--state-machine-arn', machines.standard]);

    expect(SERVICE_ERROR_EXIT_CODES).toContain(result.exitCode);
    expect(result.error).toMatchObject({ code: 'StateMachineTypeNotSupported', operation: 'StartSyncExecution' });
  });

  it('describe-state-machine-for-execution answers the machine the execution ran', async () => {
    const described = await awsJson(['stepfunctions', 'describe-state-machine-for-execution', '--execution-arn', machines.executionArn]);

    expect(described).toMatchObject({ stateMachineArn: machines.standard, name: machines.standard.split(':').pop(), definition: passing({ version: 1 }), roleArn: ROLE_ARN, updateDate: isoTimestamp() });
  });

  it('describe-state-machine-for-execution of an unknown execution fails with ExecutionDoesNotExist', async () => {
    const unknown = `${machines.standard.replace(':stateMachine:', ':execution:')}:no-such-execution`;

    const result = await aws(['stepfunctions', 'describe-state-machine-for-execution', '--execution-arn', unknown]);

    expect(result.error).toMatchObject({ code: 'ExecutionDoesNotExist', operation: 'DescribeStateMachineForExecution' });
  });

  it('list-tags-for-resource of a machine created without tags answers an empty tag list', async () => {
    const answer = await awsJson(['stepfunctions', 'list-tags-for-resource', '--resource-arn', machines.standard]);

    expect(answer).toEqual({ tags: [] });
  });

  it('list-tags-for-resource answers the tags a machine was created with', async () => {
    const answer = await awsJson(['stepfunctions', 'list-tags-for-resource', '--resource-arn', machines.express]);

    expect(answer).toEqual({ tags: [{ key: 'purpose', value: 'conformance' }] });
  });

  it('list-tags-for-resource of a machine that does not exist fails with ResourceNotFound', async () => {
    const result = await aws(['stepfunctions', 'list-tags-for-resource', '--resource-arn', `${machines.standard}-gone`]);

    expect(result.error).toMatchObject({ code: 'ResourceNotFound', operation: 'ListTagsForResource' });
  });
});

describe('aws stepfunctions test-state', () => {
  it('runs a Pass state and answers its output and SUCCEEDED', async () => {
    const state = JSON.stringify({ Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)' }, End: true });

    const answer = await awsJson(['stepfunctions', 'test-state', '--definition', state, '--role-arn', ROLE_ARN, '--input', '{"n":21}']);

    expect(answer).toMatchObject({ status: 'SUCCEEDED', output: '{"doubled":42}' });
  });

  it('runs a Fail state and answers FAILED with its error and cause', async () => {
    const state = JSON.stringify({ Type: 'Fail', Error: 'Conformance.Failed', Cause: 'on purpose' });

    const answer = await awsJson(['stepfunctions', 'test-state', '--definition', state, '--role-arn', ROLE_ARN, '--input', '{}']);

    expect(answer).toMatchObject({ status: 'FAILED', error: 'Conformance.Failed', cause: 'on purpose' });
  });
});
