import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { allowedMethods, gatewayCorsHeaders, PREFLIGHT_STATUS, preflightHeaders, requestOrigin } from '../../handlers/api/cors';
import { GATEWAY_RESPONSES, gatewayResponseBody, type GatewayResponseType } from '../../handlers/api/gateway-responses';
import { close, foreignHostMessage, listen, readBody, servesHost } from '../server/endpoint';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface LocalRoute {
  readonly method: HttpMethod;
  /** A resource path as API Gateway writes it: `/members/{userId}/role`. */
  readonly path: string;
  readonly functionName: string;
  /** Whether the REQUEST authorizer guards it (every route of the control plane is). */
  readonly authorized: boolean;
}

export interface LocalAuthorizer {
  readonly functionName: string;
  /** The header that is the identity source and the cache key, e.g. `Authorization`. */
  readonly identityHeader: string;
  /** API Gateway's result cache TTL (0 disables caching; AWS's maximum is 3600). */
  readonly resultTtlSeconds: number;
}

export type Invoke = (functionName: string, event: unknown) => Promise<unknown>;

interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
}

interface AuthorizerResult {
  principalId: string;
  policyDocument: { Version?: string; Statement: PolicyStatement[] };
  context?: Record<string, string | number | boolean>;
}

interface CachedAuthorization {
  readonly result: AuthorizerResult;
  readonly expiresAt: number;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

class GatewayResponseError extends Error {
  constructor(readonly type: GatewayResponseType) {
    super(type);
    this.name = 'GatewayResponseError';
  }
}

/** API Gateway's `*` and `?` in policy resources; everything else is literal. */
function resourceMatches(pattern: string, arn: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return regex.test(arn);
}

/** Explicit deny wins; otherwise some Allow must cover `execute-api:Invoke` on the method ARN. */
export function policyAllows(policy: AuthorizerResult['policyDocument'], methodArn: string): boolean {
  const applies = (statement: PolicyStatement): boolean => {
    const actions = [statement.Action].flat();
    const resources = [statement.Resource].flat();
    return actions.some((action) => resourceMatches(action, 'execute-api:Invoke')) && resources.some((resource) => resourceMatches(resource, methodArn));
  };
  const statements = policy.Statement ?? [];
  if (statements.some((statement) => statement.Effect === 'Deny' && applies(statement))) return false;
  return statements.some((statement) => statement.Effect === 'Allow' && applies(statement));
}

interface CompiledRoute extends LocalRoute {
  readonly pattern: RegExp;
  readonly parameterNames: string[];
  /** Literal segments rank before parameters, as API Gateway prefers the most specific resource. */
  readonly specificity: number;
}

function compile(route: LocalRoute): CompiledRoute {
  const parameterNames: string[] = [];
  let specificity = 0;
  const source = route.path
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const greedy = /^\{(\w+)\+\}$/.exec(segment);
      if (greedy?.[1]) {
        parameterNames.push(greedy[1]);
        return '/(.+)';
      }
      const parameter = /^\{(\w+)\}$/.exec(segment);
      if (parameter?.[1]) {
        parameterNames.push(parameter[1]);
        specificity += 1;
        return '/([^/]+)';
      }
      specificity += 100;
      return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
    })
    .join('');
  return { ...route, pattern: new RegExp(`^${source || '/'}/?$`), parameterNames, specificity };
}

function singleValueHeaders(message: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let index = 0; index < message.rawHeaders.length; index += 2) {
    const name = message.rawHeaders[index];
    const value = message.rawHeaders[index + 1];
    if (name !== undefined && value !== undefined) headers[name] = value;
  }
  return headers;
}

function multiValueHeaders(message: IncomingMessage): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let index = 0; index < message.rawHeaders.length; index += 2) {
    const name = message.rawHeaders[index];
    const value = message.rawHeaders[index + 1];
    if (name !== undefined && value !== undefined) (headers[name] ??= []).push(value);
  }
  return headers;
}

function queryParameters(url: URL): { single: Record<string, string> | null; multi: Record<string, string[]> | null } {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return Object.keys(single).length === 0 ? { single: null, multi: null } : { single, multi };
}

export interface RestApi {
  readonly url: string;
  readonly port: number;
  readonly apiId: string;
  readonly stage: string;
  /** How many times the authorizer function ran (the cache's effect is visible here). */
  authorizerInvocations(): number;
  flushAuthorizerCache(): void;
  stop(): Promise<void>;
}

