import fc from 'fast-check';
import { tenantNameProblem, tenantNameSchema } from '../../domain/tenant-name';

const LENGTH = 'must be 1 to 100 characters';
const forbidden = (codePoint: string) => `must not contain control or format characters (found ${codePoint})`;
const invisible = (codePoint: string) => `must not contain invisible or unassigned characters (found ${codePoint})`;
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

  it.each([
    ['a Hangul filler, which draws nothing', 'Blue\u3164Sky', invisible('U+3164')],
    ['a Hangul choseong filler', '\u115FBlue Sky', invisible('U+115F')],
    ['a combining grapheme joiner', 'Blue\u034FSky', invisible('U+034F')],
    ['a lone variation selector', 'Blue\uFE00Sky', invisible('U+FE00')],
    ['a line separator', 'Blue Sky Flight School\u2028(official)', invisible('U+2028')],
    ['a paragraph separator', 'Blue\u2029Sky', invisible('U+2029')],
    ['an unassigned code point', 'Blue\u0378Sky', invisible('U+0378')],
    ['a private-use character', 'Blue\uE000Sky', invisible('U+E000')],
    ['a non-character', 'Blue\uFFFFSky', invisible('U+FFFF')],
    ['only Braille blanks', '\u2800\u2800\u2800', 'must contain at least one visible character'],
    ['only combining marks', '\u0301\u0301', 'must contain at least one visible character'],
    ['a letter under 99 combining marks', `a${'\u0301'.repeat(99)}`, 'must not stack more than 4 combining marks on one character'],
  ])('refuses %s, saying why', (_case, input, message) => {
    const parsed = tenantNameSchema.safeParse(input);

    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([message]);
  });

  it.each([
    ['an emoji in its colour form (U+FE0F)', 'Blue Sky \u2708\uFE0F', 'Blue Sky \u2708\uFE0F'],
    ['a decomposed accent, put in normal form C', 'E\u0301cole', '\u00C9cole'],
    ['Vietnamese with two marks on a letter', 'Trươ\u0300ng bay', 'Trường bay'],
  ])('accepts %s', (_case, input, expected) => {
    expect(tenantNameSchema.safeParse(input)).toEqual({ success: true, data: expected });
  });

  it('accepts only names of 1 to 100 code points, normalized, that show something and hide nothing', () => {
    // Mostly the characters that matter at the edges: forbidden ones, whitespace, astral ones.
    const tricky = fc.constantFrom('a', ' ', '\t', '\n', '\u0000', '\u0085', '\u202E', '\u2066', '\u200B', '\uFEFF', '\u00A0', '😀', 'é', '\u3164', '\u2028', '\u2800', '\u0301');
    const names = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 130 }),
      fc.string({ unit: tricky, maxLength: 130 }),
      fc.string({ unit: 'grapheme', minLength: 95, maxLength: 105 }),
    );

    fc.assert(
      fc.property(names, (input) => {
        const parsed = tenantNameSchema.safeParse(input);

        if (parsed.success) {
          expect(codePoints(parsed.data)).toBeGreaterThanOrEqual(1);
          expect(codePoints(parsed.data)).toBeLessThanOrEqual(100);
          expect(hasControlOrFormat(parsed.data)).toBe(false);
          expect(parsed.data).toBe(parsed.data.normalize('NFC'));
          expect(parsed.data).toBe(parsed.data.trim());
          expect(/[\p{L}\p{N}\p{P}\p{S}]/u.test(parsed.data.replaceAll('\u2800', ''))).toBe(true);
          expect(/\p{Zl}|\p{Zp}|\p{Co}|\p{Cn}/u.test(parsed.data)).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts every name of 1 to 100 plain letters, digits and punctuation, around any whitespace', () => {
    const plain = fc.string({ unit: fc.constantFrom('a', 'Z', '7', '-', '.', '&', ' ', 'é', 'ß', 'ж', '航', '✈'), minLength: 1, maxLength: 100 });

    fc.assert(
      fc.property(plain.filter((name) => name.trim() !== ''), fc.constantFrom('', ' ', '\t', '  '), (name, padding) => {
        expect(tenantNameSchema.safeParse(`${padding}${name}${padding}`)).toEqual({ success: true, data: name.trim() });
      }),
      { numRuns: 500 },
    );
  });
});
