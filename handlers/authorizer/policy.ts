import type { RouteDefinition } from '../api/routes';

export interface InvokePolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Effect: 'Allow' | 'Deny';
    readonly Action: 'execute-api:Invoke';
    readonly Resource: readonly string[];
  }[];
}

export class InvalidMethodArnError extends Error {
  constructor(readonly methodArn: string) {
    super(`Not an execute-api method ARN: ${methodArn}`);
    this.name = 'InvalidMethodArnError';
  }
}

/** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path}` */
const METHOD_ARN = /^(arn:[^:]+:execute-api:[^:]+:[^:]+:[^/]+\/[^/]+)\/[A-Z*]+\/.*$/;

/** `arn:…:{apiId}/{stage}`: the part of the incoming method ARN that every route's ARN shares. */
export function apiStagePrefix(methodArn: string): string {
  const prefix = METHOD_ARN.exec(methodArn)?.[1];
  if (prefix === undefined) throw new InvalidMethodArnError(methodArn);
  return prefix;
}

/** A path parameter matches one or more characters there, as the deployed method ARN would. */
const routeArn = (prefix: string, route: RouteDefinition): string => `${prefix}/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`;

/**
 * API Gateway caches this answer per token and re-checks it against every later request's method
 * ARN, so it must cover every route the caller may reach, not only the one being called. A user
 * with no active tenant may reach only the routes that need none (sign-up's next steps).
 */
export function invokePolicy(methodArn: string, routes: readonly RouteDefinition[], hasTenant: boolean): InvokePolicyDocument {
  const prefix = apiStagePrefix(methodArn);
  const reachable = routes.filter((route) => hasTenant || route.withoutTenant);
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: reachable.map((route) => routeArn(prefix, route)) }],
  };
}
