/**
 * `npm run redrive -- [--outputs file] [--stack name] [--function name]… [--dry-run] [--max n]`: re-delivers the
 * events that a subscriber failed on after Lambda's retries, from the on-failure queue
 * (`ASYNC_FAILURE_QUEUE.urlOutput`), to the deployed stack or the local cloud alike.
 *
 * Each message is an invocation record (events/async-invocation.ts). Its event is invoked again
 * asynchronously (`Invoke`, `InvocationType: Event`) on the function the record names, so a
 * redriven event that fails again gets Lambda's retries and lands in the queue again; the message
 * is deleted only once Lambda accepted the invocation (202). The subscribers deduplicate on the
 * catalog's key, so an event redriven twice (a delete that failed) still writes once.
 *
 * Only the stack's own asynchronous subscribers are invoked (the Lambda targets of events/rules.ts,
 * by name locally, exactly as this stack's `<stack>-<name>` when deployed, in the queue's account
 * and the stack's Region, so never another stage's or another account's): anything that may
 * send to the queue could otherwise have the operator invoke any function with any payload. A
 * record naming another or an unknown function, or a message that is no record, stays in the
 * queue and is reported.
 */
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { ASYNC_FAILURE_QUEUE, InvocationRecordSchema } from '../../events/async-invocation';
import { RULES } from '../../events/rules';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { InvalidOutputsFileError, operatorClientConfig, parseCommandLine, readStackOutputs, requiredOutput, runOperatorCommand, type StackOutputs } from './outputs';

export interface RedriveClients {
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly lambda: Pick<LambdaClient, 'send'>;
}

export interface RedriveOptions {
  readonly queueUrl: string;
  /** Which functions a record may name; others are left in the queue. */
  readonly mayInvoke: (functionArn: string) => boolean;
  /** Only these records are redriven this run (`--function`, after fixing one subscriber); the rest stay, unreported as problems. */
  readonly select?: (functionArn: string) => boolean;
  /** Report what would be redriven; invoke and delete nothing. */
  readonly dryRun?: boolean;
  /** At most this many messages are looked at in this run. */
  readonly max?: number;
  /** How long a received message stays hidden from others while this run handles it. */
  readonly visibilityTimeoutSeconds?: number;
  readonly log?: (line: string) => void;
}

export type RedriveOutcome = 'redriven' | 'failed' | 'left';

export interface RecordReport {
  readonly messageId: string;
  readonly outcome: RedriveOutcome;
  readonly functionArn?: string;
  /** The event's id when the payload is an EventBridge event. */
  readonly eventId?: string;
  readonly reason?: string;
}

export interface RedriveSummary {
  readonly redriven: number;
  readonly failed: number;
  readonly left: number;
  readonly records: readonly RecordReport[];
  /** What the queue holds after the run, by its approximate counts. */
  readonly remaining: { readonly visible: number; readonly inFlight: number };
}

const eventIdOf = (payload: unknown): string | undefined => {
  const id = typeof payload === 'object' && payload !== null ? (payload as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
};

const NOT_SELECTED = 'not selected (--function)';
/** Reasons to leave a record that are the operator's choice, not a problem to look at. */
const CHOSEN = new Set(['dry run', NOT_SELECTED]);

const describe = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** One message: invoke its event again, then delete it; or say why it stays. */
async function redriveMessage(clients: RedriveClients, options: RedriveOptions, message: Message): Promise<RecordReport> {
  const messageId = message.MessageId ?? '(no id)';
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    body = undefined;
  }
  const parsed = InvocationRecordSchema.safeParse(body);
  if (!parsed.success) return { messageId, outcome: 'left', reason: 'not an invocation record' };
  const { functionArn } = parsed.data.requestContext;
  const base = { messageId, functionArn, ...(eventIdOf(parsed.data.requestPayload) ? { eventId: eventIdOf(parsed.data.requestPayload) } : {}) };
  if (!options.mayInvoke(functionArn)) return { ...base, outcome: 'left', reason: 'not an asynchronous subscriber of this stack' };
  if (options.select && !options.select(functionArn)) return { ...base, outcome: 'left', reason: NOT_SELECTED };
  if (options.dryRun) return { ...base, outcome: 'left', reason: 'dry run' };
  try {
    const answer = await clients.lambda.send(
      new InvokeCommand({ FunctionName: functionArn, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(parsed.data.requestPayload ?? null)) }),
    );
    if (answer.StatusCode !== 202) return { ...base, outcome: 'failed', reason: `Invoke answered ${String(answer.StatusCode)}, not 202` };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return { ...base, outcome: 'left', reason: 'unknown function' };
    return { ...base, outcome: 'failed', reason: describe(error) };
  }
  try {
    await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }));
  } catch (error) {
    // Invoked but still queued: a later run delivers it again, which the subscribers' dedupe absorbs.
    return { ...base, outcome: 'failed', reason: `invoked, but not deleted (${describe(error)})` };
  }
  return { ...base, outcome: 'redriven' };
}

