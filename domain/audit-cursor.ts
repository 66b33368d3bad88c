/**
 * The `next` cursor of `GET /audit`: where the previous page of a tenant's trail ended. Opaque to
 * clients, and bound to the tenant whose trail it pages.
 *
 * Format (version 1): the wire form of cursor-codec.ts around the JSON
 * `{"v":1,"t":"<tenant id>","k":"<sort key of the last record served>"}`. Decoding is strict: the
 * codec's checks, exactly these three members, the version, the caller's tenant, and a sort key of
 * the audit record shape (`EVENT#{ISO time}#{dedupe key}`, domain/keys.ts).
 *
 * Why a checksum and not an HMAC. The checksum is not authentication (anyone can recompute it): it
 * turns a damaged cursor (truncated, a flipped character, a copy error) into a 400 instead of a
 * silently different page. No key protects anything here, because a cursor cannot widen what its
 * holder reads, whatever it says:
 * - the partition read is the caller's own, `AUDIT#{caller's tenant}` from the authorizer's
 *   membership check; the cursor's tenant is only compared with it, never used to build a key;
 * - the read is signed with the caller's tenant-scoped credentials, whose policy
 *   (`ReadOwnAuditTrail`, domain/isolation.ts) allows Query on that one partition only;
 * - the position must be a record key, so DynamoDB is never handed a start key outside the query's
 *   key condition (it answers one with a ValidationException, "The provided starting key does not
 *   match the range key predicate", as DynamoDB Local showed: a 500, not a 400); a start key need
 *   not exist, and any position in one's own trail is one the caller could reach by paging anyway.
 * What the cursor reveals (its tenant id and the time and id of a record) is what the page it came
 * from showed. A cursor that one day carries something its holder must not choose (another
 * partition, a filter it must not lift) needs an HMAC; there is no secret store in this design, so
 * that change would add one: an HMAC_256 KMS key (`GenerateMac`/`VerifyMac`, one call per page) or
 * a Secrets Manager secret read once per cold start. Shard positions of a fan-out read are not such
 * a thing: they are positions in the caller's own partitions (list-cursor.ts).
 */
import { Buffer } from 'node:buffer';
import * as z from 'zod';
import { CursorCodecError, decodeCursorPayload, encodeCursorPayload } from './cursor-codec';
import { SORT_KEY, TENANT_ID_PATTERN } from './keys';

export const AUDIT_CURSOR_VERSION = 1;

/**
 * Longer than any valid cursor (a 1,024-byte sort key with every character JSON-escaped encodes to
 * under 3,000 characters), so that a huge value is refused before it is decoded.
 */
export const AUDIT_CURSOR_MAX_LENGTH = 4096;

/** DynamoDB's limit on a sort key value, in UTF-8 bytes. */
const SORT_KEY_MAX_BYTES = 1024;

export interface AuditCursor {
  /** The tenant whose trail the cursor pages. */
  readonly tenantId: string;
  /** The sort key of the last record the previous page served: the next page starts after it. */
  readonly lastKey: string;
}

/** Which check a cursor failed, for logs and tests; the client is told only that `next` is not valid. */
export type InvalidAuditCursorReason = 'malformed' | 'checksum' | 'version' | 'foreign-tenant' | 'position';

export class InvalidAuditCursorError extends Error {
  constructor(readonly reason: InvalidAuditCursorReason) {
    super(`Not a valid audit cursor (${reason})`);
    this.name = 'InvalidAuditCursorError';
  }
}

const timeSchema = z.iso.datetime();
/** Control characters and lone surrogates never occur in a dedupe key (ids, ARNs, addresses, times). */
const UNPRINTABLE = /[\p{Cc}\p{Cs}]/u;

/**
 * Whether `key` is the sort key of an audit record: the record prefix, an ISO time as the envelope
 * schema accepts it, `#`, and a non-empty printable dedupe key (which may itself hold `#`, as an
 * address may), within DynamoDB's size for a sort key. Built back with SORT_KEY.auditRecord, so the
 * shape has one definition.
 */
export function isAuditRecordKey(key: string): boolean {
  const prefix = SORT_KEY.auditRecordPrefix;
  if (!key.startsWith(prefix) || Buffer.byteLength(key, 'utf8') > SORT_KEY_MAX_BYTES || UNPRINTABLE.test(key)) return false;
  const rest = key.slice(prefix.length);
  const separator = rest.indexOf('#');
  if (separator < 0) return false;
  const time = rest.slice(0, separator);
  const dedupeKey = rest.slice(separator + 1);
  return dedupeKey.length > 0 && timeSchema.safeParse(time).success && SORT_KEY.auditRecord(time, dedupeKey) === key;
}

const payloadSchema = z.strictObject({
  v: z.number(),
  t: z.string().regex(TENANT_ID_PATTERN),
  k: z.string(),
});

export function encodeAuditCursor(cursor: AuditCursor): string {
  // What we hand out must decode: refuse to encode a position no decoder would take back.
  if (!TENANT_ID_PATTERN.test(cursor.tenantId) || !isAuditRecordKey(cursor.lastKey)) throw new InvalidAuditCursorError('position');
  return encodeCursorPayload({ v: AUDIT_CURSOR_VERSION, t: cursor.tenantId, k: cursor.lastKey });
}

function payloadOf(text: string): z.infer<typeof payloadSchema> {
  let json: unknown;
  try {
    json = decodeCursorPayload(text, AUDIT_CURSOR_MAX_LENGTH);
  } catch (error) {
    if (error instanceof CursorCodecError) throw new InvalidAuditCursorError(error.failure);
    throw error;
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) throw new InvalidAuditCursorError('malformed');
  return parsed.data;
}

/**
 * The position `text` names in the trail of `tenantId` (the caller's). Throws
 * InvalidAuditCursorError for anything that is not a cursor this module made for that tenant.
 */
export function decodeAuditCursor(text: string, tenantId: string): AuditCursor {
  const payload = payloadOf(text);
  if (payload.v !== AUDIT_CURSOR_VERSION) throw new InvalidAuditCursorError('version');
  if (payload.t !== tenantId) throw new InvalidAuditCursorError('foreign-tenant');
  if (!isAuditRecordKey(payload.k)) throw new InvalidAuditCursorError('position');
  return { tenantId: payload.t, lastKey: payload.k };
}
