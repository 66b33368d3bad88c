import { policyAllows, startRestApi, type RestApi } from '../../../local/apigateway/rest-api';

type Fn = (event: Record<string, unknown>) => Promise<unknown>;

describe('local REST API', () => {
  let api: RestApi;
  const calls: { name: string; event: Record<string, unknown> }[] = [];
  let clock = 1_000_000;
  const functions: Record<string, Fn> = {
    Authorizer: async (event) => {
      const token = (event.headers as Record<string, string>).Authorization;
      if (token === 'Bearer bad') throw new Error('Unauthorized');
      if (token === 'Bearer broken') throw new Error('boom');
      const effect = token === 'Bearer deny' ? 'Deny' : 'Allow';
      // Grants only the GET methods: a cached result must not open the POST routes.
      return {
        principalId: 'user-1',
        policyDocument: { Version: '2012-10-17', Statement: [{ Effect: effect, Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:us-east-1:000000000000:localapi/local/GET/*' }] },
        context: { tenantId: 't1' },
      };
    },
    Echo: async (event) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) }),
    Broken: async () => ({ nope: true }),
  };

  beforeAll(async () => {
    api = await startRestApi({
      port: 0,
      region: 'us-east-1',
      accountId: '000000000000',
      routes: [
        { method: 'GET', path: '/things', functionName: 'Echo', authorized: true },
        { method: 'GET', path: '/things/{thingId}', functionName: 'Echo', authorized: true },
        { method: 'GET', path: '/things/special', functionName: 'Echo', authorized: true },
        { method: 'POST', path: '/things', functionName: 'Echo', authorized: true },
        { method: 'GET', path: '/broken', functionName: 'Broken', authorized: false },
      ],
      authorizer: { functionName: 'Authorizer', identityHeader: 'Authorization', resultTtlSeconds: 300 },
      invoke: async (name, event) => {
        calls.push({ name, event: event as Record<string, unknown> });
        const fn = functions[name];
        if (!fn) throw new Error(`no function ${name}`);
        return fn(event as Record<string, unknown>);
      },
      now: () => clock,
    });
  });
  afterAll(() => api.stop());
  beforeEach(() => {
    calls.length = 0;
    api.flushAuthorizerCache();
  });

  const get = (path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${api.url}${path}`, { ...init, headers: { ...(token ? { Authorization: token } : {}), ...(init.headers ?? {}) } });

  it('passes a proxy event of API Gateway shape with path parameters, query and authorizer context', async () => {
    const response = await get('/things/abc?x=1&x=2', 'Bearer good');
    const event = (await response.json()) as {
      resource: string;
      pathParameters: unknown;
      queryStringParameters: unknown;
      multiValueQueryStringParameters: unknown;
      requestContext: { authorizer: unknown; resourcePath: string };
      body: unknown;
    };

    expect(response.status).toBe(200);
    expect(event.resource).toBe('/things/{thingId}');
    expect(event.pathParameters).toEqual({ thingId: 'abc' });
    expect(event.queryStringParameters).toEqual({ x: '2' });
    expect(event.multiValueQueryStringParameters).toEqual({ x: ['1', '2'] });
    expect(event.requestContext.authorizer).toEqual({ principalId: 'user-1', tenantId: 't1' });
    expect(event.requestContext.resourcePath).toBe('/things/{thingId}');
    expect(event.body).toBeNull();
  });

  it('prefers a literal resource over a path parameter', async () => {
    const event = (await (await get('/things/special', 'Bearer good')).json()) as { resource: string };

    expect(event.resource).toBe('/things/special');
  });

  it('caches the authorizer result by identity source for its TTL', async () => {
    const before = api.authorizerInvocations();

    await get('/things', 'Bearer good');
    await get('/things/1', 'Bearer good');
    clock += 301_000;
    await get('/things/2', 'Bearer good');

    expect(api.authorizerInvocations() - before).toBe(2);
  });

  it('re-checks a cached policy against each method ARN', async () => {
    const allowed = await get('/things', 'Bearer good');
    const denied = await get('/things', 'Bearer good', { method: 'POST', body: '{}' });

    expect(allowed.status).toBe(200);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ error: { code: 'Forbidden', message: expect.any(String) } });
  });

  it('answers 401 without a token or when the authorizer says Unauthorized, 403 on Deny, 500 when it fails', async () => {
    expect((await get('/things')).status).toBe(401);
    expect(calls).toHaveLength(0);
    expect((await get('/things', 'Bearer bad')).status).toBe(401);
    expect((await get('/things', 'Bearer deny')).status).toBe(403);
    expect((await get('/things', 'Bearer broken')).status).toBe(500);
  });

  it('answers 404 in the contract shape for an unknown route', async () => {
    const response = await get('/nothing', 'Bearer good');

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'NotFound', message: 'No such route' } });
  });

  it('answers the DEFAULT_5XX gateway response (500 in the contract shape) when the integration returns no statusCode', async () => {
    const response = await get('/broken');

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: 'InternalError', message: 'Internal error' } });
  });

  it('evaluates policies with explicit deny winning over allow', () => {
    const arn = 'arn:aws:execute-api:us-east-1:1:api/local/GET/things';
    const allow = { Effect: 'Allow' as const, Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:us-east-1:1:api/*' };
    const deny = { Effect: 'Deny' as const, Action: 'execute-api:*', Resource: arn };

    expect(policyAllows({ Statement: [allow] }, arn)).toBe(true);
    expect(policyAllows({ Statement: [allow, deny] }, arn)).toBe(false);
    expect(policyAllows({ Statement: [] }, arn)).toBe(false);
  });
});
