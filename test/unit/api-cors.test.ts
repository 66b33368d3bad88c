import { Logger } from '@aws-lambda-powertools/logger';
import {
  allowedMethods,
  CORS_ENVIRONMENT_VARIABLE,
  corsResponseHeaders,
  gatewayCorsHeaders,
  gatewayResponseOrigin,
  InvalidOriginError,
  parseAllowedOrigins,
  preflightHeaders,
  requestOrigin,
  serializeAllowedOrigins,
  WildcardOriginError,
} from '../../handlers/api/cors';
import { gatewayResponseHeaders } from '../../handlers/api/gateway-responses';
import { json, route, type ProxyEvent } from '../../handlers/api/http';
import { ROUTES } from '../../handlers/api/routes';
import { FUNCTIONS } from '../../handlers/catalog';
import { NotFoundError } from '../../domain/errors';

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';
const OTHER = 'https://evil.example';

describe('parseAllowedOrigins', () => {
  it('reads a comma-separated list, ignoring blanks and duplicates', () => {
    expect(parseAllowedOrigins(` ${APP}, ,${ADMIN},${APP}`)).toEqual([APP, ADMIN]);
  });

  it('reads a list of such lists, as repeated flags give it', () => {
    expect(parseAllowedOrigins([`${APP},${ADMIN}`, 'http://localhost:5173'])).toEqual([APP, ADMIN, 'http://localhost:5173']);
  });

  it('allows nothing when no value is given', () => {
    expect(parseAllowedOrigins(undefined)).toEqual([]);
    expect(parseAllowedOrigins('')).toEqual([]);
  });

  it('refuses the wildcard, alone or in a list', () => {
    expect(() => parseAllowedOrigins('*')).toThrow(WildcardOriginError);
    expect(() => parseAllowedOrigins(`${APP},*`)).toThrow(WildcardOriginError);
  });

  it.each([
    ['a trailing slash', `${APP}/`],
    ['a path', `${APP}/app`],
    ['no scheme', 'app.example.com'],
    ['an upper-case host', 'https://App.example.com'],
    ['a default port', 'https://app.example.com:443'],
    ['another scheme', 'ftp://app.example.com'],
    ['the opaque origin', 'null'],
  ])('refuses an origin with %s, which no browser sends', (_case, origin) => {
    expect(() => parseAllowedOrigins(origin)).toThrow(InvalidOriginError);
  });

  it('refuses a value that is not text', () => {
    expect(() => parseAllowedOrigins(42)).toThrow(InvalidOriginError);
  });

  it('round-trips through the functions variable', () => {
    expect(parseAllowedOrigins(serializeAllowedOrigins([APP, ADMIN]))).toEqual([APP, ADMIN]);
    expect(serializeAllowedOrigins([])).toBe('');
  });
});

describe('corsResponseHeaders', () => {
  it('echoes an allowed origin and varies on Origin', () => {
    expect(corsResponseHeaders([APP, ADMIN], ADMIN)).toEqual({ 'Access-Control-Allow-Origin': ADMIN, Vary: 'Origin' });
  });

  it('names no origin for one that is not allowed, or for a request without Origin', () => {
    expect(corsResponseHeaders([APP], OTHER)).toEqual({ Vary: 'Origin' });
    expect(corsResponseHeaders([APP], undefined)).toEqual({ Vary: 'Origin' });
  });

  it('adds nothing at all when no origin is allowed', () => {
    expect(corsResponseHeaders([], APP)).toEqual({});
  });

  it('compares origins exactly', () => {
    expect(corsResponseHeaders([APP], `${APP}.evil.example`)).toEqual({ Vary: 'Origin' });
  });
});

describe('requestOrigin', () => {
  it('finds the header whatever the case of its name', () => {
    expect(requestOrigin({ origin: APP })).toBe(APP);
    expect(requestOrigin({ Origin: APP })).toBe(APP);
    expect(requestOrigin(null)).toBeUndefined();
  });
});

describe('allowedMethods', () => {
  it('are the methods of the resource in the route table, and OPTIONS', () => {
    expect(allowedMethods('/members', ROUTES)).toEqual(['GET', 'OPTIONS', 'POST']);
    expect(allowedMethods('/members/{userId}/role', ROUTES)).toEqual(['OPTIONS', 'PUT']);
  });
});

