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
