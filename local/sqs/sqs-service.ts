/**
 * A local SQS: the AWS JSON 1.0 protocol that @aws-sdk/client-sqs speaks (`X-Amz-Target:
 * AmazonSQS.<Operation>`, `application/x-amz-json-1.0`), for the operations the redrive and the
 * tests use (README.md beside this file). Queues are made by the cloud, not by clients: the local
 * cloud has exactly the queues the deployed stack has that something local writes to.
 */
import { jsonResponse, parseJsonBody, AwsServiceError } from '../server/aws-json';
import type { AwsRequest, AwsResponse, LocalService } from '../server/types';
import { invalidParameterValue, queueDoesNotExist, SQS_ERRORS, SqsError, sqsErrorResponse, type SqsErrorShape } from './errors';
import { LocalQueue, MessageNotInflightError, PurgeInProgressError, ReceiptHandleInvalidError, type QueuedMessage } from './queue';
import { JSON_WIRE } from '../server/wire';

export const SQS_TARGET_PREFIX = JSON_WIRE.sqs.targetPrefix;

/** SQS's limits for the parameters below (SQS API Reference, each operation's request parameters). */
const LIMITS = {
  maxNumberOfMessages: { min: 1, max: 10 },
  waitTimeSeconds: { min: 0, max: 20 },
  visibilityTimeoutSeconds: { min: 0, max: 43_200 },
} as const;

/** A queue's configuration as the deployed stack sets it (infra/constructs/events.ts: 14 days, SQS-managed encryption). */
const QUEUE_DEFAULTS = { visibilityTimeoutSeconds: 30, retentionSeconds: 14 * 24 * 3600 } as const;

export interface SqsServiceOptions {
  readonly region: string;
  readonly accountId: string;
  /** The endpoint's URL, known once it listens: queue URLs are `{endpoint}/{account}/{name}`. */
  readonly endpointUrl: () => string;
  readonly queueNames: readonly string[];
  readonly now?: () => number;
}

type Input = Record<string, unknown>;

const requiredString = (input: Input, name: string): string => {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw new SqsError(SQS_ERRORS.missingParameter, `The request must contain the parameter ${name}.`);
  return value;
};

/** An integer parameter in its range, or its default when absent. */
function integerParameter(input: Input, name: string, range: { min: number; max: number }, fallback: number, reason: string): number {
  const value = input[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) throw invalidParameterValue(name, value, reason);
  return value;
}

