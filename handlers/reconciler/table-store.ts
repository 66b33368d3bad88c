/**
 * The reconciler's reads and writes of the pooled table, signed with its own role. Reads: one
 * Scan of the control items and limits items (the snapshot), consistent reads of one partition or
 * item (the re-read). Writes: every delete is conditioned inside a transaction on the tenant's
 * record still being absent, and every counter moves only under the condition that makes it
 * idempotent, so a repair retried, or raced by a second run, changes nothing twice.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  DeleteItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { ROLE_HOLDERS_ATTRIBUTE } from '../../domain/items';
import { KEY_PREFIX, membershipKey, SORT_KEY, tenantPartition, tenantRecordKey, userLimitsKey, type ItemKey } from '../../domain/keys';
import { USER_LIMITS_ATTRIBUTE } from '../../domain/limits';
import { ADMIN_ROLE_ID } from '../../domain/permissions';
import type { ControlItemFact, MembershipFact, QuotaFact, TenantRecordFact } from '../../domain/reconciliation';
import { TABLE_KEYS } from '../../domain/table';
import { isThrottle, throttleBackoff, THROTTLE_RETRY } from '../shared/guarded-write';

type Stored = Record<string, AttributeValue>;
type Client = Pick<DynamoDBClient, 'send'>;

/** A repair whose precondition no longer holds (the tenant's record came back): nothing was changed. */
export class RepairPreconditionError extends Error {
  constructor(readonly tenantId: string, what: string) {
    super(`Tenant ${tenantId}: ${what}`);
    this.name = 'RepairPreconditionError';
  }
}

const dynamoKey = (key: ItemKey): Stored => ({ PK: { S: key.PK }, SK: { S: key.SK } });
const ITEM_ABSENT = `attribute_not_exists(${TABLE_KEYS.partitionKey})`;
const ITEM_EXISTS = `attribute_exists(${TABLE_KEYS.partitionKey})`;
const { tenantsCreated, memberships, countedTenantIds } = USER_LIMITS_ATTRIBUTE;

/** The attributes the rules read; a projection keeps data items' contents out of the scan's answer. */
const PROJECTION = { '#pk': 'PK', '#sk': 'SK', '#user': 'userId', '#role': 'roleId', '#created': 'createdAt', '#by': 'createdBy', '#counted': countedTenantIds };

function controlItemFact(item: Stored): ControlItemFact {
  const text = (name: string): string | undefined => item[name]?.S;
  const fact: Record<string, string> = { PK: text('PK') ?? '', SK: text('SK') ?? '' };
  for (const name of ['userId', 'roleId', 'createdAt', 'createdBy']) {
    const value = text(name);
    if (value !== undefined) fact[name] = value;
  }
  return fact as unknown as ControlItemFact;
}

const quotaFact = (item: Stored): QuotaFact => ({ userId: (item.PK?.S ?? '').slice(KEY_PREFIX.user.length), countedTenantIds: item[countedTenantIds]?.SS ?? [] });

interface TableContext {
  readonly client: Client;
  readonly tableName: string;
}

export interface TableSnapshot {
  readonly controlItems: readonly ControlItemFact[];
  readonly quotas: readonly QuotaFact[];
}

/** Whether a transaction was cancelled, and the condition code of each of its items. */
function cancellationCodes(error: unknown): string[] | undefined {
  return error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None') : undefined;
}

const recordAbsent = ({ tableName }: TableContext, tenantId: string): TransactWriteItem => ({
  ConditionCheck: { TableName: tableName, Key: dynamoKey(tenantRecordKey(tenantId)), ConditionExpression: ITEM_ABSENT },
});

