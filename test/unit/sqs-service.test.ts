import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  MessageNotInflight,
  PurgeQueueCommand,
  PurgeQueueInProgress,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageCommand,
  UnsupportedOperation,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { LocalQueue } from '../../local/sqs/queue';
import { ACCOUNT, QUEUE, REGION, startLocalSqs, type LocalSqs } from './sqs-support';

/** The error a call rejects with, for assertions on its class, name and message. */
async function failureOf(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the call succeeded');
}

describe('the local SQS service, through @aws-sdk/client-sqs (AWS JSON 1.0)', () => {
  let local: LocalSqs;
  let client: SQSClient;
  beforeEach(async () => {
    local = await startLocalSqs();
    client = local.client();
  });
  afterEach(() => local.stop());

  const counts = async () => {
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: local.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return { visible: Attributes.ApproximateNumberOfMessages, inFlight: Attributes.ApproximateNumberOfMessagesNotVisible };
  };

  it('names its queue by URL {endpoint}/{account}/{name} and ARN, and lists it', async () => {
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: QUEUE }));
    const { QueueUrls } = await client.send(new ListQueuesCommand({ QueueNamePrefix: 'Async' }));
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const none = await client.send(new ListQueuesCommand({ QueueNamePrefix: 'Other' }));

    expect(QueueUrl).toBe(`${local.endpoint.url}/${ACCOUNT}/${QUEUE}`);
    expect(QueueUrls).toEqual([QueueUrl]);
    expect(Attributes).toEqual({ QueueArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${QUEUE}` });
    expect(none.QueueUrls).toBeUndefined();
  });

  it('hands a sent message out with its id, body MD5, receipt handle and receive count, and hides it while in flight', async () => {
    const body = JSON.stringify({ hello: 'wörld' });
    const sent = await client.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: body }));

    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: local.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    const again = await client.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl }));

    expect(Messages).toHaveLength(1);
    expect(Messages[0]).toMatchObject({
      MessageId: sent.MessageId,
      Body: body,
      MD5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
      Attributes: { ApproximateReceiveCount: '1' },
    });
    expect(sent.MD5OfMessageBody).toBe(Messages[0]?.MD5OfBody);
    expect(Messages[0]?.ReceiptHandle).toEqual(expect.any(String));
    expect(again.Messages).toBeUndefined();
    expect(await counts()).toEqual({ visible: '0', inFlight: '1' });
  });

  it('gives at most MaxNumberOfMessages and refuses 0 and 11 with SQS words', async () => {
    for (let index = 0; index < 12; index += 1) await client.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: `m${index}` }));

    const first = await client.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl, MaxNumberOfMessages: 10 }));
    const tooMany = await failureOf(client.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl, MaxNumberOfMessages: 11 })));
    const none = await failureOf(client.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl, MaxNumberOfMessages: 0 })));

    expect(first.Messages?.map((message) => message.Body)).toEqual(Array.from({ length: 10 }, (_, index) => `m${index}`));
    expect(tooMany).toMatchObject({ name: 'InvalidParameterValue', message: 'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.' });
    expect(none.name).toBe('InvalidParameterValue');
  });

  it('shows a message again with a higher receive count once its visibility is changed to 0, and only its latest handle can change it', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: 'again' }));
    const first = (await client.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl, VisibilityTimeout: 0 }))).Messages?.[0];
    const second = (await client.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl, VisibilityTimeout: 600 }))).Messages?.[0];

    const stale = await failureOf(client.send(new ChangeMessageVisibilityCommand({ QueueUrl: local.queueUrl, ReceiptHandle: first?.ReceiptHandle, VisibilityTimeout: 0 })));
    await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: local.queueUrl, ReceiptHandle: second?.ReceiptHandle, VisibilityTimeout: 0 }));
    const third = await client.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl, MessageSystemAttributeNames: ['All'] }));

    expect(second?.MessageId).toBe(first?.MessageId);
    expect(stale).toBeInstanceOf(MessageNotInflight);
    expect(third.Messages?.[0]?.Attributes).toMatchObject({ ApproximateReceiveCount: '3', SenderId: ACCOUNT, SentTimestamp: expect.stringMatching(/^\d+$/) });
  });

  it('deletes a message with its latest receipt handle only, and refuses a handle it never issued', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: 'to delete' }));
    const first = (await client.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl, VisibilityTimeout: 0 }))).Messages?.[0];
    const latest = (await client.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl, VisibilityTimeout: 0 }))).Messages?.[0];

    // "the request succeeds, but the message will not be deleted" for an older handle (DeleteMessage, SQS API Reference)
    await client.send(new DeleteMessageCommand({ QueueUrl: local.queueUrl, ReceiptHandle: first?.ReceiptHandle }));
    const afterStale = await counts();
    await client.send(new DeleteMessageCommand({ QueueUrl: local.queueUrl, ReceiptHandle: latest?.ReceiptHandle }));
    const forged = await failureOf(client.send(new DeleteMessageCommand({ QueueUrl: local.queueUrl, ReceiptHandle: 'not-a-handle' })));

    expect(afterStale).toEqual({ visible: '1', inFlight: '0' });
    expect(await counts()).toEqual({ visible: '0', inFlight: '0' });
    expect(forged).toBeInstanceOf(ReceiptHandleIsInvalid);
    expect(forged.message).toBe('The input receipt handle "not-a-handle" is not a valid receipt handle.');
  });

  it('answers a queue that does not exist as SQS documents it: 400, x-amzn-query-error, __type and message', async () => {
    const viaSdk = await failureOf(client.send(new GetQueueUrlCommand({ QueueName: 'Nope' })));
    const raw = await fetch(`${local.endpoint.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ReceiveMessage', authorization: adminAuthorization() },
      body: JSON.stringify({ QueueUrl: `${local.endpoint.url}/${ACCOUNT}/Nope` }),
    });

    expect(viaSdk).toBeInstanceOf(QueueDoesNotExist);
    expect(raw.status).toBe(400);
    expect(raw.headers.get('x-amzn-query-error')).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(raw.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await raw.json()).toEqual({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' });
  });

  it('refuses a queue URL of another account, and operations it does not implement', async () => {
    const foreign = await failureOf(client.send(new SendMessageCommand({ QueueUrl: `${local.endpoint.url}/111122223333/${QUEUE}`, MessageBody: 'x' })));
    const create = await failureOf(client.send(new CreateQueueCommand({ QueueName: 'Another' })));

    expect(foreign).toBeInstanceOf(QueueDoesNotExist);
    expect(create).toBeInstanceOf(UnsupportedOperation);
  });

  it('purges every message, and refuses a second purge within 60 seconds', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: 'a' }));
    await client.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: 'b' }));

    await client.send(new PurgeQueueCommand({ QueueUrl: local.queueUrl }));
    const second = await failureOf(client.send(new PurgeQueueCommand({ QueueUrl: local.queueUrl })));

    expect(await counts()).toEqual({ visible: '0', inFlight: '0' });
    expect(second).toBeInstanceOf(PurgeQueueInProgress);
    expect(second.message).toBe(`Only one PurgeQueue operation on ${QUEUE} is allowed every 60 seconds.`);
  });

  it('answers a long poll as soon as a message arrives, and an empty one once its wait is over', async () => {
    const waiting = client.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl, WaitTimeSeconds: 20 }));
    await client.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: 'woke' }));
    const empty = await client.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl, WaitTimeSeconds: 1 }));

    expect((await waiting).Messages?.map((message) => message.Body)).toEqual(['woke']);
    expect(empty.Messages).toBeUndefined();
  });

  it('lets the console read every message, in flight or not, without receiving it', async () => {
    await client.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: 'first' }));
    await client.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: 'second' }));
    await client.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl, VisibilityTimeout: 600 }));

    const messages = local.sqs.messages(QUEUE);

    expect(messages.map(({ body, inFlight, receiveCount }) => ({ body, inFlight, receiveCount }))).toEqual([
      { body: 'first', inFlight: true, receiveCount: 1 },
      { body: 'second', inFlight: false, receiveCount: 0 },
    ]);
    expect(await counts()).toEqual({ visible: '1', inFlight: '1' });
  });
});

