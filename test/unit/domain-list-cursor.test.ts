import { createHash, randomUUID } from 'node:crypto';
import * as fc from 'fast-check';
import { decodeAuditCursor, encodeAuditCursor, InvalidAuditCursorError } from '../../domain/audit-cursor';
import { CursorCodecError, decodeCursorPayload, encodeCursorPayload } from '../../domain/cursor-codec';
import { DATA_SORT_KEY, SORT_KEY, TENANT_ID_PATTERN } from '../../domain/keys';
import {
  decodeListCursor,
  encodeListCursor,
  InvalidListCursorError,
  LIST_CURSOR_MAX_LENGTH,
  type ExpectedCursor,
  type InvalidListCursorReason,
  type ListCursor,
} from '../../domain/list-cursor';
import { DATA_SHARDS, type FanOutPosition } from '../../domain/sharding';

const TENANT = '0f4d9a53-3a53-4c6f-9a43-5d1f6f1b2c7e';
const OTHER_TENANT = 'b7f2cbb0-18f4-4c8f-8d7e-2a4b36c6f0d1';
const LIST = 'reservations';
const QUERY = JSON.stringify([null, '2026-12-01T00:00:00.000Z', null]);
const startKey = (start: string) => DATA_SORT_KEY.start(start, randomUUID());

/** A list over the reservation shards whose positions are by-start keys, as GET /reservations reads them. */
const expected: ExpectedCursor = {
  tenantId: TENANT,
  list: LIST,
  query: QUERY,
  partitions: DATA_SHARDS,
  isPosition: (sortKey) => sortKey.startsWith(DATA_SORT_KEY.startPrefix),
};

const THIRD_SHARD_KEY = startKey('2026-12-03T09:00:00.000Z');
const POSITION: FanOutPosition = [
  { state: 'start' },
  { state: 'after', after: startKey('2026-12-02T09:00:00.000Z') },
  { state: 'done' },
  { state: 'after', after: THIRD_SHARD_KEY },
  { state: 'start' },
  { state: 'done' },
  { state: 'start' },
  { state: 'after', after: startKey('2026-12-01T09:00:00.000Z') },
];
const CURSOR: ListCursor = { tenantId: TENANT, list: LIST, query: QUERY, position: POSITION };
const cursor = encodeListCursor(CURSOR);

/** The reason decoding `text` was refused for, or 'accepted'. */
function outcomeOf(text: string, expectation: ExpectedCursor = expected): InvalidListCursorReason | 'accepted' {
  try {
    decodeListCursor(text, expectation);
    return 'accepted';
  } catch (error) {
    if (error instanceof InvalidListCursorError) return error.reason;
    throw error;
  }
}

