/**
 * CORS for the REST API, defined once: the CDK app builds the `OPTIONS` methods and the gateway
 * responses' headers from here, every API function adds `corsResponseHeaders` to its answer (from
 * the origins in `CORS_ENVIRONMENT_VARIABLE`), and the local REST API answers preflights and its
 * gateway responses with the same functions. Pure: no AWS, no environment, no I/O.
 *
 * Nothing is allowed by default: with no origins configured no answer carries a CORS header and no
 * `OPTIONS` method exists (a preflight is then the contract's 404, as any unknown route).
 */

/** `cdk deploy -c corsOrigins=https://app.example.com,https://admin.example.com`; `npm start -- --cors-origin …` reads the same list. */
export const CORS_CONTEXT_KEY = 'corsOrigins';

/** The variable through which every API function learns the allowed origins (handlers/catalog.ts). */
export const CORS_ENVIRONMENT_VARIABLE = 'CORS_ALLOWED_ORIGINS';

/**
 * The request headers a browser may send: the token, the JSON body's type and the idempotency key
 * of creating POSTs (API.md). Listed by name: a wildcard `Access-Control-Allow-Headers: *` does
 * not cover `Authorization` (Fetch standard, CORS protocol).
 */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key'] as const;

/** How long a browser may reuse a preflight's answer; Chromium caps it at 2 hours, so 10 minutes holds everywhere. */
export const CORS_MAX_AGE_SECONDS = 600;

/** The status of an answered preflight (no body). */
export const PREFLIGHT_STATUS = 204;

export type HeaderMap = Readonly<Record<string, string>>;

export class WildcardOriginError extends Error {
  constructor() {
    super(
      "CORS origin '*' is refused: the API answers requests carrying a user's token (Authorization), so only the " +
        'front ends that are meant to call it may read its answers. Name each origin, e.g. corsOrigins=https://app.example.com',
    );
    this.name = 'WildcardOriginError';
  }
}

export class InvalidOriginError extends Error {
  constructor(readonly origin: string) {
    super(
      `CORS origin ${JSON.stringify(origin)} is not an origin: write scheme, host and port only, as a browser sends it ` +
        '(https://app.example.com, http://localhost:5173), with no path or trailing slash',
    );
    this.name = 'InvalidOriginError';
  }
}

/**
 * One origin exactly as a browser serialises it in the `Origin` header (lower-case host, no default
 * port, no path), so that the exact comparison of `allowedOrigin` is the right one. It also means an
 * origin can hold no quote, `$` or `#`, which lets the CDK app write it into a VTL string literal.
 */
function checkedOrigin(candidate: string): string {
  if (candidate === '*') throw new WildcardOriginError();
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new InvalidOriginError(candidate);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== candidate) throw new InvalidOriginError(candidate);
  return candidate;
}

/**
 * The allowed origins from a CDK context value, a flag or the functions' variable: a comma-separated
 * list (or a list of such lists), blanks ignored, duplicates dropped. Throws WildcardOriginError or
 * InvalidOriginError: synthesis and `npm start` stop instead of deploying a policy nobody meant.
 */
export function parseAllowedOrigins(value: unknown): readonly string[] {
  if (value === undefined || value === null) return [];
  const parts = (Array.isArray(value) ? value : [value]).flatMap((item) => {
    if (typeof item !== 'string') throw new InvalidOriginError(JSON.stringify(item) ?? String(item));
    return item.split(',');
  });
  const origins = parts.map((part) => part.trim()).filter((part) => part.length > 0).map(checkedOrigin);
  return [...new Set(origins)];
}

/** The text of `CORS_ENVIRONMENT_VARIABLE`: empty when no origin is allowed. */
export const serializeAllowedOrigins = (origins: readonly string[]): string => origins.join(',');

/** A request's `Origin` header, whatever case the client wrote its name in (HTTP/2 clients send it lower-case). */
export function requestOrigin(headers: Readonly<Record<string, string | undefined>> | null | undefined): string | undefined {
  if (!headers) return undefined;
  return Object.entries(headers).find(([name]) => name.toLowerCase() === 'origin')?.[1];
}

/** The request's origin when it is one of the allowed ones (exact match, as browsers compare it). */
export function allowedOrigin(origins: readonly string[], origin: string | undefined): string | undefined {
  return origin !== undefined && origins.includes(origin) ? origin : undefined;
}

/**
 * The CORS headers of an actual (non-preflight) answer. `Vary: Origin` goes on every answer once
 * CORS is on, because the answer then depends on the `Origin` header: a shared cache must not
 * serve one origin's answer to another.
 */
export function corsResponseHeaders(origins: readonly string[], origin: string | undefined): HeaderMap {
  if (origins.length === 0) return {};
  const allowed = allowedOrigin(origins, origin);
  return allowed ? { 'Access-Control-Allow-Origin': allowed, Vary: 'Origin' } : { Vary: 'Origin' };
}

/** The methods of one resource, from the route table, and `OPTIONS` itself. */
export function allowedMethods(resourcePath: string, routes: readonly { readonly method: string; readonly path: string }[]): readonly string[] {
  const methods = routes.filter((route) => route.path === resourcePath).map((route) => route.method);
  return [...new Set([...methods, 'OPTIONS'])].sort();
}

/** The headers every preflight of a resource carries, whichever origin asks (the CDK app maps these statically). */
export function preflightStaticHeaders(methods: readonly string[]): HeaderMap {
  return {
    'Access-Control-Allow-Methods': methods.join(','),
    'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS.join(','),
    'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
    Vary: 'Origin',
  };
}

/** A preflight's answer headers: the static ones, and the allow-origin header only for an allowed origin. */
export function preflightHeaders(origins: readonly string[], origin: string | undefined, methods: readonly string[]): HeaderMap {
  const allowed = allowedOrigin(origins, origin);
  return { ...preflightStaticHeaders(methods), ...(allowed ? { 'Access-Control-Allow-Origin': allowed } : {}) };
}

/**
 * What API Gateway's own answers (gateway responses) can say. A gateway response's header is a
 * literal or a copy of a request parameter (`method.request.header.Origin`), nothing conditional
 * (API Gateway developer guide, x-amazon-apigateway-gateway-responses.responseParameters and
 * "Parameter mapping source reference for REST APIs"). So with one allowed origin the header is that
 * literal, which a browser accepts for that origin only; with several it must echo the request's
 * `Origin`, whichever it is. Those answers are the contract's fixed error bodies (401, 403, 404,
 * 413, 429, 500), never data, which is why echoing is acceptable there and nowhere else.
 */
export type GatewayResponseOrigin = { readonly kind: 'literal'; readonly origin: string } | { readonly kind: 'request-origin' };

export function gatewayResponseOrigin(origins: readonly string[]): GatewayResponseOrigin | undefined {
  const [only, ...others] = origins;
  if (only === undefined) return undefined;
  return others.length === 0 ? { kind: 'literal', origin: only } : { kind: 'request-origin' };
}

/** The CORS headers of a gateway response as API Gateway computes them from `gatewayResponseOrigin` (the local REST API's answer). */
export function gatewayCorsHeaders(origins: readonly string[], origin: string | undefined): HeaderMap {
  const rule = gatewayResponseOrigin(origins);
  if (!rule) return {};
  if (rule.kind === 'literal') return { 'Access-Control-Allow-Origin': rule.origin, Vary: 'Origin' };
  // Without an Origin header there is nothing to copy; what API Gateway sends then is not documented,
  // and it does not matter: a request without Origin is no cross-origin request.
  return origin ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : { Vary: 'Origin' };
}
