import * as fc from 'fast-check';
import {
  confirmedViolations,
  controlPartitionTenant,
  findViolations,
  isGeneratedTenantId,
  memberToPromote,
  partitionsOf,
  scopeOf,
  violationKey,
  type MembershipFact,
  type Snapshot,
  type UserFact,
  type Violation,
} from '../../domain/reconciliation';

const T1 = '0f4d9a53-3a53-4c6f-9a43-5d1f6f1b2c7e';
const T2 = 'b7f2cbb0-18f4-4c8f-8d7e-2a4b36c6f0d1';
const ADA = { userId: 'u-ada', username: 'ada' };
const BEN = { userId: 'u-ben', username: 'ben' };
const CY = { userId: 'u-cy', username: 'cy' };

const member = (tenantId: string, user: { userId: string }, roleId = 'admin', createdAt = '2026-11-01T00:00:00.000Z'): MembershipFact => ({ tenantId, userId: user.userId, roleId, createdAt });
const user = (pool: { userId: string; username: string }, activeTenantId = ''): UserFact => ({ ...pool, activeTenantId });

/** A healthy tenant T1: Ada (creator, admin) and Ben (pilot) are members and in its group; Ada works in it. */
function healthy(): Snapshot {
  return {
    partitions: [{ tenantId: T1, record: { createdBy: ADA.userId, createdAt: '2026-11-01T00:00:00.000Z' }, memberships: [member(T1, ADA), member(T1, BEN, 'pilot')], otherItems: 1 }],
    groups: [{ tenantId: T1, members: [ADA, BEN] }],
    users: [user(ADA, T1), user(BEN), user(CY)],
    quotas: [{ userId: ADA.userId, countedTenantIds: [T1] }],
  };
}

const kinds = (snapshot: Snapshot): string[] => findViolations(snapshot).violations.map((violation) => violation.kind);

