import type { Logger } from '@aws-lambda-powertools/logger';
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EVENT_CATALOG, type DetailType, type EventDetail } from '../../events/catalog';

export class EventPublishError extends Error {
  constructor(readonly detailType: string, readonly errorCode: string | undefined, message: string | undefined) {
    super(`Publishing ${detailType} failed: ${errorCode ?? 'unknown'} ${message ?? ''}`.trim());
    this.name = 'EventPublishError';
  }
}

/** The port handlers publish through: the detail is validated against the catalog before it leaves. */
export type PublishEvent = <T extends DetailType>(detailType: T, detail: EventDetail<T>) => Promise<string>;

export function eventBridgePublisher(client: EventBridgeClient, eventBusName: string): PublishEvent {
  return async (detailType, detail) => {
    const entry = EVENT_CATALOG[detailType];
    const parsed = entry.schema.parse(detail);
    const result = await client.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: eventBusName, Source: entry.source, DetailType: detailType, Detail: JSON.stringify(parsed) }],
      }),
    );
    const [first] = result.Entries ?? [];
    // PutEvents answers 200 even when an entry failed: the per-entry result is the truth.
    if ((result.FailedEntryCount ?? 0) > 0 || !first?.EventId) {
      throw new EventPublishError(detailType, first?.ErrorCode, first?.ErrorMessage);
    }
    return first.EventId;
  };
}

/**
 * Publishes the event of a change that is already written. Its failure must not turn a done change
 * into an error answer (a retried POST would then meet its own write, 409; a retried DELETE, 404):
 * it is logged as an error with the whole detail (ids, names, times; never a secret), so that an
 * operator alarmed by it can replay it; what is lost until then is the audit record. Only a
 * transactional outbox (the event written in the same transaction and forwarded from the table's
 * stream) would lose nothing; the SDK already retries.
 */
export async function publishAfterChange<T extends DetailType>(
  deps: { readonly publish: PublishEvent; readonly logger: Pick<Logger, 'error'> },
  detailType: T,
  detail: EventDetail<T>,
): Promise<void> {
  try {
    await deps.publish(detailType, detail);
  } catch (error) {
    deps.logger.error('change written, but its event was not published: the audit trail misses it', {
      detailType,
      detail,
      errorName: error instanceof Error ? error.name : typeof error,
    });
  }
}
