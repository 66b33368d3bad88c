/**
 * The permission check that travels inside a control-plane write: two ConditionChecks that join
 * the write's own DynamoDB transaction, so that a role revoked, changed or deleted a moment ago can
 * never let the write through (the caller's token and the authorizer's cache may both be older).
 *
 * 1. The caller's membership item still holds role R (`roleId = R`).
 * 2. R's role item still grants the action: it is the built-in role, or its actions contain it.
 *    A deleted role has neither attribute, so the check fails for it.
 *
 * Defined once, as data: the API's transactions (handlers/shared/guarded-write.ts) and the
 * workflows' (workflows/fragments.ts) both build their checks from these expressions, with
 * placeholder names of their own (`#guard…`, `:guard…`) so that they can be ANDed into a write's
 * own condition when the write targets the same item (DynamoDB refuses two operations on one item
 * in a transaction).
 */
import { membershipKey, roleKey, type ItemKey } from './keys';
import { MEMBERSHIP_ROLE_ATTRIBUTE } from './items';
import { ROLE_GRANT_ATTRIBUTE, type Action } from './permissions';

/** DynamoDB's attribute value JSON, for the few kinds a guard uses. */
export type GuardValue = { readonly S: string } | { readonly BOOL: boolean };

/** A condition on one item, in DynamoDB's expression syntax, with its own names and values. */
export interface ItemCondition {
  readonly key: ItemKey;
  readonly condition: string;
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, GuardValue>>;
}

export const GUARD_NAMES = {
  roleId: '#guardRoleId',
  builtIn: '#guardBuiltIn',
  actions: '#guardActions',
} as const;

export const GUARD_VALUES = {
  roleId: ':guardRoleId',
  builtIn: ':guardBuiltIn',
  action: ':guardAction',
} as const;

/** `roleId = R` on the caller's membership. */
export const MEMBERSHIP_GUARD_CONDITION = `${GUARD_NAMES.roleId} = ${GUARD_VALUES.roleId}`;
/** The role grants the action: `allows` in domain/permissions.ts, as a condition. */
export const ROLE_GUARD_CONDITION = `${GUARD_NAMES.builtIn} = ${GUARD_VALUES.builtIn} OR contains(${GUARD_NAMES.actions}, ${GUARD_VALUES.action})`;

export const MEMBERSHIP_GUARD_NAMES = { [GUARD_NAMES.roleId]: MEMBERSHIP_ROLE_ATTRIBUTE } as const;
export const ROLE_GUARD_NAMES = { [GUARD_NAMES.builtIn]: ROLE_GRANT_ATTRIBUTE.builtIn, [GUARD_NAMES.actions]: ROLE_GRANT_ATTRIBUTE.actions } as const;

/** Who acts, as the authorizer saw it: the membership's role at that moment. */
export interface Actor {
  readonly userId: string;
  readonly roleId: string;
}

/** Which of the two checks a failed condition was. */
export type GuardPart = 'membership' | 'role';

export interface GuardCheck extends ItemCondition {
  readonly part: GuardPart;
}

/**
 * What a write guarded by membership alone names instead of an action: anything a member may do
 * whatever its role holds (cancel its own reservation). Explicit, so that no write drops the role
 * check by leaving an action out; it is also what a refusal of such a write reports as attempted.
 */
export const MEMBERSHIP_ONLY = 'tenant:member';

export type GuardedAction = Action | typeof MEMBERSHIP_ONLY;

/**
 * The checks that make a write in `tenantId` conditional on `actor` holding `action`: its
 * membership with role R and R's role item, or (MEMBERSHIP_ONLY) the membership alone. The
 * membership check still names R, so that a write the authorizer judged for R knows when R changed.
 */
export function permissionGuard(tenantId: string, actor: Actor, action: Action): readonly [GuardCheck, GuardCheck];
export function permissionGuard(tenantId: string, actor: Actor, action: GuardedAction): readonly GuardCheck[];
export function permissionGuard(tenantId: string, actor: Actor, action: GuardedAction): readonly GuardCheck[] {
  const membership: GuardCheck = {
    part: 'membership',
    key: membershipKey(tenantId, actor.userId),
    condition: MEMBERSHIP_GUARD_CONDITION,
    names: MEMBERSHIP_GUARD_NAMES,
    values: { [GUARD_VALUES.roleId]: { S: actor.roleId } },
  };
  if (action === MEMBERSHIP_ONLY) return [membership];
  return [
    membership,
    {
      part: 'role',
      key: roleKey(tenantId, actor.roleId),
      condition: ROLE_GUARD_CONDITION,
      names: ROLE_GUARD_NAMES,
      values: { [GUARD_VALUES.builtIn]: { BOOL: true }, [GUARD_VALUES.action]: { S: action } },
    },
  ];
}

export const sameKey = (a: ItemKey, b: ItemKey): boolean => a.PK === b.PK && a.SK === b.SK;

export class ConflictingPlaceholderError extends Error {
  constructor(readonly placeholder: string) {
    super(`Two conditions on one item use ${placeholder} for different things`);
    this.name = 'ConflictingPlaceholderError';
  }
}

function mergeRecords<V>(a: Readonly<Record<string, V>>, b: Readonly<Record<string, V>>): Record<string, V> {
  const merged: Record<string, V> = { ...a };
  for (const [name, value] of Object.entries(b)) {
    const existing = merged[name];
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(value)) throw new ConflictingPlaceholderError(name);
    merged[name] = value;
  }
  return merged;
}

/**
 * Both conditions as one, for two operations on the same item that a transaction must make one:
 * `(a) AND (b)`, names and values united. An absent first condition is `b` alone. Throws
 * ConflictingPlaceholderError when one placeholder means two things.
 */
export function andConditions(
  a: { readonly condition?: string; readonly names?: Readonly<Record<string, string>>; readonly values?: Readonly<Record<string, unknown>> },
  b: Omit<ItemCondition, 'key'>,
): { condition: string; names: Record<string, string>; values: Record<string, unknown> } {
  return {
    condition: a.condition ? `(${a.condition}) AND (${b.condition})` : b.condition,
    names: mergeRecords(a.names ?? {}, b.names),
    values: mergeRecords<unknown>(a.values ?? {}, b.values),
  };
}
