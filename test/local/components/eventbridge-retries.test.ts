import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { RuleDefinition } from '../../../events/rule-definition';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS, LOCAL_REGION } from '../../../local/config';
import { createEventBridgeService } from '../../../local/eventbridge/bus';
import { steppingClock } from '../../../local/eventbridge/delivery';
import { AwsServiceError } from '../../../local/server/aws-json';
import { startEndpoint, type Endpoint } from '../../../local/server/endpoint';

/**
 * The bus behind a real endpoint and SDK client, on a stepping clock: retries a minute apart run
 * at once, and their recorded times show the schedule.
 */

const BUS = 'control-plane';
const START = new Date('2026-06-01T12:00:00.000Z');
const MINUTE = 60_000;

const rules: RuleDefinition[] = [
  { name: 'ToMissingMachine', description: 'a state machine that does not exist', eventPattern: { source: ['test.missing'] }, targets: [{ kind: 'stateMachine', stateMachineName: 'Gone' }] },
  { name: 'ToFlaky', description: 'fails once, then succeeds', eventPattern: { source: ['test.flaky'] }, targets: [{ kind: 'lambda', functionName: 'Flaky' }] },
];

describe('local EventBridge retries on an injected clock', () => {
  const clock = steppingClock(START);
  const received: string[] = [];
  let flakyCalls = 0;
  const service = createEventBridgeService({
    busName: BUS,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    rules,
    retry: { maxAttempts: 3, baseDelayMs: MINUTE },
    clock,
    random: () => 0,
    deliver: {
      async lambda(functionName, event) {
        if (++flakyCalls === 1) throw new Error('cold start failed');
        received.push(`${functionName}:${(event as { id: string }).id}`);
      },
      async stateMachine(name) {
        throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${name}'`);
      },
    },
  });

  let endpoint: Endpoint;
  let client: EventBridgeClient;
  beforeAll(async () => {
    endpoint = await startEndpoint({ port: 0, services: [service] });
    client = new EventBridgeClient({ endpoint: endpoint.url, region: LOCAL_REGION, credentials: LOCAL_ADMIN_CREDENTIALS, disableHostPrefix: true });
  });
  afterAll(async () => {
    client.destroy();
    await endpoint.stop();
  });

  const entry = (source: string): PutEventsRequestEntry => ({ EventBusName: BUS, Source: source, DetailType: 'test.v1', Detail: '{}' });
  const at = (offsetMs: number): string => new Date(START.getTime() + offsetMs).toISOString();

  it('retries at the backoff schedule and dead-letters the event with the target service error code', async () => {
    const { Entries = [] } = await client.send(new PutEventsCommand({ Entries: [entry('test.missing')] }));
    await service.settled();

    const eventId = Entries[0]?.EventId;
    // With no jitter each pause is half its ceiling: 30 s, then 60 s.
    expect(service.deliveries().filter((attempt) => attempt.eventId === eventId).map((attempt) => attempt.at)).toEqual([at(0), at(0.5 * MINUTE), at(1.5 * MINUTE)]);
    expect(service.deadLetters().filter((letter) => letter.event.id === eventId)).toEqual([
      expect.objectContaining({ rule: 'ToMissingMachine', error: "StateMachineDoesNotExist: State Machine Does Not Exist: 'Gone'", attempts: 3, at: at(1.5 * MINUTE) }),
    ]);
  });

  it('delivers once to a target that recovers on its second attempt', async () => {
    const { Entries = [] } = await client.send(new PutEventsCommand({ Entries: [entry('test.flaky')] }));
    await service.settled();

    const eventId = Entries[0]?.EventId ?? '';
    expect(received).toEqual([`Flaky:${eventId}`]);
    expect(service.deliveries().filter((attempt) => attempt.eventId === eventId).map((attempt) => attempt.outcome)).toEqual(['failed', 'delivered']);
    expect(service.deadLetters().filter((letter) => letter.event.id === eventId)).toEqual([]);
  });

  it("answers an AWS source with the entry's NotAuthorizedForSourceException and accepts the rest", async () => {
    const result = await client.send(new PutEventsCommand({ Entries: [{ ...entry('aws.s3') }, entry('test.unmatched')] }));

    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]).toEqual({ ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' });
    expect(result.Entries?.[1]?.EventId).toEqual(expect.any(String));
  });

  it('refuses 11 entries with the ValidationException AWS words, naming the entries', async () => {
    const send = client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry('test.unmatched')) }));

    await expect(send).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/^1 validation error detected: Value '\[PutEventsRequestEntry\(time=null, source=test\.unmatched, .*\)\]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10$/),
    });
  });
});
