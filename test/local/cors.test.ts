import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { localAppOrigin } from '../../local/config';
import { outputs } from './support';
import { createRole, joined, newTenant, newUser } from './tenant-fixtures';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request to the local REST API over HTTP, with the headers a browser would send (fetch may not set Origin). */
function call(method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  const url = new URL(`${outputs().apiUrl}${path}`);
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

// The local cloud allows its own endpoint's origin by default (local/config.ts), where the local app is served.
const allowed = (): string => localAppOrigin(outputs().endpoint);
const DISALLOWED = 'https://evil.example';

const preflight = (path: string, origin: string, requestMethod = 'POST') =>
  call('OPTIONS', path, { origin, 'access-control-request-method': requestMethod, 'access-control-request-headers': 'authorization,content-type,idempotency-key' });

describe('CORS preflights on the local REST API', () => {
  it('answers an allowed origin with 204, the methods and headers it may use, and no token needed', async () => {
    const answer = await preflight('/members', allowed());

    expect(answer.status).toBe(204);
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': allowed(),
      'access-control-allow-methods': 'GET,OPTIONS,POST',
      'access-control-allow-headers': 'Authorization,Content-Type,Idempotency-Key',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
    expect(answer.body).toBe('');
  });

  it('allows on a resource with parameters only the methods of that resource', async () => {
    const answer = await preflight('/members/some-user/role', allowed(), 'PUT');

    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-methods']).toBe('OPTIONS,PUT');
  });

  it('names no origin to one that is not allowed', async () => {
    const answer = await preflight('/members', DISALLOWED);

    expect(answer.status).toBe(204);
    expect(answer.headers).not.toHaveProperty('access-control-allow-origin');
  });

  it('answers a path with no resource as an unknown route', async () => {
    const answer = await preflight('/nowhere', allowed());

    expect(answer.status).toBe(404);
  });

  it('does not run the authorizer', async () => {
    const answer = await call('OPTIONS', '/me', { origin: allowed(), authorization: 'Bearer not-a-token', 'access-control-request-method': 'GET' });

    expect(answer.status).toBe(204);
  });
});

describe("CORS headers on the local REST API's gateway answers", () => {
  it('a 401 for a missing token names the allowed origin', async () => {
    const answer = await call('GET', '/me', { origin: allowed() });

    expect(answer.status).toBe(401);
    expect(answer.headers['x-amzn-errortype']).toBe('UNAUTHORIZED');
    expect(answer.headers).toMatchObject({ 'access-control-allow-origin': allowed(), vary: 'Origin' });
  });

  it("a 403 from the authorizer's policy names the allowed origin", async () => {
    const user = await newUser('cors-no-tenant');

    const answer = await call('GET', '/roles', { origin: allowed(), authorization: `Bearer ${user.idToken}` });

    expect(answer.status).toBe(403);
    expect(answer.headers['x-amzn-errortype']).toBe('ACCESS_DENIED');
    expect(answer.headers['access-control-allow-origin']).toBe(allowed());
  });

  it('a 404 for an unknown route names the allowed origin', async () => {
    const answer = await call('GET', '/nowhere', { origin: allowed() });

    expect(answer.status).toBe(404);
    expect(answer.headers['access-control-allow-origin']).toBe(allowed());
  });

  it('never names an origin that is not allowed: with one origin configured they name that one literally', async () => {
    const answer = await call('GET', '/me', { origin: DISALLOWED });

    expect(answer.status).toBe(401);
    expect(answer.headers['access-control-allow-origin']).toBe(allowed());
  });
});

describe("CORS headers on the functions' answers through the local REST API", () => {
  it('a 200 names the allowed origin and varies on it', async () => {
    const user = await newUser('cors-me');

    const answer = await call('GET', '/me', { origin: allowed(), authorization: `Bearer ${user.idToken}` });

    expect(answer.status).toBe(200);
    expect(answer.headers['x-amzn-errortype']).toBeUndefined();
    expect(answer.headers).toMatchObject({ 'access-control-allow-origin': allowed(), vary: 'Origin' });
  });

  it('a 403 from a function names the allowed origin', async () => {
    const tenant = await newTenant('cors-403');
    const member = await joined(tenant, await createRole(tenant, 'Spotter', ['aircraft:read']), 'cors-spotter');

    const answer = await call('GET', '/members', { origin: allowed(), authorization: `Bearer ${member.idToken}` });

    expect(answer.status).toBe(403);
    expect(answer.headers['x-amzn-errortype']).toBeUndefined();
    expect(answer.headers['access-control-allow-origin']).toBe(allowed());
  });

  it('a 404 from a function names the allowed origin', async () => {
    const { admin } = await newTenant('cors-404');

    const answer = await call('GET', `/aircraft/${randomUUID()}`, { origin: allowed(), authorization: `Bearer ${admin.idToken}` });

    expect(answer.status).toBe(404);
    expect(answer.headers['x-amzn-errortype']).toBeUndefined();
    expect(answer.headers['access-control-allow-origin']).toBe(allowed());
  });

  it('names no origin that is not allowed, and still varies on it', async () => {
    const user = await newUser('cors-evil');

    const answer = await call('GET', '/me', { origin: DISALLOWED, authorization: `Bearer ${user.idToken}` });

    expect(answer.status).toBe(200);
    expect(answer.headers).not.toHaveProperty('access-control-allow-origin');
    expect(answer.headers.vary).toBe('Origin');
  });

  it('names no origin to a request without one', async () => {
    const user = await newUser('cors-none');

    const answer = await call('GET', '/me', { authorization: `Bearer ${user.idToken}` });

    expect(answer.status).toBe(200);
    expect(answer.headers).not.toHaveProperty('access-control-allow-origin');
  });
});
