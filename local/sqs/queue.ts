import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** One message as the queue keeps it. */
interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly sentAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  /** Until when it is in flight (invisible); 0 while visible. */
  invisibleUntil: number;
  /** The handle of the latest receive: only it can delete the message or change its visibility. */
  receiptHandle: string | undefined;
}

/** A message as ReceiveMessage returns it. */
export interface ReceivedMessage {
  readonly MessageId: string;
  readonly ReceiptHandle: string;
  readonly MD5OfBody: string;
  readonly Body: string;
  readonly Attributes: Readonly<Record<string, string>>;
}

/** What the console shows: every message, in flight or not, without receiving it. */
export interface QueuedMessage {
  readonly messageId: string;
  readonly sentAt: string;
  readonly receiveCount: number;
  readonly inFlight: boolean;
  readonly body: string;
}

/** A receipt handle this queue never issued, or one that is not a receipt handle at all. */
export class ReceiptHandleInvalidError extends Error {
  constructor(readonly receiptHandle: string) {
    super(`The input receipt handle "${receiptHandle}" is not a valid receipt handle.`);
    this.name = 'ReceiptHandleInvalidError';
  }
}

/** ChangeMessageVisibility on a message that is not in flight, or with a handle older than its latest receive. */
export class MessageNotInflightError extends Error {
  constructor() {
    super("The specified message isn't in flight.");
    this.name = 'MessageNotInflightError';
  }
}

/** A second PurgeQueue within 60 s of the first, which SQS refuses. */
export class PurgeInProgressError extends Error {
  constructor(readonly queueName: string) {
    super(`Only one PurgeQueue operation on ${queueName} is allowed every 60 seconds.`);
    this.name = 'PurgeInProgressError';
  }
}

const PURGE_INTERVAL_MS = 60_000;

/** The message attributes (system attributes) ReceiveMessage can return; `All` names every one. */
export const MESSAGE_ATTRIBUTE_NAMES = ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp', 'SentTimestamp', 'SenderId'] as const;

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * One standard queue in memory, with SQS's visibility model
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html):
 * a received message is invisible for its visibility timeout, then visible again with a higher
 * receive count, until a DeleteMessage with its latest receipt handle removes it. Messages are
 * handed out oldest first (a standard queue promises no order; locally the oldest first is simply
 * what a test can reason about). The clock is injected so that unit tests need no waiting.
 */
export class LocalQueue {
  private readonly messages: StoredMessage[] = [];
  private lastPurgeAt: number | undefined;
  /** Waiting long-poll receives, woken when a message arrives. */
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly arn: string,
    readonly defaultVisibilityTimeoutSeconds: number,
    private readonly now: () => number = Date.now,
    private readonly senderId = '000000000000',
  ) {}

  send(body: string): { MessageId: string; MD5OfMessageBody: string } {
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5(body),
      sentAt: this.now(),
      receiveCount: 0,
      firstReceivedAt: undefined,
      invisibleUntil: 0,
      receiptHandle: undefined,
    };
    this.messages.push(message);
    for (const wake of [...this.waiters]) wake();
    return { MessageId: message.messageId, MD5OfMessageBody: message.md5OfBody };
  }

  /** Up to `max` visible messages, each now in flight for `visibilityTimeoutSeconds`. */
  receive(max: number, visibilityTimeoutSeconds: number, attributeNames: readonly string[]): ReceivedMessage[] {
    const now = this.now();
    const wanted = attributeNames.includes('All') ? MESSAGE_ATTRIBUTE_NAMES : MESSAGE_ATTRIBUTE_NAMES.filter((name) => attributeNames.includes(name));
    return this.messages
      .filter((message) => message.invisibleUntil <= now)
      .slice(0, max)
      .map((message) => {
        message.receiveCount += 1;
        message.firstReceivedAt ??= now;
        message.invisibleUntil = now + visibilityTimeoutSeconds * 1000;
        // Opaque to clients, as SQS's are; a fresh one per receive, so an older one cannot act.
        message.receiptHandle = Buffer.from(`${this.name}/${message.messageId}/${randomBytes(12).toString('hex')}`).toString('base64url');
        const values: Record<string, string> = {
          ApproximateReceiveCount: String(message.receiveCount),
          ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
          SentTimestamp: String(message.sentAt),
          SenderId: this.senderId,
        };
        return {
          MessageId: message.messageId,
          ReceiptHandle: message.receiptHandle,
          MD5OfBody: message.md5OfBody,
          Body: message.body,
          Attributes: Object.fromEntries(wanted.map((name) => [name, values[name] ?? ''])),
        };
      });
  }

  /**
   * Resolves when a message is visible or `waitMs` has passed, whichever is first: long polling
   * (WaitTimeSeconds), bounded so that a receive never blocks longer than it asked for.
   */
  async waitForMessage(waitMs: number): Promise<void> {
    if (waitMs <= 0 || this.visibleCount() > 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.waiters.add(done);
    });
  }

  /** Deletes the message whose latest receipt handle this is; an older handle of a message still there deletes nothing. */
  delete(receiptHandle: string): void {
    const messageId = this.messageIdOf(receiptHandle);
    const index = this.messages.findIndex((message) => message.messageId === messageId && message.receiptHandle === receiptHandle);
    if (index >= 0) this.messages.splice(index, 1);
  }

  changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number): void {
    const messageId = this.messageIdOf(receiptHandle);
    const now = this.now();
    const message = this.messages.find((candidate) => candidate.messageId === messageId);
    if (!message || message.receiptHandle !== receiptHandle || message.invisibleUntil <= now) throw new MessageNotInflightError();
    message.invisibleUntil = now + visibilityTimeoutSeconds * 1000;
  }

  purge(): void {
    const now = this.now();
    if (this.lastPurgeAt !== undefined && now - this.lastPurgeAt < PURGE_INTERVAL_MS) throw new PurgeInProgressError(this.name);
    this.lastPurgeAt = now;
    this.messages.splice(0);
  }

  visibleCount(): number {
    const now = this.now();
    return this.messages.filter((message) => message.invisibleUntil <= now).length;
  }

  inFlightCount(): number {
    return this.messages.length - this.visibleCount();
  }

  /** Every message without receiving it: what the console reads. */
  peek(): QueuedMessage[] {
    const now = this.now();
    return this.messages.map((message) => ({
      messageId: message.messageId,
      sentAt: new Date(message.sentAt).toISOString(),
      receiveCount: message.receiveCount,
      inFlight: message.invisibleUntil > now,
      body: message.body,
    }));
  }

  /** Releases waiting receives, for a cloud that stops. */
  stop(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private messageIdOf(receiptHandle: string): string {
    const [queueName, messageId, nonce] = Buffer.from(receiptHandle, 'base64url').toString('utf8').split('/');
    if (queueName !== this.name || !messageId || !nonce || Buffer.from(`${queueName}/${messageId}/${nonce}`).toString('base64url') !== receiptHandle) {
      throw new ReceiptHandleInvalidError(receiptHandle);
    }
    return messageId;
  }
}
