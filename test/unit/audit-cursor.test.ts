import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  AUDIT_CURSOR_MAX_LENGTH,
  decodeAuditCursor,
  encodeAuditCursor,
  InvalidAuditCursorError,
  isAuditRecordKey,
  type AuditCursor,
  type InvalidAuditCursorReason,
} from '../../domain/audit-cursor';
import { SORT_KEY, TENANT_ID_PATTERN } from '../../domain/keys';

const TENANT = '0f4d9a53-3a53-4c6f-9a43-5d1f6f1b2c7e';
const OTHER_TENANT = 'b7f2cbb0-18f4-4c8f-8d7e-2a4b36c6f0d1';
const LAST_KEY = SORT_KEY.auditRecord('2026-12-01T10:15:30Z', 'tenant.onboarded:arn:aws:states:us-east-1:000000000000:express:Onboarding:4b0c2a4e:9d3f');
const cursor = encodeAuditCursor({ tenantId: TENANT, lastKey: LAST_KEY });

/** The reason `decode` refused `text` for, or 'accepted'. */
function outcomeOf(text: string, tenantId = TENANT): InvalidAuditCursorReason | 'accepted' {
  try {
    decodeAuditCursor(text, tenantId);
    return 'accepted';
  } catch (error) {
    if (error instanceof InvalidAuditCursorError) return error.reason;
    throw error;
  }
}

