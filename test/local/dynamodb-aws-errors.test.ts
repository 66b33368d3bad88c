import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { clients, outputs } from './support';

/**
 * DynamoDB's error messages through the local endpoint: where DynamoDB Local words an error
 * differently from DynamoDB, the gateway answers DynamoDB's words (sources in
 * local/dynamodb/aws-error-wording.ts); where they agree, DynamoDB Local's answer passes as it is.
 * Every answer is read by the real SDK, which also checks the body against its x-amz-crc32.
 */

const run = randomUUID().slice(0, 8);
const table = () => outputs().tableName;
const missingTable = `missing-${run}`;
const dynamodb = clients().dynamodb;
const S = (value: string): AttributeValue => ({ S: value });

const failureOf = async (send: Promise<unknown>): Promise<{ name: string; message: string }> => {
  const error = await send.then(
    () => new Error('the call succeeded'),
    (rejection: unknown) => rejection as Error,
  );
  return { name: error.name, message: error.message };
};

afterAll(() => dynamodb.destroy());

describe('DynamoDB errors in AWS words', () => {
  it.each([
    ['GetItem', () => dynamodb.send(new GetItemCommand({ TableName: missingTable, Key: { PK: S('a'), SK: S('b') } }))],
    ['PutItem', () => dynamodb.send(new PutItemCommand({ TableName: missingTable, Item: { PK: S('a'), SK: S('b') } }))],
    ['Scan', () => dynamodb.send(new ScanCommand({ TableName: missingTable }))],
    ['BatchWriteItem', () => dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [missingTable]: [{ DeleteRequest: { Key: { PK: S('a'), SK: S('b') } } }] } }))],
    ['TransactWriteItems', () => dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: missingTable, Item: { PK: S('a'), SK: S('b') } } }] }))],
  ])('%s on a missing table: ResourceNotFoundException "Requested resource not found"', async (_operation, send: () => Promise<unknown>) => {
    const failure = await failureOf(send());

    expect(failure).toEqual({ name: 'ResourceNotFoundException', message: 'Requested resource not found' });
  });

  it('DescribeTable on a missing table names the table', async () => {
    const failure = await failureOf(dynamodb.send(new DescribeTableCommand({ TableName: missingTable })));

    expect(failure).toEqual({ name: 'ResourceNotFoundException', message: `Requested resource not found: Table: ${missingTable} not found` });
  });

  it.each([
    ['GetItem', () => dynamodb.send(new GetItemCommand({ TableName: table(), Key: { PK: { N: '1' }, SK: S('b') } }))],
    [
      'UpdateItem',
      () => dynamodb.send(new UpdateItemCommand({ TableName: table(), Key: { PK: { N: '1' }, SK: S('b') }, UpdateExpression: 'SET note = :n', ExpressionAttributeValues: { ':n': S('x') } })),
    ],
    ['BatchWriteItem (deletes)', () => dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table()]: [{ DeleteRequest: { Key: { PK: { N: '1' }, SK: S('b') } } }] } }))],
  ])('%s with a key of the wrong type: "The provided key element does not match the schema"', async (_operation, send: () => Promise<unknown>) => {
    const failure = await failureOf(send());

    expect(failure).toEqual({ name: 'ValidationException', message: 'The provided key element does not match the schema' });
  });

  it('PutItem with a key of the wrong type names the key and both types', async () => {
    const failure = await failureOf(dynamodb.send(new PutItemCommand({ TableName: table(), Item: { PK: S(`ERR#${run}`), SK: { N: '1' } } })));

    expect(failure).toEqual({ name: 'ValidationException', message: 'One or more parameter values were invalid: Type mismatch for key SK expected: S actual: N' });
  });

  it('PutItem without the sort key names the missing key', async () => {
    const failure = await failureOf(dynamodb.send(new PutItemCommand({ TableName: table(), Item: { PK: S(`ERR#${run}`) } })));

    expect(failure).toEqual({ name: 'ValidationException', message: 'One or more parameter values were invalid: Missing the key SK in the item' });
  });
});

describe('DynamoDB errors DynamoDB Local already words as AWS does', () => {
  it('a Query whose partition key value has the wrong type (ministackorg/ministack#1432)', async () => {
    const failure = await failureOf(
      dynamodb.send(new QueryCommand({ TableName: table(), KeyConditionExpression: 'PK = :p', ExpressionAttributeValues: { ':p': { N: '1' } } })),
    );

    expect(failure).toEqual({ name: 'ValidationException', message: 'One or more parameter values were invalid: Condition parameter type does not match schema type' });
  });

  it('an empty string key', async () => {
    const failure = await failureOf(dynamodb.send(new PutItemCommand({ TableName: table(), Item: { PK: S(''), SK: S('b') } })));

    expect(failure).toEqual({
      name: 'ValidationException',
      message: 'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: PK',
    });
  });

  it('a failed condition, alone and in a transaction', async () => {
    const item = { PK: S(`ERR#${run}`), SK: S('CONDITION') };
    const alone = await failureOf(dynamodb.send(new PutItemCommand({ TableName: table(), Item: item, ConditionExpression: 'attribute_exists(PK)' })));
    const inTransaction = await failureOf(
      dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table(), Item: item, ConditionExpression: 'attribute_exists(PK)' } },
            { Put: { TableName: table(), Item: { PK: S(`ERR#${run}`), SK: S('OTHER') } } },
          ],
        }),
      ),
    );

    expect(alone).toEqual({ name: 'ConditionalCheckFailedException', message: 'The conditional request failed' });
    expect(inTransaction).toEqual({
      name: 'TransactionCanceledException',
      message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]',
    });
  });
});
