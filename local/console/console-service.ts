import type { AwsResponse, LocalService } from '../server/types';

/** The page and the state it polls: the caller gate serves both unsigned, since a browser opens them. */
export const CONSOLE_PATHS: readonly string[] = ['/_local/console', '/_local/console/state.json'];

/**
 * A read-only window on the local cloud for people: recent events (the bus archive), dead
 * letters, Lambda invocations and state-machine executions. The page polls `state.json`; both are
 * served on the AWS endpoint under `/_local/console`, a path no AWS protocol uses.
 */
export function createConsoleService(deps: { snapshot: () => Promise<Record<string, unknown>> }): LocalService {
  return {
    name: 'console',
    canHandle: (request) => request.method === 'GET' && CONSOLE_PATHS.includes(request.path),
    async handle(request): Promise<AwsResponse> {
      if (request.path.endsWith('state.json')) {
        return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(await deps.snapshot()) };
      }
      return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: PAGE };
    },
  };
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Local cloud console</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1d1d1f}h1{font-size:1.3rem}h2{font-size:1.05rem;margin-top:1.6rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f6}code,pre{font:12px ui-monospace,monospace}pre{margin:0;white-space:pre-wrap;max-height:8rem;overflow:auto}
.muted{color:#777}
</style></head><body>
<h1>Local cloud console</h1><p class="muted" id="at">loading…</p>
<div id="sections"></div>
<script>
const esc = (v) => String(v ?? '').replace(/[&<>"]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const cell = (v) => typeof v === 'object' && v !== null ? '<pre>' + esc(JSON.stringify(v, null, 1)) + '</pre>' : esc(v);
function table(title, rows) {
  if (!Array.isArray(rows) || rows.length === 0) return '<h2>' + esc(title) + '</h2><p class="muted">none yet</p>';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return '<h2>' + esc(title) + ' (' + rows.length + ')</h2><table><tr>' + cols.map((c) => '<th>' + esc(c) + '</th>').join('') + '</tr>' +
    rows.map((r) => '<tr>' + cols.map((c) => '<td>' + cell(r[c]) + '</td>').join('') + '</tr>').join('') + '</table>';
}
async function refresh() {
  const state = await (await fetch('/_local/console/state.json')).json();
  document.getElementById('at').textContent = 'updated ' + new Date().toLocaleTimeString();
  document.getElementById('sections').innerHTML = Object.entries(state).map(([k, v]) => table(k, v)).join('');
}
refresh(); setInterval(refresh, 2000);
</script></body></html>`;
