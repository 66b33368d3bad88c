/**
 * Control-plane writes made for a caller: one TransactWriteItems holding the write's own items and
 * the permission guard of domain/guard.ts, so that the check and the write commit together. The
 * transaction is signed with the function's own role: tenant credentials cannot write control
 * items (they are readable by every member, and a member who could write them could make itself
 * admin). What keeps a caller to its tenant here is that every key is built from the tenant id the
 * authorizer confirmed, and the guard, which needs the caller's membership in that tenant.
 */
import {
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { andConditions, MEMBERSHIP_ONLY, permissionGuard, sameKey, type Actor, type GuardCheck, type GuardedAction, type GuardPart } from '../../domain/guard';
import { membershipKey, roleKey, type ItemKey } from '../../domain/keys';
import { MEMBERSHIP_ROLE_ATTRIBUTE } from '../../domain/items';
import { allows, ROLE_GRANT_ATTRIBUTE, type RoleGrant } from '../../domain/permissions';
import { ConflictError, PermissionDeniedError, ThrottledError, TransactionConflictError } from '../../domain/errors';

type Values = Readonly<Record<string, AttributeValue>>;
type Names = Readonly<Record<string, string>>;

interface ConditionParts {
  readonly condition?: string;
  readonly names?: Names;
  readonly values?: Values;
}

/** A whole item to put, as DynamoDB's attribute values, with its keys. */
export type ItemAttributes = Readonly<Record<string, AttributeValue>> & { PK: { S: string }; SK: { S: string } };

/** One operation of the write, labelled so that a refusal can say which condition failed. */
export type WriteOperation = ConditionParts & { readonly label: string } & (
    | { readonly kind: 'Put'; readonly item: ItemAttributes }
    | { readonly kind: 'Update'; readonly key: ItemKey; readonly update: string }
    | { readonly kind: 'Delete'; readonly key: ItemKey }
    | { readonly kind: 'ConditionCheck'; readonly key: ItemKey; readonly condition: string }
  );

/** A write whose decisions depend on nothing of the actor's role but the route's action. */
export const SAME_WRITE = 'same-write';

export interface GuardedWrite {
  readonly tenantId: string;
  readonly actor: Actor;
  /** What the actor's role must grant, or MEMBERSHIP_ONLY for a write any member may make. */
  readonly action: GuardedAction;
  readonly operations: readonly WriteOperation[];
  /**
   * What to write when the actor's role changed since the authorizer read it, to one that still
   * grants the action. Explicit, because a write that decided anything from the old role (who may
   * grant admin, say) must decide again: a function that makes those decisions for `roleId` (and
   * throws to refuse), or SAME_WRITE when the write depends on nothing of the role but the action.
   */
  readonly asRole: typeof SAME_WRITE | ((roleId: string) => Promise<GuardedWrite> | GuardedWrite);
}

/** A write whose own conditions refused it: the labels of the operations whose condition failed. */
export interface WriteRefused {
  readonly outcome: 'refused';
  readonly failed: readonly string[];
}

export type GuardedWriteOutcome = { readonly outcome: 'written' } | WriteRefused;

const keyOf = (operation: WriteOperation): ItemKey =>
  operation.kind === 'Put' ? { PK: operation.item.PK.S, SK: operation.item.SK.S } : operation.key;

const dynamoKey = (key: ItemKey): Record<string, AttributeValue> => ({ PK: { S: key.PK }, SK: { S: key.SK } });

/** A transaction item and what its failure would mean: the write's labels and the guard's parts it carries. */
interface PlannedItem {
  readonly item: TransactWriteItem;
  readonly labels: readonly string[];
  readonly guardParts: readonly GuardPart[];
}

function expressionMembers(parts: ConditionParts) {
  return {
    ...(parts.condition ? { ConditionExpression: parts.condition } : {}),
    ...(parts.names && Object.keys(parts.names).length > 0 ? { ExpressionAttributeNames: { ...parts.names } } : {}),
    ...(parts.values && Object.keys(parts.values).length > 0 ? { ExpressionAttributeValues: { ...parts.values } } : {}),
  };
}

function transactItem(tableName: string, operation: WriteOperation, parts: ConditionParts): TransactWriteItem {
  const members = { TableName: tableName, ...expressionMembers(parts) };
  switch (operation.kind) {
    case 'Put':
      return { Put: { ...members, Item: { ...operation.item } } };
    case 'Update':
      return { Update: { ...members, Key: dynamoKey(operation.key), UpdateExpression: operation.update } };
    case 'Delete':
      return { Delete: { ...members, Key: dynamoKey(operation.key) } };
    case 'ConditionCheck':
      return { ConditionCheck: { ...members, Key: dynamoKey(operation.key), ConditionExpression: parts.condition ?? operation.condition } };
  }
}

/**
 * The transaction's items: each operation of the write, with a guard check ANDed into it when it
 * targets the guard's item, and a ConditionCheck for each guard check that no operation targets.
 */
export function planTransaction(tableName: string, guard: readonly GuardCheck[], operations: readonly WriteOperation[]): PlannedItem[] {
  const merged = new Set<GuardCheck>();
  const planned = operations.map((operation): PlannedItem => {
    const checks = guard.filter((check) => sameKey(check.key, keyOf(operation)));
    let parts: ConditionParts = operation;
    for (const check of checks) {
      merged.add(check);
      parts = andConditions(parts, check) as ConditionParts;
    }
    return { item: transactItem(tableName, operation, parts), labels: [operation.label], guardParts: checks.map((check) => check.part) };
  });
  const standalone = guard
    .filter((check) => !merged.has(check))
    .map(
      (check): PlannedItem => ({
        item: { ConditionCheck: { TableName: tableName, Key: dynamoKey(check.key), ...expressionMembers(check as ConditionParts), ConditionExpression: check.condition } },
        labels: [],
        guardParts: [check.part],
      }),
    );
  return [...standalone, ...planned];
}

/** Concurrent transactions on the same items: DynamoDB cancels one, which may simply run again. */
const CONFLICT_ATTEMPTS = 3;
/** A short, jittered pause before running a conflicted transaction again, so that the two do not collide again at once. */
const CONFLICT_BACKOFF_MS = 20;

const pause = (attemptNumber: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * CONFLICT_BACKOFF_MS * attemptNumber));

