import { DETAIL_TYPE, EVENT_CATALOG, type DetailType } from '../../events/catalog';
import { auditPartition, PLATFORM_AUDIT_ID, SORT_KEY } from '../../domain/keys';
import { createAuditWriterHandler } from '../../handlers/subscribers/audit-writer/handler';
import { busEvent, InMemoryWriteOnce, recordingLogger } from './subscribers-support';

const switched = EVENT_CATALOG[DETAIL_TYPE.tenantSwitched].sample;
const confirmed = EVENT_CATALOG[DETAIL_TYPE.userConfirmed].sample;
const denied = EVENT_CATALOG[DETAIL_TYPE.accessDenied].sample;

/** The writer's clock: a millisecond after the samples' second, as a delivery would arrive. */
const RECORDED_AT = new Date('2026-11-28T09:00:00.250Z');

function setup(now: () => Date = () => RECORDED_AT) {
  const table = new InMemoryWriteOnce();
  const { logger, records } = recordingLogger();
  return { table, records, handle: createAuditWriterHandler({ table, logger, now }) };
}

const auditRecords = (table: InMemoryWriteOnce, auditId: string) =>
  table.partition(auditPartition(auditId)).filter((item) => item.SK.startsWith(SORT_KEY.auditRecordPrefix));

describe('audit writer', () => {
  it('orders a trail by arrival within the second EventBridge stamps, not by the dedupe keys\' spelling', async () => {
    let clock = Date.parse('2026-11-28T09:00:00.100Z');
    const { table, handle } = setup(() => new Date((clock += 5)));
    const sameSecond = '2026-11-28T09:00:00Z';
    const ids = ['f0000000-0000-4000-8000-000000000000', '10000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000000'];

    const { executionId: _fromAWorkflow, ...byAnApiFunction } = denied;
    for (const operationId of ids) await handle(busEvent(DETAIL_TYPE.accessDenied, { ...byAnApiFunction, operationId }, { time: sameSecond }));

    const trail = auditRecords(table, denied.tenantId).sort((a, b) => a.SK.localeCompare(b.SK));
    expect(trail.map((record) => record.id)).toEqual(ids.map((id) => `access.denied:${id}`));
    expect(new Set(trail.map((record) => record.time))).toEqual(new Set([sameSecond]));
  });

  it('records a switch in the trail of the tenant switched into and of the one switched out of', async () => {
    const { table, handle } = setup();
    const event = busEvent(DETAIL_TYPE.tenantSwitched);
    const dedupeKey = `tenant.switched:${switched.executionId}`;

    const result = await handle(event);

    expect(result).toEqual({
      outcome: 'processed',
      trails: [
        { auditId: switched.tenantId, outcome: 'written' },
        { auditId: switched.previousTenantId, outcome: 'written' },
      ],
    });
    for (const tenantId of [switched.tenantId, switched.previousTenantId ?? '']) {
      expect(table.partition(auditPartition(tenantId))).toEqual(
        expect.arrayContaining([
          { PK: auditPartition(tenantId), SK: SORT_KEY.auditDedupe(dedupeKey) },
          {
            PK: auditPartition(tenantId),
            SK: SORT_KEY.auditRecord(new Date(Math.max(RECORDED_AT.getTime(), Date.parse(event.time))).toISOString(), dedupeKey),
            id: dedupeKey,
            time: event.time,
            type: DETAIL_TYPE.tenantSwitched,
            actorUserId: switched.userId,
            detail: switched,
          },
        ]),
      );
    }
  });

  it('records a switch into the tenant already active in that one trail only', async () => {
    const { table, handle } = setup();

    await handle(busEvent(DETAIL_TYPE.tenantSwitched, { ...switched, previousTenantId: switched.tenantId }));

    expect(auditRecords(table, switched.tenantId)).toHaveLength(1);
    expect(table.all()).toHaveLength(2);
  });

  it('records a confirmed sign-up in the platform trail', async () => {
    const { table, handle } = setup();

    await handle(busEvent(DETAIL_TYPE.userConfirmed));

    expect(auditRecords(table, PLATFORM_AUDIT_ID)).toEqual([
      expect.objectContaining({ id: `user.confirmed:${confirmed.userId}`, type: DETAIL_TYPE.userConfirmed, actorUserId: confirmed.userId, detail: confirmed }),
    ]);
    expect(table.all()).toHaveLength(2);
  });

  it('records an event delivered twice once in each trail', async () => {
    const { table, handle } = setup();
    const event = busEvent(DETAIL_TYPE.tenantSwitched);
    await handle(event);

    const again = await handle(event);

    expect(again).toEqual({
      outcome: 'processed',
      trails: [
        { auditId: switched.tenantId, outcome: 'duplicate' },
        { auditId: switched.previousTenantId, outcome: 'duplicate' },
      ],
    });
    expect(auditRecords(table, switched.tenantId)).toHaveLength(1);
    expect(auditRecords(table, switched.previousTenantId ?? '')).toHaveLength(1);
  });

  it('records a retried Cognito trigger (new event id, later time, same user) once', async () => {
    const { table, handle } = setup();
    await handle(busEvent(DETAIL_TYPE.userConfirmed));

    await handle(busEvent(DETAIL_TYPE.userConfirmed, { ...confirmed, confirmedAt: '2026-11-28T09:00:04.000Z' }, { time: '2026-11-28T09:00:04Z' }));

    expect(auditRecords(table, PLATFORM_AUDIT_ID)).toHaveLength(1);
  });

  it('tells denied attempts without an execution apart by event id, and still records each delivery once', async () => {
    const { table, handle } = setup();
    const { executionId: _omitted, ...apiDenial } = denied;
    const first = busEvent(DETAIL_TYPE.accessDenied, apiDenial);
    const second = busEvent(DETAIL_TYPE.accessDenied, apiDenial);

    await handle(first);
    await handle(first);
    await handle(second);

    expect(auditRecords(table, denied.tenantId).map((record) => record.id).sort()).toEqual([`access.denied:${first.id}`, `access.denied:${second.id}`].sort());
  });

  // Written out, not derived from the catalog: a new detail type must be placed here on purpose.
  const expectedTrails = {
    [DETAIL_TYPE.userConfirmed]: [PLATFORM_AUDIT_ID],
    [DETAIL_TYPE.tenantOnboarded]: [EVENT_CATALOG[DETAIL_TYPE.tenantOnboarded].sample.tenantId],
    [DETAIL_TYPE.tenantOnboardingFailed]: [PLATFORM_AUDIT_ID],
    [DETAIL_TYPE.tenantSwitched]: [switched.tenantId, switched.previousTenantId ?? ''],
    [DETAIL_TYPE.tenantSwitchFailed]: [EVENT_CATALOG[DETAIL_TYPE.tenantSwitchFailed].sample.targetTenantId],
    [DETAIL_TYPE.accessDenied]: [denied.tenantId],
    [DETAIL_TYPE.memberAdded]: [EVENT_CATALOG[DETAIL_TYPE.memberAdded].sample.tenantId],
    [DETAIL_TYPE.memberRemoved]: [EVENT_CATALOG[DETAIL_TYPE.memberRemoved].sample.tenantId],
    [DETAIL_TYPE.memberRoleChanged]: [EVENT_CATALOG[DETAIL_TYPE.memberRoleChanged].sample.tenantId],
    [DETAIL_TYPE.invitationCreated]: [EVENT_CATALOG[DETAIL_TYPE.invitationCreated].sample.tenantId],
    [DETAIL_TYPE.invitationClaimed]: [EVENT_CATALOG[DETAIL_TYPE.invitationClaimed].sample.tenantId],
    [DETAIL_TYPE.invitationRevoked]: [EVENT_CATALOG[DETAIL_TYPE.invitationRevoked].sample.tenantId],
    [DETAIL_TYPE.invitationExpired]: [EVENT_CATALOG[DETAIL_TYPE.invitationExpired].sample.tenantId],
    [DETAIL_TYPE.roleCreated]: [EVENT_CATALOG[DETAIL_TYPE.roleCreated].sample.tenantId],
    [DETAIL_TYPE.roleUpdated]: [EVENT_CATALOG[DETAIL_TYPE.roleUpdated].sample.tenantId],
    [DETAIL_TYPE.roleDeleted]: [EVENT_CATALOG[DETAIL_TYPE.roleDeleted].sample.tenantId],
    [DETAIL_TYPE.aircraftCreated]: [EVENT_CATALOG[DETAIL_TYPE.aircraftCreated].sample.tenantId],
    [DETAIL_TYPE.aircraftUpdated]: [EVENT_CATALOG[DETAIL_TYPE.aircraftUpdated].sample.tenantId],
    [DETAIL_TYPE.aircraftDeleted]: [EVENT_CATALOG[DETAIL_TYPE.aircraftDeleted].sample.tenantId],
    [DETAIL_TYPE.reservationCreated]: [EVENT_CATALOG[DETAIL_TYPE.reservationCreated].sample.tenantId],
    [DETAIL_TYPE.reservationCancelled]: [EVENT_CATALOG[DETAIL_TYPE.reservationCancelled].sample.tenantId],
    [DETAIL_TYPE.invariantRepaired]: [EVENT_CATALOG[DETAIL_TYPE.invariantRepaired].sample.tenantId],
  } satisfies Record<DetailType, string[]>;

  it.each(Object.values(DETAIL_TYPE))('records the sample of %s in exactly the trails it concerns', async (detailType) => {
    const { table, handle } = setup();
    const trails = expectedTrails[detailType];

    await handle(busEvent(detailType));

    expect(new Set(table.all().map((item) => item.PK))).toEqual(new Set(trails.map(auditPartition)));
    expect(trails.map((auditId) => auditRecords(table, auditId).map((record) => record.detail))).toEqual(trails.map(() => [EVENT_CATALOG[detailType].sample]));
  });

  it.each([
    ['a detail with a token', busEvent(DETAIL_TYPE.tenantSwitched, { ...switched, refreshToken: 'secret-refresh' })],
    ['a catalog type from a foreign source', busEvent(DETAIL_TYPE.tenantSwitched, switched, { source: 'someone.else' })],
    ['a detail type outside the catalog', busEvent(DETAIL_TYPE.tenantSwitched, switched, { 'detail-type': 'tenant.switched.v0' })],
    ['an envelope without a time', busEvent(DETAIL_TYPE.tenantSwitched, switched, { time: undefined })],
    ['a tenant id that cannot form a key', busEvent(DETAIL_TYPE.tenantSwitched, { ...switched, tenantId: 'a#b' })],
  ])('drops %s without writing, so that it is not retried forever', async (_case, event) => {
    const { table, handle, records } = setup();

    const result = await handle(event);

    expect(result).toEqual({ outcome: 'dropped' });
    expect(table.all()).toEqual([]);
    expect(records.map((record) => record.level)).toEqual(['error']);
    expect(JSON.stringify(records)).not.toContain('secret-refresh');
  });

  it('rethrows a failed trail write, and the retry completes it without doubling the other trail', async () => {
    const { table, handle } = setup();
    const event = busEvent(DETAIL_TYPE.tenantSwitched);
    const conflict = Object.assign(new Error('Transaction cancelled'), { name: 'TransactionCanceledException' });
    table.failNextWrite(conflict);

    await expect(handle(event)).rejects.toBe(conflict);
    const retried = await handle(event);

    expect(retried).toEqual({ outcome: 'processed', trails: expect.arrayContaining([expect.objectContaining({ outcome: 'written' }), expect.objectContaining({ outcome: 'duplicate' })]) });
    expect(auditRecords(table, switched.tenantId)).toHaveLength(1);
    expect(auditRecords(table, switched.previousTenantId ?? '')).toHaveLength(1);
  });
});
