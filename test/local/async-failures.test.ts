import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { randomUUID } from 'node:crypto';
import { auditPartition } from '../../domain/keys';
import { ASYNC_INVOCATION } from '../../events/async-invocation';
import { DETAIL_TYPE, EVENT_CATALOG, type EventDetail } from '../../events/catalog';
import { FUNCTIONS } from '../../handlers/catalog';
import type { AsyncFailureRecord } from '../../local/lambda/async-invocation';
import { ASYNC_FAILURES_PATH, LAMBDA_FAULTS_PATH } from '../../local/lambda/lambda-service';
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

async function failureRecordsFor(tenantId: string): Promise<AsyncFailureRecord[]> {
  const response = await adminFetch(ASYNC_FAILURES_PATH);
  const { records } = (await response.json()) as { records: AsyncFailureRecord[] };
  return records.filter((record) => (record.requestPayload as { detail?: { tenantId?: string } }).detail?.tenantId === tenantId);
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

    const [record] = await eventually(async () => {
      const records = await failureRecordsFor(tenantId);
      return records.length > 0 ? records : undefined;
    }, 'the on-failure record');
    expect(await failureRecordsFor(tenantId)).toHaveLength(1);
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

  it('keeps the failure records for the local administrator only', async () => {
    const unsigned = await fetch(`${outputs().endpoint}${ASYNC_FAILURES_PATH}`);

    expect(unsigned.status).toBe(403);
  });

  it('refuses the failure records and function faults to tenant credentials, and faults to an unsigned caller', async () => {
    // Credentials as the authorizer mints them for a member: a data-plane function holds these.
    const tenantCredentials = await mintCredentials({ userId: randomUUID(), tenantId: randomUUID() });
    const fault = JSON.stringify({ functionName: FUNCTIONS.auditWriter.name, errorType: 'Injected', count: 1 });

    const read = await signedFetch(ASYNC_FAILURES_PATH, {}, tenantCredentials);
    const inject = await signedFetch(LAMBDA_FAULTS_PATH, { method: 'POST', body: fault, headers: { 'content-type': 'application/json' } }, tenantCredentials);
    const clear = await signedFetch(LAMBDA_FAULTS_PATH, { method: 'DELETE' }, tenantCredentials);
    const unsignedInject = await fetch(`${outputs().endpoint}${LAMBDA_FAULTS_PATH}`, { method: 'POST', body: fault });

    expect([read.status, inject.status, clear.status, unsignedInject.status]).toEqual([403, 403, 403, 403]);
  });
});
