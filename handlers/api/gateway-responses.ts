import { gatewayResponseOrigin } from './cors';

/**
 * API Gateway's own answers (no Lambda ran), shaped like the contract's errors
 * (`{ error: { code, message } }`). The CDK app adds them as gateway responses; the local REST API
 * answers with the same table.
 */
export const GATEWAY_RESPONSES = {
  UNAUTHORIZED: { statusCode: 401, code: 'Unauthorized', message: 'Missing or invalid credentials' },
  ACCESS_DENIED: { statusCode: 403, code: 'Forbidden', message: 'Not allowed' },
  // API Gateway answers an unknown route as a missing token (403); the contract says 404.
  MISSING_AUTHENTICATION_TOKEN: { statusCode: 404, code: 'NotFound', message: 'No such route' },
  AUTHORIZER_FAILURE: { statusCode: 500, code: 'InternalError', message: 'Authorization failed' },
  AUTHORIZER_CONFIGURATION_ERROR: { statusCode: 500, code: 'InternalError', message: 'Authorization failed' },
  REQUEST_TOO_LARGE: { statusCode: 413, code: 'PayloadTooLarge', message: 'Request body too large' },
  THROTTLED: { statusCode: 429, code: 'Throttled', message: 'Too many requests' },
  // A function that crashed or answered malformed output: API Gateway's 502, answered as the contract's 500.
  DEFAULT_5XX: { statusCode: 500, code: 'InternalError', message: 'Internal error' },
} as const;

export type GatewayResponseType = keyof typeof GATEWAY_RESPONSES;

export const gatewayResponseBody = (type: GatewayResponseType): string => {
  const { code, message } = GATEWAY_RESPONSES[type];
  return JSON.stringify({ error: { code, message } });
};

/**
 * The headers of every gateway response, as API Gateway's mapping expressions (a quoted literal, or
 * a request parameter to copy): the JSON content type and, once CORS origins are configured, the
 * allow-origin rule of `gatewayResponseOrigin` (handlers/api/cors.ts explains why it cannot
 * depend on the origin) with `Vary: Origin`. The local REST API answers with `gatewayCorsHeaders`.
 */
export function gatewayResponseHeaders(allowedOrigins: readonly string[]): Record<string, string> {
  const rule = gatewayResponseOrigin(allowedOrigins);
  const headers: Record<string, string> = { 'Content-Type': "'application/json'" };
  if (!rule) return headers;
  headers['Access-Control-Allow-Origin'] = rule.kind === 'literal' ? `'${rule.origin}'` : 'method.request.header.Origin';
  headers.Vary = "'Origin'";
  return headers;
}
