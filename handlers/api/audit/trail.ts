/**
 * Reads one page of a tenant's audit trail, newest first, with whichever client the caller passes:
 * the API passes one signed with the caller's tenant-scoped credentials, so IAM
 * (`ReadOwnAuditTrail`) bounds what it can read to `AUDIT#{that tenant}`.
 */
import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { auditPartition, SORT_KEY } from '../../../domain/keys';
import { TABLE_KEYS } from '../../../domain/table';
import type { JsonValue } from '../../shared/write-once';

/** One record as `GET /audit` shows it (what the audit writer stores, without its keys). */
export interface AuditEventView {
  readonly id: string;
  readonly time: string;
  readonly type: string;
  readonly actorUserId: string;
  readonly detail: { readonly [name: string]: JsonValue };
}

export interface AuditPage {
  readonly events: readonly AuditEventView[];
  /** The sort key of the last event served, present only when older events follow. */
  readonly lastKey?: string;
}

export interface AuditTrailReader {
  /** Up to `limit` records of the trail, newest first, starting after the record keyed `after`. */
  page(tenantId: string, request: { readonly limit: number; readonly after?: string }): Promise<AuditPage>;
}

export class UnreadableAuditRecordError extends Error {
  constructor(readonly sortKey: string, readonly attribute: string) {
    super(`Audit record ${sortKey} has no readable ${attribute}`);
    this.name = 'UnreadableAuditRecordError';
  }
}

type Stored = Record<string, AttributeValue>;

/**
 * DynamoDB's attribute values back to JSON: the inverse of `toAttributeValue` (write-once.ts), which
 * is how the audit writer stored them. Sets and binaries are never written there; null is shown
 * rather than a record hidden.
 */
export function fromAttributeValue(value: AttributeValue): JsonValue {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.L !== undefined) return value.L.map(fromAttributeValue);
  if (value.M !== undefined) return fromAttributeMap(value.M);
  return null;
}

const fromAttributeMap = (map: Stored): { [name: string]: JsonValue } =>
  Object.fromEntries(Object.entries(map).map(([name, value]) => [name, fromAttributeValue(value)]));

/** Record attributes shown, in the view's names (`time` and `type` are DynamoDB reserved words). */
const SHOWN = ['id', 'time', 'type', 'actorUserId', 'detail'] as const satisfies readonly (keyof AuditEventView)[];

function viewOf(item: Stored): AuditEventView {
  const sortKey = item[TABLE_KEYS.sortKey]?.S ?? '(no sort key)';
  const text = (name: (typeof SHOWN)[number]): string => {
    const value = item[name]?.S;
    if (value === undefined) throw new UnreadableAuditRecordError(sortKey, name);
    return value;
  };
  const detail = item.detail?.M;
  if (detail === undefined) throw new UnreadableAuditRecordError(sortKey, 'detail');
  return { id: text('id'), time: text('time'), type: text('type'), actorUserId: text('actorUserId'), detail: fromAttributeMap(detail) };
}

const sortKeyOf = (item: Stored | undefined): string | undefined => item?.[TABLE_KEYS.sortKey]?.S;

export function dynamoDbAuditTrail(client: Pick<DynamoDBClient, 'send'>, tableName: string): AuditTrailReader {
  return {
    async page(tenantId, { limit, after }) {
      const PK = auditPartition(tenantId);
      const result = await client.send(
        new QueryCommand({
          TableName: tableName,
          // The record prefix leaves the writer's dedupe markers (`DEDUPE#…`) out of the key range,
          // so `Limit` counts records only.
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :records)',
          ExpressionAttributeNames: {
            '#pk': TABLE_KEYS.partitionKey,
            '#sk': TABLE_KEYS.sortKey,
            ...Object.fromEntries(SHOWN.map((name) => [`#${name}`, name])),
          },
          ExpressionAttributeValues: { ':pk': { S: PK }, ':records': { S: SORT_KEY.auditRecordPrefix } },
          ProjectionExpression: ['#sk', ...SHOWN.map((name) => `#${name}`)].join(', '),
          ScanIndexForward: false,
          // One more than asked: whether it comes back says exactly whether a next page exists,
          // where DynamoDB's LastEvaluatedKey is also set on a page that merely filled up (a
          // client would then fetch an empty last page). It costs one record's read, not a request.
          Limit: limit + 1,
          ...(after === undefined ? {} : { ExclusiveStartKey: { [TABLE_KEYS.partitionKey]: { S: PK }, [TABLE_KEYS.sortKey]: { S: after } } }),
        }),
      );
      const items = result.Items ?? [];
      const served = items.slice(0, limit);
      // Fewer than asked with a LastEvaluatedKey: DynamoDB stopped at its 1 MB page size.
      const more = items.length > limit || result.LastEvaluatedKey !== undefined;
      const lastKey = more ? (sortKeyOf(served.at(-1)) ?? sortKeyOf(result.LastEvaluatedKey)) : undefined;
      return { events: served.map(viewOf), ...(lastKey === undefined ? {} : { lastKey }) };
    },
  };
}
