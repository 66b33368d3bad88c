/**
 * The local EventBridge's public face, kept where its importers (provisioning, the caller gate's
 * operation rules, the inspector) have always found it. The service is split along the Step
 * Functions folder's lines: model.ts (buses, rules, targets, the history of events), entries.ts
 * (PutEvents' limits and per-entry answers), delivery.ts (matching, retries, dead letters, on an
 * injectable clock), api.ts and rule-operations.ts (the operations), service.ts (the wiring).
 */
export { createEventBridgeService, EVENTBRIDGE_TARGET_PREFIX, type EventBridgeService, type EventBridgeServiceOptions } from './service';
export { DEFAULT_RETRY, systemClock, type DeliveryClock, type EventBridgeDeliver, type RetryPolicy } from './delivery';
export { DEFAULT_BUS, DuplicateRuleDefinitionError, type ArchivedEvent, type DeadLetter, type DeliveryAttempt, type DeliveryTarget, type EventEnvelope } from './model';
