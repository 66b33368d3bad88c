import type { Action } from '../../domain/permissions';
import { FUNCTIONS } from '../catalog';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * The REST API's routes, defined once: the CDK app creates the resources and methods from this
 * table and the local REST API serves the same table. Every route is behind the authorizer.
 * `withoutTenant` routes are the only ones a signed-in user with no active tenant (or whose active
 * tenant has no membership item for them) may call.
 */
export interface RouteDefinition {
  readonly method: HttpMethod;
  readonly path: string;
  readonly functionName: string;
  readonly withoutTenant: boolean;
  /**
   * The action the caller's role must hold (API.md), checked by the handler: a read against the
   * role item, a write inside its own transaction. `null`: any member of the active tenant (or, for
   * `withoutTenant` routes, any signed-in user).
   */
  readonly action: Action | null;
}

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'GET', path: '/me', functionName: FUNCTIONS.getMe.name, withoutTenant: true, action: null },
  { method: 'GET', path: '/tenants', functionName: FUNCTIONS.listTenants.name, withoutTenant: true, action: null },
  { method: 'POST', path: '/tenants', functionName: FUNCTIONS.createTenant.name, withoutTenant: true, action: null },
  // Open without an active tenant: an invited user activates a tenant this way, and so does a user
  // whose active tenant no longer has their membership.
  { method: 'PUT', path: '/tenants/active', functionName: FUNCTIONS.switchTenant.name, withoutTenant: true, action: null },
  { method: 'GET', path: '/roles', functionName: FUNCTIONS.listRoles.name, withoutTenant: false, action: null },
  { method: 'POST', path: '/roles', functionName: FUNCTIONS.createRole.name, withoutTenant: false, action: 'role:manage' },
  { method: 'PUT', path: '/roles/{roleId}', functionName: FUNCTIONS.updateRole.name, withoutTenant: false, action: 'role:manage' },
  { method: 'DELETE', path: '/roles/{roleId}', functionName: FUNCTIONS.deleteRole.name, withoutTenant: false, action: 'role:manage' },
  { method: 'GET', path: '/members', functionName: FUNCTIONS.listMembers.name, withoutTenant: false, action: 'member:read' },
  { method: 'POST', path: '/members', functionName: FUNCTIONS.addMember.name, withoutTenant: false, action: 'member:manage' },
  { method: 'PUT', path: '/members/{userId}/role', functionName: FUNCTIONS.changeMemberRole.name, withoutTenant: false, action: 'role:assign' },
  { method: 'DELETE', path: '/members/{userId}', functionName: FUNCTIONS.removeMember.name, withoutTenant: false, action: 'member:manage' },
  { method: 'GET', path: '/invitations', functionName: FUNCTIONS.listInvitations.name, withoutTenant: false, action: 'member:read' },
  { method: 'DELETE', path: '/invitations/{email}', functionName: FUNCTIONS.revokeInvitation.name, withoutTenant: false, action: 'member:manage' },
  { method: 'GET', path: '/audit', functionName: FUNCTIONS.listAudit.name, withoutTenant: false, action: 'audit:read' },
  { method: 'GET', path: '/aircraft', functionName: FUNCTIONS.listAircraft.name, withoutTenant: false, action: 'aircraft:read' },
  { method: 'POST', path: '/aircraft', functionName: FUNCTIONS.createAircraft.name, withoutTenant: false, action: 'aircraft:write' },
  { method: 'GET', path: '/aircraft/{aircraftId}', functionName: FUNCTIONS.getAircraft.name, withoutTenant: false, action: 'aircraft:read' },
  { method: 'PUT', path: '/aircraft/{aircraftId}', functionName: FUNCTIONS.updateAircraft.name, withoutTenant: false, action: 'aircraft:write' },
  { method: 'DELETE', path: '/aircraft/{aircraftId}', functionName: FUNCTIONS.deleteAircraft.name, withoutTenant: false, action: 'aircraft:write' },
  { method: 'GET', path: '/reservations', functionName: FUNCTIONS.listReservations.name, withoutTenant: false, action: 'reservation:read' },
  { method: 'POST', path: '/reservations', functionName: FUNCTIONS.createReservation.name, withoutTenant: false, action: 'reservation:create' },
  // Any member cancels its own reservation; another's needs this action (checked in the transaction).
  { method: 'DELETE', path: '/reservations/{reservationId}', functionName: FUNCTIONS.cancelReservation.name, withoutTenant: false, action: 'reservation:cancel' },
];

export class UnknownRouteError extends Error {
  constructor(readonly functionName: string) {
    super(`No route of handlers/api/routes.ts is served by ${functionName}`);
    this.name = 'UnknownRouteError';
  }
}

/** The one route a function serves: its handler reads the action to check from here, never retypes it. */
export function routeServedBy(functionName: string): RouteDefinition {
  const route = ROUTES.find((candidate) => candidate.functionName === functionName);
  if (!route) throw new UnknownRouteError(functionName);
  return route;
}

export class RouteWithoutActionError extends Error {
  constructor(readonly functionName: string) {
    super(`The route of ${functionName} declares no action, and its handler checks one`);
    this.name = 'RouteWithoutActionError';
  }
}

/**
 * The action a function's route declares, read here and never retyped: a handler that checks one
 * refuses to load (RouteWithoutActionError) rather than serve a route declared without it.
 */
export function routeAction(functionName: string): Action {
  const { action } = routeServedBy(functionName);
  if (action === null) throw new RouteWithoutActionError(functionName);
  return action;
}

/**
 * The REQUEST authorizer. API Gateway caches its answer per Authorization header for
 * `resultTtlSeconds`, and the authorizer caches memberships for `membershipTtlSeconds`: together
 * they bound how long a removed member keeps access (API.md: within 60 seconds).
 */
export const AUTHORIZER = {
  functionName: FUNCTIONS.authorizer.name,
  identityHeader: 'Authorization',
  resultTtlSeconds: 30,
  membershipTtlSeconds: 30,
} as const;
