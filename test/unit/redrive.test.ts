import { InvokeCommand, ResourceNotFoundException, TooManyRequestsException, type LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { parseRedriveArgs, redrive, RedriveUsageError, subscriberGuard, type RedriveOptions } from '../../infra/operations/redrive';
import { ACCOUNT, REGION, startLocalSqs, type LocalSqs } from './sqs-support';

const arnOf = (name: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}:$LATEST`;

/** An invocation record as Lambda sends it to the on-failure queue (events/async-invocation.ts). */
const recordFor = (functionName: string, eventId = randomUUID()) => ({
  version: '1.0',
  timestamp: '2026-12-01T14:40:30.123Z',
  requestContext: { requestId: randomUUID(), functionArn: arnOf(functionName), condition: 'RetriesExhausted', approximateInvokeCount: 3 },
  requestPayload: { version: '0', id: eventId, 'detail-type': 'user.confirmed.v1', source: 'controlplane.identity', detail: { userId: 'u1' } },
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  responsePayload: { errorType: 'Error', errorMessage: 'boom' },
});

interface Invocation {
  readonly functionName: string | undefined;
  readonly invocationType: string | undefined;
  readonly payload: unknown;
}

/**
 * Lambda's Invoke as the redrive sees it: accepted (202) for the functions that exist, AWS's
 * exceptions otherwise. SQS is the real local service, so deletes and visibility are SQS's own.
 */
function fakeLambda(behaviour: (functionName: string) => 'accept' | 'missing' | 'throttle' = () => 'accept') {
  const invocations: Invocation[] = [];
  const lambda = {
    send: async (command: InvokeCommand) => {
      const functionName = command.input.FunctionName ?? '';
      const answer = behaviour(functionName);
      if (answer === 'missing') throw new ResourceNotFoundException({ message: `Function not found: ${functionName}`, $metadata: {} });
      if (answer === 'throttle') throw new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
      invocations.push({
        functionName,
        invocationType: command.input.InvocationType,
        // The redrive sends a Buffer (Uint8Array), as the SDK takes it.
        payload: JSON.parse(Buffer.from(command.input.Payload as Uint8Array).toString('utf8')),
      });
      return { StatusCode: 202, $metadata: {} };
    },
  };
  return { lambda: lambda as unknown as Pick<LambdaClient, 'send'>, invocations };
}

describe('redrive, over the local SQS queue', () => {
  let local: LocalSqs;
  let sqs: SQSClient;
  beforeEach(async () => {
    local = await startLocalSqs();
    sqs = local.client();
  });
  afterEach(() => local.stop());

  const enqueue = async (body: unknown) =>
    sqs.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: typeof body === 'string' ? body : JSON.stringify(body) }));
  const visibleCount = async () =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: local.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes?.ApproximateNumberOfMessages;
  const options = (extra: Partial<RedriveOptions> = {}): RedriveOptions => ({ queueUrl: local.queueUrl, mayInvoke: subscriberGuard(REGION), ...extra });

  it('invokes each recorded event again, asynchronously, on the function the record names, and deletes its message', async () => {
    const profile = recordFor('ProfileWriter');
    const audit = recordFor('AuditWriter');
    await enqueue(profile);
    await enqueue(audit);
    const { lambda, invocations } = fakeLambda();

    const summary = await redrive({ sqs, lambda }, options());

    expect(invocations).toEqual([
      { functionName: profile.requestContext.functionArn, invocationType: 'Event', payload: profile.requestPayload },
      { functionName: audit.requestContext.functionArn, invocationType: 'Event', payload: audit.requestPayload },
    ]);
    expect(summary).toMatchObject({ redriven: 2, failed: 0, left: 0, remaining: { visible: 0, inFlight: 0 } });
    expect(summary.records.map((record) => record.eventId)).toEqual([profile.requestPayload.id, audit.requestPayload.id]);
  });

  it('leaves a record whose function Lambda does not know in the queue, visible again, and reports it', async () => {
    await enqueue(recordFor('ProfileWriter'));
    const { lambda } = fakeLambda(() => 'missing');

    const summary = await redrive({ sqs, lambda }, options());

    expect(summary).toMatchObject({ redriven: 0, failed: 0, left: 1, remaining: { visible: 1, inFlight: 0 } });
    expect(summary.records[0]).toMatchObject({ outcome: 'left', reason: 'unknown function', functionArn: arnOf('ProfileWriter') });
  });

  it('keeps the message when Lambda refuses the invocation, so that nothing is deleted before it was accepted', async () => {
    await enqueue(recordFor('AuditWriter'));
    const { lambda } = fakeLambda(() => 'throttle');

    const summary = await redrive({ sqs, lambda }, options());

    expect(summary).toMatchObject({ redriven: 0, failed: 1, left: 0 });
    expect(summary.records[0]?.reason).toBe('TooManyRequestsException: Rate exceeded');
    expect(await visibleCount()).toBe('1');
  });

  it('never invokes a function that is not one of the stack subscribers, nor anything from a message that is no record', async () => {
    await enqueue(recordFor('DeleteEverything'));
    await enqueue({ ...recordFor('ProfileWriter'), requestContext: { ...recordFor('ProfileWriter').requestContext, functionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:ProfileWriter` } });
    await enqueue('not json at all');
    const { lambda, invocations } = fakeLambda();

    const summary = await redrive({ sqs, lambda }, options());

    expect(invocations).toEqual([]);
    expect(summary.records.map((record) => record.reason)).toEqual([
      'not an asynchronous subscriber of this stack',
      'not an asynchronous subscriber of this stack',
      'not an invocation record',
    ]);
    expect(await visibleCount()).toBe('3');
  });

  it('invokes and deletes nothing on a dry run, reporting what it would redrive', async () => {
    await enqueue(recordFor('ProfileWriter'));
    const { lambda, invocations } = fakeLambda();
    const lines: string[] = [];

    const summary = await redrive({ sqs, lambda }, options({ dryRun: true, log: (line) => lines.push(line) }));

    expect(invocations).toEqual([]);
    expect(summary).toMatchObject({ redriven: 0, left: 1, remaining: { visible: 1 } });
    expect(lines).toEqual([expect.stringMatching(/^left {5}arn:aws:lambda:.*:function:ProfileWriter:\$LATEST event .*: dry run$/)]);
  });

  it('looks at no more than --max messages', async () => {
    for (let index = 0; index < 3; index += 1) await enqueue(recordFor('AuditWriter'));
    const { lambda, invocations } = fakeLambda();

    const summary = await redrive({ sqs, lambda }, options({ max: 2 }));

    expect(invocations).toHaveLength(2);
    expect(summary).toMatchObject({ redriven: 2, remaining: { visible: 1 } });
  });

  it('redrives only the selected subscriber and leaves the others where they are', async () => {
    const profile = recordFor('ProfileWriter');
    await enqueue(recordFor('AuditWriter'));
    await enqueue(profile);
    const { lambda, invocations } = fakeLambda();

    const summary = await redrive({ sqs, lambda }, options({ select: subscriberGuard(REGION, ['ProfileWriter']) }));

    expect(invocations.map((invocation) => invocation.functionName)).toEqual([profile.requestContext.functionArn]);
    expect(summary).toMatchObject({ redriven: 1, left: 1, remaining: { visible: 1 } });
    expect(summary.records[0]?.reason).toBe('not selected (--function)');
  });

  it('does nothing on an empty queue', async () => {
    const { lambda, invocations } = fakeLambda();

    const summary = await redrive({ sqs, lambda }, options());

    expect(invocations).toEqual([]);
    expect(summary).toMatchObject({ redriven: 0, failed: 0, left: 0, records: [] });
  });
});

