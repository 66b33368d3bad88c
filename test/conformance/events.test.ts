import { EVENT_ARCHIVE } from '../../events/archive';
import { LOCAL_ACCOUNT_ID } from '../../local/config';
import { awsJson, isoTimestamp, outputs } from './environment';

const busArn = (name: string): string => `arn:aws:events:${outputs().region}:${LOCAL_ACCOUNT_ID}:event-bus/${name}`;

// it.concurrent: every test is independent and costs a CLI start-up (a Python process, ~1 s): they overlap.
/** EventBridge's read-only listings (JSON protocol): https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_<Operation>.html */
describe('aws events', () => {
  it.concurrent("list-archives lists the bus's archive, enabled, with the deployed retention", async () => {
    const { Archives } = await awsJson<{ Archives: unknown[] }>(['events', 'list-archives']);

    expect(Archives).toEqual([
      {
        ArchiveName: expect.any(String),
        EventSourceArn: busArn(outputs().eventBusName),
        State: 'ENABLED',
        RetentionDays: EVENT_ARCHIVE.retentionDays,
        EventCount: expect.any(Number),
        SizeBytes: expect.any(Number),
        CreationTime: isoTimestamp(),
      },
    ]);
  });

  it.concurrent('list-archives filtered by a name prefix no archive has lists none', async () => {
    const { Archives } = await awsJson<{ Archives: unknown[] }>(['events', 'list-archives', '--name-prefix', 'no-such-archive']);

    expect(Archives).toEqual([]);
  });

  it.concurrent('list-archives filtered by another event source lists none', async () => {
    const { Archives } = await awsJson<{ Archives: unknown[] }>(['events', 'list-archives', '--event-source-arn', busArn('default')]);

    expect(Archives).toEqual([]);
  });

  it.concurrent('list-replays and list-connections answer empty lists (no replay was started, no API destination exists)', async () => {
    const [replays, connections] = await Promise.all([awsJson(['events', 'list-replays']), awsJson(['events', 'list-connections'])]);

    expect({ replays, connections }).toEqual({ replays: { Replays: [] }, connections: { Connections: [] } });
  });
});