/** A cursor as another encoder (a future version, a forger who recomputes the checksum) would write it. */
function handMade(payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${createHash('sha256').update(body).digest().subarray(0, 16).toString('base64url')}`;
}

const replaceAt = (text: string, index: number, character: string): string => `${text.slice(0, index)}${character}${text.slice(index + 1)}`;

describe('the audit cursor', () => {
  it('decodes back to the tenant and position it was made from', () => {
    const decoded = decodeAuditCursor(cursor, TENANT);

    expect(decoded).toEqual({ tenantId: TENANT, lastKey: LAST_KEY });
  });

  it('is one URL-safe token that needs no escaping in a query string', () => {
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(encodeURIComponent(cursor)).toBe(cursor);
  });

  it('keeps a dedupe key that holds # (an address may) as one position', () => {
    const lastKey = SORT_KEY.auditRecord('2026-12-01T10:15:30Z', `invitation.expired:${TENANT}:a#b@example.com:2026-12-05T09:00:00.000Z`);

    expect(decodeAuditCursor(encodeAuditCursor({ tenantId: TENANT, lastKey }), TENANT).lastKey).toBe(lastKey);
  });

  it('refuses every single-bit flip of every character', () => {
    const outcomes = new Set<string>();
    for (let index = 0; index < cursor.length; index += 1) {
      for (let bit = 0; bit < 8; bit += 1) {
        const flipped = replaceAt(cursor, index, String.fromCharCode(cursor.charCodeAt(index) ^ (1 << bit)));
        outcomes.add(outcomeOf(flipped));
      }
    }

    expect(outcomes.has('accepted')).toBe(false);
    expect([...outcomes].sort()).toEqual(['checksum', 'malformed']);
  });

  it('refuses every replacement of any character by another URL-safe one', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    const accepted: string[] = [];
    for (let index = 0; index < cursor.length; index += 1) {
      for (const character of alphabet) {
        if (character === cursor[index]) continue;
        const changed = replaceAt(cursor, index, character);
        if (outcomeOf(changed) === 'accepted') accepted.push(changed);
      }
    }

    expect(accepted).toEqual([]);
  });

  it('refuses every truncation and any appended character', () => {
    const truncations = Array.from({ length: cursor.length }, (_, length) => outcomeOf(cursor.slice(0, length)));

    expect(truncations.filter((outcome) => outcome === 'accepted')).toEqual([]);
    expect(outcomeOf(`${cursor}A`)).toBe('checksum');
    expect(outcomeOf(`${cursor}.`)).toBe('malformed');
  });

  it("refuses another tenant's cursor, checksum intact", () => {
    const foreign = encodeAuditCursor({ tenantId: OTHER_TENANT, lastKey: LAST_KEY });

    expect(outcomeOf(foreign)).toBe('foreign-tenant');
    expect(outcomeOf(foreign, OTHER_TENANT)).toBe('accepted');
  });

  it('refuses a tenant id that only starts like the caller’s', () => {
    expect(outcomeOf(encodeAuditCursor({ tenantId: `${TENANT}0`, lastKey: LAST_KEY }))).toBe('foreign-tenant');
    expect(outcomeOf(encodeAuditCursor({ tenantId: TENANT.slice(0, -1), lastKey: LAST_KEY }))).toBe('foreign-tenant');
  });

  it.each<[string, unknown, InvalidAuditCursorReason]>([
    ['another version', { v: 2, t: TENANT, k: LAST_KEY }, 'version'],
    ['version 0', { v: 0, t: TENANT, k: LAST_KEY }, 'version'],
    ['a version as text', { v: '1', t: TENANT, k: LAST_KEY }, 'malformed'],
    ['no version', { t: TENANT, k: LAST_KEY }, 'malformed'],
    ['a member more', { v: 1, t: TENANT, k: LAST_KEY, pk: 'AUDIT#someone-else' }, 'malformed'],
    ['no tenant', { v: 1, k: LAST_KEY }, 'malformed'],
    ['the platform trail', { v: 1, t: '_platform', k: LAST_KEY }, 'malformed'],
    ['a tenant id holding a separator', { v: 1, t: `${TENANT}#x`, k: LAST_KEY }, 'malformed'],
    ['a dedupe marker as the position', { v: 1, t: TENANT, k: SORT_KEY.auditDedupe('tenant.onboarded:x') }, 'position'],
    ['a key of another kind', { v: 1, t: TENANT, k: SORT_KEY.tenant }, 'position'],
    ['a key with no time', { v: 1, t: TENANT, k: 'EVENT#tenant.onboarded:x' }, 'position'],
    ['a key with a time that is not ISO', { v: 1, t: TENANT, k: 'EVENT#yesterday#tenant.onboarded:x' }, 'position'],
    ['a key with an offset time', { v: 1, t: TENANT, k: 'EVENT#2026-12-01T10:15:30+01:00#x' }, 'position'],
    ['a key with no dedupe key', { v: 1, t: TENANT, k: 'EVENT#2026-12-01T10:15:30Z#' }, 'position'],
    ['the bare record prefix', { v: 1, t: TENANT, k: SORT_KEY.auditRecordPrefix }, 'position'],
    ['a key with a control character', { v: 1, t: TENANT, k: 'EVENT#2026-12-01T10:15:30Z#x\u0000y' }, 'position'],
    ['a key with a lone surrogate', { v: 1, t: TENANT, k: 'EVENT#2026-12-01T10:15:30Z#x\ud800' }, 'position'],
    ['a key longer than DynamoDB allows', { v: 1, t: TENANT, k: `EVENT#2026-12-01T10:15:30Z#${'x'.repeat(1000)}` }, 'position'],
    ['a position that is not text', { v: 1, t: TENANT, k: { S: LAST_KEY } }, 'malformed'],
    ['an array', [1, TENANT, LAST_KEY], 'malformed'],
    ['null', null, 'malformed'],
  ])('refuses %s even with a recomputed checksum', (_case, payload, reason) => {
    expect(outcomeOf(handMade(payload))).toBe(reason);
  });

  it.each<[string, string]>([
    ['the empty string', ''],
    ['text that is not base64url', 'not a cursor!.x'],
    ['padded base64', `${Buffer.from('{"v":1}').toString('base64')}.x`],
    ['three parts', `${cursor}.${cursor.split('.')[1]}`],
    ['no checksum', cursor.split('.')[0] ?? ''],
    ['a checksum only', `.${cursor.split('.')[1]}`],
    ['bytes that are not UTF-8', handMadeFromBytes(Buffer.from([0xff, 0xfe, 0x7b]))],
    ['base64url of text that is not JSON', handMadeFromBytes(Buffer.from('v=1&t=x'))],
    ['a non-canonical spelling of the same bytes', nonCanonical()],
    ['something longer than any cursor', `${'A'.repeat(AUDIT_CURSOR_MAX_LENGTH)}.x`],
  ])('refuses %s as malformed', (_case, text) => {
    expect(outcomeOf(text)).toBe('malformed');
  });

  it('will not encode a position it would refuse to decode', () => {
    const encode = (value: AuditCursor) => () => encodeAuditCursor(value);

    expect(encode({ tenantId: TENANT, lastKey: SORT_KEY.auditDedupe('x') })).toThrow(InvalidAuditCursorError);
    expect(encode({ tenantId: 'a#b', lastKey: LAST_KEY })).toThrow(InvalidAuditCursorError);
  });

  describe('properties', () => {
    const tenantIds = fc.stringMatching(TENANT_ID_PATTERN);
    // EventBridge times are to the second; the envelope schema also admits fractions.
    const times = fc
      .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
      .chain((date) => fc.constantFrom(date.toISOString(), date.toISOString().replace(/\.\d{3}Z$/, 'Z')));
    // Printable, and short enough for a sort key (1,024 bytes) whatever the graphemes weigh.
    const dedupeKeys = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 100 })
      .filter((key) => !/[\p{Cc}\p{Cs}]/u.test(key) && Buffer.byteLength(key, 'utf8') <= 900);
    const cursors = fc.record({ tenantId: tenantIds, lastKey: fc.tuple(times, dedupeKeys).map(([time, key]) => SORT_KEY.auditRecord(time, key)) });

    it('decode(encode(x)) is x for every tenant and record position', () => {
      fc.assert(
        fc.property(cursors, (value) => {
          expect(decodeAuditCursor(encodeAuditCursor(value), value.tenantId)).toEqual(value);
        }),
      );
    });

    it("any other string is refused, or names the caller's tenant and a record position", () => {
      const lastKeys = cursors.map((value) => value.lastKey);
      // Noise, near-misses in the right alphabet, and well-formed payloads (checksum recomputed, as
      // a forger would) naming the caller, another tenant, another version or a stray position.
      const textFor = (caller: string) =>
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.base64String({ maxLength: 300 }).map((text) => text.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_')),
          fc.tuple(fc.base64String({ maxLength: 200 }), fc.base64String({ maxLength: 30 })).map(([body, sum]) => `${body}.${sum}`),
          fc.jsonValue().map(handMade),
          fc
            .record({ v: fc.constantFrom(1, 2), t: fc.oneof(fc.constant(caller), tenantIds), k: fc.oneof(lastKeys, fc.string()) })
            .map(handMade),
        );
      const cases = tenantIds.chain((caller) => fc.tuple(fc.constant(caller), textFor(caller)));
      let accepted = 0;

      fc.assert(
        fc.property(cases, ([caller, text]) => {
          let decoded: AuditCursor | undefined;
          try {
            decoded = decodeAuditCursor(text, caller);
          } catch (error) {
            if (!(error instanceof InvalidAuditCursorError)) throw error;
          }
          if (decoded !== undefined) {
            accepted += 1;
            expect(decoded.tenantId).toBe(caller);
            expect(isAuditRecordKey(decoded.lastKey)).toBe(true);
          }
        }),
        { numRuns: 500 },
      );
      // The generators reach the accepting branch, so the property checks something there.
      expect(accepted).toBeGreaterThan(0);
    });

    it('a cursor with any one character changed is refused', () => {
      fc.assert(
        fc.property(
          cursors,
          fc.nat(),
          fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
          (value, position, character) => {
            const encoded = encodeAuditCursor(value);
            const index = position % encoded.length;
            fc.pre(encoded[index] !== character);

            expect(outcomeOf(replaceAt(encoded, index, character), value.tenantId)).not.toBe('accepted');
          },
        ),
      );
    });

    it("a tenant's cursor is refused by every other tenant", () => {
      fc.assert(
        fc.property(cursors, tenantIds, (value, caller) => {
          fc.pre(caller !== value.tenantId);

          expect(outcomeOf(encodeAuditCursor(value), caller)).toBe('foreign-tenant');
        }),
      );
    });
  });
});

function handMadeFromBytes(bytes: Buffer): string {
  const body = bytes.toString('base64url');
  return `${body}.${createHash('sha256').update(body).digest().subarray(0, 16).toString('base64url')}`;
}

/**
 * A valid cursor whose body's last character has an unused low bit set: Node decodes it to the
 * same bytes, so only the canonical-spelling check can refuse it.
 */
function nonCanonical(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  // A body whose length is not a multiple of 4 ends in a character with unused bits.
  const body = [1, 2, 3]
    .map((length) => Buffer.from(JSON.stringify({ v: 1, t: TENANT, k: SORT_KEY.auditRecord('2026-12-01T10:15:30Z', 'x'.repeat(length)) })).toString('base64url'))
    .find((candidate) => candidate.length % 4 !== 0);
  if (body === undefined) throw new Error('no candidate body ends in a character with unused bits');
  const altered = `${body.slice(0, -1)}${alphabet[alphabet.indexOf(body.at(-1) ?? 'A') ^ 1]}`;
  if (Buffer.from(altered, 'base64url').toString('base64url') !== body) throw new Error('the altered body does not decode to the same bytes');
  return `${altered}.${createHash('sha256').update(altered).digest().subarray(0, 16).toString('base64url')}`;
}
