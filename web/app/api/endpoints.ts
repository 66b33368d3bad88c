import type { Action } from '../../../domain/permissions';

/**
 * The API.md routes the app calls, each with the action its handler checks. The app reads
 * `action` to decide which buttons a role sees; the API decides what is allowed. A unit test
 * (test/unit/web-app-endpoints.test.ts) holds this table to handlers/api/routes.ts, which the
 * browser bundle cannot import (it drags in the Lambda catalogue).
 */
export interface Endpoint {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly action: Action | null;
}

export const ENDPOINTS = {
  me: { method: 'GET', path: '/me', action: null },
  listTenants: { method: 'GET', path: '/tenants', action: null },
  createTenant: { method: 'POST', path: '/tenants', action: null },
  switchTenant: { method: 'PUT', path: '/tenants/active', action: null },
  listRoles: { method: 'GET', path: '/roles', action: null },
  createRole: { method: 'POST', path: '/roles', action: 'role:manage' },
  updateRole: { method: 'PUT', path: '/roles/{roleId}', action: 'role:manage' },
  deleteRole: { method: 'DELETE', path: '/roles/{roleId}', action: 'role:manage' },
  listMembers: { method: 'GET', path: '/members', action: 'member:read' },
  addMember: { method: 'POST', path: '/members', action: 'member:manage' },
  changeMemberRole: { method: 'PUT', path: '/members/{userId}/role', action: 'role:assign' },
  removeMember: { method: 'DELETE', path: '/members/{userId}', action: 'member:manage' },
  listInvitations: { method: 'GET', path: '/invitations', action: 'member:read' },
  revokeInvitation: { method: 'DELETE', path: '/invitations/{email}', action: 'member:manage' },
  listAudit: { method: 'GET', path: '/audit', action: 'audit:read' },
  listAircraft: { method: 'GET', path: '/aircraft', action: 'aircraft:read' },
  createAircraft: { method: 'POST', path: '/aircraft', action: 'aircraft:write' },
  getAircraft: { method: 'GET', path: '/aircraft/{aircraftId}', action: 'aircraft:read' },
  updateAircraft: { method: 'PUT', path: '/aircraft/{aircraftId}', action: 'aircraft:write' },
  deleteAircraft: { method: 'DELETE', path: '/aircraft/{aircraftId}', action: 'aircraft:write' },
  listReservations: { method: 'GET', path: '/reservations', action: 'reservation:read' },
  createReservation: { method: 'POST', path: '/reservations', action: 'reservation:create' },
  cancelReservation: { method: 'DELETE', path: '/reservations/{reservationId}', action: 'reservation:cancel' },
} as const satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof ENDPOINTS;

/**
 * A path with its `{name}` segments filled, each URL-encoded (an email in `/invitations/{email}`).
 * An empty, `.` or `..` value is refused: encoding leaves it as is, and the URL parser would read
 * it as a dot segment, sending `/aircraft/..` (from an id in the fragment) to another route.
 */
export function pathOf(endpoint: Endpoint, params: Readonly<Record<string, string>> = {}): string {
  return endpoint.path.replace(/\{(\w+)\}/g, (_whole, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${endpoint.path} needs ${name}`);
    if (value === '' || value === '.' || value === '..') throw new Error(`${endpoint.path}: ${JSON.stringify(value)} is no ${name}`);
    return encodeURIComponent(value);
  });
}

/**
 * Whether the caller's role (its `GET /me` permissions) holds what an endpoint needs: the app
 * shows only the buttons this allows. A hint, not a guard: the API checks every request.
 */
export const allows = (permissions: readonly string[], endpoint: Endpoint): boolean => endpoint.action === null || permissions.includes(endpoint.action);
