import * as z from 'zod';
import { EVENT_CATALOG, isDetailType, type DetailType, type EventDetail, type EventSource } from './catalog';

/**
 * What a subscriber receives from the bus, checked against the catalog: the envelope's shape, a
 * known detail type from its own source, and a detail that passes the type's strict schema (so a
 * detail carrying anything more, a token for one, never reaches a table).
 */
export interface CatalogEvent<T extends DetailType = DetailType> {
  readonly id: string;
  readonly time: string;
  readonly source: EventSource;
  readonly type: T;
  readonly detail: EventDetail<T>;
  /** The catalog's dedupe key for this occurrence (see `EVENT_CATALOG`). */
  readonly dedupeKey: string;
  /** The tenants whose trails record it; empty for the platform trail. */
  readonly auditTenants: readonly string[];
  /** Who did it (the catalog's `actor`). */
  readonly actorUserId: string;
}

/** One member per detail type, so that checking `type` narrows `detail`. */
export type AnyCatalogEvent = { [T in DetailType]: CatalogEvent<T> }[DetailType];

export type RejectionReason = 'malformed-envelope' | 'unknown-detail-type' | 'wrong-source' | 'invalid-detail';

/** Issue locations and codes only: the values may be exactly what must never be logged. */
export interface IssueSummary {
  readonly path: string;
  readonly code: string;
}

export type ParsedEnvelope =
  | { readonly ok: true; readonly event: AnyCatalogEvent }
  | { readonly ok: false; readonly reason: RejectionReason; readonly eventId?: string; readonly detailType?: string; readonly issues: readonly IssueSummary[] };

const envelopeSchema = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  'detail-type': z.string().min(1),
  time: z.iso.datetime(),
  detail: z.unknown(),
});

/** The catalog seen per detail type, so that a schema and the functions reading its output stay paired. */
interface EntryView<T extends DetailType> {
  readonly source: EventSource;
  readonly schema: z.ZodType<EventDetail<T>>;
  readonly dedupeKey: (detail: EventDetail<T>, eventId: string) => string;
  readonly auditTenants: (detail: EventDetail<T>) => string[];
  readonly actor: (detail: EventDetail<T>) => string;
}

const ENTRIES: { readonly [T in DetailType]: EntryView<T> } = EVENT_CATALOG;

const summarize = (issues: readonly z.core.$ZodIssue[]): IssueSummary[] =>
  issues.map((issue) => ({ path: issue.path.map(String).join('.'), code: issue.code }));

function parseDetail<T extends DetailType>(type: T, envelope: z.infer<typeof envelopeSchema>): ParsedEnvelope {
  const entry = ENTRIES[type];
  const rejected = (reason: RejectionReason, issues: readonly IssueSummary[] = []): ParsedEnvelope => ({
    ok: false,
    reason,
    eventId: envelope.id,
    detailType: type,
    issues,
  });
  if (envelope.source !== entry.source) return rejected('wrong-source');
  const detail = entry.schema.safeParse(envelope.detail);
  if (!detail.success) return rejected('invalid-detail', summarize(detail.error.issues));
  const event: CatalogEvent<T> = {
    id: envelope.id,
    time: envelope.time,
    source: entry.source,
    type,
    detail: detail.data,
    dedupeKey: entry.dedupeKey(detail.data, envelope.id),
    auditTenants: entry.auditTenants(detail.data),
    actorUserId: entry.actor(detail.data),
  };
  // The compiler cannot tie a generic T to one member of the union; `ENTRIES[type]` already did.
  return { ok: true, event: event as AnyCatalogEvent };
}

export function parseCatalogEvent(input: unknown): ParsedEnvelope {
  const envelope = envelopeSchema.safeParse(input);
  if (!envelope.success) return { ok: false, reason: 'malformed-envelope', issues: summarize(envelope.error.issues) };
  const type = envelope.data['detail-type'];
  if (!isDetailType(type)) return { ok: false, reason: 'unknown-detail-type', eventId: envelope.data.id, detailType: type, issues: [] };
  return parseDetail(type, envelope.data);
}