describe('finding violations of the invariants', () => {
  it('finds none in a tenant kept by the workflows', () => {
    expect(findViolations(healthy())).toEqual({ violations: [], unrepairable: [] });
  });

  it('takes a user in the group without a membership out of the group', () => {
    const snapshot = { ...healthy(), groups: [{ tenantId: T1, members: [ADA, BEN, CY] }] };

    expect(findViolations(snapshot).violations).toEqual([{ kind: 'group-member-without-membership', tenantId: T1, user: CY }]);
  });

  it('puts a member missing from the group into it, saying whether the group must be created', () => {
    const missingMember = { ...healthy(), groups: [{ tenantId: T1, members: [ADA] }] };
    const missingGroup = { ...healthy(), groups: [] };

    expect(findViolations(missingMember).violations).toEqual([{ kind: 'membership-without-group-member', tenantId: T1, user: BEN, groupExists: true }]);
    expect(findViolations(missingGroup).violations.map((violation) => violation.kind === 'membership-without-group-member' && violation.groupExists)).toEqual([false, false]);
  });

  it('reports a membership of a user the pool does not have as unrepairable, never as a repair', () => {
    const snapshot = { ...healthy(), users: [user(ADA, T1), user(CY)] };

    const findings = findViolations(snapshot);

    expect(findings.violations.filter((violation) => violation.kind === 'membership-without-group-member')).toEqual([]);
    expect(findViolations({ ...snapshot, groups: [{ tenantId: T1, members: [ADA] }] }).unrepairable).toEqual([{ tenantId: T1, userId: BEN.userId }]);
  });

  it("plans the deletion of a failed onboarding's leftovers: items, group, the active tenant of its members and the creator's quota", () => {
    const base = healthy();
    const snapshot = { ...base, partitions: [{ ...base.partitions[0]!, record: undefined }] };

    expect(findViolations(snapshot).violations).toEqual([
      { kind: 'leftovers-without-tenant', tenantId: T1, memberUserIds: [ADA.userId, BEN.userId], otherItems: 1, groupExists: true, countedBy: [ADA.userId], activeUsers: [ADA] },
    ]);
  });

  it('finds leftovers that are only a group, or only a counted quota', () => {
    const onlyGroup: Snapshot = { partitions: [], groups: [{ tenantId: T2, members: [BEN] }], users: [user(BEN)], quotas: [] };
    const onlyQuota: Snapshot = { partitions: [], groups: [], users: [], quotas: [{ userId: ADA.userId, countedTenantIds: [T2] }] };

    expect(kinds(onlyGroup)).toEqual(['leftovers-without-tenant']);
    expect(findViolations(onlyQuota).violations).toEqual([
      { kind: 'leftovers-without-tenant', tenantId: T2, memberUserIds: [], otherItems: 0, groupExists: false, countedBy: [ADA.userId], activeUsers: [] },
    ]);
  });

  it('leaves groups and partitions whose name onboarding could not have drawn alone', () => {
    const snapshot = { ...healthy(), groups: [...healthy().groups, { tenantId: 'operators', members: [CY] }] };

    const foreignPartition: Snapshot = { ...healthy(), partitions: [...healthy().partitions, { tenantId: 'by-hand', record: undefined, memberships: [], otherItems: 2 }] };

    expect(findViolations(snapshot).violations).toEqual([]);
    expect(findViolations(foreignPartition).violations).toEqual([]);
    expect(isGeneratedTenantId('operators')).toBe(false);
    expect(isGeneratedTenantId(T1)).toBe(true);
  });

  it('deletes a tenant record that has no member at all, with its group and its quota, and clears who still names it', () => {
    const base = healthy();
    const snapshot = { ...base, partitions: [{ ...base.partitions[0]!, memberships: [] }] };

    expect(findViolations(snapshot).violations).toEqual([
      { kind: 'tenant-without-members', tenantId: T1, record: base.partitions[0]!.record, groupExists: true, countedBy: [ADA.userId] },
      { kind: 'active-tenant-without-membership', tenantId: T1, user: ADA },
    ]);
  });

  it('promotes the creator of a tenant without admin while it is a member, and sets its role hint where the tenant is active', () => {
    const base = healthy();
    const snapshot = { ...base, partitions: [{ ...base.partitions[0]!, memberships: [member(T1, BEN, 'pilot', '2026-10-01T00:00:00.000Z'), member(T1, ADA, 'pilot')] }] };

    expect(findViolations(snapshot).violations).toEqual([{ kind: 'tenant-without-admin', tenantId: T1, promoted: member(T1, ADA, 'pilot'), activeUser: ADA }]);
  });

  it('promotes the member of longest standing when the creator is gone, ties broken by user id', () => {
    const record = { createdBy: 'u-gone', createdAt: '2026-01-01T00:00:00.000Z' };
    const early = '2026-02-01T00:00:00.000Z';

    expect(memberToPromote(record, [member(T1, CY, 'pilot', early), member(T1, BEN, 'pilot', early), member(T1, ADA, 'pilot', '2026-03-01T00:00:00.000Z')])?.userId).toBe(BEN.userId);
  });

  it('clears an active tenant that names a tenant the user is not a member of', () => {
    const snapshot = { ...healthy(), users: [user(ADA, T1), user(BEN), user(CY, T1)] };

    expect(findViolations(snapshot).violations).toEqual([{ kind: 'active-tenant-without-membership', tenantId: T1, user: CY }]);
  });
});

describe('reading control items', () => {
  it('groups items by control partition and ignores data partitions', () => {
    const partitions = partitionsOf([
      { PK: `TENANT#${T1}`, SK: 'TENANT', createdBy: ADA.userId, createdAt: 'a' },
      { PK: `TENANT#${T1}`, SK: `MEMBER#${ADA.userId}`, userId: ADA.userId, roleId: 'admin', createdAt: 'a' },
      { PK: `TENANT#${T1}`, SK: 'ROLE#admin' },
      { PK: `TENANT#${T1}#AIRCRAFT#3`, SK: 'AIRCRAFT#x' },
    ]);

    expect(partitions).toEqual([{ tenantId: T1, record: { createdBy: ADA.userId, createdAt: 'a' }, memberships: [member(T1, ADA, 'admin', 'a')], otherItems: 1 }]);
    expect(controlPartitionTenant(`TENANT#${T1}#AIRCRAFT#3`)).toBeUndefined();
    expect(controlPartitionTenant('USER#x')).toBeUndefined();
  });
});

