import fc from 'fast-check';
import { TENANT_NAME_LIMITS, tenantNameProblem, tenantNameSchema } from '../../domain/tenant-name';

const LENGTH = 'must be 1 to 100 characters';
const forbidden = (codePoint: string) => `must not contain control or format characters (found ${codePoint})`;
const codePoints = (value: string): number => [...value].length;

/** An oracle written apart from the rule: one code point at a time, each category on its own. */
const hasControlOrFormat = (value: string): boolean => [...value].some((character) => /\p{Cc}/u.test(character) || /\p{Cf}/u.test(character));

describe('a tenant name', () => {
  it.each([
    ['a plain name', 'Blue Sky Flight School', 'Blue Sky Flight School'],
    ['one character', 'a', 'a'],
    ['100 ASCII characters', 'x'.repeat(100), 'x'.repeat(100)],
    ['100 emoji: 100 code points, though 200 UTF-16 units', '😀'.repeat(100), '😀'.repeat(100)],
    ['letters beyond ASCII', 'École de pilotage – Zürich ✈', 'École de pilotage – Zürich ✈'],
    ['spaces around it, trimmed', '   Blue Sky  ', 'Blue Sky'],
    ['a tab and a newline around it, trimmed as whitespace', '\tBlue Sky\n', 'Blue Sky'],
    ['a BOM before it, trimmed as whitespace', '\uFEFFBlue Sky', 'Blue Sky'],
    ['100 characters once trimmed', `  ${'x'.repeat(100)}  `, 'x'.repeat(100)],
  ])('accepts %s', (_case, input, expected) => {
    expect(tenantNameSchema.safeParse(input)).toEqual({ success: true, data: expected });
  });

  it.each([
    ['an empty name', '', LENGTH],
    ['only spaces', '     ', LENGTH],
    ['only whitespace of several kinds', ' \t\n\r\u00A0\u3000', LENGTH],
    ['101 ASCII characters', 'x'.repeat(101), LENGTH],
    ['101 emoji', '😀'.repeat(101), LENGTH],
    ['NUL', 'Blue\u0000Sky', forbidden('U+0000')],
    ['NUL at the end, which trimming keeps', 'Blue Sky\u0000', forbidden('U+0000')],
    ['a tab inside', 'Blue\tSky', forbidden('U+0009')],
    ['a newline inside', 'Blue\nSky', forbidden('U+000A')],
    ['DEL', 'Blue\u007FSky', forbidden('U+007F')],
    ['a C1 control (NEL)', 'Blue\u0085Sky', forbidden('U+0085')],
    ['a right-to-left override', 'Blue\u202ESky', forbidden('U+202E')],
    ['a left-to-right embedding', '\u202ABlue Sky', forbidden('U+202A')],
    ['a first-strong isolate', 'Blue\u2068Sky', forbidden('U+2068')],
    ['a pop directional isolate', 'Blue Sky\u2069', forbidden('U+2069')],
    ['a zero-width space', 'Blue\u200BSky', forbidden('U+200B')],
    ['a zero-width joiner', 'Blue\u200DSky', forbidden('U+200D')],
    ['a BOM inside', 'Blue\uFEFFSky', forbidden('U+FEFF')],
    ['a soft hyphen', 'Blue\u00ADSky', forbidden('U+00AD')],
    ['a lone surrogate, which no UTF-8 can carry', 'Blue\uD800Sky', forbidden('U+D800')],
  ])('refuses %s, saying why', (_case, input, message) => {
    const parsed = tenantNameSchema.safeParse(input);

    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([message]);
  });

  it('refuses a value that is not a string', () => {
    expect(tenantNameSchema.safeParse(42).success).toBe(false);
  });

  it('counts no further than it must, however long the name', () => {
    expect(tenantNameProblem('x'.repeat(1_000_000))).toBe(LENGTH);
  });

  it(`accepts exactly the names of ${TENANT_NAME_LIMITS.minCodePoints} to ${TENANT_NAME_LIMITS.maxCodePoints} code points, once trimmed, with no control or format character`, () => {
    // Mostly the characters that matter at the edges: forbidden ones, whitespace, astral ones.
    const tricky = fc.constantFrom('a', ' ', '\t', '\n', '\u0000', '\u0085', '\u202E', '\u2066', '\u200B', '\uFEFF', '\u00A0', '😀', 'é');
    const names = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 130 }),
      fc.string({ unit: tricky, maxLength: 130 }),
      fc.string({ unit: 'grapheme', minLength: 95, maxLength: 105 }),
    );

    fc.assert(
      fc.property(names, (input) => {
        const parsed = tenantNameSchema.safeParse(input);
        const trimmed = input.trim();
        const valid = codePoints(trimmed) >= 1 && codePoints(trimmed) <= 100 && !hasControlOrFormat(trimmed);

        expect(parsed.success).toBe(valid);
        if (parsed.success) {
          expect(parsed.data).toBe(trimmed);
          expect(codePoints(parsed.data)).toBeGreaterThanOrEqual(1);
          expect(codePoints(parsed.data)).toBeLessThanOrEqual(100);
          expect(hasControlOrFormat(parsed.data)).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