describe('preflightHeaders', () => {
  it('allow the methods, the three request headers and a max age, and name an allowed origin', () => {
    expect(preflightHeaders([APP], APP, ['GET', 'OPTIONS'])).toEqual({
      'Access-Control-Allow-Origin': APP,
      'Access-Control-Allow-Methods': 'GET,OPTIONS',
      'Access-Control-Allow-Headers': 'Authorization,Content-Type,Idempotency-Key',
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    });
  });

  it('name no origin for one that is not allowed', () => {
    expect(preflightHeaders([APP], OTHER, ['GET', 'OPTIONS'])).not.toHaveProperty('Access-Control-Allow-Origin');
  });
});

describe('the gateway responses', () => {
  it('carry no CORS header when no origin is allowed', () => {
    expect(gatewayResponseOrigin([])).toBeUndefined();
    expect(gatewayResponseHeaders([])).toEqual({ 'Content-Type': "'application/json'" });
    expect(gatewayCorsHeaders([], APP)).toEqual({});
  });

  it('name the one allowed origin literally, whoever asks', () => {
    expect(gatewayResponseHeaders([APP])).toEqual({
      'Content-Type': "'application/json'",
      'Access-Control-Allow-Origin': `'${APP}'`,
      Vary: "'Origin'",
    });
    expect(gatewayCorsHeaders([APP], OTHER)).toEqual({ 'Access-Control-Allow-Origin': APP, Vary: 'Origin' });
  });

  it("copy the request's Origin when several are allowed, as API Gateway can only map it unconditionally", () => {
    expect(gatewayResponseHeaders([APP, ADMIN])).toMatchObject({ 'Access-Control-Allow-Origin': 'method.request.header.Origin' });
    expect(gatewayCorsHeaders([APP, ADMIN], ADMIN)).toEqual({ 'Access-Control-Allow-Origin': ADMIN, Vary: 'Origin' });
    expect(gatewayCorsHeaders([APP, ADMIN], undefined)).toEqual({ Vary: 'Origin' });
  });
});

describe('every function serving a route', () => {
  const served = new Set(ROUTES.map((candidate) => candidate.functionName));

  it.each(Object.values(FUNCTIONS).filter((fn) => served.has(fn.name)).map((fn) => [fn.name, fn] as const))(
    '%s reads the allowed origins from its environment',
    (_name, fn) => {
      expect(fn.environment).toContain(CORS_ENVIRONMENT_VARIABLE);
    },
  );
});

describe('route', () => {
  const event = (origin?: string): ProxyEvent => ({
    httpMethod: 'GET',
    path: '/me',
    body: null,
    headers: origin ? { origin } : {},
    pathParameters: null,
    queryStringParameters: null,
    requestContext: { requestId: 'r-1' },
  });
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  let saved: string | undefined;

  beforeEach(() => {
    saved = process.env[CORS_ENVIRONMENT_VARIABLE];
    process.env[CORS_ENVIRONMENT_VARIABLE] = `${APP},${ADMIN}`;
  });

  afterEach(() => {
    if (saved === undefined) delete process.env[CORS_ENVIRONMENT_VARIABLE];
    else process.env[CORS_ENVIRONMENT_VARIABLE] = saved;
  });

  it('adds the CORS headers of an allowed origin to a success', async () => {
    const handler = route(logger, () => Promise.resolve(json(200, { ok: true })));

    const result = await handler(event(ADMIN));

    expect(result.headers).toEqual({ 'content-type': 'application/json', 'Access-Control-Allow-Origin': ADMIN, Vary: 'Origin' });
  });

  it('adds them to a typed error and to an unexpected one', async () => {
    const notFound = route(logger, () => Promise.reject(new NotFoundError('No such aircraft')));
    const crashed = route(logger, () => Promise.reject(new Error('boom')));

    const answers = await Promise.all([notFound(event(APP)), crashed(event(APP))]);

    expect(answers.map((answer) => [answer.statusCode, answer.headers['Access-Control-Allow-Origin']])).toEqual([
      [404, APP],
      [500, APP],
    ]);
  });

  it('names no origin for one that is not allowed', async () => {
    const handler = route(logger, () => Promise.resolve(json(200, {})));

    const result = await handler(event(OTHER));

    expect(result.headers).toEqual({ 'content-type': 'application/json', Vary: 'Origin' });
  });

  it('adds nothing when the variable allows no origin', async () => {
    process.env[CORS_ENVIRONMENT_VARIABLE] = '';
    const handler = route(logger, () => Promise.resolve(json(200, {})));

    const result = await handler(event(APP));

    expect(result.headers).toEqual({ 'content-type': 'application/json' });
  });
});
