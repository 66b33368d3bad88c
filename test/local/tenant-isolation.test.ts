import {
  BatchGetItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { tenantDataPartition, tenantPartition, userPartition } from '../../domain/keys';
import { USER_INDEX } from '../../domain/table';
import { clients, identityPoolCredentials, outputs, setActiveTenant, signIn, signUpConfirmed, uniqueEmail } from './support';

/**
 * Isolation is IAM's, not the application's: these calls go straight to DynamoDB with the
 * credentials the identity pool issued, through the IAM gateway that evaluates the deployed policy.
 */
describe('tenant credentials from the identity pool', () => {
  const tenantA = `acme${randomUUID().slice(0, 6)}`;
  // Tenant A's id is a prefix of this one: `TENANT#acme1*` must not reach `TENANT#acme12`.
  const tenantWithPrefix = `${tenantA}2`;
  const tenantB = `globex${randomUUID().slice(0, 6)}`;
  let tenant: DynamoDBClient;
  let userId: string;
  const admin = clients().dynamodb;
  const table = () => outputs().tableName;

  const item = (pk: string, sk = 'ITEM#1', extra: Record<string, { S: string }> = {}) => ({ PK: { S: pk }, SK: { S: sk }, ...extra });

  beforeAll(async () => {
    const email = uniqueEmail('isolation');
    userId = await signUpConfirmed(email);
    await setActiveTenant(email, tenantA);
    const { idToken } = await signIn(email);
    const credentials = await identityPoolCredentials(idToken);
    tenant = new DynamoDBClient({ endpoint: outputs().endpoint, region: outputs().region, credentials });
    // The administrator seeds the partitions that tenant credentials may only read or must not see.
    for (const pk of [tenantPartition(tenantA), tenantDataPartition(tenantB, 'DATA', 0), tenantDataPartition(tenantWithPrefix, 'DATA', 0)]) {
      await admin.send(new PutItemCommand({ TableName: table(), Item: item(pk) }));
    }
  });
  afterAll(() => tenant.destroy());

  const expectDenied = async (promise: Promise<unknown>): Promise<void> => {
    await expect(promise).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
  };

  it('writes and reads its own tenant data partitions', async () => {
    const key = { PK: { S: tenantDataPartition(tenantA, 'DATA', 3) }, SK: { S: 'ITEM#own' } };

    await tenant.send(new PutItemCommand({ TableName: table(), Item: { ...key, note: { S: 'mine' } } }));
    const read = await tenant.send(new GetItemCommand({ TableName: table(), Key: key }));

    expect(read.Item?.note).toEqual({ S: 'mine' });
  });

  it('reads its own control partition but cannot write it', async () => {
    const read = await tenant.send(new GetItemCommand({ TableName: table(), Key: item(tenantPartition(tenantA)) }));

    expect(read.Item?.PK).toEqual({ S: tenantPartition(tenantA) });
    await expectDenied(tenant.send(new PutItemCommand({ TableName: table(), Item: item(tenantPartition(tenantA), 'ROLE#admin') })));
  });

  it("is denied another tenant's partitions, for reads and writes", async () => {
    await expectDenied(tenant.send(new GetItemCommand({ TableName: table(), Key: item(tenantDataPartition(tenantB, 'DATA', 0)) })));
    await expectDenied(tenant.send(new PutItemCommand({ TableName: table(), Item: item(tenantDataPartition(tenantB, 'DATA', 0), 'ITEM#evil') })));
    await expectDenied(
      tenant.send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': { S: tenantPartition(tenantB) } },
        }),
      ),
    );
  });

  it("is denied a tenant whose id has its own as a prefix", async () => {
    await expectDenied(tenant.send(new GetItemCommand({ TableName: table(), Key: item(tenantDataPartition(tenantWithPrefix, 'DATA', 0)) })));
    await expectDenied(tenant.send(new GetItemCommand({ TableName: table(), Key: item(tenantPartition(tenantWithPrefix)) })));
  });

  it('is denied a Scan and any request that names no partition key', async () => {
    await expectDenied(tenant.send(new ScanCommand({ TableName: table() })));
    await expectDenied(tenant.send(new DescribeTableCommand({ TableName: table() })));
  });

  it('is denied a batch that mixes its own key with a foreign one', async () => {
    await expectDenied(
      tenant.send(
        new BatchGetItemCommand({
          RequestItems: { [table()]: { Keys: [item(tenantPartition(tenantA)), item(tenantDataPartition(tenantB, 'DATA', 0))] } },
        }),
      ),
    );
  });

  it("queries its own memberships on the user index but not another user's", async () => {
    const own = await tenant.send(
      new QueryCommand({
        TableName: table(),
        IndexName: USER_INDEX.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': USER_INDEX.partitionKey },
        ExpressionAttributeValues: { ':pk': { S: userPartition(userId) } },
      }),
    );

    expect(own.Items).toEqual([]);
    await expectDenied(
      tenant.send(
        new QueryCommand({
          TableName: table(),
          IndexName: USER_INDEX.indexName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': USER_INDEX.partitionKey },
          ExpressionAttributeValues: { ':pk': { S: userPartition(randomUUID()) } },
        }),
      ),
    );
  });

  it('cancels a whole transaction when its ConditionCheck fails, with CancellationReasons', async () => {
    const written = { PK: { S: tenantDataPartition(tenantA, 'DATA', 1) }, SK: { S: `ITEM#${randomUUID()}` } };

    const attempt = tenant.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: table(), Item: written } },
          {
            ConditionCheck: {
              TableName: table(),
              Key: item(tenantPartition(tenantA), 'ROLE#does-not-exist'),
              ConditionExpression: 'attribute_exists(PK)',
            },
          },
        ],
      }),
    );

    const error = await attempt.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual(['None', 'ConditionalCheckFailed']);
    const after = await tenant.send(new GetItemCommand({ TableName: table(), Key: written }));
    expect(after.Item).toBeUndefined();
  });
});