/**
 * A transaction cancelled for throttling (`ThrottlingError` or `ProvisionedThroughputExceeded` among
 * its CancellationReasons) is not retried by the SDK, which sees a TransactionCanceledException: it
 * runs again here with exponential backoff and full jitter (AWS's "Error retries and exponential
 * backoff"), and only then is answered 429.
 */
export const THROTTLE_RETRY = { attempts: 4, baseMs: 50, maxMs: 800 } as const;

export const throttleBackoff = (attemptNumber: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(THROTTLE_RETRY.maxMs, THROTTLE_RETRY.baseMs * 2 ** (attemptNumber - 1))));

export const isThrottle = (code: string | undefined): boolean => code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded';

export interface GuardedWriterDeps {
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  /** Told of every refusal for want of permission, before the 403 (the access.denied event). */
  readonly onDenied: (tenantId: string, actor: Actor, action: GuardedAction, reason: string) => Promise<void>;
}

type Attempt = { outcome: 'written' } | { outcome: 'cancelled'; items: PlannedItem[]; codes: (string | undefined)[] };

/** What a failed guard means, read consistently after the fact. */
interface CurrentGrant {
  readonly roleId: string;
  readonly grant: RoleGrant | undefined;
}

/**
 * The writer every control-plane API write goes through. A refusal by the guard is explained with
 * two consistent reads: no membership, or a role that lacks the action, is a 403; a role changed
 * since the authorizer read it, to one that grants the action, is written once more as the write's
 * `asRole` says: decided again for that role, or the same operations.
 */
