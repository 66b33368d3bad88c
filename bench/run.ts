/**
 * `npm run bench`: every benchmark of the project, one after the other, on this machine.
 * Numbers go to the console and to .local/bench-results.json; the README quotes them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchAuthorizer } from './authorizer';
import { benchBundles } from './bundles';
import { benchControlPlane } from './control-plane';
import { benchIamGateway } from './iam-gateway';
import { benchStartup } from './startup';

async function main(): Promise<void> {
  const results: Record<string, unknown> = { machine: { node: process.version, cpus: (await import('node:os')).cpus().length } };
  console.log('[bench] local cloud start-up (3 runs)…');
  results.startup = await benchStartup();
  console.table(results.startup);
  console.log('[bench] IAM gateway…');
  results.iamGateway = await benchIamGateway();
  console.log('[bench] authorizer (warm path, cache misses, against the literal design)…');
  results.authorizer = await benchAuthorizer();
  console.log('[bench] Lambda bundle sizes…');
  results.bundles = await benchBundles();
  console.table(results.bundles);
  console.log('[bench] onboarding and switching through the API…');
  results.controlPlane = await benchControlPlane();
  console.log(JSON.stringify(results.controlPlane, null, 2));
  mkdirSync(join(__dirname, '..', '.local'), { recursive: true });
  const file = join(__dirname, '..', '.local', 'bench-results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`[bench] results written to ${file}`);
  // In-process clouds and SDK agents may keep sockets open; the numbers are written, so leave.
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
