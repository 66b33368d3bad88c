/**
 * The reconciler's three ports over the table and the user pool: the snapshot (one scan, every
 * group, every user), the re-read of a scope (consistent reads of just the candidates' tenants and
 * users), and the repair of one violation as domain/reconciliation.ts plans it.
 */
import { partitionsOf, type PoolUser, type ReadScope, type Snapshot, type Violation } from '../../domain/reconciliation';
import type { ReconcilerTable } from './table-store';
import { mapLimit, type ReconcilerUserPool } from './user-pool';

export interface ReconcilerPorts {
  readonly snapshot: () => Promise<Snapshot>;
  readonly reread: (scope: ReadScope) => Promise<Snapshot>;
  readonly repair: (violation: Violation) => Promise<void>;
}

const READ_CONCURRENCY = 4;

export function reconcilerPorts(table: ReconcilerTable, pool: ReconcilerUserPool): ReconcilerPorts {
  async function snapshot(): Promise<Snapshot> {
    const [{ controlItems, quotas }, groups, users] = await Promise.all([table.scan(), pool.groups(), pool.users()]);
    return { partitions: partitionsOf(controlItems), groups, users, quotas };
  }

  async function reread(scope: ReadScope): Promise<Snapshot> {
    const tenants = await mapLimit(scope.tenantIds, READ_CONCURRENCY, async (tenantId) => ({
      items: await table.partitionItems(tenantId),
      group: await pool.groupMembers(tenantId),
      tenantId,
    }));
    const users = await mapLimit(scope.users, READ_CONCURRENCY, (user) => pool.user(user));
    const quotas = await mapLimit(scope.quotaUserIds, READ_CONCURRENCY, (userId) => table.quota(userId));
    return {
      partitions: partitionsOf(tenants.flatMap((tenant) => tenant.items)),
      groups: tenants.flatMap(({ tenantId, group }) => (group ? [{ tenantId, members: group }] : [])),
      users: users.flatMap((user) => user ?? []),
      quotas: quotas.flatMap((quota) => quota ?? []),
    };
  }

  /**
   * A tenant's leftovers go in the order onboarding's undo takes them: the active tenant first (it
   * must never name a tenant the user is not a member of), then the items, the group, the quota.
   */
  async function deleteLeftovers(tenantId: string, activeUsers: readonly PoolUser[], countedBy: readonly string[]): Promise<void> {
    for (const user of activeUsers) await pool.clearActiveTenant(user);
    await table.deleteControlItems(tenantId);
    await pool.deleteGroup(tenantId);
    for (const userId of countedBy) await table.releaseQuota(tenantId, userId);
  }

  async function repair(violation: Violation): Promise<void> {
    switch (violation.kind) {
      case 'group-member-without-membership':
        return pool.removeFromGroup(violation.tenantId, violation.user);
      case 'membership-without-group-member':
        return pool.addToGroup(violation.tenantId, violation.user);
      case 'leftovers-without-tenant':
        return deleteLeftovers(violation.tenantId, violation.activeUsers, violation.countedBy);
      case 'tenant-without-members':
        await table.deleteOrphanRecord(violation.tenantId, violation.record);
        return deleteLeftovers(violation.tenantId, [], violation.countedBy);
      case 'tenant-without-admin':
        await table.promote(violation.promoted);
        if (violation.activeUser) await pool.setAdminHint(violation.activeUser);
        return;
      case 'active-tenant-without-membership':
        return pool.clearActiveTenant(violation.user);
    }
  }

  return { snapshot, reread, repair };
}
