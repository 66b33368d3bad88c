import { AdminConfirmSignUpCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileKey } from '../../domain/keys';
import { ASYNC_INVOCATION, InvocationRecordSchema, type InvocationRecord } from '../../events/async-invocation';
import { FUNCTIONS } from '../../handlers/catalog';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { LAMBDA_FAULTS_PATH } from '../../local/lambda/lambda-service';
import { adminFetch, clients, eventually, mintCredentials, outputs, PASSWORD, uniqueEmail } from './support';

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

const sqsClient = (credentials: Credentials = LOCAL_ADMIN_CREDENTIALS) =>
  new SQSClient({ endpoint: outputs().endpoint, region: outputs().region, credentials, maxAttempts: 1 });

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run redrive` as an operator runs it, against the test cloud's outputs written to a file. */
function runRedrive(outputsFile: string, ...args: string[]): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/operations/redrive.ts', '--outputs', outputsFile, ...args], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run redrive on the local cloud', () => {
  const { cognito, dynamodb } = clients();
  const sqs = sqsClient();
  const stateDir = mkdtempSync(join(tmpdir(), 'redrive-test-'));
  const outputsFile = join(stateDir, 'outputs.json');
  beforeAll(() => writeFileSync(outputsFile, process.env.LOCAL_CLOUD_OUTPUTS ?? ''));
  afterAll(() => {
    cognito.destroy();
    dynamodb.destroy();
    sqs.destroy();
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** The records in the queue for this user's confirmation, read without taking them (`VisibilityTimeout: 0`). */
  async function recordsOf(userId: string): Promise<InvocationRecord[]> {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: outputs().asyncFailureQueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    return Messages.map((message) => InvocationRecordSchema.parse(JSON.parse(message.Body ?? ''))).filter(
      (record) => (record.requestPayload as { detail?: { userId?: string } }).detail?.userId === userId,
    );
  }

  const profileItems = async (userId: string) =>
    (
      await dynamodb.send(
        new QueryCommand({
          TableName: outputs().tableName,
          KeyConditionExpression: 'PK = :pk AND SK = :sk',
          ExpressionAttributeValues: { ':pk': { S: profileKey(userId).PK }, ':sk': { S: profileKey(userId).SK } },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];

  /** Signs a user up with ProfileWriter failing every attempt at its confirmation, then confirms it. */
  async function confirmWithFailingProfileWriter(): Promise<string> {
    const email = uniqueEmail('redrive');
    const { UserSub: userId } = await cognito.send(
      new SignUpCommand({ ClientId: outputs().userPoolClientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }),
    );
    if (!userId) throw new Error('SignUp returned no UserSub');
    const fault = await adminFetch(LAMBDA_FAULTS_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // Used up by the first attempt and Lambda's two retries: the redriven invocation runs the real handler.
      body: JSON.stringify({ functionName: FUNCTIONS.profileWriter.name, errorType: 'InjectedFailure', count: ASYNC_INVOCATION.retryAttempts + 1, whenDetail: { userId } }),
    });
    expect(fault.status).toBe(200);
    await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: outputs().userPoolId, Username: email }));
    return userId;
  }

  it("puts the failing ProfileWriter's event in the queue, and a redrive writes the profile once and empties it of that record", async () => {
    const userId = await confirmWithFailingProfileWriter();
    const [record] = await eventually(async () => {
      const found = await recordsOf(userId);
      return found.length > 0 ? found : undefined;
    }, "the ProfileWriter's invocation record in the failure queue");
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: outputs().asyncFailureQueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'QueueArn'] }),
    );
    const eventId = (record?.requestPayload as { id: string }).id;
    expect(record?.requestContext).toMatchObject({ functionArn: expect.stringContaining(`:function:${FUNCTIONS.profileWriter.name}:`), condition: 'RetriesExhausted' });
    expect(Number(Attributes.ApproximateNumberOfMessages)).toBeGreaterThanOrEqual(1);
    expect(await profileItems(userId)).toEqual([]);

    const run = await runRedrive(outputsFile, '--function', FUNCTIONS.profileWriter.name);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^redriven .*:function:${FUNCTIONS.profileWriter.name}:\\S+ event ${eventId} `, 'm'));
    expect(run.stdout).toMatch(/^redriven 1, failed 0, left \d+;/m);
    const profiles = await eventually(async () => {
      const items = await profileItems(userId);
      return items.length > 0 ? items : undefined;
    }, 'the redriven profile');
    expect(profiles).toHaveLength(1);
    expect(profiles[0]).toMatchObject({ userId: { S: userId } });
    expect(await recordsOf(userId)).toEqual([]);

    const again = await runRedrive(outputsFile, '--function', FUNCTIONS.profileWriter.name);

    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^redriven 0, failed 0, left \d+;/m);
    expect(again.stdout).not.toContain(eventId);
    expect(await profileItems(userId)).toHaveLength(1);
  });

  it('invokes nothing and keeps the record on a dry run', async () => {
    const userId = await confirmWithFailingProfileWriter();
    await eventually(async () => ((await recordsOf(userId)).length > 0 ? true : undefined), 'the invocation record');

    const run = await runRedrive(outputsFile, '--function', FUNCTIONS.profileWriter.name, '--dry-run');

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^left .*: dry run$/m);
    expect(await recordsOf(userId)).toHaveLength(1);
    expect(await profileItems(userId)).toEqual([]);
    // Leaves the cloud as it found it: this record redriven, its profile written.
    expect((await runRedrive(outputsFile, '--function', FUNCTIONS.profileWriter.name)).code).toBe(0);
    await eventually(async () => ((await profileItems(userId)).length === 1 ? true : undefined), 'the profile after the real redrive');
  });

  it('refuses a forged record from tenant credentials and from an unsigned caller, so nothing can be planted for the redrive to invoke', async () => {
    const victim = randomUUID();
    const forged = JSON.stringify({ ...recordShape(), requestPayload: { detail: { userId: victim } } });
    const tenant = sqsClient(await mintCredentials({ userId: randomUUID(), tenantId: randomUUID() }));

    const planted = await tenant.send(new SendMessageCommand({ QueueUrl: outputs().asyncFailureQueueUrl, MessageBody: forged })).then(
      () => 'sent',
      (error: Error & { $metadata?: { httpStatusCode?: number } }) => `${error.name} ${String(error.$metadata?.httpStatusCode)}`,
    );
    const unsigned = await fetch(`${outputs().endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' },
      body: JSON.stringify({ QueueUrl: outputs().asyncFailureQueueUrl, MessageBody: forged }),
    });
    tenant.destroy();

    expect(planted).toBe('AccessDenied 403');
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-query-error')).toBe('AccessDenied;Sender');
    expect(await recordsOf(victim)).toEqual([]);
  });
});

/** A record naming ProfileWriter, as an attacker would forge one. */
function recordShape() {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: { requestId: randomUUID(), functionArn: `arn:aws:lambda:${outputs().region}:000000000000:function:${FUNCTIONS.profileWriter.name}`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
  };
}