describe('the grace: repairing only what is still broken after it', () => {
  it('drops a candidate that a running workflow finished in the meantime (the membership was written)', () => {
    const inFlight = { ...healthy(), groups: [{ tenantId: T1, members: [ADA, BEN, CY] }] };
    const candidates = findViolations(inFlight).violations;
    const finished: Snapshot = { ...inFlight, partitions: [{ ...inFlight.partitions[0]!, memberships: [...inFlight.partitions[0]!.memberships, member(T1, CY, 'pilot')] }] };

    expect(candidates).toHaveLength(1);
    expect(confirmedViolations(candidates, finished)).toEqual([]);
  });

  it('repairs a candidate still broken, as the re-read sees it, and leaves violations new in the re-read to the next run', () => {
    const broken = { ...healthy(), groups: [{ tenantId: T1, members: [ADA, BEN, CY] }] };
    const candidates = findViolations(broken).violations;
    const worse = { ...broken, users: [...broken.users.filter((entry) => entry.userId !== BEN.userId), user(BEN, T2)] };

    expect(confirmedViolations(candidates, worse)).toEqual(candidates);
  });

  it('re-reads the tenants, users and quotas the candidates name, and nothing else', () => {
    const base = healthy();
    const candidates: Violation[] = [
      ...findViolations({ ...base, partitions: [{ ...base.partitions[0]!, record: undefined }] }).violations,
      { kind: 'active-tenant-without-membership', tenantId: T2, user: CY },
    ];

    expect(scopeOf(candidates)).toEqual({ tenantIds: [T1, T2].sort(), users: [ADA, CY], quotaUserIds: [ADA.userId] });
  });
});

/** A random consistent world: tenants with records, an admin each, groups matching memberships, active tenants among memberships. */
const world = fc
  .record({
    tenants: fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 4 }),
    users: fc.uniqueArray(fc.stringMatching(/^u-[a-z]{1,4}$/), { minLength: 1, maxLength: 5 }),
    seed: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
  })
  .map(({ tenants, users, seed }): Snapshot => {
    const memberships = tenants.flatMap((tenantId, t) =>
      users.filter((_, u) => u === t % users.length || seed[(t * 5 + u) % 20]).map((userId, index) => member(tenantId, { userId }, index === 0 ? 'admin' : 'pilot')),
    );
    return {
      partitions: tenants.map((tenantId) => ({ tenantId, record: { createdBy: 'someone', createdAt: 'x' }, memberships: memberships.filter((m) => m.tenantId === tenantId), otherItems: 1 })),
      groups: tenants.map((tenantId) => ({ tenantId, members: memberships.filter((m) => m.tenantId === tenantId).map((m) => ({ userId: m.userId, username: m.userId })) })),
      users: users.map((userId) => user({ userId, username: userId }, memberships.find((m) => m.userId === userId)?.tenantId ?? '')),
      quotas: [],
    };
  });

describe('properties', () => {
  it('finds no violation in any world the workflows keep', () => {
    fc.assert(fc.property(world, (snapshot) => findViolations(snapshot).violations.length === 0));
  });

  it('finds a membership removed by hand as exactly what it breaks: the group, the admin, the active tenant, or the whole tenant', () => {
    fc.assert(
      fc.property(world, fc.nat(), (snapshot, pick) => {
        const all = snapshot.partitions.flatMap((partition) => partition.memberships);
        const removed = all[pick % all.length]!;
        const rest = all.filter((m) => m !== removed && m.tenantId === removed.tenantId);
        const broken: Snapshot = {
          ...snapshot,
          partitions: snapshot.partitions.map((partition) => ({ ...partition, memberships: partition.memberships.filter((m) => m !== removed) })),
        };
        const named = snapshot.users.find((entry) => entry.userId === removed.userId)?.activeTenantId === removed.tenantId;
        const expected = [
          ...(rest.length === 0 ? ['tenant-without-members'] : ['group-member-without-membership', ...(removed.roleId === 'admin' ? ['tenant-without-admin'] : [])]),
          ...(named ? ['active-tenant-without-membership'] : []),
        ];
        expect(kinds(broken).sort()).toEqual(expected.sort());
      }),
    );
  });

  it('names every violation once: no key repeats', () => {
    fc.assert(
      fc.property(world, fc.uuid(), (snapshot, stray) => {
        const broken: Snapshot = { ...snapshot, groups: [...snapshot.groups, { tenantId: stray, members: snapshot.groups[0]!.members }], partitions: snapshot.partitions.map((p) => ({ ...p, record: undefined })) };
        const keys = findViolations(broken).violations.map(violationKey);
        return new Set(keys).size === keys.length;
      }),
    );
  });
});
