/**
 * No token leaves the inspector. None should reach it: executions, events and invocation records
 * hold none by design (the API refreshes tokens outside its workflows). This is the second line,
 * for a design that slips: any string shaped like a JWT (a user pool's ID, access or refresh
 * token as cognito-local issues them) is replaced wherever it sits, inside JSON text included.
 */

/** A JWS compact serialisation: base64url header (always `eyJ…`, a JSON object), payload, signature. */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
export const REDACTED = '[token removed by the inspector]';

export function withoutTokens<T>(value: T): T {
  if (typeof value === 'string') return value.replace(JWT, REDACTED) as T;
  if (Array.isArray(value)) return value.map(withoutTokens) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withoutTokens(inner)])) as T;
  }
  return value;
}