const stringList = (input: Input, name: string): string[] => {
  const value = input[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
};

type Operation = (input: Input) => Promise<unknown>;

/** The queues of the account, and how a request names one. */
interface QueueDirectory {
  readonly queues: ReadonlyMap<string, LocalQueue>;
  readonly accountId: string;
  queueUrl(name: string): string;
  /** The queue a QueueUrl names: any host (clients may spell the endpoint differently), this account, a queue that exists. */
  queueOf(input: Input): LocalQueue;
}

function queueDirectory(options: SqsServiceOptions, queues: ReadonlyMap<string, LocalQueue>): QueueDirectory {
  return {
    queues,
    accountId: options.accountId,
    queueUrl: (name) => `${options.endpointUrl()}/${options.accountId}/${name}`,
    queueOf(input) {
      const url = requiredString(input, 'QueueUrl');
      let segments: string[];
      try {
        segments = new URL(url).pathname.split('/').filter(Boolean);
      } catch {
        throw queueDoesNotExist();
      }
      const [account, name, ...rest] = segments;
      const queue = name === undefined ? undefined : queues.get(name);
      if (account !== options.accountId || !queue || rest.length > 0) throw queueDoesNotExist();
      return queue;
    },
  };
}

const attributeValues = (queue: LocalQueue): Record<string, string> => ({
  ApproximateNumberOfMessages: String(queue.visibleCount()),
  ApproximateNumberOfMessagesNotVisible: String(queue.inFlightCount()),
  ApproximateNumberOfMessagesDelayed: '0',
  QueueArn: queue.arn,
  VisibilityTimeout: String(queue.defaultVisibilityTimeoutSeconds),
  MessageRetentionPeriod: String(QUEUE_DEFAULTS.retentionSeconds),
  DelaySeconds: '0',
  ReceiveMessageWaitTimeSeconds: '0',
  MaximumMessageSize: '262144',
  SqsManagedSseEnabled: 'true',
});

/** The operations on queues themselves. */
function queueOperations({ queues, accountId, queueUrl, queueOf }: QueueDirectory): Record<string, Operation> {
  return {
    async GetQueueUrl(input) {
      const name = requiredString(input, 'QueueName');
      const owner = input.QueueOwnerAWSAccountId;
      if (!queues.has(name) || (owner !== undefined && owner !== accountId)) throw queueDoesNotExist();
      return { QueueUrl: queueUrl(name) };
    },
    async ListQueues(input) {
      const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
      const max = integerParameter(input, 'MaxResults', { min: 1, max: 1000 }, 1000, 'Must be between 1 and 1000, if provided.');
      const urls = [...queues.keys()].filter((name) => name.startsWith(prefix)).slice(0, max).map(queueUrl);
      return urls.length === 0 ? {} : { QueueUrls: urls };
    },
    async GetQueueAttributes(input) {
      const queue = queueOf(input);
      const names = stringList(input, 'AttributeNames');
      const values = attributeValues(queue);
      const unknown = names.find((name) => name !== 'All' && !Object.hasOwn(values, name));
      if (unknown !== undefined) throw new SqsError(SQS_ERRORS.invalidAttributeName, `Unknown Attribute ${unknown}.`);
      const chosen = names.includes('All') ? Object.keys(values) : names;
      return chosen.length === 0 ? {} : { Attributes: Object.fromEntries(chosen.map((name) => [name, values[name]])) };
    },
    async PurgeQueue(input) {
      queueOf(input).purge();
      return {};
    },
  };
}

/** The operations on a queue's messages. */
function messageOperations({ queueOf }: QueueDirectory): Record<string, Operation> {
  return {
    async SendMessage(input) {
      const queue = queueOf(input);
      return queue.send(requiredString(input, 'MessageBody'));
    },
    async ReceiveMessage(input) {
      const queue = queueOf(input);
      const max = integerParameter(input, 'MaxNumberOfMessages', LIMITS.maxNumberOfMessages, 1, 'Must be between 1 and 10, if provided.');
      const visibility = integerParameter(
        input,
        'VisibilityTimeout',
        LIMITS.visibilityTimeoutSeconds,
        queue.defaultVisibilityTimeoutSeconds,
        'Must be >= 0 and <= 43200, if provided.',
      );
      const wait = integerParameter(input, 'WaitTimeSeconds', LIMITS.waitTimeSeconds, 0, 'Must be >= 0 and <= 20, if provided.');
      await queue.waitForMessage(wait * 1000);
      // `AttributeNames` is the older spelling of `MessageSystemAttributeNames`; SQS takes either.
      const messages = queue.receive(max, visibility, [...stringList(input, 'MessageSystemAttributeNames'), ...stringList(input, 'AttributeNames')]);
      // A message carries `Attributes` only when some were asked for, as SQS answers.
      return messages.length === 0 ? {} : { Messages: messages.map(({ Attributes, ...message }) => (Object.keys(Attributes).length === 0 ? message : { ...message, Attributes })) };
    },
    async DeleteMessage(input) {
      queueOf(input).delete(requiredString(input, 'ReceiptHandle'));
      return {};
    },
    async ChangeMessageVisibility(input) {
      const queue = queueOf(input);
      const receiptHandle = requiredString(input, 'ReceiptHandle');
      if (input.VisibilityTimeout === undefined) throw new SqsError(SQS_ERRORS.missingParameter, 'The request must contain the parameter VisibilityTimeout.');
      queue.changeVisibility(
        receiptHandle,
        integerParameter(input, 'VisibilityTimeout', LIMITS.visibilityTimeoutSeconds, 0, 'Must be >= 0 and <= 43200, if provided.'),
      );
      return {};
    },
  };
}

export function createSqsService(options: SqsServiceOptions) {
  const now = options.now ?? Date.now;
  const queues = new Map(
    options.queueNames.map((name) => [
      name,
      new LocalQueue(name, `arn:aws:sqs:${options.region}:${options.accountId}:${name}`, QUEUE_DEFAULTS.visibilityTimeoutSeconds, now, options.accountId),
    ]),
  );
  const directory = queueDirectory(options, queues);
  const { queueUrl } = directory;
  const operations: Record<string, Operation> = { ...queueOperations(directory), ...messageOperations(directory) };

  const service: LocalService = {
    name: 'sqs',
    canHandle: (request: AwsRequest) => request.method === 'POST' && (request.target?.startsWith(`${SQS_TARGET_PREFIX}.`) ?? false),
    async handle(request: AwsRequest): Promise<AwsResponse> {
      const name = request.target?.slice(SQS_TARGET_PREFIX.length + 1) ?? '';
      const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
      try {
        if (!operation) throw new SqsError(SQS_ERRORS.unsupportedOperation, `The local SQS does not support ${name} (local/sqs/README.md lists what it does).`);
        return jsonResponse(await operation(parseJsonBody(request)), '1.0');
      } catch (error) {
        return sqsErrorResponse(...sqsErrorOf(error));
      }
    },
    stop: async () => {
      for (const queue of queues.values()) queue.stop();
    },
  };

  const queueNamed = (name: string): LocalQueue => {
    const queue = queues.get(name);
    if (!queue) throw new Error(`The local cloud has no queue ${name}`);
    return queue;
  };

  return {
    service,
    queueUrl,
    /** SendMessage from inside the cloud (Lambda's on-failure destination), as SQS would take it. */
    sendMessage: (name: string, body: string) => queueNamed(name).send(body),
    /** Every message of a queue without receiving it, for the console: a JSON body (an invocation record) as its value. */
    messages: (name: string): (Omit<QueuedMessage, 'body'> & { body: unknown })[] => queueNamed(name).peek().map((message) => ({ ...message, body: jsonOrText(message.body) })),
  };
}

function jsonOrText(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

/** The shape and message to answer for what an operation threw; anything else is a bug and stays one. */
function sqsErrorOf(error: unknown): [SqsErrorShape, string] {
  if (error instanceof SqsError) return [error.shape, error.message];
  if (error instanceof ReceiptHandleInvalidError) return [SQS_ERRORS.receiptHandleIsInvalid, error.message];
  if (error instanceof MessageNotInflightError) return [SQS_ERRORS.messageNotInflight, error.message];
  if (error instanceof PurgeInProgressError) return [SQS_ERRORS.purgeQueueInProgress, error.message];
  if (error instanceof AwsServiceError && error.code === 'SerializationException') return [SQS_ERRORS.serialization, error.message];
  throw error;
}

export type SqsRuntime = ReturnType<typeof createSqsService>;
