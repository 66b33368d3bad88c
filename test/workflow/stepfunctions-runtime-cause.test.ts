import { CreateStateMachineCommand, DescribeExecutionCommand, GetExecutionHistoryCommand, StartExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { startHarness, stopHarness, type Harness } from './stepfunctions-doubles';

/**
 * States.Runtime causes as Step Functions words them, through the real SFN client: a Parameters
 * field whose JSONPath selects nothing names the state, the event id it was entered at, the path,
 * the field and the input (local/stepfunctions/errors.ts, awsParametersPathCause, for the source).
 */

const ROLE_ARN = 'arn:aws:iam::000000000000:role/sfn';
const MISSING = '$.application.address';

const checkAddress = (extra: Record<string, unknown> = {}) => ({ Type: 'Pass', Parameters: { 'address.$': MISSING }, End: true, ...extra });
const topLevel = { StartAt: 'Start', States: { Start: { Type: 'Pass', Next: 'Check Address' }, 'Check Address': checkAddress() } };
const inBranch = {
  StartAt: 'Both',
  States: { Both: { Type: 'Parallel', End: true, Branches: [{ StartAt: 'Check Address', States: { 'Check Address': checkAddress() } }] } },
};
const ambiguous = { StartAt: 'Check Address', States: { 'Check Address': checkAddress({ OutputPath: MISSING }) } };

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => stopHarness(harness));

async function runToEnd(name: string, definition: unknown, input: unknown): Promise<{ execution: DescribeExecutionCommandOutput; events: { id?: number; type?: string; name?: string; cause?: string }[] }> {
  const { stateMachineArn } = await harness.sfn.send(new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE_ARN }));
  const { executionArn } = await harness.sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  let execution = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));
  while (execution.status === 'RUNNING') {
    await new Promise((resolve) => setTimeout(resolve, 10));
    execution = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));
  }
  const { events = [] } = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  return {
    execution,
    events: events.map((event) => ({
      id: event.id,
      type: event.type,
      name: event.stateEnteredEventDetails?.name,
      cause: event.executionFailedEventDetails?.cause,
    })),
  };
}

describe('a Parameters field whose JSONPath selects nothing', () => {
  it('fails the execution with States.Runtime in AWS words, naming the entered event, the field and the input', async () => {
    const { execution, events } = await runToEnd('CauseTopLevel', topLevel, { flagged: false });

    const expected =
      "An error occurred while executing the state 'Check Address' (entered at the event id #4). " +
      `The JSONPath '${MISSING}' specified for the field 'address.$' could not be found in the input '{"flagged":false}'`;
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: expected });
    expect(events.find((event) => event.id === 4)).toMatchObject({ type: 'PassStateEntered', name: 'Check Address' });
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionFailed', cause: expected });
  });

  it('is found inside a Parallel branch too', async () => {
    const { execution, events } = await runToEnd('CauseInBranch', inBranch, { flagged: true });

    const entered = events.find((event) => event.type === 'PassStateEntered' && event.name === 'Check Address');
    expect(execution.cause).toBe(
      `An error occurred while executing the state 'Check Address' (entered at the event id #${entered?.id}). ` +
        `The JSONPath '${MISSING}' specified for the field 'address.$' could not be found in the input '{"flagged":true}'`,
    );
  });

  it('on a null input: AWS\'s "Unable to apply Path transformation to null or empty input."', async () => {
    const { execution } = await runToEnd('CauseNullInput', topLevel, null);

    expect(execution.cause).toBe("An error occurred while executing the state 'Check Address' (entered at the event id #4). Unable to apply Path transformation to null or empty input.");
  });

  it("keeps the interpreter's cause when another field of the state uses the same path, since it cannot tell which failed", async () => {
    const { execution } = await runToEnd('CauseAmbiguous', ambiguous, { flagged: false });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: `Path expression '${MISSING}' does not point to a value` });
  });
});
