/**
 * Idempotent writes to the pooled table, for consumers of an at-least-once bus: an item is written
 * only if no item with its key exists, and a second attempt reports `duplicate` instead of failing.
 * Any other failure is thrown, so that the caller's retry (the bus's) gets another go.
 */
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS } from '../../domain/table';

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };

export interface TableItem {
  readonly PK: string;
  readonly SK: string;
  readonly [attribute: string]: JsonValue | undefined;
}

export type WriteOutcome = 'written' | 'duplicate';

export interface WriteOncePort {
  /** Puts `item` unless an item with its key exists. */
  putIfAbsent(item: TableItem): Promise<WriteOutcome>;
  /**
   * Puts `marker` unless an item with its key exists and, in the same transaction, `items`:
   * either all are written or, when the marker was there already, nothing is.
   */
  putWithMarker(marker: TableItem, items: readonly TableItem[]): Promise<WriteOutcome>;
}

export class UnrepresentableValueError extends Error {
  constructor(readonly valueType: string) {
    super(`A ${valueType} cannot be stored as a DynamoDB attribute`);
    this.name = 'UnrepresentableValueError';
  }
}

/** JSON to DynamoDB's attribute values (maps and lists, not strings, so that readers get JSON back). */
export function toAttributeValue(value: JsonValue): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'boolean') return { BOOL: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new UnrepresentableValueError(String(value));
    return { N: String(value) };
  }
  if (Array.isArray(value)) return { L: value.map((element: JsonValue) => toAttributeValue(element)) };
  if (typeof value === 'object') return { M: toAttributeMap(value as Readonly<Record<string, JsonValue | undefined>>) };
  throw new UnrepresentableValueError(typeof value);
}

/** Absent members (`undefined`) are left out, as JSON.stringify would. */
export function toAttributeMap(record: Readonly<Record<string, JsonValue | undefined>>): Record<string, AttributeValue> {
  const map: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(record)) {
    if (value !== undefined) map[name] = toAttributeValue(value);
  }
  return map;
}

const ABSENT = `attribute_not_exists(${TABLE_KEYS.partitionKey})`;

export function dynamoDbWriteOnce(client: Pick<DynamoDBClient, 'send'>, tableName: string): WriteOncePort {
  return {
    async putIfAbsent(item) {
      try {
        await client.send(new PutItemCommand({ TableName: tableName, Item: toAttributeMap(item), ConditionExpression: ABSENT }));
        return 'written';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'duplicate';
        throw error;
      }
    },

    async putWithMarker(marker, items) {
      try {
        await client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              { Put: { TableName: tableName, Item: toAttributeMap(marker), ConditionExpression: ABSENT } },
              ...items.map((item) => ({ Put: { TableName: tableName, Item: toAttributeMap(item) } })),
            ],
          }),
        );
        return 'written';
      } catch (error) {
        // Only the marker's own condition means "already done"; a conflict with a concurrent
        // transaction (`TransactionConflict`) or a throttle must be retried.
        if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
          return 'duplicate';
        }
        throw error;
      }
    },
  };
}
