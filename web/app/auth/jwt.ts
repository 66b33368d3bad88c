/**
 * What the app reads of its own ID token: when it expires, so it refreshes before the API says
 * 401. The signature is the API's to check; nothing here is trusted for a decision.
 */
export function expiresAtMs(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims: unknown = JSON.parse(atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '=')));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const exp = (claims as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Refresh this long before expiry: a request in flight, and a clock a little off, still land in time. */
export const REFRESH_MARGIN_MS = 60_000;

export function needsRefresh(token: string, nowMs: number): boolean {
  const expiry = expiresAtMs(token);
  return expiry === undefined || expiry - REFRESH_MARGIN_MS <= nowMs;
}
