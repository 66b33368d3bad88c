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
  return undefined;
}

/** A tenant name as the API accepts it: trimmed, then checked by `tenantNameProblem`. */
export const tenantNameSchema = z
  .string()
  .trim()
  .superRefine((trimmed, context) => {
    const problem = tenantNameProblem(trimmed);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });
