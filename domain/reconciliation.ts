/**
 * The reconciler's rules, defined once and pure: from a snapshot of the control items, the tenant
 * groups and the users' active-tenant attributes, which invariants (DESIGN.md §5) are broken and
 * how each is repaired. The membership item is the truth: a repair never invents a membership; it
 * brings the group, the attributes and the leftovers in line with the memberships there are.
 *
 * - A user in a tenant's group without a membership leaves the group.
 * - A membership whose user is not in the group joins it (the group is created when missing).
 * - Items, a group or a counted quota of a tenant that has no record are a failed onboarding's
 *   leftovers: deleted, the quota released as onboarding's own undo releases it.
 * - A tenant record with no member at all is an orphan (a failed onboarding whose undo stopped
 *   half-way: the API can remove neither the last admin nor oneself): deleted with its leftovers.
 * - A tenant whose members hold no admin gets one: its creator if still a member, else the member
 *   of longest standing (earliest `createdAt`, then the smallest user id), its role's count moved.
 * - An active-tenant attribute naming a tenant the user has no membership of is cleared, both
 *   attributes, as the workflows clear them.
 */
import { ADMIN_ROLE_ID } from './permissions';
import { KEY_PREFIX, SORT_KEY } from './keys';
import { WORKFLOWS } from '../workflows/registry';

const longestRunSeconds = Math.max(...Object.values(WORKFLOWS).map((workflow) => workflow.timeoutSeconds));

export const RECONCILIATION = {
  /**
   * How long a candidate must stay a violation before it is repaired: a workflow run's
   * intermediate state looks like one (onboarding's group made before its items; a removal between
   * the membership's delete and the group's),
   * and no run lasts longer than its machine's timeout. The margin covers a Task call that was in
   * flight when its run timed out, and the clocks of two services.
   */
  defaultGraceSeconds: longestRunSeconds + 20,
  /** The most an operator may ask for; the function's timeout covers it, the scan and the repairs. */
  maxGraceSeconds: 300,
  /** How often the schedule runs it, on AWS and (by default) locally. */
  everyMinutes: 60,
  /** The audit record's `actorUserId` of a repair: starts with `_`, so no user id (a Cognito sub) is ever it. */
  actor: '_reconciler',
} as const;