/** A cursor as a forger who recomputes the checksum (or a future encoder) would write it. */
function handMade(payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${createHash('sha256').update(body).digest().subarray(0, 16).toString('base64url')}`;
}

/** A valid payload as it travels, for hand-made variations of it. */
const wire = { v: 1, t: TENANT, l: LIST, q: QUERY, p: [0, startKey('2026-12-02T09:00:00.000Z'), 1, 1, 1, 1, 1, 1] };

const replaceAt = (text: string, index: number, character: string): string => `${text.slice(0, index)}${character}${text.slice(index + 1)}`;

describe('the cursor of a list read over several partitions', () => {
  it('decodes back to the position in every partition it was made from', () => {
    const decoded = decodeListCursor(cursor, expected);

    expect(decoded).toEqual(POSITION);
  });

  it('is one URL-safe token, the same for the same position', () => {
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(encodeURIComponent(cursor)).toBe(cursor);
    expect(encodeListCursor({ ...CURSOR, position: [...POSITION] })).toBe(cursor);
  });

  it('asks whether each position lies in the range of its own partition', () => {
    const asked: [string, number][] = [];

    decodeListCursor(cursor, { ...expected, isPosition: (sortKey, index) => (asked.push([sortKey, index]), true) });

    expect(asked).toEqual(
      POSITION.flatMap((position, index): [string, number][] => (position.state === 'after' ? [[position.after, index]] : [])),
    );
  });

  it('holds the longest position a list hands out within the length it accepts back', () => {
    const longestTime = '2027-12-02T23:59:59.999Z';
    const byStart = encodeListCursor({
      tenantId: 'x'.repeat(128),
      list: LIST,
      query: JSON.stringify([null, longestTime, longestTime]),
      position: Array.from({ length: DATA_SHARDS }, () => ({ state: 'after' as const, after: DATA_SORT_KEY.start(longestTime, randomUUID()) })),
    });
    const aircraft = encodeListCursor({
      tenantId: 'x'.repeat(128),
      list: 'aircraft',
      query: '',
      position: Array.from({ length: DATA_SHARDS }, () => ({ state: 'after' as const, after: DATA_SORT_KEY.aircraft(randomUUID()) })),
    });

    expect(byStart.length).toBeLessThan(LIST_CURSOR_MAX_LENGTH);
    expect(aircraft.length).toBeLessThan(LIST_CURSOR_MAX_LENGTH);
  });

  describe('refuses', () => {
    it.each<[string, Partial<ExpectedCursor>, InvalidListCursorReason]>([
      ["another tenant's cursor", { tenantId: OTHER_TENANT }, 'foreign-tenant'],
      ['a tenant id that only starts like the caller’s', { tenantId: `${TENANT}0` }, 'foreign-tenant'],
      ["another list's cursor", { list: 'aircraft' }, 'other-list'],
      ['a cursor of other filters', { query: JSON.stringify([null, '2026-12-02T00:00:00.000Z', null]) }, 'other-query'],
      ['a cursor of no filters for a filtered list', { query: '' }, 'other-query'],
      ['a cursor of more partitions than the list reads', { partitions: 1 }, 'position'],
      ['a cursor of fewer partitions than the list reads', { partitions: DATA_SHARDS + 1 }, 'position'],
      ["a position outside the partition's range", { isPosition: (sortKey) => sortKey !== THIRD_SHARD_KEY }, 'position'],
    ])('%s, checksum intact', (_case, expectation, reason) => {
      expect(outcomeOf(cursor, { ...expected, ...expectation })).toBe(reason);
    });

    it('a cursor of a schedule position for the by-start list, the range as the handler checks it', () => {
      const schedule = encodeListCursor({ ...CURSOR, position: POSITION.map((at, index) => (index === 1 ? { state: 'after', after: DATA_SORT_KEY.schedule(randomUUID(), '2026-12-02T09:00:00.000Z', randomUUID()) } : at)) });

      expect(outcomeOf(schedule)).toBe('position');
    });

    it('a cursor whose every partition was read to its end: none is ever handed out', () => {
      const done = encodeListCursor({ ...CURSOR, position: Array.from({ length: DATA_SHARDS }, () => ({ state: 'done' as const })) });

      expect(outcomeOf(done)).toBe('position');
    });

    it('a cursor with a changed checksum, or a body changed under the old checksum', () => {
      const [body = '', checksum = ''] = cursor.split('.');
      const otherBody = encodeListCursor({ ...CURSOR, query: '' }).split('.')[0] ?? '';

      expect(outcomeOf(`${body}.${replaceAt(checksum, 0, checksum[0] === 'A' ? 'B' : 'A')}`)).toBe('checksum');
      expect(outcomeOf(`${otherBody}.${checksum}`)).toBe('checksum');
    });

    it.each<[string, unknown, InvalidListCursorReason]>([
      ['another version', { ...wire, v: 2 }, 'version'],
      ['version 0', { ...wire, v: 0 }, 'version'],
      ['a version as text', { ...wire, v: '1' }, 'malformed'],
      ['no version', { t: TENANT, l: LIST, q: QUERY, p: wire.p }, 'malformed'],
      ['a member more', { ...wire, pk: `TENANT#${OTHER_TENANT}#RESERVATION#0` }, 'malformed'],
      ['no positions', { ...wire, p: undefined }, 'malformed'],
      ['a position that is neither 0, 1 nor a key', { ...wire, p: [2, 0, 0, 0, 0, 0, 0, 0] }, 'malformed'],
      ['an empty key as a position', { ...wire, p: ['', 0, 0, 0, 0, 0, 0, 0] }, 'malformed'],
      ['a key in DynamoDB attribute form', { ...wire, p: [{ S: startKey('2026-12-02T09:00:00.000Z') }, 0, 0, 0, 0, 0, 0, 0] }, 'malformed'],
      ['a key longer than DynamoDB allows', { ...wire, p: [`START#${'x'.repeat(1100)}`, 0, 0, 0, 0, 0, 0, 0] }, 'malformed'],
      ['the platform as tenant', { ...wire, t: '_platform' }, 'malformed'],
      ['a tenant id holding a separator', { ...wire, t: `${TENANT}#RESERVATION` }, 'malformed'],
      ['an empty list name', { ...wire, l: '' }, 'malformed'],
      ['an array', [1, TENANT, LIST, QUERY, wire.p], 'malformed'],
      ['null', null, 'malformed'],
    ])('a payload of %s even with a recomputed checksum', (_case, payload, reason) => {
      expect(outcomeOf(handMade(payload))).toBe(reason);
    });

    it.each<[string, string]>([
      ['the empty string', ''],
      ['text that is not base64url', 'not a cursor!.x'],
      ['three parts', `${cursor}.${cursor.split('.')[1]}`],
      ['no checksum', cursor.split('.')[0] ?? ''],
      ['base64url of text that is not JSON', handMadeFromBytes(Buffer.from('p=0,1,1'))],
      ['bytes that are not UTF-8', handMadeFromBytes(Buffer.from([0xff, 0xfe, 0x7b]))],
      ['something longer than any cursor', `${'A'.repeat(LIST_CURSOR_MAX_LENGTH)}.x`],
    ])('%s as malformed', (_case, text) => {
      expect(outcomeOf(text)).toBe('malformed');
    });
  });

  describe('properties', () => {
    const sortKeys = fc.oneof(
      fc.uuid().map((id) => DATA_SORT_KEY.aircraft(id)),
      fc.tuple(fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }), fc.uuid()).map(([date, id]) => DATA_SORT_KEY.start(date.toISOString(), id)),
    );
    const positions = fc
      .array(fc.oneof(fc.constant({ state: 'start' as const }), fc.constant({ state: 'done' as const }), sortKeys.map((after) => ({ state: 'after' as const, after }))), { minLength: 1, maxLength: DATA_SHARDS })
      .filter((position) => position.some((at) => at.state !== 'done'));
    const cursors = fc.record({
      tenantId: fc.stringMatching(TENANT_ID_PATTERN),
      list: fc.constantFrom('aircraft', 'reservations'),
      query: fc.string({ maxLength: 100 }),
      position: positions,
    });
    const expectationOf = (value: ListCursor): ExpectedCursor => ({ tenantId: value.tenantId, list: value.list, query: value.query, partitions: value.position.length, isPosition: () => true });

    it('decode(encode(x)) is x for every tenant, list, query and position', () => {
      fc.assert(
        fc.property(cursors, (value) => {
          expect(decodeListCursor(encodeListCursor(value), expectationOf(value))).toEqual(value.position);
        }),
      );
    });

    it('a random string never decodes, even for a list that accepts any position', () => {
      const texts = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.base64String({ maxLength: 300 }).map((text) => text.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_')),
        fc.tuple(fc.base64String({ maxLength: 300 }), fc.base64String({ maxLength: 30 })).map(([body, sum]) => `${body.replace(/=+$/, '')}.${sum.replace(/=+$/, '')}`),
      );

      fc.assert(
        fc.property(texts, (text) => {
          expect(outcomeOf(text, { ...expected, isPosition: () => true })).not.toBe('accepted');
        }),
        { numRuns: 500 },
      );
    });

    it('a cursor with any one character changed is refused', () => {
      fc.assert(
        fc.property(cursors, fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), (value, at, character) => {
          const encoded = encodeListCursor(value);
          const index = at % encoded.length;
          fc.pre(encoded[index] !== character);

          expect(outcomeOf(replaceAt(encoded, index, character), expectationOf(value))).not.toBe('accepted');
        }),
      );
    });
  });
});

