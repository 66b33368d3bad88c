/**
 * An audit event's detail as `name: value` lines, for reading at a glance: the tenant id is left
 * out (every event on the page is the active tenant's), values that are not text are JSON.
 */
export function detailEntries(detail: unknown): [string, string][] {
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return detail === undefined ? [] : [['detail', JSON.stringify(detail)]];
  return Object.entries(detail as Record<string, unknown>)
    .filter(([name, value]) => name !== 'tenantId' && value !== undefined && value !== null)
    .map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]);
}
