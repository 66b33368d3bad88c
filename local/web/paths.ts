/**
 * Where the two browser front ends live on the local endpoint, under `/_local/`, a prefix no AWS
 * protocol uses. Both are served unsigned (a browser cannot sign), read-only (GET), on loopback
 * names only (the endpoint's DNS-rebinding check), and without CORS headers: a page of another
 * origin can make a developer's browser request them but can read nothing back.
 */
export const WEB_ROOTS = {
  /** The tenant app (`appUrl`): what a deployed static front end would serve. */
  app: '/_local/app/',
  /** The inspector (`consoleUrl`): local only. Its data API is under `api/`. */
  inspector: '/_local/console/',
} as const;

/** The raw snapshot older tests and scripts read; kept beside the inspector's own API. */
export const CONSOLE_STATE_PATH = '/_local/console/state.json';

export const INSPECTOR_API_PREFIX = `${WEB_ROOTS.inspector}api/`;

/** A GET the caller gate serves unsigned: a front end's files, its config, or the inspector's data. */
export function isWebPath(method: string, path: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  return Object.values(WEB_ROOTS).some((root) => path === root.slice(0, -1) || path.startsWith(root));
}
