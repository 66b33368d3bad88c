import { DETAIL_TYPE, EVENT_CATALOG } from '../../events/catalog';
import { profileKey } from '../../domain/keys';
import { createProfileWriterHandler } from '../../handlers/subscribers/profile-writer/handler';
import { busEvent, InMemoryWriteOnce, recordingLogger } from './subscribers-support';

const confirmed = EVENT_CATALOG[DETAIL_TYPE.userConfirmed].sample;

function setup() {
  const table = new InMemoryWriteOnce();
  const { logger, records } = recordingLogger();
  return { table, records, handle: createProfileWriterHandler({ table, logger }) };
}

describe('profile writer', () => {
  it('creates the profile of a confirmed user under the profile key', async () => {
    const { table, handle } = setup();

    const result = await handle(busEvent(DETAIL_TYPE.userConfirmed));

    expect(result).toEqual({ outcome: 'created' });
    expect(table.all()).toEqual([{ ...profileKey(confirmed.userId), userId: confirmed.userId, email: confirmed.email, createdAt: confirmed.confirmedAt }]);
  });

  it('treats a second delivery of the same event as a duplicate and keeps the first profile', async () => {
    const { table, handle, records } = setup();
    const event = busEvent(DETAIL_TYPE.userConfirmed);
    await handle(event);

    const second = await handle(event);

    expect(second).toEqual({ outcome: 'duplicate' });
    expect(table.all()).toHaveLength(1);
    expect(records.map((record) => record.message)).toContain('profile exists already: duplicate delivery');
  });

  it('treats a retried trigger (a new event for the same user) as a duplicate', async () => {
    const { table, handle } = setup();
    await handle(busEvent(DETAIL_TYPE.userConfirmed));

    const retried = await handle(busEvent(DETAIL_TYPE.userConfirmed, { ...confirmed, confirmedAt: '2026-11-28T09:00:03.000Z' }));

    expect(retried).toEqual({ outcome: 'duplicate' });
    expect(table.all()).toEqual([expect.objectContaining({ createdAt: confirmed.confirmedAt })]);
  });

  it('drops an event of another detail type without writing', async () => {
    const { table, handle } = setup();

    const result = await handle(busEvent(DETAIL_TYPE.tenantSwitched));

    expect(result).toEqual({ outcome: 'dropped' });
    expect(table.all()).toEqual([]);
  });

  it('drops a detail that fails its schema, logging where it failed but none of its values', async () => {
    const { table, handle, records } = setup();
    const poisoned = { ...confirmed, idToken: 'eyJ.secret-token.sig' };

    const result = await handle(busEvent(DETAIL_TYPE.userConfirmed, poisoned));

    expect(result).toEqual({ outcome: 'dropped' });
    expect(table.all()).toEqual([]);
    expect(records).toEqual([
      expect.objectContaining({ level: 'error', extra: [expect.objectContaining({ reason: 'invalid-detail', issues: [{ path: '', code: 'unrecognized_keys' }] })] }),
    ]);
    expect(JSON.stringify(records)).not.toMatch(/secret-token|ada@example\.com/);
  });

  it('drops an envelope that is not an EventBridge event', async () => {
    const { table, handle } = setup();

    const result = await handle({ detail: confirmed });

    expect(result).toEqual({ outcome: 'dropped' });
    expect(table.all()).toEqual([]);
  });

  it('lets any other write failure escape, so that the bus retries, and succeeds on the retry', async () => {
    const { table, handle } = setup();
    const event = busEvent(DETAIL_TYPE.userConfirmed);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    table.failNextWrite(throttled);

    await expect(handle(event)).rejects.toBe(throttled);
    const retried = await handle(event);

    expect(retried).toEqual({ outcome: 'created' });
    expect(table.all()).toHaveLength(1);
  });

  it('never logs the email address', async () => {
    const { handle, records } = setup();
    const event = busEvent(DETAIL_TYPE.userConfirmed);

    await handle(event);
    await handle(event);

    expect(JSON.stringify(records)).not.toContain(confirmed.email);
  });
});
