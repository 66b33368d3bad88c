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
}

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'GET', path: '/me', functionName: FUNCTIONS.getMe.name, withoutTenant: true },
  { method: 'GET', path: '/tenants', functionName: FUNCTIONS.listTenants.name, withoutTenant: true },
  { method: 'POST', path: '/tenants', functionName: FUNCTIONS.createTenant.name, withoutTenant: true },
  // Open without an active tenant: an invited user activates a tenant this way, and so does a user
  // whose active tenant no longer has their membership.
  { method: 'PUT', path: '/tenants/active', functionName: FUNCTIONS.switchTenant.name, withoutTenant: true },
];

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
