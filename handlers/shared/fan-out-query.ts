/**
 * A list read over several partitions of a tenant (its shards, sharding.ts): one Query per
 * partition in parallel, merged into one ordered page by `mergeShardPages`. Each Query is a key
 * range of one partition, so a position from a cursor is checked to lie inside that range before
 * DynamoDB is handed it as a start key.
 */
import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mergeShardPages, type FanOutPosition, type MergedPage, type ShardPage } from '../../domain/sharding';
import { TABLE_KEYS } from '../../domain/table';

/**
 * Sort keys that start with `prefix`, optionally from `prefix + from` (inclusive) and before
 * `prefix + before`. The suffixes in this project's ranges are ids and ISO times: printable ASCII
 * below `~`, so `prefix + '~'` bounds them all.
 */
export interface KeyRange {
  readonly prefix: string;
  readonly from?: string;
  readonly before?: string;
}

const RANGE_END = '~';

const bounds = (range: KeyRange) => ({ low: `${range.prefix}${range.from ?? ''}`, high: `${range.prefix}${range.before ?? RANGE_END}` });

/**
 * Whether `sortKey` lies inside `range`: the only start keys a Query of it may be handed. The upper
 * bound itself is outside: DynamoDB (Local, at least) answers a start key equal to a BETWEEN's upper
 * bound with a ValidationException, and no item's key is ever the bound (something follows it).
 */
export function withinRange(range: KeyRange, sortKey: string): boolean {
  const { low, high } = bounds(range);
  return sortKey.startsWith(range.prefix) && sortKey >= low && sortKey < high;
}

/** A filter on the items the key range reads, in DynamoDB's expression syntax. */
export interface ItemFilter {
  readonly expression: string;
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, AttributeValue>>;
}

export interface FanOutRequest<T> {
  readonly partitions: readonly string[];
  readonly range: KeyRange;
  readonly filter?: ItemFilter;
  readonly limit: number;
  readonly position: FanOutPosition;
  /** Strongly consistent reads: only where a decision follows the read. */
  readonly consistent: boolean;
  /** The item as the list shows it; throws for an item that is not of the list's kind. */
  readonly parse: (item: Record<string, unknown>) => T;
}

/** Rounds of queries a page may take when filters leave every shard's answer empty, before it is served empty with `next`. */
const MAX_ROUNDS = 4;

export function fanOutQuery(client: Pick<DynamoDBClient, 'send'>, tableName: string) {
  const { low, high } = { low: ':low', high: ':high' };

  async function queryPartition<T>(request: FanOutRequest<T>, partition: string, after: string | undefined): Promise<ShardPage<T>> {
    const range = bounds(request.range);
    const useBetween = request.range.from !== undefined || request.range.before !== undefined;
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: useBetween ? '#pk = :pk AND #sk BETWEEN :low AND :high' : '#pk = :pk AND begins_with(#sk, :low)',
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey, ...request.filter?.names },
        ExpressionAttributeValues: {
          ':pk': { S: partition },
          [low]: { S: useBetween ? range.low : request.range.prefix },
          ...(useBetween ? { [high]: { S: range.high } } : {}),
          ...request.filter?.values,
        },
        ...(request.filter ? { FilterExpression: request.filter.expression } : {}),
        ...(after === undefined ? {} : { ExclusiveStartKey: { [TABLE_KEYS.partitionKey]: { S: partition }, [TABLE_KEYS.sortKey]: { S: after } } }),
        Limit: request.limit,
        ConsistentRead: request.consistent,
      }),
    );
    const items = (result.Items ?? []).map((item) => ({ sortKey: item[TABLE_KEYS.sortKey]?.S ?? '', value: request.parse(unmarshall(item)) }));
    const through = result.LastEvaluatedKey?.[TABLE_KEYS.sortKey]?.S;
    return { items, more: through !== undefined, ...(through === undefined ? {} : { through }) };
  }

  /** One page of the list: every partition not read to its end, queried from its position, merged. */
  async function page<T>(request: FanOutRequest<T>): Promise<MergedPage<T>> {
    let position: FanOutPosition = request.position;
    for (let round = 1; ; round += 1) {
      const pages = await Promise.all(
        request.partitions.map((partition, index) => {
          const at = position[index] ?? { state: 'done' as const };
          if (at.state === 'done') return Promise.resolve(undefined);
          return queryPartition(request, partition, at.state === 'after' ? at.after : undefined);
        }),
      );
      const merged = mergeShardPages(position, pages, request.limit);
      if (merged.items.length > 0 || merged.next === null || round >= MAX_ROUNDS) return merged;
      position = merged.next;
    }
  }

  return { page };
}
