export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * The REST API's routes, defined once: the CDK app creates the resources and methods from this
 * table and the local REST API serves the same table. Every route is behind the authorizer.
 */
export interface RouteDefinition {
  readonly method: HttpMethod;
  readonly path: string;
  readonly functionName: string;
}

export const ROUTES: readonly RouteDefinition[] = [];

/** The REQUEST authorizer: identity source is the Authorization header, cached as API Gateway allows. */
export const AUTHORIZER = {
  identityHeader: 'Authorization',
  resultTtlSeconds: 300,
} as const;