export const VIOLATION_KINDS = [
  'group-member-without-membership',
  'membership-without-group-member',
  'leftovers-without-tenant',
  'tenant-without-members',
  'tenant-without-admin',
  'active-tenant-without-membership',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

/** What each repair does, named in its event. */
export const REPAIR_OF = {
  'group-member-without-membership': 'removed-from-group',
  'membership-without-group-member': 'added-to-group',
  'leftovers-without-tenant': 'deleted-leftovers',
  'tenant-without-members': 'deleted-orphan-tenant',
  'tenant-without-admin': 'promoted-admin',
  'active-tenant-without-membership': 'cleared-active-tenant',
} as const satisfies Record<ViolationKind, string>;
export const REPAIRS = Object.values(REPAIR_OF);
export type RepairName = (typeof REPAIR_OF)[ViolationKind];

export interface MembershipFact {
  readonly tenantId: string;
  readonly userId: string;
  readonly roleId: string;
  readonly createdAt: string;
}

export interface TenantRecordFact {
  readonly createdBy: string;
  readonly createdAt: string;
}

/** One tenant's control partition `TENANT#{id}`: its record, memberships, and how many other items (roles, invitations, keys). */
export interface ControlPartition {
  readonly tenantId: string;
  readonly record: TenantRecordFact | undefined;
  readonly memberships: readonly MembershipFact[];
  readonly otherItems: number;
}

export interface PoolUser {
  readonly userId: string;
  readonly username: string;
}

export interface GroupFact {
  readonly tenantId: string;
  readonly members: readonly PoolUser[];
}

export interface UserFact extends PoolUser {
  /** `custom:tenant_id`, '' when unset. */
  readonly activeTenantId: string;
}

/** A user's limits item: the tenants whose creation onboarding counted (domain/limits.ts). */
export interface QuotaFact {
  readonly userId: string;
  readonly countedTenantIds: readonly string[];
}

export interface Snapshot {
  readonly partitions: readonly ControlPartition[];
  readonly groups: readonly GroupFact[];
  readonly users: readonly UserFact[];
  readonly quotas: readonly QuotaFact[];
}

export type Violation =
  | { readonly kind: 'group-member-without-membership'; readonly tenantId: string; readonly user: PoolUser }
  | { readonly kind: 'membership-without-group-member'; readonly tenantId: string; readonly user: PoolUser; readonly groupExists: boolean }
  | {
      readonly kind: 'leftovers-without-tenant';
      readonly tenantId: string;
      readonly memberUserIds: readonly string[];
      readonly otherItems: number;
      readonly groupExists: boolean;
      /** Users whose limits item still counts the tenant: their quota is released. */
      readonly countedBy: readonly string[];
      /** Users whose active tenant it is: cleared, as the membership goes. */
      readonly activeUsers: readonly PoolUser[];
    }
  | {
      readonly kind: 'tenant-without-members';
      readonly tenantId: string;
      readonly record: TenantRecordFact;
      readonly groupExists: boolean;
      readonly countedBy: readonly string[];
    }
  | {
      readonly kind: 'tenant-without-admin';
      readonly tenantId: string;
      readonly promoted: MembershipFact;
      /** Set when the tenant is the promoted member's active one: its `custom:role` hint becomes admin. */
      readonly activeUser: PoolUser | undefined;
    }
  | { readonly kind: 'active-tenant-without-membership'; readonly tenantId: string; readonly user: PoolUser };

export interface Findings {
  readonly violations: readonly Violation[];
  /** Memberships of users the pool does not have: no group can take them; left for a person to decide. */
  readonly unrepairable: readonly { readonly tenantId: string; readonly userId: string }[];
}

/** What identifies a violation across the scan and the re-read: its kind, tenant and user. */
export function violationKey(violation: Violation): string {
  const userId = 'user' in violation ? violation.user.userId : violation.kind === 'tenant-without-admin' ? violation.promoted.userId : '';
  return JSON.stringify([violation.kind, violation.tenantId, userId]);
}

/** The user the repair concerns, for its event. */
export function repairedUserId(violation: Violation): string | undefined {
  if ('user' in violation) return violation.user.userId;
  return violation.kind === 'tenant-without-admin' ? violation.promoted.userId : undefined;
}

/**
 * Onboarding draws tenant ids with `States.UUID()`, so a group, control partition or counted quota
 * naming anything else is not a tenant's (an operator's own group, say): the reconciler never
 * touches it. Only an active-tenant attribute naming such an id is cleared, as it names no tenant.
 */
export const isGeneratedTenantId = (name: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(name);

/** The tenant of a control partition key `TENANT#{id}` (not of a data partition `TENANT#{id}#…`), or undefined. */
export function controlPartitionTenant(partitionKey: string): string | undefined {
  if (!partitionKey.startsWith(KEY_PREFIX.tenant)) return undefined;
  const tenantId = partitionKey.slice(KEY_PREFIX.tenant.length);
  return tenantId.length > 0 && !tenantId.includes('#') ? tenantId : undefined;
}

/** A control item as the reconciler reads it: its keys and the few attributes the rules use. */
export interface ControlItemFact {
  readonly PK: string;
  readonly SK: string;
  readonly userId?: string;
  readonly roleId?: string;
  readonly createdAt?: string;
  readonly createdBy?: string;
}

/** Groups control items into partitions; items of other partitions are ignored. */
export function partitionsOf(items: readonly ControlItemFact[]): ControlPartition[] {
  const byTenant = new Map<string, { record?: TenantRecordFact; memberships: MembershipFact[]; otherItems: number }>();
  for (const item of items) {
    const tenantId = controlPartitionTenant(item.PK);
    if (tenantId === undefined) continue;
    const partition = byTenant.get(tenantId) ?? { memberships: [], otherItems: 0 };
    byTenant.set(tenantId, partition);
    if (item.SK === SORT_KEY.tenant) partition.record = { createdBy: item.createdBy ?? '', createdAt: item.createdAt ?? '' };
    else if (item.SK.startsWith(SORT_KEY.memberPrefix) && item.userId) {
      partition.memberships.push({ tenantId, userId: item.userId, roleId: item.roleId ?? '', createdAt: item.createdAt ?? '' });
    } else partition.otherItems += 1;
  }
  return [...byTenant].map(([tenantId, partition]) => ({ tenantId, record: partition.record, memberships: partition.memberships, otherItems: partition.otherItems }));
}

/** The member who becomes admin: the creator while still a member, else the one of longest standing. */
export function memberToPromote(record: TenantRecordFact, memberships: readonly MembershipFact[]): MembershipFact | undefined {
  const creator = memberships.find((membership) => membership.userId === record.createdBy);
  if (creator) return creator;
  return [...memberships].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.userId.localeCompare(b.userId))[0];
}

interface Index {
  readonly partitions: Map<string, ControlPartition>;
  readonly groups: Map<string, GroupFact>;
  readonly users: Map<string, UserFact>;
  readonly countedBy: Map<string, string[]>;
  readonly members: Set<string>;
}

const memberKey = (tenantId: string, userId: string): string => JSON.stringify([tenantId, userId]);

function indexOf(snapshot: Snapshot): Index {
  const countedBy = new Map<string, string[]>();
  for (const quota of snapshot.quotas) {
    for (const tenantId of quota.countedTenantIds) countedBy.set(tenantId, [...(countedBy.get(tenantId) ?? []), quota.userId]);
  }
  return {
    partitions: new Map(snapshot.partitions.map((partition) => [partition.tenantId, partition])),
    groups: new Map(snapshot.groups.filter((group) => isGeneratedTenantId(group.tenantId)).map((group) => [group.tenantId, group])),
    users: new Map(snapshot.users.map((user) => [user.userId, user])),
    countedBy,
    members: new Set(snapshot.partitions.flatMap((partition) => partition.memberships.map((m) => memberKey(partition.tenantId, m.userId)))),
  };
}

/** A tenant with no record: whatever is left of it, if anything, is one violation. */
function leftovers(tenantId: string, index: Index, snapshot: Snapshot): Violation[] {
  const partition = index.partitions.get(tenantId);
  const memberUserIds = (partition?.memberships ?? []).map((membership) => membership.userId);
  const groupExists = index.groups.has(tenantId);
  const countedBy = index.countedBy.get(tenantId) ?? [];
  if (memberUserIds.length === 0 && (partition?.otherItems ?? 0) === 0 && !groupExists && countedBy.length === 0) return [];
  const activeUsers = snapshot.users.filter((user) => user.activeTenantId === tenantId && memberUserIds.includes(user.userId)).map(poolUser);
  return [{ kind: 'leftovers-without-tenant', tenantId, memberUserIds, otherItems: partition?.otherItems ?? 0, groupExists, countedBy, activeUsers }];
}

const poolUser = (user: PoolUser): PoolUser => ({ userId: user.userId, username: user.username });

/** A tenant with a record and members: the group must hold exactly its members, and one of them must be admin. */
function liveTenant(partition: ControlPartition, record: TenantRecordFact, index: Index, unrepairable: Findings['unrepairable'][number][]): Violation[] {
  const { tenantId, memberships } = partition;
  const group = index.groups.get(tenantId);
  const inGroup = new Set((group?.members ?? []).map((member) => member.userId));
  const violations: Violation[] = [];
  for (const member of group?.members ?? []) {
    if (!index.members.has(memberKey(tenantId, member.userId))) violations.push({ kind: 'group-member-without-membership', tenantId, user: poolUser(member) });
  }
  for (const membership of memberships) {
    if (inGroup.has(membership.userId)) continue;
    const user = index.users.get(membership.userId);
    if (user) violations.push({ kind: 'membership-without-group-member', tenantId, user: poolUser(user), groupExists: group !== undefined });
    else unrepairable.push({ tenantId, userId: membership.userId });
  }
  const promoted = memberships.some((membership) => membership.roleId === ADMIN_ROLE_ID) ? undefined : memberToPromote(record, memberships);
  if (promoted) {
    const user = index.users.get(promoted.userId);
    const activeUser = user && user.activeTenantId === tenantId ? poolUser(user) : undefined;
    violations.push({ kind: 'tenant-without-admin', tenantId, promoted, activeUser });
  }
  return violations;
}

function tenantViolations(tenantId: string, index: Index, snapshot: Snapshot, unrepairable: Findings['unrepairable'][number][]): Violation[] {
  const partition = index.partitions.get(tenantId);
  const record = partition?.record;
  if (!partition || !record) return leftovers(tenantId, index, snapshot);
  if (partition.memberships.length === 0) {
    return [{ kind: 'tenant-without-members', tenantId, record, groupExists: index.groups.has(tenantId), countedBy: index.countedBy.get(tenantId) ?? [] }];
  }
  return liveTenant(partition, record, index, unrepairable);
}

/** Every violation in the snapshot, with its repair's plan; tenants in id order, so a run is reproducible. */
export function findViolations(snapshot: Snapshot): Findings {
  const index = indexOf(snapshot);
  const tenants = new Set([...index.partitions.keys(), ...index.groups.keys(), ...index.countedBy.keys()].filter(isGeneratedTenantId));
  const unrepairable: Findings['unrepairable'][number][] = [];
  const violations = [...tenants].sort().flatMap((tenantId) => tenantViolations(tenantId, index, snapshot, unrepairable));
  for (const user of snapshot.users) {
    if (user.activeTenantId === '' || index.members.has(memberKey(user.activeTenantId, user.userId))) continue;
    violations.push({ kind: 'active-tenant-without-membership', tenantId: user.activeTenantId, user: poolUser(user) });
  }
  return { violations, unrepairable };
}

/** What a re-read must cover to judge the candidates again: their tenants, and the users they name. */
export interface ReadScope {
  readonly tenantIds: readonly string[];
  /** Users whose attributes are read again (AdminGetUser). */
  readonly users: readonly PoolUser[];
  /** Users whose limits item is read again. */
  readonly quotaUserIds: readonly string[];
}

export function scopeOf(candidates: readonly Violation[]): ReadScope {
  const tenantIds = new Set<string>();
  const users = new Map<string, PoolUser>();
  const quotaUserIds = new Set<string>();
  for (const violation of candidates) {
    tenantIds.add(violation.tenantId);
    if ('user' in violation) users.set(violation.user.userId, violation.user);
    if (violation.kind === 'tenant-without-admin' && violation.activeUser) users.set(violation.activeUser.userId, violation.activeUser);
    if (violation.kind === 'leftovers-without-tenant') for (const user of violation.activeUsers) users.set(user.userId, user);
    if (violation.kind === 'leftovers-without-tenant' || violation.kind === 'tenant-without-members') for (const userId of violation.countedBy) quotaUserIds.add(userId);
  }
  return { tenantIds: [...tenantIds].sort(), users: [...users.values()], quotaUserIds: [...quotaUserIds].sort() };
}

/**
 * The candidates that are still violations in the re-read, each as the re-read sees it (its plan
 * from the fresher facts). A candidate that vanished was a run's intermediate state, or was
 * repaired by someone else: left alone. Violations the re-read finds that the scan did not are
 * left for the next run, which gives them their own grace.
 */
export function confirmedViolations(candidates: readonly Violation[], reread: Snapshot): Violation[] {
  const fresh = new Map(findViolations(reread).violations.map((violation) => [violationKey(violation), violation]));
  return candidates.flatMap((candidate) => {
    const confirmed = fresh.get(violationKey(candidate));
    return confirmed ? [confirmed] : [];
  });
}
