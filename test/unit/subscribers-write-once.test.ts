import {
  ConditionalCheckFailedException,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { auditPartition, profileKey, SORT_KEY } from '../../domain/keys';
import { dynamoDbWriteOnce, toAttributeValue, UnrepresentableValueError } from '../../handlers/shared/write-once';

const TABLE = 'ControlPlane';
const metadata = { $metadata: {} };
const profile = profileKey('u1');

/** A client whose `send` records the commands and answers with `answer` (mocks only here, at the adapter). */
function stubClient(answer: (command: unknown) => unknown) {
  const sent: unknown[] = [];
  const client: Pick<DynamoDBClient, 'send'> = {
    send: ((command: unknown) => {
      sent.push(command);
      return Promise.resolve().then(() => answer(command));
    }) as DynamoDBClient['send'],
  };
  return { client, sent };
}

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', ...metadata, CancellationReasons: codes.map((Code) => ({ Code })) });

describe('write-once adapter over DynamoDB', () => {
  describe('putIfAbsent', () => {
    it('puts the item under a condition that no item with its key exists', async () => {
      const { client, sent } = stubClient(() => ({}));

      const outcome = await dynamoDbWriteOnce(client, TABLE).putIfAbsent({ ...profile, email: 'a@example.com' });

      expect(outcome).toBe('written');
      expect(sent).toHaveLength(1);
      expect(sent[0]).toBeInstanceOf(PutItemCommand);
      expect((sent[0] as PutItemCommand).input).toEqual({
        TableName: TABLE,
        Item: { PK: { S: profile.PK }, SK: { S: profile.SK }, email: { S: 'a@example.com' } },
        ConditionExpression: 'attribute_not_exists(PK)',
      });
    });

    it('answers duplicate when the condition fails', async () => {
      const { client } = stubClient(() => {
        throw new ConditionalCheckFailedException({ message: 'The conditional request failed', ...metadata });
      });

      const outcome = await dynamoDbWriteOnce(client, TABLE).putIfAbsent({ ...profile });

      expect(outcome).toBe('duplicate');
    });

    it('rethrows any other failure', async () => {
      const failure = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      const { client } = stubClient(() => {
        throw failure;
      });

      await expect(dynamoDbWriteOnce(client, TABLE).putIfAbsent({ ...profile })).rejects.toBe(failure);
    });
  });

  describe('putWithMarker', () => {
    const trail = auditPartition('t1');
    const marker = { PK: trail, SK: SORT_KEY.auditDedupe('k') };
    const record = { PK: trail, SK: SORT_KEY.auditRecord('2026-11-28T09:00:00Z', 'k'), detail: { previousTenantId: null, tenantId: 't1' } };

    it('writes the marker, conditioned, and the items in one transaction', async () => {
      const { client, sent } = stubClient(() => ({}));

      const outcome = await dynamoDbWriteOnce(client, TABLE).putWithMarker(marker, [record]);

      expect(outcome).toBe('written');
      expect(sent[0]).toBeInstanceOf(TransactWriteItemsCommand);
      expect((sent[0] as TransactWriteItemsCommand).input.TransactItems).toEqual([
        { Put: { TableName: TABLE, Item: { PK: { S: marker.PK }, SK: { S: marker.SK } }, ConditionExpression: 'attribute_not_exists(PK)' } },
        {
          Put: {
            TableName: TABLE,
            Item: {
              PK: { S: record.PK },
              SK: { S: record.SK },
              detail: { M: { previousTenantId: { NULL: true }, tenantId: { S: 't1' } } },
            },
          },
        },
      ]);
    });

    it('answers duplicate when the marker\'s condition cancelled the transaction', async () => {
      const { client } = stubClient(() => {
        throw cancelled('ConditionalCheckFailed', 'None');
      });

      const outcome = await dynamoDbWriteOnce(client, TABLE).putWithMarker(marker, [record]);

      expect(outcome).toBe('duplicate');
    });

    it.each([
      ['a conflict with a concurrent transaction', ['TransactionConflict', 'None']],
      ['a failed condition on another item', ['None', 'ConditionalCheckFailed']],
    ])('rethrows a cancellation for %s, so that the write is retried', async (_case, codes) => {
      const failure = cancelled(...codes);
      const { client } = stubClient(() => {
        throw failure;
      });

      await expect(dynamoDbWriteOnce(client, TABLE).putWithMarker(marker, [record])).rejects.toBe(failure);
    });
  });

  describe('toAttributeValue', () => {
    it('maps JSON to attribute values, leaving out absent members', () => {
      const value = { s: 'x', n: 2.5, b: false, z: null, l: ['a', 1], m: { inner: 'y', gone: undefined } };

      const attribute = toAttributeValue(value);

      expect(attribute).toEqual({
        M: {
          s: { S: 'x' },
          n: { N: '2.5' },
          b: { BOOL: false },
          z: { NULL: true },
          l: { L: [{ S: 'a' }, { N: '1' }] },
          m: { M: { inner: { S: 'y' } } },
        },
      });
    });

    it('refuses a number DynamoDB cannot hold', () => {
      expect(() => toAttributeValue(Number.NaN)).toThrow(UnrepresentableValueError);
    });
  });
});