describe('which functions a record may name', () => {
  const mayInvoke = subscriberGuard(REGION, ['ProfileWriter', 'AuditWriter']);

  it.each([
    [arnOf('ProfileWriter'), true],
    [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:ControlPlane-prod-ProfileWriter`, true],
    [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:ControlPlane-dev-AuditWriter:7`, true],
    [`arn:aws:lambda:eu-west-1:${ACCOUNT}:function:ProfileWriter`, false],
    [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:ProfileWriterX`, false],
    [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:Authorizer`, false],
    ['ProfileWriter', false],
  ])('%s → %s', (functionArn, allowed) => {
    expect(mayInvoke(functionArn)).toBe(allowed);
  });
});

describe('the redrive command line', () => {
  it('defaults to the local outputs file and takes --stack, --function, --dry-run and --max', () => {
    expect(parseRedriveArgs([])).toEqual({ outputs: '.local/outputs.json', dryRun: false });
    expect(parseRedriveArgs(['--outputs', 'cdk-outputs.json', '--stack', 'ControlPlane-prod', '--function', 'ProfileWriter', '--function', 'AuditWriter', '--dry-run', '--max', '5'])).toEqual({
      outputs: 'cdk-outputs.json',
      stack: 'ControlPlane-prod',
      functions: ['ProfileWriter', 'AuditWriter'],
      dryRun: true,
      max: 5,
    });
  });

  it.each([['--max', '0'], ['--max', 'many'], ['--queue', 'x'], ['--function', 'Authorizer']])('refuses %s %s', (...argv) => {
    expect(() => parseRedriveArgs(argv)).toThrow(RedriveUsageError);
  });
});