/**
 * Drains the queue once: receives until a receive brings nothing new (or `max`), redrives each
 * record, and makes every message it leaves visible again at the end, so that the next run (and
 * the queue's alarm) sees them at once rather than after the visibility timeout.
 */
export async function redrive(clients: RedriveClients, options: RedriveOptions): Promise<RedriveSummary> {
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const log = options.log ?? (() => undefined);
  const seen = new Set<string>();
  const kept: string[] = [];
  const records: RecordReport[] = [];
  while (records.length < max) {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(10, max - records.length),
        VisibilityTimeout: options.visibilityTimeoutSeconds ?? 60,
        // A short wait makes SQS look at all its servers, so an empty answer means an empty queue.
        WaitTimeSeconds: 1,
      }),
    );
    const fresh = Messages.filter((message) => message.MessageId !== undefined && !seen.has(message.MessageId));
    if (fresh.length === 0) break;
    for (const message of fresh) {
      seen.add(message.MessageId ?? '');
      const report = await redriveMessage(clients, options, message);
      records.push(report);
      if (report.outcome !== 'redriven' && message.ReceiptHandle) kept.push(message.ReceiptHandle);
      log(`${report.outcome.padEnd(8)} ${report.functionArn ?? '-'} event ${report.eventId ?? '-'} (message ${report.messageId})${report.reason ? `: ${report.reason}` : ''}`);
    }
  }
  for (const receiptHandle of kept) {
    await clients.sqs
      .send(new ChangeMessageVisibilityCommand({ QueueUrl: options.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: 0 }))
      .catch((error: unknown) => log(`could not make a kept message visible again (it reappears after its timeout): ${describe(error)}`));
  }
  const { Attributes = {} } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  const count = (outcome: RedriveOutcome): number => records.filter((record) => record.outcome === outcome).length;
  return {
    redriven: count('redriven'),
    failed: count('failed'),
    left: count('left'),
    records,
    remaining: { visible: Number(Attributes.ApproximateNumberOfMessages ?? 0), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) },
  };
}

/** The Lambda targets of the bus's rules: the only functions invoked asynchronously, so the only ones a record may name. */
export const ASYNC_SUBSCRIBERS: readonly string[] = [
  ...new Set(RULES.flatMap((rule) => rule.targets.flatMap((target) => (target.kind === 'lambda' ? [target.functionName] : [])))),
];

/**
 * Whose subscribers a record may name: the queue's own account and, for a deployed stack, its
 * stack name. Without it any `…-<name>` in any account would pass: another stage's function in the
 * same account (`ControlPlane-staging-InvitationClaimer` while redriving prod), or a function in an
 * account someone else owns.
 */
export interface SubscriberOwner {
  readonly accountId: string;
  /** The deployed stack's name (infra/naming.ts: `<stack name>-<name>`); absent locally, where names are the catalog's. */
  readonly stackName?: string;
}

/**
 * A function ARN in the stack's Region whose name is a subscriber's, as the local cloud names it,
 * or ends in `-<name>` as a deployed stack's names do (infra/naming.ts: `<stack name>-<name>`).
 * With `owner`, only that account's, and exactly `<stack name>-<name>` (or `<name>` locally).
 */
export function subscriberGuard(region: string, subscribers: readonly string[] = ASYNC_SUBSCRIBERS, owner?: SubscriberOwner): (functionArn: string) => boolean {
  return (functionArn) => {
    const match = /^arn:[^:]+:lambda:([^:]+):(\d{12}):function:([A-Za-z0-9-_]+)(?::[^:]+)?$/.exec(functionArn);
    if (!match || match[1] !== region) return false;
    const name = match[3] ?? '';
    if (owner) {
      if (match[2] !== owner.accountId) return false;
      return subscribers.some((subscriber) => name === (owner.stackName === undefined ? subscriber : `${owner.stackName}-${subscriber}`));
    }
    return subscribers.some((subscriber) => name === subscriber || name.endsWith(`-${subscriber}`));
  };
}

