import { DeleteItemCommand, GetItemCommand, QueryCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { randomUUID } from 'node:crypto';
import { auditPartition, PLATFORM_AUDIT_ID, profileKey, SORT_KEY } from '../../domain/keys';
import { DETAIL_TYPE, EVENT_CATALOG, type DetailType, type EventDetail } from '../../events/catalog';
import { FUNCTIONS } from '../../handlers/catalog';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { clients, cloudLog, eventually, identityPoolCredentials, outputs, setActiveTenant, signIn, signUpConfirmed, uniqueEmail } from './support';

/**
 * The subscribers as deployed: invoked through the Lambda API, and reached through the bus's rules,
 * writing to DynamoDB Local behind the IAM gateway.
 */
describe('event subscribers on the local cloud', () => {
  const admin = clients().dynamodb;
  const lambda = new LambdaClient({ endpoint: outputs().endpoint, region: outputs().region, credentials: LOCAL_ADMIN_CREDENTIALS });
  const table = () => outputs().tableName;
  afterAll(() => lambda.destroy());

  const userConfirmed = (userId: string, email: string): EventDetail<typeof DETAIL_TYPE.userConfirmed> => ({
    userId,
    email,
    userPoolId: outputs().userPoolId,
    confirmedAt: new Date().toISOString(),
  });

  /** An event in the shape EventBridge hands to a Lambda target. */
  const busEvent = <T extends DetailType>(detailType: T, detail: EventDetail<T>) => ({
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: EVENT_CATALOG[detailType].source,
    account: '000000000000',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: outputs().region,
    resources: [],
    detail,
  });

  async function invoke(functionName: string, event: unknown): Promise<unknown> {
    const response = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(event)) }));
    const payload = JSON.parse(Buffer.from(response.Payload ?? []).toString('utf8')) as unknown;
    if (response.FunctionError) throw new Error(`${functionName} failed: ${JSON.stringify(payload)}`);
    return payload;
  }

  async function profileOf(userId: string) {
    const { Item } = await admin.send(
      new GetItemCommand({ TableName: table(), Key: { PK: { S: profileKey(userId).PK }, SK: { S: profileKey(userId).SK } }, ConsistentRead: true }),
    );
    return Item;
  }

  /** The audit records (not the dedupe markers) in one trail that carry `dedupeKey`. */
  async function auditRecords(auditId: string, dedupeKey: string, client: DynamoDBClient = admin) {
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :records)',
        FilterExpression: '#id = :id',
        ExpressionAttributeNames: { '#id': 'id' },
        ExpressionAttributeValues: { ':pk': { S: auditPartition(auditId) }, ':records': { S: 'EVENT#' }, ':id': { S: dedupeKey } },
        ConsistentRead: true,
      }),
    );
    return Items;
  }

  it('writes one profile and one platform audit record when the same user.confirmed event is invoked three times', async () => {
    const userId = randomUUID();
    const email = uniqueEmail('subscriber');
    const event = busEvent(DETAIL_TYPE.userConfirmed, userConfirmed(userId, email));

    const profileResults = [];
    const auditResults = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      profileResults.push(await invoke(FUNCTIONS.profileWriter.name, event));
      auditResults.push(await invoke(FUNCTIONS.auditWriter.name, event));
    }

    expect(profileResults).toEqual([{ outcome: 'created' }, { outcome: 'duplicate' }, { outcome: 'duplicate' }]);
    expect(auditResults.map((result) => (result as { trails: { outcome: string }[] }).trails.map((trail) => trail.outcome))).toEqual([
      ['written'],
      ['duplicate'],
      ['duplicate'],
    ]);
    expect(await profileOf(userId)).toEqual({
      PK: { S: profileKey(userId).PK },
      SK: { S: profileKey(userId).SK },
      userId: { S: userId },
      email: { S: email },
      createdAt: { S: event.detail.confirmedAt },
    });
    const records = await auditRecords(PLATFORM_AUDIT_ID, `user.confirmed:${userId}`);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      // Sorted by when it was recorded (ms), never before the event's own second.
      SK: { S: expect.stringMatching(new RegExp(`^${SORT_KEY.auditRecordPrefix}\\d{4}-.+#user\\.confirmed:${userId}$`)) },
      time: { S: event.time },
      type: { S: DETAIL_TYPE.userConfirmed },
      actorUserId: { S: userId },
      detail: { M: { userId: { S: userId }, email: { S: email } } },
    });
    // The functions log ids, never the address.
    expect(cloudLog()).not.toContain(email);
  });

  it('writes one profile and one audit record when a retried trigger publishes the same confirmation three times', async () => {
    const userId = randomUUID();
    const detail = userConfirmed(userId, uniqueEmail('retried'));
    const dedupeKey = `user.confirmed:${userId}`;
    const successfulInvocations = async (functionName: string, since: Set<string>) =>
      (await invocationsSince(since)).filter((call) => call.functionName === functionName && call.outcome === 'success').length;
    const before = new Set((await invocationsSince(new Set())).map((call) => call.requestId));
    const first = Date.now();

    // Three events, three ids, seconds apart: what Cognito's retries of the trigger would publish.
    const published = await Promise.all(
      [0, 1, 2].map((retry) =>
        clients().events.send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: outputs().eventBusName,
                Source: EVENT_CATALOG[DETAIL_TYPE.userConfirmed].source,
                DetailType: DETAIL_TYPE.userConfirmed,
                Detail: JSON.stringify(detail),
                Time: new Date(first + retry * 2000),
              },
            ],
          }),
        ),
      ),
    );

    // Every one of the three deliveries to each subscriber has completed (retries included).
    await eventually(async () => ((await successfulInvocations(FUNCTIONS.profileWriter.name, before)) >= 3 ? true : undefined), 'three profile-writer deliveries');
    await eventually(async () => ((await successfulInvocations(FUNCTIONS.auditWriter.name, before)) >= 3 ? true : undefined), 'three audit-writer deliveries');
    expect(new Set(published.map((result) => result.Entries?.[0]?.EventId)).size).toBe(3);
    expect(await profileOf(userId)).toMatchObject({ userId: { S: userId }, createdAt: { S: detail.confirmedAt } });
    expect(await auditRecords(PLATFORM_AUDIT_ID, dedupeKey)).toHaveLength(1);
  });

  it("lets a tenant's own credentials read its audit trail but not change it", async () => {
    const tenantId = randomUUID();
    const email = uniqueEmail('auditor');
    const userId = await signUpConfirmed(email);
    await setActiveTenant(email, tenantId);
    const onboarded = busEvent(DETAIL_TYPE.tenantOnboarded, {
      tenantId,
      tenantName: 'Audit Probe',
      userId,
      roleId: 'admin',
      executionId: `arn:aws:states:${outputs().region}:000000000000:express:Onboarding:${randomUUID()}`,
    });
    await invoke(FUNCTIONS.auditWriter.name, onboarded);
    const dedupeKey = `tenant.onboarded:${onboarded.detail.executionId}`;
    const tenantCredentials = await identityPoolCredentials((await signIn(email)).idToken);
    const tenant = new DynamoDBClient({ endpoint: outputs().endpoint, region: outputs().region, credentials: tenantCredentials });

    try {
      const asTenant = auditRecords(tenantId, dedupeKey, tenant);

      expect(await asTenant).toHaveLength(1);
      await expect(
        tenant.send(new DeleteItemCommand({ TableName: table(), Key: { PK: { S: auditPartition(tenantId) }, SK: { S: SORT_KEY.auditDedupe(dedupeKey) } } })),
      ).rejects.toMatchObject({ name: 'AccessDeniedException' });
      expect(await auditRecords(tenantId, dedupeKey)).toHaveLength(1);
    } finally {
      tenant.destroy();
    }
  });
});

interface Invocation {
  functionName: string;
  requestId: string;
  outcome: 'success' | 'error';
}

/** The Lambda invocations the local console lists that are not in `seen`. */
async function invocationsSince(seen: Set<string>): Promise<Invocation[]> {
  const response = await fetch(`${outputs().endpoint}/_local/console/state.json`);
  const state = (await response.json()) as { invocations?: Invocation[] };
  return (state.invocations ?? []).filter((call) => !seen.has(call.requestId));
}