/** Runs `items` in one transaction behind `recordAbsent`: 'done', or the codes of `items` when one of their conditions failed. */
async function guarded(context: TableContext, tenantId: string, items: TransactWriteItem[]): Promise<string[] | 'done'> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await context.client.send(new TransactWriteItemsCommand({ TransactItems: [recordAbsent(context, tenantId), ...items] }));
      return 'done';
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw error;
      if (codes[0] === 'ConditionalCheckFailed') throw new RepairPreconditionError(tenantId, 'its record exists again: its items are no leftovers');
      if (codes.includes('ConditionalCheckFailed')) return codes.slice(1);
      // A throttled or conflicting transaction wrote nothing and is worth another try (the SDK does
      // not retry a cancellation); anything else, or the last try, fails this repair only.
      const transient = codes.some((code) => isThrottle(code) || code === 'TransactionConflict');
      if (!transient || attempt >= THROTTLE_RETRY.attempts) throw error;
      await throttleBackoff(attempt);
    }
  }
}

/**
 * A leftover membership goes; the member's `memberships` count goes back with it, unless the
 * member is the creator whose quota still counts the tenant (the quota's release gives it back).
 */
async function deleteMembership(context: TableContext, tenantId: string, userId: string): Promise<void> {
  const { tableName } = context;
  const key = dynamoKey(membershipKey(tenantId, userId));
  const deletion: TransactWriteItem = { Delete: { TableName: tableName, Key: key, ConditionExpression: ITEM_EXISTS } };
  const giveBack: TransactWriteItem = {
    Update: {
      TableName: tableName,
      Key: dynamoKey(userLimitsKey(userId)),
      UpdateExpression: 'ADD #memberships :minusOne',
      ConditionExpression: `${ITEM_EXISTS} AND #memberships > :zero AND NOT contains(#counted, :tenantId)`,
      ExpressionAttributeNames: { '#memberships': memberships, '#counted': countedTenantIds },
      ExpressionAttributeValues: { ':minusOne': { N: '-1' }, ':zero': { N: '0' }, ':tenantId': { S: tenantId } },
    },
  };
  const codes = await guarded(context, tenantId, [deletion, giveBack]);
  if (codes === 'done' || codes[0] === 'ConditionalCheckFailed') return; // deleted, or gone already
  await guarded(context, tenantId, [deletion]); // nothing to give back: the quota holds it, or no limits item
}

async function deleteControlItems(context: TableContext, tenantId: string): Promise<number> {
  const items = await partitionItems(context, tenantId);
  for (const item of items) {
    if (item.SK === SORT_KEY.tenant) throw new RepairPreconditionError(tenantId, 'its record exists again');
    if (item.SK.startsWith(SORT_KEY.memberPrefix) && item.userId) await deleteMembership(context, tenantId, item.userId);
    else await guarded(context, tenantId, [{ Delete: { TableName: context.tableName, Key: dynamoKey(item) } }]);
  }
  return items.length;
}

/** Onboarding's ReleaseTenantQuota, with the same condition: only while the tenant is among the counted ids. */
async function releaseQuota(context: TableContext, tenantId: string, userId: string): Promise<void> {
  const { tableName } = context;
  await guarded(context, tenantId, [
    {
      Update: {
        TableName: tableName,
        Key: dynamoKey(userLimitsKey(userId)),
        UpdateExpression: `ADD #created :minusOne, #memberships :minusOne DELETE #counted :tenant`,
        ConditionExpression: 'contains(#counted, :tenantId)',
        ExpressionAttributeNames: { '#created': tenantsCreated, '#memberships': memberships, '#counted': countedTenantIds },
        ExpressionAttributeValues: { ':minusOne': { N: '-1' }, ':tenant': { SS: [tenantId] }, ':tenantId': { S: tenantId } },
      },
    },
  ]);
}