export function guardedWriter(deps: GuardedWriterDeps) {
  const getItem = (key: ItemKey) => deps.client.send(new GetItemCommand({ TableName: deps.tableName, Key: dynamoKey(key), ConsistentRead: true }));

  async function readGrant(tenantId: string, userId: string): Promise<CurrentGrant | undefined> {
    const membership = await getItem(membershipKey(tenantId, userId));
    const roleId = membership.Item?.[MEMBERSHIP_ROLE_ATTRIBUTE]?.S;
    if (!roleId) return undefined;
    const role = await getItem(roleKey(tenantId, roleId));
    if (!role.Item) return { roleId, grant: undefined };
    // The attributes the guard's condition reads (domain/guard.ts), so that the read judges what the condition judged.
    const actions = (role.Item[ROLE_GRANT_ATTRIBUTE.actions]?.L ?? []).map((value) => value.S ?? '');
    return { roleId, grant: { roleId, builtIn: role.Item[ROLE_GRANT_ATTRIBUTE.builtIn]?.BOOL === true, actions } };
  }

  async function deny(write: GuardedWrite, reason: string): Promise<never> {
    await deps.onDenied(write.tenantId, write.actor, write.action, reason);
    throw new PermissionDeniedError(write.action, reason);
  }

  async function attempt(write: GuardedWrite): Promise<Attempt> {
    const items = planTransaction(deps.tableName, permissionGuard(write.tenantId, write.actor, write.action), write.operations);
    let conflicts = 0;
    let throttles = 0;
    for (;;) {
      try {
        await deps.client.send(new TransactWriteItemsCommand({ TransactItems: items.map((planned) => planned.item) }));
        return { outcome: 'written' };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        // One reason per item, in the transaction's order (`None` for the items that were fine).
        const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
        if (codes.includes('ConditionalCheckFailed')) return { outcome: 'cancelled', items, codes };
        if (codes.some(isThrottle)) {
          throttles += 1;
          if (throttles >= THROTTLE_RETRY.attempts) throw new ThrottledError();
          await throttleBackoff(throttles);
          continue;
        }
        // Anything but a conflict (a validation error, an item collection too large) would fail again.
        if (!codes.includes('TransactionConflict')) throw error;
        conflicts += 1;
        if (conflicts >= CONFLICT_ATTEMPTS) throw new TransactionConflictError();
        await pause(conflicts);
      }
    }
  }

  async function write(request: GuardedWrite, retried: boolean): Promise<GuardedWriteOutcome> {
    const result = await attempt(request);
    if (result.outcome === 'written') return result;
    const failedItems = result.items.filter((_, index) => result.codes[index] === 'ConditionalCheckFailed');
    const failed = failedItems.flatMap((planned) => planned.labels);
    if (!failedItems.some((planned) => planned.guardParts.length > 0)) return { outcome: 'refused', failed };
    // A guard check failed, alone or ANDed into an operation: find out which by reading.
    const current = await readGrant(request.tenantId, request.actor.userId);
    if (!current) return deny(request, 'not a member of the tenant');
    if (request.action !== MEMBERSHIP_ONLY) {
      if (!current.grant) return deny(request, `role ${current.roleId} no longer exists`);
      if (!allows(current.grant, request.action)) return deny(request, `role ${current.roleId} does not grant ${request.action}`);
    }
    // The guard holds now. If only operations carrying a merged check failed, and the role is the
    // one checked, it was their own condition. Otherwise the role changed in between (to one that
    // grants the action): run the write once more as that role.
    const guardAloneFailed = failedItems.some((planned) => planned.labels.length === 0);
    if (current.roleId === request.actor.roleId && !guardAloneFailed) return { outcome: 'refused', failed };
    if (retried) throw new ConflictError('Your role was being changed while you made this change: try again');
    const again = request.asRole === SAME_WRITE ? { ...request, actor: { userId: request.actor.userId, roleId: current.roleId } } : await request.asRole(current.roleId);
    return write(again, true);
  }

  return { write: (request: GuardedWrite): Promise<GuardedWriteOutcome> => write(request, false) };
}

export type GuardedWriter = ReturnType<typeof guardedWriter>;