/** The account a queue URL names (`https://sqs.<region>.amazonaws.com/<account>/<name>`, locally `{endpoint}/<account>/<name>`). */
export function queueAccountOf(queueUrl: string): string {
  let account: string | undefined;
  try {
    account = new URL(queueUrl).pathname.split('/').filter(Boolean)[0];
  } catch {
    account = undefined;
  }
  if (account === undefined || !/^\d{12}$/.test(account)) throw new InvalidOutputsFileError('outputs', `its ${ASYNC_FAILURE_QUEUE.urlOutput} ${queueUrl} names no account`);
  return account;
}

/** Which records a run may invoke, and which it selects: this stack's subscribers, in the queue's account, in the stack's Region. */
export function redriveGuards(outputs: StackOutputs, queueUrl: string, functions?: readonly string[]): Pick<RedriveOptions, 'mayInvoke' | 'select'> {
  const owner: SubscriberOwner = { accountId: queueAccountOf(queueUrl), ...(outputs.stackName === undefined ? {} : { stackName: outputs.stackName }) };
  return {
    mayInvoke: subscriberGuard(outputs.region, ASYNC_SUBSCRIBERS, owner),
    ...(functions ? { select: subscriberGuard(outputs.region, functions, owner) } : {}),
  };
}

/** A bad command line, said in one line with the usage. */
export class RedriveUsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\nusage: npm run redrive -- [--outputs .local/outputs.json] [--stack name] [--function ${ASYNC_SUBSCRIBERS.join('|')}]… [--dry-run] [--max n]`);
    this.name = 'RedriveUsageError';
  }
}

export interface RedriveArgs {
  readonly outputs: string;
  readonly stack?: string;
  /** Subscribers (catalog names) whose records to redrive; all when absent. */
  readonly functions?: readonly string[];
  readonly dryRun: boolean;
  readonly max?: number;
}

export function parseRedriveArgs(argv: readonly string[]): RedriveArgs {
  const values = parseCommandLine(
    argv,
    { function: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean', default: false }, max: { type: 'string' } },
    (message) => new RedriveUsageError(message),
  );
  const max = values.max === undefined ? undefined : Number(values.max);
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new RedriveUsageError(`--max must be a positive whole number, not ${String(values.max)}`);
  const unknown = (values.function ?? []).find((name) => !ASYNC_SUBSCRIBERS.includes(name));
  if (unknown !== undefined) throw new RedriveUsageError(`--function ${unknown} is not an asynchronous subscriber (${ASYNC_SUBSCRIBERS.join(', ')})`);
  return {
    outputs: values.outputs,
    ...(values.stack ? { stack: values.stack } : {}),
    ...(values.function ? { functions: values.function } : {}),
    dryRun: values['dry-run'],
    ...(max === undefined ? {} : { max }),
  };
}

/** The CLI: outputs → clients → one run → a summary; exit 1 when anything failed or needs a person. */
async function main(): Promise<number> {
  const args = parseRedriveArgs(process.argv.slice(2));
  const outputs = readStackOutputs(args.outputs, args.stack);
  const queueUrl = requiredOutput(outputs, ASYNC_FAILURE_QUEUE.urlOutput);
  const config = operatorClientConfig(outputs, LOCAL_ADMIN_CREDENTIALS);
  const clients = { sqs: new SQSClient(config), lambda: new LambdaClient(config) };
  try {
    console.log(`${args.dryRun ? 'dry run: ' : ''}redriving ${queueUrl} (${outputs.target})`);
    const summary = await redrive(clients, {
      queueUrl,
      ...redriveGuards(outputs, queueUrl, args.functions),
      dryRun: args.dryRun,
      ...(args.max === undefined ? {} : { max: args.max }),
      log: (line) => console.log(line),
    });
    console.log(
      `redriven ${summary.redriven}, failed ${summary.failed}, left ${summary.left}; the queue now holds ${summary.remaining.visible} visible and ${summary.remaining.inFlight} in flight`,
    );
    const needsAPerson = summary.failed > 0 || summary.records.some((record) => record.outcome === 'left' && !CHOSEN.has(record.reason ?? ''));
    return needsAPerson ? 1 : 0;
  } finally {
    clients.sqs.destroy();
    clients.lambda.destroy();
  }
}

if (require.main === module) runOperatorCommand(main);
