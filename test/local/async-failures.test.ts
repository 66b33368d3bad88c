import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { auditPartition } from '../../domain/keys';
import { ASYNC_INVOCATION, InvocationRecordSchema, type InvocationRecord } from '../../events/async-invocation';
import { DETAIL_TYPE, EVENT_CATALOG, type EventDetail } from '../../events/catalog';
import { FUNCTIONS } from '../../handlers/catalog';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { LAMBDA_FAULTS_PATH } from '../../local/lambda/lambda-service';
import { adminFetch, clients, eventually, mintCredentials, outputs, signedFetch } from './support';

interface Invocation {
  functionName: string;
  outcome: 'success' | 'error';
  errorType?: string;
}

/** An event the bus hands to one subscriber only, the audit writer: no other rule matches it. */
const roleCreated = (tenantId: string): EventDetail<typeof DETAIL_TYPE.roleCreated> => ({
  tenantId,
  roleId: 'pilot',
  name: 'Pilot',
  actions: ['aircraft:read'],
  actorUserId: randomUUID(),
  operationId: randomUUID(),
});

const failureQueue = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = LOCAL_ADMIN_CREDENTIALS) =>
  new SQSClient({ endpoint: outputs().endpoint, region: outputs().region, credentials, maxAttempts: 1 });

/**
 * The records in the on-failure queue about this tenant, read with the SQS API as an operator reads
 * them on AWS. `VisibilityTimeout: 0` leaves every message where it was, and 10 covers the queue:
 * only this file and the redrive's leave records there.
 */
async function failureRecordsFor(tenantId: string): Promise<InvocationRecord[]> {
  const sqs = failureQueue();
  try {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: outputs().asyncFailureQueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    return Messages.map((message) => InvocationRecordSchema.parse(JSON.parse(message.Body ?? ''))).filter(
      (record) => (record.requestPayload as { detail?: { tenantId?: string } }).detail?.tenantId === tenantId,
    );
  } finally {
    sqs.destroy();
  }
}

async function auditWriterInvocations(): Promise<Invocation[]> {
  const state = (await (await fetch(`${outputs().endpoint}/_local/console/state.json`)).json()) as { invocations: Invocation[] };
  return state.invocations.filter((call) => call.functionName === FUNCTIONS.auditWriter.name);
}

describe("a subscriber's asynchronous invocation on the local cloud", () => {
  const { events, dynamodb } = clients();
  afterAll(() => {
    events.destroy();
    dynamodb.destroy();
  });

  const injectAuditWriterFailures = (tenantId: string, count: number) =>
    adminFetch(LAMBDA_FAULTS_PATH, {
      method: 'POST',
      body: JSON.stringify({ functionName: FUNCTIONS.auditWriter.name, errorType: 'InjectedFailure', errorMessage: 'injected by the test', count, whenDetail: { tenantId } }),
    });
  const publish = (detail: EventDetail<typeof DETAIL_TYPE.roleCreated>) =>
    events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: outputs().eventBusName, Source: EVENT_CATALOG[DETAIL_TYPE.roleCreated].source, DetailType: DETAIL_TYPE.roleCreated, Detail: JSON.stringify(detail) }],
      }),
    );
  const auditRecordsOf = async (tenantId: string) =>
    (
      await dynamodb.send(
        new QueryCommand({
          TableName: outputs().tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :records)',
          ExpressionAttributeValues: { ':pk': { S: auditPartition(tenantId) }, ':records': { S: 'EVENT#' } },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];

  it('delivers the event on the last retry when the subscriber fails twice, leaving no failure record', async () => {
    const tenantId = randomUUID();
    expect((await injectAuditWriterFailures(tenantId, ASYNC_INVOCATION.retryAttempts)).status).toBe(200);

    await publish(roleCreated(tenantId));

    await eventually(async () => ((await auditRecordsOf(tenantId)).length > 0 ? true : undefined), "the audit writer's record after its retries");
    expect(await failureRecordsFor(tenantId)).toEqual([]);
  });

  it('retries a failing subscriber twice, then records the event on the failure destination as AWS shapes it', async () => {
    const tenantId = randomUUID();
    const detail = roleCreated(tenantId);
    expect((await injectAuditWriterFailures(tenantId, ASYNC_INVOCATION.retryAttempts + 1)).status).toBe(200);
    const errorsBefore = (await auditWriterInvocations()).filter((call) => call.errorType === 'InjectedFailure').length;

    const { Entries = [] } = await publish(detail);

    const records = await eventually(async () => {
      const found = await failureRecordsFor(tenantId);
      return found.length > 0 ? found : undefined;
    }, 'the on-failure record in the queue');
    const [record] = records;
    expect(records).toHaveLength(1);
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: {
        functionArn: `arn:aws:lambda:${outputs().region}:000000000000:function:${FUNCTIONS.auditWriter.name}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: ASYNC_INVOCATION.retryAttempts + 1,
      },
      requestPayload: { id: Entries[0]?.EventId, 'detail-type': DETAIL_TYPE.roleCreated, detail },
      responseContext: { statusCode: 200, functionError: 'Unhandled' },
      responsePayload: { errorType: 'InjectedFailure', errorMessage: 'injected by the test' },
    });
    expect(record?.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const errorsAfter = (await auditWriterInvocations()).filter((call) => call.errorType === 'InjectedFailure').length;
    expect(errorsAfter - errorsBefore).toBe(3);
  });

  it('refuses the failure queue to an unsigned caller with SQS AccessDenied', async () => {
    const unsigned = await fetch(`${outputs().endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ReceiveMessage' },
      body: JSON.stringify({ QueueUrl: outputs().asyncFailureQueueUrl, VisibilityTimeout: 0 }),
    });

    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-query-error')).toBe('AccessDenied;Sender');
    expect(await unsigned.json()).toMatchObject({ __type: 'com.amazon.coral.service#AccessDeniedException' });
  });

  it('refuses the failure queue and function faults to tenant credentials, and faults to an unsigned caller', async () => {
    // Credentials as the authorizer mints them for a member: a data-plane function holds these.
    const tenantCredentials = await mintCredentials({ userId: randomUUID(), tenantId: randomUUID() });
    const fault = JSON.stringify({ functionName: FUNCTIONS.auditWriter.name, errorType: 'Injected', count: 1 });
    const tenantSqs = failureQueue(tenantCredentials);

    const read = await tenantSqs.send(new ReceiveMessageCommand({ QueueUrl: outputs().asyncFailureQueueUrl })).then(
      () => 'received',
      (error: Error & { $metadata?: { httpStatusCode?: number } }) => `${error.name} ${String(error.$metadata?.httpStatusCode)}`,
    );
    tenantSqs.destroy();
    const inject = await signedFetch(LAMBDA_FAULTS_PATH, { method: 'POST', body: fault, headers: { 'content-type': 'application/json' } }, tenantCredentials);
    const clear = await signedFetch(LAMBDA_FAULTS_PATH, { method: 'DELETE' }, tenantCredentials);
    const unsignedInject = await fetch(`${outputs().endpoint}${LAMBDA_FAULTS_PATH}`, { method: 'POST', body: fault });

    expect(read).toBe('AccessDenied 403');
    expect([inject.status, clear.status, unsignedInject.status]).toEqual([403, 403, 403]);
  });
});
