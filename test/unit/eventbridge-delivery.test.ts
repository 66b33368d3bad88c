import type { RuleDefinition } from '../../events/rule-definition';
import { EventDelivery, retryDelayMs, steppingClock, systemClock, type RetryPolicy, type SteppingClock } from '../../local/eventbridge/delivery';
import { BusRegistry, defineRules, EventHistory, type Bus, type EventEnvelope } from '../../local/eventbridge/model';
import { AwsServiceError } from '../../local/server/aws-json';

const SCOPE = { region: 'eu-west-1', accountId: '123456789012' };
const START = new Date('2026-01-01T00:00:00.000Z');
const POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1000 };
/** With jitter at its midpoint, each pause is ¾ of its ceiling: 750, 1500, 3000 ms. */
const MIDPOINT = (): number => 0.5;

const rules: RuleDefinition[] = [{ name: 'Orders', description: 'orders', eventPattern: { source: ['test.orders'] }, targets: [{ kind: 'lambda', functionName: 'Recorder' }] }];

const event: EventEnvelope = {
  version: '0',
  id: 'e-1',
  'detail-type': 'order.placed.v1',
  source: 'test.orders',
  account: SCOPE.accountId,
  time: '2026-01-01T00:00:00Z',
  region: SCOPE.region,
  resources: [],
  detail: { orderId: 'o-1' },
};

/** A bus with one rule to the Lambda function `Recorder`, whose answers the test scripts. */
function setUp(answers: (attempt: number) => Promise<void>): { bus: Bus; clock: SteppingClock; history: EventHistory; delivery: EventDelivery; received: object[] } {
  const bus = new BusRegistry(SCOPE, ['control-plane'], START).require('control-plane');
  defineRules(bus, SCOPE, rules);
  const clock = steppingClock(START);
  const history = new EventHistory(100);
  const received: object[] = [];
  let calls = 0;
  const deliver = {
    async lambda(_name: string, payload: object) {
      await answers(++calls);
      received.push(payload);
    },
    async stateMachine() {
      throw new Error('no state machine in this test');
    },
  };
  const delivery = new EventDelivery({ deliver, retry: POLICY, clock, history, random: MIDPOINT });
  return { bus, clock, history, delivery, received };
}

const at = (offsetMs: number): string => new Date(START.getTime() + offsetMs).toISOString();
const fail = (error: unknown) => async (): Promise<void> => {
  throw error;
};

describe('EventBridge delivery', () => {
  describe('retryDelayMs', () => {
    it('doubles the ceiling with each attempt and keeps the pause between half of it and all of it', () => {
      const low = [1, 2, 3].map((attempt) => retryDelayMs(POLICY, attempt, () => 0));
      const high = [1, 2, 3].map((attempt) => retryDelayMs(POLICY, attempt, () => 0.999999));

      expect(low).toEqual([500, 1000, 2000]);
      expect(high.map(Math.round)).toEqual([1000, 2000, 4000]);
    });
  });

  it('makes each attempt after the backoff pause that follows the one before', async () => {
    const { bus, clock, history, delivery } = setUp(fail(new Error('down')));

    delivery.publish(bus, event);
    await delivery.settled();

    expect(clock.pauses).toEqual([750, 1500, 3000]);
    expect(history.deliveries().map(({ attempt, at: time }) => [attempt, time])).toEqual([
      [1, at(0)],
      [2, at(750)],
      [3, at(2250)],
      [4, at(5250)],
    ]);
  });

  it('records a dead letter with the service error code once the attempts are spent', async () => {
    const missing = new AwsServiceError('StateMachineDoesNotExist', 'State Machine Does Not Exist: Fulfil');
    const { bus, history, delivery, received } = setUp(fail(missing));

    delivery.publish(bus, event);
    await delivery.settled();

    expect(received).toEqual([]);
    expect(history.deadLetters()).toEqual([
      {
        event,
        rule: 'Orders',
        target: { id: 'Target0', arn: `arn:aws:lambda:${SCOPE.region}:${SCOPE.accountId}:function:Recorder` },
        error: 'StateMachineDoesNotExist: State Machine Does Not Exist: Fulfil',
        attempts: 4,
        at: at(5250),
      },
    ]);
    expect(history.deliveries().map((attempt) => attempt.error)).toEqual(Array(4).fill('StateMachineDoesNotExist: State Machine Does Not Exist: Fulfil'));
  });

  it('delivers once, on the second attempt, to a target that recovers', async () => {
    const { bus, clock, history, delivery, received } = setUp(async (call) => {
      if (call === 1) throw new Error('not yet');
    });

    delivery.publish(bus, event);
    await delivery.settled();

    expect(received).toEqual([event]);
    expect(history.deliveries().map(({ attempt, outcome, at: time }) => `${attempt}:${outcome}@${time}`)).toEqual([`1:failed@${at(0)}`, `2:delivered@${at(750)}`]);
    expect(clock.pauses).toEqual([750]);
    expect(history.deadLetters()).toEqual([]);
  });

  it("honours a target's own retry policy over the bus's", async () => {
    const { bus, history, delivery } = setUp(fail(new Error('down')));
    const target = bus.rules.get('Orders')?.targets.get('Target0');
    if (!target) throw new Error('the defined rule has no Target0');
    bus.rules.get('Orders')?.targets.set('Target0', { ...target, maxAttempts: 1 });

    delivery.publish(bus, event);
    await delivery.settled();

    expect(history.deliveries()).toHaveLength(1);
    expect(history.deadLetters().map((letter) => letter.attempts)).toEqual([1]);
  });

  it('archives the event with the rules it matched', async () => {
    const { bus, history, delivery } = setUp(async () => undefined);

    delivery.publish(bus, event);
    delivery.publish(bus, { ...event, id: 'e-2', source: 'test.other' });
    await delivery.settled();

    expect(history.archive().map((entry) => [entry.event.id, entry.matchedRules])).toEqual([
      ['e-1', ['Orders']],
      ['e-2', []],
    ]);
  });
});

describe('systemClock', () => {
  it('wakes a sleeper at once when stopped, and sleeps no more afterwards', async () => {
    const clock = systemClock();
    const anHour = clock.sleep(3_600_000);

    clock.stop();

    await expect(anHour).resolves.toBeUndefined();
    await expect(clock.sleep(3_600_000)).resolves.toBeUndefined();
  });
});
