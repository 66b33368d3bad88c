import type { AwsRequest, AwsResponse, LocalService } from '../server/types';
import { APP_CONFIG_FILE, type AppConfig } from '../../web/shared/app-config';
import type { FrontEnd, FrontEndFiles } from './bundle';
import { CONSOLE_STATE_PATH, INSPECTOR_API_PREFIX, isWebPath, WEB_ROOTS } from './paths';

export interface WebServiceOptions {
  /** Each front end's files, made when first asked for (bundling at start-up would slow every start). */
  readonly files: Readonly<Record<FrontEnd, () => Promise<FrontEndFiles>>>;
  /** The app's run-time configuration; read per request, since the demo is seeded after start. */
  readonly appConfig: () => AppConfig;
  /** The inspector's data API (`/_local/console/api/…`): undefined for a path it does not know. */
  readonly inspectorApi: (request: AwsRequest, path: string) => Promise<AwsResponse | undefined>;
  /** The raw snapshot at `/_local/console/state.json`. */
  readonly snapshot: () => Promise<Record<string, unknown>>;
}

/**
 * Headers on every page, file and answer: no inline script or style may run (an injected tag stays
 * inert even where escaping failed), the page may talk only to its own origin (and the app to the
 * REST API), no other site may frame it (clickjacking), and nothing is cached or sniffed.
 */
export function securityHeaders(connectSources: readonly string[]): Record<string, string> {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${["'self'", ...connectSources].join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'cross-origin-opener-policy': 'same-origin',
    // No other site may embed these answers (a script tag, an image): said outright, not left to CORB.
    'cross-origin-resource-policy': 'same-origin',
  };
}

const json = (status: number, value: unknown, headers: Record<string, string>): AwsResponse => ({
  status,
  headers: { ...headers, 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

/**
 * The tenant app at `/_local/app/` and the inspector at `/_local/console/`, served from bundles
 * made at start-up (local/web/bundle.ts). Only GET and HEAD; a path with no file is a 404.
 */
export function createWebService(options: WebServiceOptions): LocalService {
  const serveFile = async (frontEnd: FrontEnd, name: string, headers: Record<string, string>): Promise<AwsResponse> => {
    const file = (await options.files[frontEnd]()).get(name);
    if (!file) return json(404, { message: `No such file: ${name}` }, headers);
    return { status: 200, headers: { ...headers, 'content-type': file.contentType }, body: file.body };
  };
  return {
    name: 'web',
    canHandle: (request) => isWebPath(request.method, request.path),
    async handle(request) {
      const { path } = request;
      if (path === WEB_ROOTS.app.slice(0, -1) || path === WEB_ROOTS.inspector.slice(0, -1)) {
        return { status: 308, headers: { location: `${path}/`, 'cache-control': 'no-store' } };
      }
      if (path.startsWith(WEB_ROOTS.app)) {
        const config = options.appConfig();
        // The API allows one origin (the endpoint's, as printed): the app opened as localhost:<port>
        // would be refused by CORS at its first call, so it is sent to the printed name instead.
        const served = new URL(config.userPoolEndpoint);
        if (request.headers.host !== served.host) return { status: 308, headers: { location: `${served.origin}${path}`, 'cache-control': 'no-store' } };
        const headers = securityHeaders([new URL(config.apiUrl).origin]);
        const name = path.slice(WEB_ROOTS.app.length) || 'index.html';
        return name === APP_CONFIG_FILE ? json(200, config, headers) : serveFile('app', name, headers);
      }
      const headers = securityHeaders([]);
      if (path === CONSOLE_STATE_PATH) return json(200, await options.snapshot(), headers);
      if (path.startsWith(INSPECTOR_API_PREFIX)) {
        const answer = await options.inspectorApi(request, path.slice(INSPECTOR_API_PREFIX.length));
        return answer ? { ...answer, headers: { ...headers, ...answer.headers } } : json(404, { message: `No inspector view at ${path}` }, headers);
      }
      return serveFile('inspector', path.slice(WEB_ROOTS.inspector.length) || 'index.html', headers);
    },
  };
}