describe('who may call the local SQS', () => {
  let local: LocalSqs;
  beforeAll(async () => {
    local = await startLocalSqs();
  });
  afterAll(() => local.stop());

  it('refuses tenant credentials with SQS AccessDenied naming the action and the queue', async () => {
    const tenant = local.client(local.tenantCredentials());

    const failures = await Promise.all([
      failureOf(tenant.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl }))),
      failureOf(tenant.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: '{}' }))),
      failureOf(tenant.send(new PurgeQueueCommand({ QueueUrl: local.queueUrl }))),
      failureOf(tenant.send(new ListQueuesCommand({}))),
    ]);

    expect(failures.map((failure) => [failure.name, failure.$metadata?.httpStatusCode])).toEqual(Array.from({ length: 4 }, () => ['AccessDenied', 403]));
    expect(failures[0]?.message).toMatch(
      new RegExp(`is not authorized to perform: sqs:ReceiveMessage on resource: arn:aws:sqs:${REGION}:${ACCOUNT}:${QUEUE} because no identity-based policy allows`),
    );
    expect(local.sqs.messages(QUEUE)).toEqual([]);
  });

  it('refuses an unsigned call with the AccessDenied shape, SQS not serving anonymous callers here', async () => {
    const response = await fetch(`${local.endpoint.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' },
      body: JSON.stringify({ QueueUrl: local.queueUrl, MessageBody: 'anonymous' }),
    });

    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-query-error')).toBe('AccessDenied;Sender');
    expect(await response.json()).toEqual({ __type: 'com.amazon.coral.service#AccessDeniedException', message: 'Access to the resource is denied.' });
    expect(local.sqs.messages(QUEUE)).toEqual([]);
  });

  it('answers a session key the identity pool never issued with InvalidClientTokenId, never as the administrator', async () => {
    const stranger = local.client({ accessKeyId: 'ASIA0000000000000000', secretAccessKey: 'guess', sessionToken: 'guess' });

    const failure = await failureOf(stranger.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: '{}' })));

    expect([failure.name, failure.$metadata?.httpStatusCode]).toEqual(['InvalidClientTokenId', 403]);
    expect(local.sqs.messages(QUEUE)).toEqual([]);
  });

  it('lets the local administrator in', async () => {
    const admin = local.client();

    const { QueueUrl } = await admin.send(new GetQueueUrlCommand({ QueueName: QUEUE }));

    expect(QueueUrl).toBe(local.queueUrl);
  });
});

describe('a local queue on its own clock', () => {
  it('makes a received message visible again when its visibility timeout has passed', () => {
    let now = 1_000_000;
    const queue = new LocalQueue(QUEUE, 'arn', 30, () => now);
    queue.send('later');

    const first = queue.receive(1, 30, []);
    now += 29_999;
    const tooEarly = queue.receive(1, 30, []);
    now += 1;
    const onTime = queue.receive(1, 30, ['ApproximateReceiveCount']);

    expect(first).toHaveLength(1);
    expect(tooEarly).toEqual([]);
    expect(onTime[0]?.Attributes).toEqual({ ApproximateReceiveCount: '2' });
  });
});

/** An Authorization header with the administrator's key: the gate does not verify the administrator's signature. */
function adminAuthorization(): string {
  return `AWS4-HMAC-SHA256 Credential=LOCALADMINKEY/20260101/${REGION}/sqs/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`;
}
