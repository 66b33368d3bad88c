import { randomUUID } from 'node:crypto';
import type { RuleDefinition } from '../../events/rule-definition';
import { jsonProtocolService } from '../server/aws-json';
import type { LocalService } from '../server/types';
import { eventOperations } from './api';
import { DEFAULT_RETRY, EventDelivery, systemClock, type DeliveryClock, type EventBridgeDeliver, type RetryPolicy } from './delivery';
import { listingOperations } from './listings';
import { BusRegistry, defineRules, EventHistory, type ArchivedEvent, type DeadLetter, type DeliveryAttempt } from './model';
import { ruleOperations } from './rule-operations';
import { JSON_WIRE } from '../server/wire';

/**
 * The local EventBridge: the wiring of the bus model (model.ts), PutEvents' entry checks
 * (entries.ts), delivery with retries and dead letters (delivery.ts) and the API operations
 * (api.ts, rule-operations.ts, listings.ts) into one JSON-1.1 service.
 */

export const EVENTBRIDGE_TARGET_PREFIX = JSON_WIRE.eventBridge.targetPrefix;

export interface EventBridgeServiceOptions {
  /** The bus the defined rules live on; the `default` bus exists as well. */
  busName: string;
  region: string;
  accountId: string;
  rules: readonly RuleDefinition[];
  deliver: EventBridgeDeliver;
  /** Attempts per target (first try included) and the first backoff; the delay doubles, with jitter. */
  retry?: RetryPolicy;
  /** Deliver every matched event twice, to prove consumers idempotent (the bus is at-least-once). */
  duplicateDelivery?: boolean;
  /** The time events are stamped with; the delivery clock's time when absent. */
  now?: () => Date;
  /** What delivery reads the time from and waits on between attempts (tests: a fake one). Real time by default. */
  clock?: DeliveryClock;
  /** The backoff's jitter, in [0, 1); Math.random by default. */
  random?: () => number;
  /** How many archived events, delivery attempts and dead letters are kept (oldest dropped first). */
  historyLimit?: number;
}

export interface EventBridgeService extends LocalService {
  /** Every accepted event, newest last. */
  archive(): readonly ArchivedEvent[];
  deadLetters(): readonly DeadLetter[];
  deliveries(): readonly DeliveryAttempt[];
  /** Resolves once no delivery (including a pending retry) is in flight. */
  settled(): Promise<void>;
  setDuplicateDelivery(on: boolean): void;
}

/** Throws InvalidEventPatternError or DuplicateRuleDefinitionError for a defined rule that cannot be created. */
export function createEventBridgeService(options: EventBridgeServiceOptions): EventBridgeService {
  const clock = options.clock ?? systemClock(options.now);
  const now = options.now ?? (() => clock.now());
  const scope = { region: options.region, accountId: options.accountId };
  const createdAt = now();
  const buses = new BusRegistry(scope, [options.busName], createdAt);
  defineRules(buses.require(options.busName), scope, options.rules);
  const history = new EventHistory(options.historyLimit ?? 10_000);
  const delivery = new EventDelivery({
    deliver: options.deliver,
    retry: options.retry ?? DEFAULT_RETRY,
    clock,
    history,
    ...(options.random ? { random: options.random } : {}),
    ...(options.duplicateDelivery === undefined ? {} : { duplicateDelivery: options.duplicateDelivery }),
  });
  const service = jsonProtocolService({
    name: 'eventbridge',
    targetPrefix: EVENTBRIDGE_TARGET_PREFIX,
    version: '1.1',
    operations: {
      ...eventOperations({ buses, now, newEventId: randomUUID, delivery }),
      ...ruleOperations(buses),
      ...listingOperations({ ...scope, busName: options.busName, createdAt, archived: () => history.archive() }),
    },
    stop: async () => delivery.stop(),
  });
  return {
    ...service,
    archive: () => history.archive(),
    deadLetters: () => history.deadLetters(),
    deliveries: () => history.deliveries(),
    settled: () => delivery.settled(),
    setDuplicateDelivery(on) {
      delivery.duplicateDelivery = on;
    },
  };
}
