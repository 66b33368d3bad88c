import { Logger } from '@aws-lambda-powertools/logger';
import type { Snapshot, Violation } from '../../domain/reconciliation';
import { RECONCILIATION } from '../../domain/reconciliation';
import { DETAIL_TYPE, EVENT_CATALOG, type DetailType } from '../../events/catalog';
import { createReconcilerHandler, InvalidReconcileRequestError } from '../../handlers/reconciler/handler';
import type { ReconcilerPorts } from '../../handlers/reconciler/ports';
import type { PublishEvent } from '../../handlers/shared/event-publisher';

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const T1 = '0f4d9a53-3a53-4c6f-9a43-5d1f6f1b2c7e';
const T2 = 'b7f2cbb0-18f4-4c8f-8d7e-2a4b36c6f0d1';
const RUN = '8e2f6a1c-5d4b-4f7e-9a3c-1b2d3e4f5a6b';
/** The run's id first, then one per repair. */
const ids = () => {
  let n = 0;
  return () => (n++ === 0 ? RUN : `00000000-0000-4000-8000-${String(n - 1).padStart(12, '0')}`);
};
const ADA = { userId: 'u-ada', username: 'ada' };
const BEN = { userId: 'u-ben', username: 'ben' };

/** Two tenants with a stray group member each (Ada in T1, Ben in T2), and their admins. */
function broken(): Snapshot {
  const record = { createdBy: 'u-admin', createdAt: '2026-11-01T00:00:00.000Z' };
  const admin = (tenantId: string) => ({ tenantId, userId: 'u-admin', roleId: 'admin', createdAt: record.createdAt });
  const adminUser = { userId: 'u-admin', username: 'admin' };
  return {
    partitions: [T1, T2].map((tenantId) => ({ tenantId, record, memberships: [admin(tenantId)], otherItems: 1 })),
    groups: [
      { tenantId: T1, members: [adminUser, ADA] },
      { tenantId: T2, members: [adminUser, BEN] },
    ],
    users: [{ ...adminUser, activeTenantId: '' }],
    quotas: [],
  };
}

function setup(options: { reread?: Snapshot; failing?: (violation: Violation) => boolean } = {}) {
  const repaired: Violation[] = [];
  const published: { detailType: DetailType; detail: unknown }[] = [];
  const slept: number[] = [];
  const ports: ReconcilerPorts = {
    snapshot: async () => broken(),
    reread: async () => options.reread ?? broken(),
    repair: async (violation) => {
      if (options.failing?.(violation)) throw new Error('Cognito said no');
      repaired.push(violation);
    },
  };
  const publish: PublishEvent = async (detailType, detail) => {
    EVENT_CATALOG[detailType].schema.parse(detail);
    published.push({ detailType, detail });
    return `event-${published.length}`;
  };
  const handler = createReconcilerHandler({ ports, publish, logger, sleep: async (ms) => void slept.push(ms), newId: ids() });
  return { handler, repaired, published, slept };
}

describe('the reconciler handler', () => {
  it('waits the default grace, then repairs each confirmed violation and publishes one event per repair', async () => {
    const { handler, repaired, published, slept } = setup();

    const summary = await handler({});

    expect(slept).toEqual([RECONCILIATION.defaultGraceSeconds * 1000]);
    expect(repaired.map((violation) => [violation.kind, violation.tenantId])).toEqual([
      ['group-member-without-membership', T1],
      ['group-member-without-membership', T2],
    ]);
    expect(published).toEqual([
      { detailType: DETAIL_TYPE.invariantRepaired, detail: { tenantId: T1, userId: ADA.userId, violation: 'group-member-without-membership', repair: 'removed-from-group', runId: RUN, operationId: '00000000-0000-4000-8000-000000000001' } },
      { detailType: DETAIL_TYPE.invariantRepaired, detail: { tenantId: T2, userId: BEN.userId, violation: 'group-member-without-membership', repair: 'removed-from-group', runId: RUN, operationId: '00000000-0000-4000-8000-000000000002' } },
    ]);
    expect(summary).toMatchObject({ runId: RUN, candidates: 2, vanished: 0, failed: 0, repaired: { 'group-member-without-membership': 2 } });
  });

  it('goes on with the other repairs when one fails, and publishes nothing for the failed one', async () => {
    const { handler, repaired, published } = setup({ failing: (violation) => violation.tenantId === T1 });

    const summary = await handler({ graceSeconds: 0 });

    expect(repaired.map((violation) => violation.tenantId)).toEqual([T2]);
    expect(published).toHaveLength(1);
    expect(summary).toMatchObject({ failed: 1, repaired: { 'group-member-without-membership': 1 } });
  });

  it('leaves alone a candidate that the re-read after the grace no longer finds', async () => {
    const healed = broken();
    // Ada left T1's group during the grace (a removal finishing its run).
    const reread = { ...healed, groups: healed.groups.map((group) => (group.tenantId === T1 ? { ...group, members: group.members.filter((member) => member.userId !== ADA.userId) } : group)) };
    const { handler, repaired } = setup({ reread });

    const summary = await handler({ graceSeconds: 3 });

    expect(repaired.map((violation) => violation.tenantId)).toEqual([T2]);
    expect(summary).toMatchObject({ graceSeconds: 3, candidates: 2, vanished: 1 });
  });

  it('repairs only the tenants it is asked for, when it is asked for some', async () => {
    const { handler, repaired } = setup();

    const summary = await handler({ graceSeconds: 0, tenantIds: [T2] });

    expect(repaired.map((violation) => violation.tenantId)).toEqual([T2]);
    expect(summary.candidates).toBe(1);
  });

  it('neither waits nor re-reads when the scan finds nothing', async () => {
    const slept: number[] = [];
    const clean = createReconcilerHandler({
      ports: { snapshot: async () => ({ partitions: [], groups: [], users: [], quotas: [] }), reread: async () => broken(), repair: async () => undefined },
      publish: async () => 'x',
      logger,
      sleep: async (ms) => void slept.push(ms),
      newId: ids(),
    });

    const summary = await clean(undefined);

    expect(slept).toEqual([]);
    expect(summary).toMatchObject({ candidates: 0, vanished: 0, failed: 0 });
  });

  it.each([
    ['a grace past the bound', { graceSeconds: RECONCILIATION.maxGraceSeconds + 1 }],
    ['a negative grace', { graceSeconds: -1 }],
    ['a tenant id that is no key part', { tenantIds: ['a#b'] }],
    ['an unknown field', { everything: true }],
    ['a scheduled event instead of the schedule input', { source: 'aws.events', 'detail-type': 'Scheduled Event' }],
  ])('refuses %s before it reads anything', async (_case, input) => {
    const { handler, slept } = setup();

    await expect(handler(input)).rejects.toThrow(InvalidReconcileRequestError);
    expect(slept).toEqual([]);
  });
});
