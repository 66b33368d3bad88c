import type { Logger } from '@aws-lambda-powertools/logger';
import type { ParsedEnvelope } from '../../events/envelope';

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
