import { auditPartition, InvalidKeyPartError, PLATFORM_AUDIT_ID, SORT_KEY } from '../../../domain/keys';
import { parseCatalogEvent, type AnyCatalogEvent } from '../../../events/envelope';
import type { TableItem, WriteOncePort, WriteOutcome } from '../../shared/write-once';
import { logDroppedEvent, type SubscriberLogger } from '../dropped-event';

/** One trail's share of an event: the marker that makes it happen once, and the record itself. */
export interface AuditWrite {
  readonly auditId: string;
  readonly marker: TableItem;
  readonly record: TableItem;
}

export type AuditWriterResult =
  | { readonly outcome: 'dropped' }
  | { readonly outcome: 'processed'; readonly trails: readonly { readonly auditId: string; readonly outcome: WriteOutcome }[] };

/**
 * The records an event leaves, one per trail it concerns (the platform's when it concerns no
 * tenant). The marker is keyed by the catalog's dedupe key, not by the event id, so a redelivery
 * and a retried trigger's second event land on the same marker, and the record is written only
 * with it. The record sorts by `recordedAt`, the writer's clock in milliseconds: EventBridge
 * stamps events to the second, and within a second the dedupe keys alone would order a trail by
 * their spelling rather than by arrival. The detail passed its strict schema, so nothing beyond the
 * catalog's fields (never a token) is stored.
 */
export function auditWrites(event: AnyCatalogEvent, recordedAt: string): AuditWrite[] {
  const trails = event.auditTenants.length > 0 ? event.auditTenants : [PLATFORM_AUDIT_ID];
  return [...new Set(trails)].map((auditId) => {
    const PK = auditPartition(auditId);
    return {
      auditId,
      marker: { PK, SK: SORT_KEY.auditDedupe(event.dedupeKey) },
      record: {
        PK,
        SK: SORT_KEY.auditRecord(recordedAt, event.dedupeKey),
        id: event.dedupeKey,
        time: event.time,
        type: event.type,
        actorUserId: event.actorUserId,
        detail: event.detail,
      },
    };
  });
}

/** Records every catalog event in the audit trails it concerns, exactly once per trail. */
export function createAuditWriterHandler(deps: { table: WriteOncePort; logger: SubscriberLogger; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return async (input: unknown): Promise<AuditWriterResult> => {
    const parsed = parseCatalogEvent(input);
    if (!parsed.ok) {
      logDroppedEvent(deps.logger, parsed);
      return { outcome: 'dropped' };
    }
    const { event } = parsed;
    let writes: AuditWrite[];
    try {
      // Never before the event's own time, so a trail read by time and by key agree.
      const recordedAt = new Date(Math.max(now().getTime(), Date.parse(event.time))).toISOString();
      writes = auditWrites(event, recordedAt);
    } catch (error) {
      // An id the schema allows but a key cannot hold: no retry would make it fit.
      if (!(error instanceof InvalidKeyPartError)) throw error;
      deps.logger.error('event dropped: a tenant id cannot form an audit key', { eventId: event.id, detailType: event.type });
      return { outcome: 'dropped' };
    }
    // Trails are written independently: after a partial failure, the bus's retry finds the
    // written ones done and completes the rest.
    const settled = await Promise.allSettled(
      writes.map(async (write) => ({ auditId: write.auditId, outcome: await deps.table.putWithMarker(write.marker, [write.record]) })),
    );
    const trails = settled.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
    for (const trail of trails) {
      deps.logger.info(trail.outcome === 'written' ? 'audit record written' : 'audit record exists already: duplicate delivery', {
        eventId: event.id,
        detailType: event.type,
        dedupeKey: event.dedupeKey,
        auditId: trail.auditId,
      });
    }
    return { outcome: 'processed', trails };
  };
}
