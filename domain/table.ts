/**
 * The pooled table's shape: read by the CDK app (infra/) and by the local cloud, so that both
 * create the same keys and index.
 */
export const TABLE_KEYS = {
  partitionKey: 'PK',
  sortKey: 'SK',
} as const;

/** The GSI that flips membership: `USER#{userId}` → `TENANT#{tenantId}`. */
export const USER_INDEX = {
  indexName: 'ByUser',
  partitionKey: 'GSI1PK',
  sortKey: 'GSI1SK',
} as const;

export const DEFAULT_TABLE_NAME = 'ControlPlane';

/** The definition both runtimes create: CDK maps it to `TableV2`, the local cloud to `CreateTable`. */
export const TABLE_DEFINITION = {
  attributes: [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey, USER_INDEX.partitionKey, USER_INDEX.sortKey],
  keySchema: { partitionKey: TABLE_KEYS.partitionKey, sortKey: TABLE_KEYS.sortKey },
  globalSecondaryIndexes: [
    {
      indexName: USER_INDEX.indexName,
      partitionKey: USER_INDEX.partitionKey,
      sortKey: USER_INDEX.sortKey,
      // Only membership items carry the index keys, and they are small: projecting them whole costs
      // little more than naming the tenant's name and the role, and a new attribute needs no index change.
      projection: 'ALL',
    },
  ],
  billing: 'PAY_PER_REQUEST',
  /**
   * Epoch seconds after which DynamoDB may delete the item (pending invitations and Idempotency-Key
   * records). Deletion lags by up to days, so nothing relies on it: a claim's own condition refuses
   * an expired one, and an expired idempotency record counts as gone.
   */
  timeToLiveAttribute: 'expiresAtEpoch',
} as const;
