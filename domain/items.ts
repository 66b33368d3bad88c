/**
 * The control items' shapes, defined once. The API and the authorizer read them, the seed writes
 * them through these builders, and the onboarding ASL writes the same attributes (its structure
 * test compares them with these builders, so the two spellings cannot drift).
 */
import { InvalidKeyPartError, membershipIndexKeys, membershipKey, roleKey } from './keys';
import { USER_INDEX } from './table';
import type { Action } from './permissions';

// Type aliases, not interfaces: they stay assignable to plain records for marshalling.
export type MembershipItem = {
  readonly PK: string;
  readonly SK: string;
  readonly GSI1PK: string;
  readonly GSI1SK: string;
  readonly tenantId: string;
  /** Copied here so that listing a user's tenants needs only the user index. */
  readonly tenantName: string;
  readonly userId: string;
  readonly roleId: string;
  readonly createdAt: string;
};

export type RoleItem = {
  readonly PK: string;
  readonly SK: string;
  readonly tenantId: string;
  readonly roleId: string;
  readonly name: string;
  readonly actions: readonly Action[];
  /** The built-in `admin` role can be neither changed nor deleted. */
  readonly builtIn: boolean;
  readonly createdAt: string;
};

/** Attribute names readers select or project, typed against the shapes above. */
export const MEMBERSHIP_ROLE_ATTRIBUTE = 'roleId' satisfies keyof MembershipItem;

export function membershipItem(membership: Omit<MembershipItem, 'PK' | 'SK' | 'GSI1PK' | 'GSI1SK'>): MembershipItem {
  return {
    ...membershipKey(membership.tenantId, membership.userId),
    ...membershipIndexKeys(membership.tenantId, membership.userId),
    ...membership,
  };
}

export function roleItem(role: Omit<RoleItem, 'PK' | 'SK'>): RoleItem {
  return { ...roleKey(role.tenantId, role.roleId), ...role };
}

/**
 * Whether an item found under a user's index partition is really one of that user's membership
 * items: its table key and its index keys are exactly the ones `membershipItem` builds for the
 * tenant it names. Tenant credentials cannot write the index keys (the tenant policy denies it),
 * and the reader checks this too, so no other item can pose as a membership in a tenant list.
 */
export function isMembershipOf(userId: string, item: Readonly<Record<string, string | undefined>>): boolean {
  const tenantId = item.tenantId;
  if (tenantId === undefined || item.userId !== userId) return false;
  try {
    const key = membershipKey(tenantId, userId);
    const index = membershipIndexKeys(tenantId, userId);
    return (
      item.PK === key.PK &&
      item.SK === key.SK &&
      item[USER_INDEX.partitionKey] === index[USER_INDEX.partitionKey] &&
      item[USER_INDEX.sortKey] === index[USER_INDEX.sortKey]
    );
  } catch (error) {
    if (error instanceof InvalidKeyPartError) return false;
    throw error;
  }
}
