import { AwsServiceError } from '../server/aws-json';
import { validationError } from './errors';
import { compilePattern, InvalidEventPatternError, parseEventPattern, type CompiledPattern } from './pattern';

/** Reading the members of an EventBridge request, with AWS's validation wordings. */

/** Rule and target names (RuleName, TargetId in the service model): 1–64 of `[.\-_A-Za-z0-9]`. */
const NAME_PATTERN = /^[.\-_A-Za-z0-9]{1,64}$/;
const DEFAULT_PAGE = 100;

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function optionalString(input: Record<string, unknown>, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsServiceError('SerializationException', `${member} must be a string`);
  return value;
}

export function requiredString(input: Record<string, unknown>, member: string): string {
  const value = optionalString(input, member);
  if (value === undefined || value === '') {
    throw validationError(`1 validation error detected: Value null at '${member.charAt(0).toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

export function validName(value: string, member: string): string {
  if (!NAME_PATTERN.test(value)) {
    throw validationError(
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
    );
  }
  return value;
}

/** `NextToken` is an offset into the (stable, in-memory) list; `Limit` defaults to 100. */
export function page<T>(items: readonly T[], input: Record<string, unknown>): { items: T[]; nextToken?: string } {
  const start = Number(optionalString(input, 'NextToken') ?? '0');
  const limit = typeof input.Limit === 'number' && input.Limit > 0 ? input.Limit : DEFAULT_PAGE;
  if (!Number.isInteger(start) || start < 0) throw validationError('The NextToken is not valid.');
  const end = start + limit;
  return { items: items.slice(start, end), ...(end < items.length ? { nextToken: String(end) } : {}) };
}

/** A request's event pattern, compiled; a malformed one is AWS's InvalidEventPatternException. */
export function compileEventPattern(eventPattern: string): CompiledPattern {
  try {
    return compilePattern(parseEventPattern(eventPattern));
  } catch (error) {
    if (error instanceof InvalidEventPatternError) throw new AwsServiceError('InvalidEventPatternException', error.message);
    throw error;
  }
}
