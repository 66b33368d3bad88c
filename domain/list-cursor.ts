/**
 * The `next` cursor of a list read over several partitions (`GET /aircraft`, `GET /reservations`):
 * where the previous page stopped in each shard (sharding.ts). Opaque to clients, bound to the
 * tenant, the list and the query (its filters) it pages.
 *
 * Format (version 1): the wire form of cursor-codec.ts around the JSON
 * `{"v":1,"t":"<tenant>","l":"<list>","q":"<query>","p":[…]}`, one entry of `p` per partition read:
 * `0` not read yet, `1` read to its end, or the sort key of the last item judged there.
 *
 * Why a checksum and no key: whatever a cursor says, its holder reads nothing it could not page to.
 * The partitions are built from the caller's tenant (the cursor's is only compared with it), the
 * reads are signed with the caller's tenant-scoped credentials, and a position is only where a
 * Query of the caller's own partition starts; each must lie inside the query's key range
 * (`isPosition`), since DynamoDB answers a start key outside it with a ValidationException. The
 * query is part of the cursor so that a page of other filters is not continued from these positions.
 */
import * as z from 'zod';
import { CursorCodecError, decodeCursorPayload, encodeCursorPayload } from './cursor-codec';
import { TENANT_ID_PATTERN } from './keys';
import type { FanOutPosition, ShardPosition } from './sharding';

export const LIST_CURSOR_VERSION = 1;
/** Longer than any valid cursor (8 positions of a few dozen characters each). */
export const LIST_CURSOR_MAX_LENGTH = 4096;

export interface ListCursor {
  readonly tenantId: string;
  /** Which list it pages (`aircraft`, `reservations`): a cursor of one is no position in another. */
  readonly list: string;
  /** The list's filters, as the handler spells them canonically. */
  readonly query: string;
  readonly position: FanOutPosition;
}

export type InvalidListCursorReason = 'malformed' | 'checksum' | 'version' | 'foreign-tenant' | 'other-list' | 'other-query' | 'position';

export class InvalidListCursorError extends Error {
  constructor(readonly reason: InvalidListCursorReason) {
    super(`Not a valid list cursor (${reason})`);
    this.name = 'InvalidListCursorError';
  }
}

/** DynamoDB's limit on a sort key value, in UTF-8 bytes. */
const SORT_KEY_MAX_BYTES = 1024;
const NOT_READ = 0;
const READ_TO_END = 1;

const payloadSchema = z.strictObject({
  v: z.number(),
  t: z.string().regex(TENANT_ID_PATTERN),
  l: z.string().min(1).max(64),
  q: z.string().max(1024),
  p: z.array(z.union([z.literal(NOT_READ), z.literal(READ_TO_END), z.string().min(1).max(1024)])).max(64),
});

const wirePosition = (position: ShardPosition): string | 0 | 1 => (position.state === 'start' ? NOT_READ : position.state === 'done' ? READ_TO_END : position.after);

export function encodeListCursor(cursor: ListCursor): string {
  return encodeCursorPayload({ v: LIST_CURSOR_VERSION, t: cursor.tenantId, l: cursor.list, q: cursor.query, p: cursor.position.map(wirePosition) });
}

export interface ExpectedCursor {
  readonly tenantId: string;
  readonly list: string;
  readonly query: string;
  /** How many partitions the list reads: one position each. */
  readonly partitions: number;
  /** Whether a sort key lies inside the query's key range of partition `index`. */
  readonly isPosition: (sortKey: string, index: number) => boolean;
}

function payloadOf(text: string): z.infer<typeof payloadSchema> {
  let json: unknown;
  try {
    json = decodeCursorPayload(text, LIST_CURSOR_MAX_LENGTH);
  } catch (error) {
    if (error instanceof CursorCodecError) throw new InvalidListCursorError(error.failure);
    throw error;
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) throw new InvalidListCursorError('malformed');
  return parsed.data;
}

/** The positions `text` names for the list the caller reads now; throws InvalidListCursorError. */
export function decodeListCursor(text: string, expected: ExpectedCursor): FanOutPosition {
  const payload = payloadOf(text);
  if (payload.v !== LIST_CURSOR_VERSION) throw new InvalidListCursorError('version');
  if (payload.t !== expected.tenantId) throw new InvalidListCursorError('foreign-tenant');
  if (payload.l !== expected.list) throw new InvalidListCursorError('other-list');
  if (payload.q !== expected.query) throw new InvalidListCursorError('other-query');
  if (payload.p.length !== expected.partitions) throw new InvalidListCursorError('position');
  // A cursor is handed out only while some partition holds more.
  if (payload.p.every((entry) => entry === READ_TO_END)) throw new InvalidListCursorError('position');
  return payload.p.map((entry, index): ShardPosition => {
    if (entry === NOT_READ) return { state: 'start' };
    if (entry === READ_TO_END) return { state: 'done' };
    // DynamoDB's limit on a sort key is in UTF-8 bytes; a longer one is no position of any item.
    if (new TextEncoder().encode(entry).length > SORT_KEY_MAX_BYTES || !expected.isPosition(entry, index)) throw new InvalidListCursorError('position');
    return { state: 'after', after: entry };
  });
}
