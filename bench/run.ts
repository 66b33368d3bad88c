/**
 * `npm run bench`: every benchmark of the project, one after the other, each in its own process.
 * Numbers go to the console and to .local/bench-results.json; the README quotes them, and
 * bench/cost-model.ts prices the usage in them. Names on the command line run only those benchmarks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const BENCHMARKS = [
  ['startup', 'local cloud start-up (3 runs, npm start with its demo seed)'],
  ['iamGateway', 'IAM evaluation overhead per call: administrator vs evaluated credentials (DynamoDB GetItem, Step Functions)'],
  ['authorizer', 'authorizer: warm path, cache misses, the literal design side by side'],
  ['bundles', 'Lambda bundle sizes'],
  ['lambdaInvocations', 'Lambda cold starts (every function) and warm invocations, in workers'],
  ['frontEnds', 'front ends (tenant app, inspector): bundle time and sizes'],
  ['controlPlane', 'onboarding and switching through the API'],
  ['administration', 'roles, members, invitations and audit through the API'],
  ['dataPlane', 'aircraft and reservations through the API: throughput, shard shares, fan-out lists'],
] as const;

const FILES: Record<(typeof BENCHMARKS)[number][0], string> = {
  startup: 'startup.ts',
  iamGateway: 'iam-gateway.ts',
  authorizer: 'authorizer.ts',
  bundles: 'bundles.ts',
  lambdaInvocations: 'lambda-invocations.ts',
  frontEnds: 'front-ends.ts',
  controlPlane: 'control-plane.ts',
  administration: 'administration.ts',
  dataPlane: 'data-plane.ts',
};

const file = join(__dirname, '..', '.local', 'bench-results.json');
// `npx tsx bench/run.ts controlPlane dataPlane` runs only those and keeps the other results of the file.
const only = process.argv.slice(2);
const unknown = only.filter((name) => !BENCHMARKS.some(([key]) => key === name));
if (unknown.length > 0) throw new Error(`no benchmark named ${unknown.join(', ')} (known: ${BENCHMARKS.map(([key]) => key).join(', ')})`);
const earlier = only.length > 0 && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
const results: Record<string, unknown> = { ...earlier, machine: { node: process.version, cpus: cpus().length, at: new Date().toISOString() } };
for (const [key, title] of BENCHMARKS.filter(([name]) => only.length === 0 || only.includes(name))) {
  console.log(`\n[bench] ${title}…`);
  const out = join(tmpdir(), `bench-${key}-${process.pid}.json`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, FILES[key])], {
    stdio: ['ignore', 'inherit', 'inherit'],
    // The handlers' info logs would bury the numbers; warnings and errors still show.
    env: { ...process.env, BENCH_JSON_OUT: out, LOCAL_CLOUD_QUIET: '1', POWERTOOLS_LOG_LEVEL: 'WARN' },
  });
  if (run.status !== 0) {
    console.error(`[bench] ${key} failed (exit ${run.status ?? run.signal})`);
    process.exit(1);
  }
  results[key] = JSON.parse(readFileSync(out, 'utf8')) as unknown;
  rmSync(out, { force: true });
}
mkdirSync(join(__dirname, '..', '.local'), { recursive: true });
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\n[bench] results written to ${file}`);
