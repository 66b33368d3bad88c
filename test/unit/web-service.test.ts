import type { AppConfig } from '../../web/shared/app-config';
import type { AwsRequest } from '../../local/server/types';
import { createWebService } from '../../local/web/web-service';
import { isWebPath } from '../../local/web/paths';

const ENDPOINT = 'http://127.0.0.1:4566';
const config: AppConfig = {
  region: 'us-east-1',
  apiUrl: 'http://127.0.0.1:4567',
  userPoolEndpoint: ENDPOINT,
  userPoolClientId: 'client',
  demo: null,
  localConsoleUrl: `${ENDPOINT}/_local/console/`,
};
const file = (body: string, contentType = 'text/html; charset=utf-8') => ({ contentType, body: Buffer.from(body) });
const service = createWebService({
  files: {
    app: async () => new Map([['index.html', file('<p>app</p>')], ['main.js', file('1', 'text/javascript; charset=utf-8')]]),
    inspector: async () => new Map([['index.html', file('<p>inspector</p>')]]),
  },
  appConfig: () => config,
  inspectorApi: async (_request, path) => (path === 'executions' ? { status: 200, headers: { 'content-type': 'application/json' }, body: '[]' } : undefined),
  snapshot: async () => ({ events: [] }),
});

const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): AwsRequest => ({
  method,
  path,
  query: new URLSearchParams(),
  headers: { host: '127.0.0.1:4566', ...headers },
  body: Buffer.alloc(0),
  target: undefined,
});

describe('the web service that serves the tenant app and the inspector', () => {
  it.each(['/_local/app/', '/_local/app/main.js', '/_local/app/config.json', '/_local/app/nothing-here', '/_local/console/', '/_local/console/api/executions', '/_local/console/api/unknown', '/_local/console/state.json'])(
    'answers %s with the content security policy, no framing, no caching and no CORS grant',
    async (path) => {
      const answer = await service.handle(get(path, { origin: 'https://evil.example' }));

      expect(answer.headers).toMatchObject({
        'content-security-policy': expect.stringContaining("script-src 'self'"),
        'x-frame-options': 'DENY',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'cross-origin-resource-policy': 'same-origin',
      });
      expect(answer.headers?.['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(Object.keys(answer.headers ?? {}).filter((name) => name.toLowerCase().startsWith('access-control-'))).toEqual([]);
    },
  );

  it("lets the app's page talk to its own origin and the REST API only", async () => {
    const answer = await service.handle(get('/_local/app/'));

    expect(answer.headers?.['content-security-policy']).toContain("connect-src 'self' http://127.0.0.1:4567;");
  });

  it('serves only the files it bundled: an encoded or dotted path outside them is a 404', async () => {
    for (const path of ['/_local/app/%2e%2e/%2e%2e/package.json', '/_local/app/..%2fpackage.json', '/_local/app/.env']) {
      expect((await service.handle(get(path))).status).toBe(404);
    }
  });

  it('sends the app opened under another loopback name to the name the API allows (CORS allows one origin)', async () => {
    const answer = await service.handle(get('/_local/app/', { host: 'localhost:4566' }));

    expect(answer).toMatchObject({ status: 308, headers: { location: `${ENDPOINT}/_local/app/` } });
  });

  it('redirects a root without its slash, so that relative files resolve', async () => {
    expect(await service.handle(get('/_local/console'))).toMatchObject({ status: 308, headers: { location: '/_local/console/' } });
  });

  it('claims reads only: any other method is not served', () => {
    expect(['POST', 'PUT', 'DELETE', 'PATCH'].map((method) => isWebPath(method, '/_local/app/'))).toEqual([false, false, false, false]);
    expect(isWebPath('GET', '/_local/faults')).toBe(false);
    expect(isWebPath('GET', '/_local/lambda/faults')).toBe(false);
  });
});
