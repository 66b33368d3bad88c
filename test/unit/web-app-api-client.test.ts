import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, type TokenSource } from '../../web/app/api/client';
import { ApiError, NetworkError } from '../../web/app/api/errors';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A real HTTP server standing in for the API: it answers from a script and records what it saw. */
async function apiAnswering(script: (seen: Seen, index: number) => { status: number; body?: unknown }): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body };
      seen.push(entry);
      const answer = script(entry, seen.length - 1);
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen, server };
}

/** Tokens `id-1`, then `id-2` after a refresh. */
function tokens(): TokenSource & { refreshes: number } {
  const source = {
    refreshes: 0,
    idToken: async () => `id-${source.refreshes + 1}`,
    refresh: async () => {
      source.refreshes += 1;
    },
  };
  return source;
}

describe("the tenant app's API client", () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  it('sends the ID token as a bearer token, the body as JSON and the idempotency key as a header', async () => {
    // Prepare
    const api = await apiAnswering(() => ({ status: 201, body: { aircraft: { aircraftId: 'a1', registration: 'G-NEW', model: 'C172' } } }));
    servers.push(api.server);
    const client = new ApiClient(api.url, tokens());
    // Act
    const created = await client.createAircraft({ registration: 'G-NEW', model: 'C172' }, 'key-1');
    // Assess
    expect(created.aircraft.registration).toBe('G-NEW');
    expect(api.seen[0]).toMatchObject({ method: 'POST', url: '/aircraft', body: JSON.stringify({ registration: 'G-NEW', model: 'C172' }) });
    expect(api.seen[0]?.headers).toMatchObject({ authorization: 'Bearer id-1', 'idempotency-key': 'key-1', 'content-type': 'application/json' });
  });

  it('refreshes once after a 401 and sends the request again with the new token', async () => {
    // Prepare
    const api = await apiAnswering((_seen, index) => (index === 0 ? { status: 401, body: { message: 'Unauthorized' } } : { status: 200, body: { aircraft: [] } }));
    servers.push(api.server);
    const source = tokens();
    // Act
    const list = await new ApiClient(api.url, source).aircraft();
    // Assess
    expect(list.aircraft).toEqual([]);
    expect(source.refreshes).toBe(1);
    expect(api.seen.map((seen) => seen.headers.authorization)).toEqual(['Bearer id-1', 'Bearer id-2']);
  });

  it("raises the API's refusal as an ApiError carrying its message, and a second 401 without looping", async () => {
    // Prepare
    const api = await apiAnswering((seen) =>
      seen.url.startsWith('/members') ? { status: 403, body: { error: { code: 'Forbidden', message: 'Your role does not allow member:read' } } } : { status: 401, body: { message: 'Unauthorized' } },
    );
    servers.push(api.server);
    const source = tokens();
    const client = new ApiClient(api.url, source);
    // Act
    const refused = await client.members().catch((error: unknown) => error);
    const unauthorized = await client.me().catch((error: unknown) => error);
    // Assess
    expect(refused).toEqual(new ApiError(403, 'Forbidden', 'Your role does not allow member:read'));
    expect(unauthorized).toMatchObject({ status: 401, code: 'Unauthorized' });
    expect(source.refreshes).toBe(1);
  });

  it('puts path parameters URL-encoded and query parameters in the query, never a token', async () => {
    // Prepare
    const api = await apiAnswering(() => ({ status: 204 }));
    servers.push(api.server);
    const client = new ApiClient(api.url, tokens());
    // Act
    await client.revokeInvitation('lee+1@blue-sky.example');
    await client.audit('cursor/1');
    // Assess
    expect(api.seen.map((seen) => seen.url)).toEqual(['/invitations/lee%2B1%40blue-sky.example', '/audit?limit=25&next=cursor%2F1']);
    expect(api.seen.every((seen) => !seen.url.includes('id-'))).toBe(true);
  });

  it('says the API cannot be reached when nothing answers', async () => {
    // Prepare
    const api = await apiAnswering(() => ({ status: 200 }));
    await new Promise((resolve) => api.server.close(resolve));
    // Act
    const failure = await new ApiClient(api.url, tokens()).me().catch((error: unknown) => error);
    // Assess
    expect(failure).toBeInstanceOf(NetworkError);
  });
});
