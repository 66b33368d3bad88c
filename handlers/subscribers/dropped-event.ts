import type { Logger } from '@aws-lambda-powertools/logger';
import type { DetailType } from '../../events/catalog';
import { parseCatalogEvent, type CatalogEvent, type ParsedEnvelope } from '../../events/envelope';

export type SubscriberLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/**
 * A subscriber that throws makes the bus retry, so an event no retry can fix (malformed, unknown,
 * failing its schema) is logged and acknowledged instead. The log names the event and where its
 * detail failed, never the values: an invalid detail may be carrying exactly what must not be logged.
 */
export function logDroppedEvent(logger: SubscriberLogger, rejection: Extract<ParsedEnvelope, { ok: false }>): void {
  logger.error('event dropped', {
    reason: rejection.reason,
    eventId: rejection.eventId,
    detailType: rejection.detailType,
    issues: rejection.issues,
  });
}

/**
 * The event a subscriber of one detail type handles, or undefined when it was dropped (logged):
 * malformed, failing its schema, or of another type a rule routed here (no retry would change that).
 */
export function eventOfType<T extends DetailType>(input: unknown, detailType: T, logger: SubscriberLogger): CatalogEvent<T> | undefined {
  const parsed = parseCatalogEvent(input);
  if (!parsed.ok) {
    logDroppedEvent(logger, parsed);
    return undefined;
  }
  if (parsed.event.type !== detailType) {
    logger.warn('event of another type dropped', { eventId: parsed.event.id, detailType: parsed.event.type });
    return undefined;
  }
  return parsed.event as CatalogEvent<T>;
}
