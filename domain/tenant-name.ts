import * as z from 'zod';

/**
 * What a tenant name may be: its length counted in Unicode code points, because that is what a
 * person counts (zod's `.max` counts UTF-16 units, so 100 emoji would count as 200).
 */
export const TENANT_NAME_LIMITS = {
  minCodePoints: 1,
  maxCodePoints: 100,
} as const;

/**
 * Control and format characters (NUL, C0/C1 controls, bidi overrides, zero-width characters, the
 * BOM…) let a name hide or reorder what other members see. Lone surrogates are refused too: they
 * are not characters, and UTF-8 (DynamoDB, Cognito, every JSON on the wire) cannot carry them.
 */
const FORBIDDEN_CHARACTER = /\p{Cc}|\p{Cf}|\p{Cs}/u;

/**
 * Characters that draw nothing or break the line where a name is shown, so that a name could pose
 * as another or as nothing: line and paragraph separators, private-use and unassigned code points,
 * and the default-ignorable ones (Hangul fillers, the combining grapheme joiner, variation
 * selectors…), except U+FE0F, which only asks for an emoji's colour form. U+2800 (Braille blank)
 * draws nothing either but is a symbol: it is caught by the visible-character rule below.
 */
const INVISIBLE_CHARACTER = /\p{Zl}|\p{Zp}|\p{Co}|\p{Cn}|(?!\uFE0F)\p{Default_Ignorable_Code_Point}/u;

/** A name must show something: at least one letter, digit, punctuation mark or symbol that draws. */
const VISIBLE_CHARACTER = /(?!\u2800)[\p{L}\p{N}\p{P}\p{S}]/u;

/** More combining marks on one character than any script writes: a name that smears over its neighbours. */
const MAX_COMBINING_MARKS = 4;
const MARK_RUN = new RegExp(`\\p{M}{${MAX_COMBINING_MARKS + 1},}`, 'u');

const LENGTH_MESSAGE = `must be ${TENANT_NAME_LIMITS.minCodePoints} to ${TENANT_NAME_LIMITS.maxCodePoints} characters`;

/** Counts code points, stopping once past `limit`: a long name costs no more than a short one. */
function codePointsUpTo(value: string, limit: number): number {
  let count = 0;
  for (const _ of value) {
    count += 1;
    if (count > limit) break;
  }
  return count;
}

const codePointLabel = (character: string): string => `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Why an already trimmed name is refused, or undefined when it is a valid tenant name. */
export function tenantNameProblem(trimmed: string): string | undefined {
  const length = codePointsUpTo(trimmed, TENANT_NAME_LIMITS.maxCodePoints);
  if (length < TENANT_NAME_LIMITS.minCodePoints || length > TENANT_NAME_LIMITS.maxCodePoints) return LENGTH_MESSAGE;
  const forbidden = FORBIDDEN_CHARACTER.exec(trimmed)?.[0];
  if (forbidden !== undefined) return `must not contain control or format characters (found ${codePointLabel(forbidden)})`;
  const invisible = INVISIBLE_CHARACTER.exec(trimmed)?.[0];
  if (invisible !== undefined) return `must not contain invisible or unassigned characters (found ${codePointLabel(invisible)})`;
  if (!VISIBLE_CHARACTER.test(trimmed)) return 'must contain at least one visible character';
  if (MARK_RUN.test(trimmed)) return `must not stack more than ${MAX_COMBINING_MARKS} combining marks on one character`;
  return undefined;
}

/**
 * A tenant name as the API accepts it: trimmed and put in Unicode normalization form C (so that
 * "é" typed two ways is one name), then checked by `tenantNameProblem`.
 */
export const tenantNameSchema = z
  .string()
  .trim()
  .transform((name) => name.normalize('NFC'))
  .superRefine((trimmed, context) => {
    const problem = tenantNameProblem(trimmed);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });
