/**
 * The IAM gateway in front of a real DynamoDB Local (needs Java 17), driven by the real AWS SDK
 * over loopback HTTP.
 */
import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { tenantPolicyDocument } from '../../../domain/isolation';
import { tenantDataPartition, tenantPartition, userPartition } from '../../../domain/keys';
import { DEFAULT_TABLE_NAME, USER_INDEX } from '../../../domain/table';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS, LOCAL_REGION } from '../../../local/config';
import { ensureTable, startDynamoDbLocal, type DynamoDbLocal } from '../../../local/dynamodb/dynamodb-local';
import { createDynamoDbGateway } from '../../../local/dynamodb/gateway';
import { CredentialStore, type IssuedCredentials } from '../../../local/iam/credential-store';
import { startEndpoint, type Endpoint } from '../../../local/server/endpoint';

const ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/TenantRole`;
const TABLE_ARN = `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/${DEFAULT_TABLE_NAME}`;
const SESSION_ARN = `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/TenantRole/CognitoIdentityCredentials`;

let dynamoDbLocal: DynamoDbLocal;
let endpoint: Endpoint;
let clock: Date;
let store: CredentialStore;
let admin: DynamoDBClient;
let tenant: DynamoDBClient;
const clients: DynamoDBClient[] = [];

function clientWith(credentials: AwsCredentialIdentity): DynamoDBClient {
  const client = new DynamoDBClient({ endpoint: endpoint.url, region: LOCAL_REGION, credentials, disableHostPrefix: true, maxAttempts: 1 });
  clients.push(client);
  return client;
}

/** The credentials as a client holds them: without their expiry, so the SDK never refreshes them itself. */
const asClientCredentials = (issued: IssuedCredentials): AwsCredentialIdentity => ({
  accessKeyId: issued.accessKeyId,
  secretAccessKey: issued.secretAccessKey,
  sessionToken: issued.sessionToken,
});

const issueTenantA = (): IssuedCredentials =>
  store.issue({ roleArn: ROLE_ARN, sessionName: 'CognitoIdentityCredentials', identityId: `${LOCAL_REGION}:u1`, principalTags: { tenant_id: 'A', user_id: 'u1' }, ttlSeconds: 3600 });

const S = (value: string): AttributeValue => ({ S: value });
const item = (pk: string, sk: string, extra: Record<string, AttributeValue> = {}): Record<string, AttributeValue> => ({ PK: S(pk), SK: S(sk), ...extra });

beforeAll(async () => {
  dynamoDbLocal = await startDynamoDbLocal({ port: 0 });
  clock = new Date();
  store = new CredentialStore(() => clock);
  const gateway = createDynamoDbGateway({
    upstreamUrl: dynamoDbLocal.url,
    credentialStore: store,
    policyForRole: (roleArn) => (roleArn === ROLE_ARN ? tenantPolicyDocument(TABLE_ARN) : undefined),
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
  });
  endpoint = await startEndpoint({ port: 0, services: [gateway] });
  admin = clientWith(LOCAL_ADMIN_CREDENTIALS);
  await ensureTable(admin, DEFAULT_TABLE_NAME);
  tenant = clientWith(asClientCredentials(issueTenantA()));
}, 90_000);

afterEach(() => {
  clock = new Date();
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await endpoint?.stop();
  await dynamoDbLocal?.stop();
});

describe('DynamoDB through the IAM gateway', () => {
  it('creates the table once: ensureTable is idempotent', async () => {
    await expect(ensureTable(admin, DEFAULT_TABLE_NAME)).resolves.toBe('exists');
  });

  it("names the table and its indexes by this cloud's region and account, as DynamoDB does (DynamoDB Local says ddblocal)", async () => {
    const { Table } = await admin.send(new DescribeTableCommand({ TableName: DEFAULT_TABLE_NAME }));

    expect(Table?.TableArn).toBe(`arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/${DEFAULT_TABLE_NAME}`);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexArn)).toEqual(
      Table?.GlobalSecondaryIndexes?.map((index) => `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/${DEFAULT_TABLE_NAME}/index/${index.IndexName}`),
    );
    expect(Table?.GlobalSecondaryIndexes?.length).toBeGreaterThan(0);
  });

  it('leaves item data as it is, even text that looks like a DynamoDB Local ARN', async () => {
    const text = `"arn:aws:dynamodb:ddblocal:${LOCAL_ACCOUNT_ID}:table/x"`;
    const own = item(tenantDataPartition('A', 'texts', 0), 'TEXT#arn', { body: S(text) });
    await tenant.send(new PutItemCommand({ TableName: DEFAULT_TABLE_NAME, Item: own }));

    const read = await tenant.send(new GetItemCommand({ TableName: DEFAULT_TABLE_NAME, Key: { PK: own.PK!, SK: own.SK! } }));

    expect(read.Item?.body).toEqual(S(text));
  });

  it('lets tenant credentials write and read their own data partition', async () => {
    const own = item(tenantDataPartition('A', 'notes', 0), 'NOTE#1', { body: S('hello') });

    await tenant.send(new PutItemCommand({ TableName: DEFAULT_TABLE_NAME, Item: own }));
    const read = await tenant.send(new GetItemCommand({ TableName: DEFAULT_TABLE_NAME, Key: { PK: own.PK!, SK: own.SK! } }));
    const queried = await tenant.send(
      new QueryCommand({
        TableName: DEFAULT_TABLE_NAME,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': own.PK! },
      }),
    );

    expect(read.Item).toEqual(own);
    expect(queried.Items).toEqual([own]);
  });

  it('lets tenant credentials read their control partition but not write it', async () => {
    const record = item(tenantPartition('A'), 'TENANT', { name: S('Tenant A') });
    await admin.send(new PutItemCommand({ TableName: DEFAULT_TABLE_NAME, Item: record }));

    const read = await tenant.send(new GetItemCommand({ TableName: DEFAULT_TABLE_NAME, Key: { PK: record.PK!, SK: record.SK! } }));
    const write = tenant.send(new PutItemCommand({ TableName: DEFAULT_TABLE_NAME, Item: { ...record, name: S('hijacked') } }));

    expect(read.Item).toEqual(record);
    await expect(write).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
  });

  it("denies another tenant's partition with DynamoDB's AccessDeniedException message", async () => {
    const foreign = item(tenantDataPartition('B', 'notes', 0), 'NOTE#1', { body: S('secret of B') });
    await admin.send(new PutItemCommand({ TableName: DEFAULT_TABLE_NAME, Item: foreign }));

    const read = tenant.send(new GetItemCommand({ TableName: DEFAULT_TABLE_NAME, Key: { PK: foreign.PK!, SK: foreign.SK! } }));

    await expect(read).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message:
        `User: ${SESSION_ARN} is not authorized to perform: dynamodb:GetItem on resource: ${TABLE_ARN} ` +
        'because no identity-based policy allows the dynamodb:GetItem action',
    });
  });

  it('denies tenant A the partitions of tenant A0, whose id starts with its own', async () => {
    const write = tenant.send(new PutItemCommand({ TableName: DEFAULT_TABLE_NAME, Item: item(tenantDataPartition('A0', 'notes', 0), 'N') }));

    await expect(write).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('denies a Scan to tenant credentials and allows it to the administrator', async () => {
    const [tenantScan, adminScan] = await Promise.allSettled([
      tenant.send(new ScanCommand({ TableName: DEFAULT_TABLE_NAME })),
      admin.send(new ScanCommand({ TableName: DEFAULT_TABLE_NAME })),
    ]);

    expect(tenantScan).toMatchObject({ status: 'rejected', reason: { name: 'AccessDeniedException' } });
    expect(adminScan).toMatchObject({ status: 'fulfilled', value: { Count: expect.any(Number) } });
  });

  it('lets a user list only their own memberships on the user index', async () => {
    await admin.send(
      new PutItemCommand({
        TableName: DEFAULT_TABLE_NAME,
        Item: item(tenantPartition('A'), 'MEMBER#u1', { [USER_INDEX.partitionKey]: S(userPartition('u1')), [USER_INDEX.sortKey]: S(tenantPartition('A')) }),
      }),
    );
    const query = (userId: string): QueryCommand =>
      new QueryCommand({
        TableName: DEFAULT_TABLE_NAME,
        IndexName: USER_INDEX.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': USER_INDEX.partitionKey },
        ExpressionAttributeValues: { ':pk': S(userPartition(userId)) },
      });

    const own = await tenant.send(query('u1'));
    const other = tenant.send(query('u2'));

    expect(own.Items?.map((membership) => membership.SK)).toEqual([S('MEMBER#u1')]);
    await expect(other).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(`on resource: ${TABLE_ARN}/index/${USER_INDEX.indexName} `),
    });
  });

  it('cancels a whole transaction whose condition check fails, and writes nothing', async () => {
    const data = item(tenantDataPartition('A', 'notes', 1), 'NOTE#tx');

    const transaction = tenant.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName: DEFAULT_TABLE_NAME,
              Key: { PK: S(tenantPartition('A')), SK: S('ROLE#does-not-exist') },
              ConditionExpression: 'attribute_exists(PK)',
            },
          },
          { Put: { TableName: DEFAULT_TABLE_NAME, Item: data } },
        ],
      }),
    );

    const error = await transaction.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual(['ConditionalCheckFailed', 'None']);
    const written = await admin.send(new GetItemCommand({ TableName: DEFAULT_TABLE_NAME, Key: { PK: data.PK!, SK: data.SK! } }));
    expect(written.Item).toBeUndefined();
  });

  it('denies a transaction that hides a foreign write behind an own one, before anything runs', async () => {
    const own = item(tenantDataPartition('A', 'notes', 2), 'NOTE#mixed');

    const transaction = tenant.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: DEFAULT_TABLE_NAME, Item: own } },
          { Put: { TableName: DEFAULT_TABLE_NAME, Item: item(tenantDataPartition('B', 'notes', 2), 'NOTE#mixed') } },
        ],
      }),
    );

    await expect(transaction).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const written = await admin.send(new GetItemCommand({ TableName: DEFAULT_TABLE_NAME, Key: { PK: own.PK!, SK: own.SK! } }));
    expect(written.Item).toBeUndefined();
  });

  it('denies a transaction element that puts an unknown member before a foreign Delete, and keeps the foreign item', async () => {
    const foreign = item(tenantDataPartition('B', 'notes', 3), 'NOTE#decoy');
    await admin.send(new PutItemCommand({ TableName: DEFAULT_TABLE_NAME, Item: foreign }));
    // The SDK serializes modelled members only; any other HTTP client can send this body signed.
    const handWritten = JSON.stringify({
      TransactItems: [
        {
          Decoy: { TableName: DEFAULT_TABLE_NAME, Item: item(tenantDataPartition('A', 'notes', 3), 'NOTE#decoy') },
          Delete: { TableName: DEFAULT_TABLE_NAME, Key: { PK: foreign.PK, SK: foreign.SK } },
        },
      ],
    });
    const attacker = clientWith(asClientCredentials(issueTenantA()));
    attacker.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { body: unknown }).body = handWritten;
        return next(args);
      },
      // Before the SDK measures the body for Content-Length and signs it.
      { step: 'build', priority: 'high' },
    );

    const transaction = attacker.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: DEFAULT_TABLE_NAME, Item: item('placeholder', 'X') } }] }));

    await expect(transaction).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const kept = await admin.send(new GetItemCommand({ TableName: DEFAULT_TABLE_NAME, Key: { PK: foreign.PK!, SK: foreign.SK! } }));
    expect(kept.Item).toEqual(foreign);
  });

  it('answers ExpiredTokenException once the credentials have expired', async () => {
    const issued = issueTenantA();
    const client = clientWith(asClientCredentials(issued));
    clock = new Date(issued.expiration.getTime() + 1_000);

    const read = client.send(new GetItemCommand({ TableName: DEFAULT_TABLE_NAME, Key: { PK: S(tenantPartition('A')), SK: S('TENANT') } }));

    await expect(read).rejects.toMatchObject({ name: 'ExpiredTokenException' });
  });

  it('answers InvalidSignatureException to a request signed with the wrong secret', async () => {
    const issued = issueTenantA();
    const client = clientWith({ ...asClientCredentials(issued), secretAccessKey: 'not-the-secret' });

    const read = client.send(new GetItemCommand({ TableName: DEFAULT_TABLE_NAME, Key: { PK: S(tenantPartition('A')), SK: S('TENANT') } }));

    await expect(read).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });

  it('answers MissingAuthenticationTokenException to an unsigned request', async () => {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      __type: 'com.amazon.coral.service#MissingAuthenticationTokenException',
      message: 'Request is missing Authentication Token',
    });
  });
});
