import { TARGET_DELIVERY } from '../../events/rule-definition';
import { failureText } from './errors';
import { matchingRules, type Bus, type DeliveryTarget, type EventEnvelope, type EventHistory, type Rule, type Target } from './model';

/**
 * Delivery of accepted events to the targets of the rules they match: at least once, each
 * target on its own, retried with backoff, and recorded as a dead letter once its attempts are
 * spent. Time comes from a DeliveryClock, so tests can run a whole retry schedule without waiting.
 */

/** Where delivery reads the time and waits between attempts. */
export interface DeliveryClock {
  now(): Date;
  /** Resolves after `ms` milliseconds, or at once once the clock is stopped. */
  sleep(ms: number): Promise<void>;
  /** Wakes every sleeper now and makes later sleeps resolve at once. */
  stop(): void;
}

/** Real time. Its timers are unref'd: a pending retry never keeps the process alive. */
export function systemClock(now: () => Date = () => new Date()): DeliveryClock {
  const sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  let stopped = false;
  return {
    now,
    sleep(ms) {
      if (stopped) return Promise.resolve();
      return new Promise((resolve) => {
        const sleeper = {
          timer: setTimeout(() => {
            sleepers.delete(sleeper);
            resolve();
          }, ms),
          wake: resolve,
        };
        sleeper.timer.unref();
        sleepers.add(sleeper);
      });
    },
    stop() {
      stopped = true;
      for (const sleeper of sleepers) {
        clearTimeout(sleeper.timer);
        sleeper.wake();
      }
      sleepers.clear();
    },
  };
}

/**
 * Time that moves only when delivery waits: each sleep advances it by the pause asked for and
 * resolves at once, so a test runs a whole retry schedule instantly and reads every pause.
 */
export interface SteppingClock extends DeliveryClock {
  /** The pauses asked for, in order. */
  readonly pauses: readonly number[];
}

export function steppingClock(start: Date): SteppingClock {
  const pauses: number[] = [];
  let time = start.getTime();
  return {
    pauses,
    now: () => new Date(time),
    sleep(ms) {
      pauses.push(ms);
      time += ms;
      return Promise.resolve();
    },
    stop() {},
  };
}

export interface RetryPolicy {
  /** Attempts per target, the first included. */
  readonly maxAttempts: number;
  /** The first pause; each later pause doubles, with jitter. */
  readonly baseDelayMs: number;
}

/** The deployed targets' number of attempts (TARGET_DELIVERY), with pauses far shorter than AWS's. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: TARGET_DELIVERY.retryAttempts + 1, baseDelayMs: 250 };

/**
 * The pause after failed attempt `attempt` (1-based): exponential backoff with equal jitter,
 * between half and all of `baseDelayMs × 2^(attempt-1)`, so retries of many events do not
 * arrive in lockstep. `random` is in [0, 1).
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = policy.baseDelayMs * 2 ** (attempt - 1);
  return ceiling / 2 + random() * (ceiling / 2);
}

/** A target's attempts: its own RetryPolicy (PutTargets), else the bus's. */
export const attemptsFor = (target: Target, policy: RetryPolicy): number => target.maxAttempts ?? policy.maxAttempts;

export interface EventBridgeDeliver {
  lambda(functionName: string, event: object): Promise<void>;
  stateMachine(stateMachineName: string, event: object): Promise<void>;
}

export interface DeliveryOptions {
  readonly deliver: EventBridgeDeliver;
  readonly retry: RetryPolicy;
  readonly clock: DeliveryClock;
  readonly history: EventHistory;
  /** Jitter, in [0, 1). */
  readonly random?: () => number;
  /** Deliver every matched event twice, to prove consumers idempotent (the bus is at-least-once). */
  readonly duplicateDelivery?: boolean;
}

/** JSON round trip: each target gets its own copy, and no object crosses a jest realm. */
const copyOf = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

interface Delivery {
  readonly busName: string;
  readonly rule: Rule;
  readonly target: Target;
  readonly event: EventEnvelope;
  readonly copy: number;
}

export class EventDelivery {
  duplicateDelivery: boolean;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly random: () => number;

  constructor(private readonly options: DeliveryOptions) {
    this.duplicateDelivery = options.duplicateDelivery ?? false;
    this.random = options.random ?? Math.random;
  }

  /** Archives the event with the rules it matched and starts a delivery per target (and copy). */
  publish(bus: Bus, event: EventEnvelope): void {
    const matched = matchingRules(bus, event);
    this.options.history.recordAccepted({ eventBusName: bus.name, event, matchedRules: matched.map((rule) => rule.name) });
    const copies = this.duplicateDelivery ? 2 : 1;
    for (const rule of matched) {
      for (const target of rule.targets.values()) {
        for (let copy = 1; copy <= copies; copy++) this.track({ busName: bus.name, rule, target, event, copy });
      }
    }
  }

  /** Resolves once no delivery (a pending retry included) is in flight. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** Pending retries are abandoned: a stopped cloud must not keep the process alive. */
  stop(): void {
    this.stopped = true;
    this.options.clock.stop();
  }

  private track(delivery: Delivery): void {
    const job = this.deliver(delivery).catch((error: unknown) => {
      // Only a bug in this module lands here; a target's failures are recorded as attempts.
      console.error('[local] eventbridge delivery error:', error);
    });
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
  }

  private async deliver({ busName, rule, target, event, copy }: Delivery): Promise<void> {
    // PutEvents answers first; delivery starts on a later turn of the event loop, as on AWS.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const { clock, history, retry } = this.options;
    const maxAttempts = attemptsFor(target, retry);
    const to: DeliveryTarget = { id: target.id, arn: target.arn };
    const where = { eventId: event.id, eventBusName: busName, rule: rule.name, target: to, copy };
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.send(target, event);
        history.recordAttempt({ ...where, attempt, outcome: 'delivered', at: clock.now().toISOString() });
        return;
      } catch (error) {
        const message = failureText(error);
        history.recordAttempt({ ...where, attempt, outcome: 'failed', error: message, at: clock.now().toISOString() });
        if (attempt >= maxAttempts) {
          history.recordDeadLetter({ event, rule: rule.name, target: to, error: message, attempts: attempt, at: clock.now().toISOString() });
          return;
        }
        await clock.sleep(retryDelayMs(retry, attempt, this.random));
      }
    }
  }

  private async send(target: Target, event: EventEnvelope): Promise<void> {
    const payload = copyOf(target.input ?? event);
    const { deliver } = this.options;
    if (target.destination.kind === 'lambda') await deliver.lambda(target.destination.functionName, payload);
    else await deliver.stateMachine(target.destination.stateMachineName, payload);
  }
}