/** An orphan's record, only as the scan read it (or gone already): a record rewritten since is not this orphan's. */
async function deleteOrphanRecord(context: TableContext, tenantId: string, record: TenantRecordFact): Promise<void> {
  const { client, tableName } = context;
  try {
    await client.send(
      new DeleteItemCommand({
        TableName: tableName,
        Key: dynamoKey(tenantRecordKey(tenantId)),
        ConditionExpression: `${ITEM_ABSENT} OR (createdBy = :createdBy AND createdAt = :createdAt)`,
        ExpressionAttributeValues: { ':createdBy': { S: record.createdBy }, ':createdAt': { S: record.createdAt } },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new RepairPreconditionError(tenantId, 'its record changed since it was read');
    throw error;
  }
}

/**
 * The promotion and both counts in one transaction, on condition that the member still holds the
 * role it was read with. A missing count of the old role is taken as 1, as removals take it.
 */
async function promote(context: TableContext, membership: MembershipFact): Promise<void> {
  const { client, tableName } = context;
  const old = membership.roleId;
  await client.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        {
          Update: {
            TableName: tableName,
            Key: dynamoKey(membershipKey(membership.tenantId, membership.userId)),
            UpdateExpression: 'SET roleId = :admin',
            ConditionExpression: `${ITEM_EXISTS} AND roleId = :old AND createdAt = :since`,
            ExpressionAttributeValues: { ':admin': { S: ADMIN_ROLE_ID }, ':old': { S: old }, ':since': { S: membership.createdAt } },
          },
        },
        {
          Update: {
            TableName: tableName,
            Key: dynamoKey(tenantRecordKey(membership.tenantId)),
            UpdateExpression: 'SET #holders.#admin = if_not_exists(#holders.#admin, :zero) + :one, #holders.#old = if_not_exists(#holders.#old, :one) - :one',
            ConditionExpression: ITEM_EXISTS,
            ExpressionAttributeNames: { '#holders': ROLE_HOLDERS_ATTRIBUTE, '#admin': ADMIN_ROLE_ID, '#old': old },
            ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' } },
          },
        },
      ],
    }),
  );
}

async function partitionItems(context: TableContext, tenantId: string): Promise<ControlItemFact[]> {
  const { client, tableName } = context;
  const items: ControlItemFact[] = [];
  let startKey: Stored | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: PROJECTION,
        ExpressionAttributeValues: { ':pk': { S: tenantPartition(tenantId) } },
        ProjectionExpression: Object.keys(PROJECTION).join(', '),
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(page.Items ?? []).map(controlItemFact));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Every control item and limits item, one Scan page after the other (data and audit items are filtered out). */
async function scan(context: TableContext): Promise<TableSnapshot> {
  const { client, tableName } = context;
  const controlItems: ControlItemFact[] = [];
  const quotas: QuotaFact[] = [];
  let startKey: Stored | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(#pk, :tenant) OR (begins_with(#pk, :user) AND #sk = :limits)',
        ExpressionAttributeNames: PROJECTION,
        ExpressionAttributeValues: { ':tenant': { S: KEY_PREFIX.tenant }, ':user': { S: KEY_PREFIX.user }, ':limits': { S: SORT_KEY.limits } },
        ProjectionExpression: Object.keys(PROJECTION).join(', '),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.SK?.S === SORT_KEY.limits) quotas.push(quotaFact(item));
      else controlItems.push(controlItemFact(item));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { controlItems, quotas };
}

async function quota(context: TableContext, userId: string): Promise<QuotaFact | undefined> {
  const { client, tableName } = context;
  const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: dynamoKey(userLimitsKey(userId)), ConsistentRead: true }));
  return Item ? quotaFact(Item) : undefined;
}

/** The reads and repairs above, bound to one client and table. */
export function reconcilerTable(client: Client, tableName: string) {
  const context: TableContext = { client, tableName };
  return {
    scan: () => scan(context),
    partitionItems: (tenantId: string) => partitionItems(context, tenantId),
    quota: (userId: string) => quota(context, userId),
    deleteControlItems: (tenantId: string) => deleteControlItems(context, tenantId),
    releaseQuota: (tenantId: string, userId: string) => releaseQuota(context, tenantId, userId),
    deleteOrphanRecord: (tenantId: string, record: TenantRecordFact) => deleteOrphanRecord(context, tenantId, record),
    promote: (membership: MembershipFact) => promote(context, membership),
  };
}

export type ReconcilerTable = ReturnType<typeof reconcilerTable>;