describe('the cursor codec both cursors share', () => {
  const auditCursor = encodeAuditCursor({ tenantId: TENANT, lastKey: SORT_KEY.auditRecord('2026-12-01T10:15:30Z', 'tenant.onboarded:x') });

  it('gives both cursors one wire form, whose checksum each of them checks', () => {
    const [auditBody = ''] = auditCursor.split('.');
    const [, listChecksum = ''] = cursor.split('.');

    expect(auditCursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(outcomeOf(`${auditBody}.${listChecksum}`)).toBe('checksum');
    expect(() => decodeAuditCursor(`${auditBody}.${listChecksum}`, TENANT)).toThrow(expect.objectContaining({ reason: 'checksum' }));
  });

  it('keeps the two kinds apart: a valid cursor of one is malformed as the other', () => {
    const auditAsList = outcomeOf(auditCursor);
    const listAsAudit = () => decodeAuditCursor(cursor, TENANT);

    expect(auditAsList).toBe('malformed');
    expect(listAsAudit).toThrow(InvalidAuditCursorError);
    expect(listAsAudit).toThrow(expect.objectContaining({ reason: 'malformed' }));
  });

  it('refuses what is longer than the length its caller allows, before reading it', () => {
    const encoded = encodeCursorPayload({ filler: 'x'.repeat(100) });

    expect(decodeCursorPayload(encoded, encoded.length)).toEqual({ filler: 'x'.repeat(100) });
    expect(() => decodeCursorPayload(encoded, encoded.length - 1)).toThrow(expect.objectContaining({ failure: 'malformed' }));
    expect(() => decodeCursorPayload(encoded, encoded.length - 1)).toThrow(CursorCodecError);
  });
});

function handMadeFromBytes(bytes: Buffer): string {
  const body = bytes.toString('base64url');
  return `${body}.${createHash('sha256').update(body).digest().subarray(0, 16).toString('base64url')}`;
}
