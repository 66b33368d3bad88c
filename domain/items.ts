/**
 * The control items' shapes, defined once. The API and the authorizer read them, the seed writes
 * them through these builders, and the onboarding ASL writes the same attributes (its structure
 * test compares them with these builders, so the two spellings cannot drift).
 */
import { invitationIndexKeys, invitationKey, InvalidKeyPartError, membershipIndexKeys, membershipKey, normalizedEmail, roleKey, tenantRecordKey } from './keys';
import { TABLE_DEFINITION, USER_INDEX } from './table';
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
  /** The member's address when it joined, so that listing members needs no profile reads. */
  readonly email: string;
  readonly roleId: string;
  readonly createdAt: string;
};

/**
 * The tenant record. `roleHolders` counts the members holding each role (`admin` included): the
 * last admin cannot go and a held role cannot be deleted, because every change of membership or
 * role moves these counts in the same transaction, conditionally.
 */
export type TenantRecord = {
  readonly PK: string;
  readonly SK: string;
  readonly tenantId: string;
  readonly name: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly roleHolders: Readonly<Record<string, number>>;
};

/**
 * A pending invitation, in the tenant's control partition, indexed by address (`EMAIL#…`) so that
 * the subscriber of `user.confirmed` finds it. `email` is normalized (`normalizedEmail`).
 */
export type InvitationItem = {
  readonly PK: string;
  readonly SK: string;
  readonly GSI1PK: string;
  readonly GSI1SK: string;
  readonly tenantId: string;
  readonly tenantName: string;
  readonly email: string;
  readonly roleId: string;
  readonly invitedBy: string;
  readonly createdAt: string;
  /** ISO-8601 UTC; an invitation at or past it is never claimed. */
  readonly expiresAt: string;
  /** `expiresAt` in epoch seconds, the table's TTL attribute: DynamoDB removes expired invitations. */
  readonly expiresAtEpoch: number;
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
export const ROLE_HOLDERS_ATTRIBUTE = 'roleHolders' satisfies keyof TenantRecord;
/** The table's TTL attribute (CDK `timeToLiveAttribute`): only invitations carry it. */
export const TTL_ATTRIBUTE = TABLE_DEFINITION.timeToLiveAttribute satisfies keyof InvitationItem;

export function tenantRecord(record: Omit<TenantRecord, 'PK' | 'SK'>): TenantRecord {
  return { ...tenantRecordKey(record.tenantId), ...record };
}

export function invitationItem(invitation: Omit<InvitationItem, 'PK' | 'SK' | 'GSI1PK' | 'GSI1SK' | 'expiresAtEpoch'>): InvitationItem {
  const email = normalizedEmail(invitation.email);
  return {
    ...invitationKey(invitation.tenantId, email),
    ...invitationIndexKeys(invitation.tenantId, email),
    ...invitation,
    email,
    expiresAtEpoch: Math.floor(Date.parse(invitation.expiresAt) / 1000),
  };
}

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

/**
 * Whether an item found under an address's index partition is really a pending invitation of that
 * address: its table key and its index keys are exactly the ones `invitationItem` builds for the
 * tenant and address it names (as `isMembershipOf` checks memberships). Only the control plane
 * writes index keys, and this check makes sure that no other item can pose as an invitation.
 */
export function isInvitationFor(email: string, item: Readonly<Record<string, string | undefined>>): boolean {
  const { tenantId, roleId, expiresAt } = item;
  if (tenantId === undefined || roleId === undefined || expiresAt === undefined || item.email !== normalizedEmail(email)) return false;
  try {
    const expected = invitationItem({ tenantId, tenantName: '', email, roleId, invitedBy: '', createdAt: '', expiresAt });
    return (
      item.PK === expected.PK &&
      item.SK === expected.SK &&
      item[USER_INDEX.partitionKey] === expected.GSI1PK &&
      item[USER_INDEX.sortKey] === expected.GSI1SK
    );
  } catch (error) {
    if (error instanceof InvalidKeyPartError) return false;
    throw error;
  }
}