/**
 * A REST API with Lambda proxy integrations and a Lambda REQUEST authorizer, with API Gateway's
 * event shapes, result cache (keyed by the identity source, policy re-checked against each new
 * method ARN) and gateway responses.
 */
export async function startRestApi(options: {
  port: number;
  host?: string;
  region: string;
  accountId: string;
  apiId?: string;
  stage?: string;
  routes: readonly LocalRoute[];
  authorizer?: LocalAuthorizer;
  /**
   * Origins allowed by CORS (handlers/api/cors.ts), as the deployed API's `corsOrigins`: with any,
   * preflights are answered without the authorizer and gateway responses carry the CORS headers;
   * the functions add their own, as on AWS. None: no CORS at all.
   */
  corsOrigins?: readonly string[];
  invoke: Invoke;
  now?: () => number;
}): Promise<RestApi> {
  const host = options.host ?? '127.0.0.1';
  const apiId = options.apiId ?? 'localapi';
  const stage = options.stage ?? 'local';
  const now = options.now ?? Date.now;
  const routes = options.routes.map(compile).sort((a, b) => b.specificity - a.specificity);
  const corsOrigins = options.corsOrigins ?? [];
  const cache = new Map<string, CachedAuthorization>();
  let authorizerCalls = 0;

  const methodArn = (method: string, path: string): string => `arn:aws:execute-api:${options.region}:${options.accountId}:${apiId}/${stage}/${method}${path}`;

  async function authorize(
    authorizer: LocalAuthorizer,
    base: Record<string, unknown>,
    headers: Record<string, string>,
    arn: string,
  ): Promise<AuthorizerResult> {
    const identity = Object.entries(headers).find(([name]) => name.toLowerCase() === authorizer.identityHeader.toLowerCase())?.[1];
    // With caching on, a request without its identity source is rejected before the authorizer runs.
    if (!identity) throw new GatewayResponseError('UNAUTHORIZED');
    const cached = cache.get(identity);
    let result: AuthorizerResult;
    if (cached && cached.expiresAt > now()) {
      result = cached.result;
    } else {
      authorizerCalls += 1;
      let output: unknown;
      try {
        output = await options.invoke(authorizer.functionName, { type: 'REQUEST', methodArn: arn, ...base });
      } catch (error) {
        // The authorizer's documented way to say 401 is to fail with the message "Unauthorized".
        if (error instanceof Error && error.message === 'Unauthorized') throw new GatewayResponseError('UNAUTHORIZED');
        throw new GatewayResponseError('AUTHORIZER_FAILURE');
      }
      const candidate = output as Partial<AuthorizerResult> | null;
      if (!candidate || typeof candidate.principalId !== 'string' || !Array.isArray(candidate.policyDocument?.Statement)) {
        throw new GatewayResponseError('AUTHORIZER_CONFIGURATION_ERROR');
      }
      result = candidate as AuthorizerResult;
      if (authorizer.resultTtlSeconds > 0) cache.set(identity, { result, expiresAt: now() + authorizer.resultTtlSeconds * 1000 });
    }
    if (!policyAllows(result.policyDocument, arn)) throw new GatewayResponseError('ACCESS_DENIED');
    return result;
  }

  /** A gateway response, with the CORS headers API Gateway maps onto it (`gatewayResponseHeaders`). */
  const respond = (type: GatewayResponseType, origin: string | undefined) => ({
    statusCode: GATEWAY_RESPONSES[type].statusCode,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type, ...gatewayCorsHeaders(corsOrigins, origin) } as Record<string, string>,
    body: gatewayResponseBody(type),
  });

  /**
   * A CORS preflight, as the deployed API's OPTIONS method (a MOCK integration, no authorizer)
   * answers it: on the most specific resource the path matches, with that resource's methods.
   * Undefined when CORS is off or no resource matches (then it is an unknown route).
   */
  const preflight = (pathname: string, origin: string | undefined) => {
    const resource = corsOrigins.length > 0 ? routes.find((candidate) => candidate.pattern.test(pathname)) : undefined;
    if (!resource) return undefined;
    return { statusCode: PREFLIGHT_STATUS, headers: { ...preflightHeaders(corsOrigins, origin, allowedMethods(resource.path, options.routes)) }, body: '' };
  };

  /**
   * A path parameter as API Gateway hands it to the function, percent-decoded. A malformed escape
   * (`%E0%A4%A`) is passed as sent, so the function's own validation answers it (400 naming the
   * parameter) instead of this emulator failing with a 500.
   */
  const decodedSegment = (segment: string): string => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  };

  async function handle(message: IncomingMessage): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
    const url = new URL(message.url ?? '/', 'http://localhost');
    const method = (message.method ?? 'GET').toUpperCase();
    const headers = singleValueHeaders(message);
    const origin = requestOrigin(headers);
    let body: Buffer;
    try {
      body = await readBody(message, MAX_BODY_BYTES);
    } catch {
      return respond('REQUEST_TOO_LARGE', origin);
    }
    const answeredPreflight = method === 'OPTIONS' ? preflight(url.pathname, origin) : undefined;
    if (answeredPreflight) return answeredPreflight;
    const route = routes.find((candidate) => candidate.method === method && candidate.pattern.test(url.pathname));
    if (!route) return respond('MISSING_AUTHENTICATION_TOKEN', origin);
    const match = route.pattern.exec(url.pathname);
    const pathParameters = route.parameterNames.length
      ? Object.fromEntries(route.parameterNames.map((name, index) => [name, decodedSegment(match?.[index + 1] ?? '')]))
      : null;
    const query = queryParameters(url);
    const requestId = randomUUID();
    const requestContext = {
      accountId: options.accountId,
      apiId,
      stage,
      resourcePath: route.path,
      httpMethod: method,
      path: `/${stage}${url.pathname}`,
      requestId,
      extendedRequestId: requestId,
      requestTimeEpoch: now(),
      protocol: 'HTTP/1.1',
      identity: { sourceIp: message.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['User-Agent'] ?? headers['user-agent'] ?? null },
    };
    const base = {
      resource: route.path,
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders: multiValueHeaders(message),
      queryStringParameters: query.single,
      multiValueQueryStringParameters: query.multi,
      pathParameters,
      stageVariables: null,
      requestContext,
    };
    let authorizerContext: Record<string, unknown> | undefined;
    if (route.authorized && options.authorizer) {
      try {
        const result = await authorize(options.authorizer, base, headers, methodArn(method, url.pathname));
        authorizerContext = { principalId: result.principalId, ...(result.context ?? {}) };
      } catch (error) {
        if (error instanceof GatewayResponseError) return respond(error.type, origin);
        throw error;
      }
    }
    const event = {
      ...base,
      requestContext: authorizerContext ? { ...requestContext, authorizer: authorizerContext } : requestContext,
      body: body.length ? body.toString('utf8') : null,
      isBase64Encoded: false,
    };
    let output: unknown;
    try {
      output = await options.invoke(route.functionName, event);
    } catch {
      return respond('DEFAULT_5XX', origin);
    }
    const proxy = output as { statusCode?: unknown; headers?: Record<string, string>; body?: unknown } | null;
    // A proxy integration must answer with a statusCode; anything else is API Gateway's DEFAULT_5XX.
    if (!proxy || typeof proxy.statusCode !== 'number') return respond('DEFAULT_5XX', origin);
    return {
      statusCode: proxy.statusCode,
      headers: { ...(proxy.headers ?? {}), 'x-amzn-requestid': requestId },
      body: typeof proxy.body === 'string' ? proxy.body : '',
    };
  }

  let boundPort = options.port;
  const server: Server = createServer((req, res) => {
    if (!servesHost(req.headers.host, boundPort)) {
      const body = JSON.stringify({ error: { code: 'Forbidden', message: foreignHostMessage(req.headers.host, boundPort) } });
      res.writeHead(403, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
      return;
    }
    handle(req)
      .then(({ statusCode, headers, body }) => {
        res.writeHead(statusCode, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
        res.end(body);
      })
      .catch((error: unknown) => {
        console.error('[local] REST API error:', error);
        const body = gatewayResponseBody('DEFAULT_5XX');
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(body);
      });
  });
  const port = await listen(server, options.port, host, 'REST API');
  boundPort = port;
  return {
    url: `http://${host}:${port}`,
    port,
    apiId,
    stage,
    authorizerInvocations: () => authorizerCalls,
    flushAuthorizerCache: () => cache.clear(),
    stop: () => close(server),
  };
}
