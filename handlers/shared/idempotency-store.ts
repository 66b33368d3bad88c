/**
 * `Idempotency-Key` for the data plane's creating POSTs (domain/idempotency.ts): the records, kept
 * in the caller's own data partitions (keys.ts `idempotencyKey`) and written with the caller's
 * tenant-scoped credentials like the data they guard, and the wrapper around a route's logic.
 *
 * A request claims its key with a conditional put of a pending record, runs, then stores its
 * answer (2xx) or releases the claim (anything else; it expires at once), so that a failed request
 * can be retried with the same key. Of concurrent requests with one key, one put wins; the others
 * meet its record. Only PutItem and GetItem are used.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { expiryOf, hasExpired, idempotencyKeyOf, replayOf, requestFingerprint, type IdempotencyRecord, type StoredAnswer } from '../../domain/idempotency';
import { idempotencyKey, type ItemKey } from '../../domain/keys';
import { callerOf, json, type ProxyEvent, type ProxyResult } from '../api/http';
import { requireTenant, type TenantCaller } from './access';
import { nowOf, type DataPlaneDeps } from './data-plane';

export interface IdempotencyStore {
  /** 'claimed' when this request now holds the key; otherwise the live record another request left. */
  claim(key: ItemKey, fingerprint: string, now: Date): Promise<'claimed' | IdempotencyRecord>;
  complete(key: ItemKey, fingerprint: string, now: Date, answer: StoredAnswer): Promise<void>;
  /** Ends a pending claim (expires it at `now`); a completed record stays (its answer was given). */
  release(key: ItemKey, now: Date): Promise<void>;
}

const NAMES = { '#pk': 'PK', '#state': 'state', '#expires': 'expiresAtEpoch' } as const;

/** A claim lost to a record released before it could be read: claim again, a few times. */
const CLAIM_ATTEMPTS = 3;

export function idempotencyStore(client: DynamoDBClient, tableName: string): IdempotencyStore {
  const put = async (key: ItemKey, fingerprint: string, now: Date): Promise<boolean> => {
    const record = { ...key, state: 'pending', fingerprint, ...expiryOf(now) };
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: marshall(record),
          // An expired record may still be there (TTL deletes lag by days): it counts as absent.
          ConditionExpression: 'attribute_not_exists(#pk) OR #expires <= :now',
          ExpressionAttributeNames: { '#pk': NAMES['#pk'], '#expires': NAMES['#expires'] },
          ExpressionAttributeValues: { ':now': { N: String(Math.floor(now.getTime() / 1000)) } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  };
  const read = async (key: ItemKey): Promise<IdempotencyRecord | undefined> => {
    const found = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall(key), ConsistentRead: true }));
    return found.Item ? (unmarshall(found.Item as Record<string, AttributeValue>) as IdempotencyRecord) : undefined;
  };
  return {
    async claim(key, fingerprint, now) {
      for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt += 1) {
        if (await put(key, fingerprint, now)) return 'claimed';
        const record = await read(key);
        if (record && !hasExpired(record, now)) return record;
      }
      throw new Error('An Idempotency-Key record kept changing while it was claimed');
    },
    async complete(key, fingerprint, now, answer) {
      const record = { ...key, state: 'completed', fingerprint, ...expiryOf(now), statusCode: answer.statusCode, body: answer.body };
      await client.send(new PutItemCommand({ TableName: tableName, Item: marshall(record) }));
    },
    async release(key, now) {
      // Released by expiring it now rather than deleting it: a claim treats an expired record as
      // absent, and the function roles of control-plane routes then need no DeleteItem on a
      // partition that holds memberships. The table's TTL removes it later.
      const released = { ...key, state: 'released', expiresAtEpoch: Math.floor(now.getTime() / 1000) };
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: marshall(released),
            ConditionExpression: '#state = :pending',
            ExpressionAttributeNames: { '#state': NAMES['#state'] },
            ExpressionAttributeValues: { ':pending': { S: 'pending' } },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}

const succeeded = (result: ProxyResult): boolean => result.statusCode >= 200 && result.statusCode < 300;

/** Where one caller's key of one route is kept: the store (whose client signs its writes) and the record's key. */
export interface IdempotencyPlace {
  readonly store: IdempotencyStore;
  readonly key: ItemKey;
}

export interface IdempotencyOptions {
  readonly logger: Pick<Logger, 'error'>;
  readonly now?: () => Date;
  readonly placeOf: (caller: TenantCaller, clientKey: string) => IdempotencyPlace;
}

/**
 * A creating route's logic made idempotent under its caller's `Idempotency-Key`. Without the header
 * the logic runs as it is. Goes inside `route(...)`, so that the 400s and 409s thrown here get the
 * contract's answers and CORS headers. `placeOf` decides where the records live: the data plane's
 * in the caller's data partitions (`idempotent` below), the control plane's in its control partition.
 */
export function idempotentUnder(options: IdempotencyOptions, logic: (event: ProxyEvent) => Promise<ProxyResult>) {
  return async (event: ProxyEvent): Promise<ProxyResult> => {
    const clientKey = idempotencyKeyOf(event.headers);
    if (clientKey === undefined) return logic(event);
    const caller = requireTenant(callerOf(event));
    const { store, key } = options.placeOf(caller, clientKey);
    const fingerprint = requestFingerprint(event.body);
    const claimed = await store.claim(key, fingerprint, nowOf(options));
    if (claimed !== 'claimed') {
      const answer = replayOf(claimed, fingerprint);
      return json(answer.statusCode, answer.body === '' ? undefined : JSON.parse(answer.body));
    }
    let result: ProxyResult;
    try {
      result = await logic(event);
    } catch (error) {
      await store.release(key, nowOf(options));
      throw error;
    }
    if (!succeeded(result)) {
      await store.release(key, nowOf(options));
      return result;
    }
    try {
      await store.complete(key, fingerprint, nowOf(options), { statusCode: result.statusCode, body: result.body });
    } catch (error) {
      // The write was made: the client gets its answer. Releasing the claim would let a retry make
      // a second one, so it stays pending and a retry is told "in progress" until the window ends.
      options.logger.error('idempotency answer not stored', { tenantId: caller.tenantId, errorName: (error as Error).name });
    }
    return result;
  };
}

/**
 * A data-plane creating route made idempotent, its records in the caller's own data partitions,
 * written with the caller's tenant-scoped credentials; scoped to the caller and `routeName` (a
 * catalog name).
 */
export function idempotent(deps: DataPlaneDeps, routeName: string, logic: (event: ProxyEvent) => Promise<ProxyResult>) {
  const placeOf = (caller: TenantCaller, clientKey: string): IdempotencyPlace => {
    const session = deps.sessionFor(caller);
    return { store: idempotencyStore(session.client, session.tableName), key: idempotencyKey(caller.tenantId, caller.userId, routeName, clientKey) };
  };
  return idempotentUnder({ logger: deps.logger, now: deps.now, placeOf }, logic);
}
