/**
 * What a function's cold start and a warm invocation cost in the local Lambda (local/lambda/), for
 * every function of the catalog, one at a time:
 * - first cold start, nothing cached: esbuild bundle + worker start + module initialization (the
 *   Init Duration the invocation record and REPORT line show);
 * - first cold start of a later run: the bundle from the content-keyed cache the first run filled;
 * - a second worker: a concurrent invocation gets a worker of its own, the bundle already built:
 *   worker start + module initialization only, the local counterpart of Lambda's Init Duration;
 * - warm: GetMe invoked again and again on one warm worker, round trip of `invoke` (the handler
 *   answers a malformed event at once, so this is the local Lambda's own overhead plus the handler's
 *   first lines).
 * The functions get their declared variables with placeholder values and an endpoint nobody listens
 * on: init and the handler's first checks run, any AWS call fails fast. `npx tsx bench/lambda-invocations.ts`
 */
import { runStandalone } from './standalone';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUNCTIONS, type FunctionDefinition } from '../handlers/catalog';
import { createLambdaService } from '../local/lambda/lambda-service';

const WARM_INVOCATIONS = 200;

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0).toFixed(2));
};

const environmentOf = (definition: FunctionDefinition) => ({
  variables: {
    ...Object.fromEntries(definition.environment.map((name) => [name, name === 'INVITATION_TTL_DAYS' ? '7' : `bench-${name.toLowerCase()}`])),
    // Port 9 (discard): nothing answers, so an AWS call fails at once instead of waiting.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: 'AKIABENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
  },
});

type Service = ReturnType<typeof createLambdaService>;

/** The Init Duration of the newest cold start of a function not among `before`. */
const newestInit = (lambda: Service, name: string, before: readonly string[]): number =>
  Math.round(lambda.invocations().find((record) => record.functionName === name && record.cold && !before.includes(record.requestId))?.initDurationMs ?? Number.NaN);

/** One cold start of the function, and one more from a concurrent request (a second worker, the bundle built). */
async function coldStarts(lambda: Service, name: string): Promise<{ firstMs: number; againMs: number }> {
  const invoke = () => lambda.invoke(name, {}).catch(() => undefined);
  await invoke();
  const firstMs = newestInit(lambda, name, []);
  const seen = lambda.invocations().map((record) => record.requestId);
  // Two at once: one takes the warm worker, the other starts a second one.
  await Promise.all([invoke(), invoke()]);
  return { firstMs, againMs: newestInit(lambda, name, seen) };
}

export async function benchLambdaInvocations() {
  const definitions = Object.values(FUNCTIONS) as readonly FunctionDefinition[];
  const cacheDir = mkdtempSync(join(tmpdir(), 'bench-lambda-cache-'));
  const service = () => createLambdaService({ region: 'us-east-1', accountId: '000000000000', projectRoot: join(__dirname, '..'), functions: definitions, environmentOf, bundleCacheDir: cacheDir });
  const building = service();
  const coldStartMs: Record<string, { bundledMs: number; fromCacheMs: number; secondWorkerMs: number }> = {};
  for (const definition of definitions) {
    const { firstMs, againMs } = await coldStarts(building, definition.name);
    coldStartMs[definition.name] = { bundledMs: firstMs, fromCacheMs: Number.NaN, secondWorkerMs: againMs };
  }
  await building.service.stop?.();
  // A later run of the cloud: the same bundles, from the cache the first one filled.
  const cached = service();
  for (const definition of definitions) {
    await cached.invoke(definition.name, {}).catch(() => undefined);
    (coldStartMs[definition.name] as { fromCacheMs: number }).fromCacheMs = newestInit(cached, definition.name, []);
  }
  const warmMs: number[] = [];
  for (let i = 0; i < WARM_INVOCATIONS; i++) {
    const started = performance.now();
    await cached.invoke(FUNCTIONS.getMe.name, {}).catch(() => undefined);
    warmMs.push(performance.now() - started);
  }
  await cached.service.stop?.();
  rmSync(cacheDir, { recursive: true, force: true });
  const column = (key: 'bundledMs' | 'fromCacheMs' | 'secondWorkerMs') => Object.values(coldStartMs).map((entry) => entry[key]);
  const summary = (values: readonly number[]) => ({ p50: percentile(values, 50), max: Math.max(...values) });
  return {
    coldStartMs,
    coldStartSummaryMs: { bundled: summary(column('bundledMs')), fromCache: summary(column('fromCacheMs')), secondWorker: summary(column('secondWorkerMs')) },
    warmGetMe: { invocations: WARM_INVOCATIONS, p50Ms: percentile(warmMs, 50), p95Ms: percentile(warmMs, 95) },
  };
}

if (require.main === module)
  runStandalone(benchLambdaInvocations, (result) => {
    console.table(result.coldStartMs);
    console.log('cold starts (ms):', result.coldStartSummaryMs);
    console.log('warm GetMe (ms):', result.warmGetMe);
  });
