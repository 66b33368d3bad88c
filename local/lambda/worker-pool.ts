import type { FunctionDefinition } from '../../handlers/catalog';
import type { FunctionWorker } from './function-worker';

/**
 * How many execution environments one function may have at once. Lambda scales a function to as
 * many concurrent environments as it has concurrent requests (up to the account's concurrency);
 * locally a small cap keeps a burst from starting dozens of threads, and requests past it wait
 * their turn instead of being throttled.
 */
export const MAX_WORKERS_PER_FUNCTION = 10;

export class LambdaServiceStoppedError extends Error {
  constructor(functionName: string) {
    super(`The local Lambda is stopped; ${functionName} was not invoked`);
    this.name = 'LambdaServiceStoppedError';
  }
}

interface FunctionPool {
  readonly idle: FunctionWorker[];
  readonly all: Set<FunctionWorker>;
  readonly waiting: (() => void)[];
  /** Workers being started: they hold a slot before they exist. */
  starting: number;
}

/** A worker for one invocation: warm (reused) or cold, with the time its start took. */
export interface Lease {
  readonly worker: FunctionWorker;
  readonly initDurationMs?: number;
}

/**
 * Lambda's concurrency model per function: one invocation per execution environment at a time; an
 * idle environment is reused (warm), a request finding none idle gets a new one (cold), up to the
 * cap. An environment whose credentials would expire before the function's timeout is retired
 * before it takes a request, as Lambda recycles environments well before their role's session ends.
 */
export function createWorkerPool(options: { maxWorkers?: number; start: (definition: FunctionDefinition, requestId: string) => Promise<FunctionWorker> }) {
  const maxWorkers = options.maxWorkers ?? MAX_WORKERS_PER_FUNCTION;
  const pools = new Map<string, FunctionPool>();
  let stopped = false;

  const poolOf = (name: string): FunctionPool => {
    let pool = pools.get(name);
    if (!pool) pools.set(name, (pool = { idle: [], all: new Set(), waiting: [], starting: 0 }));
    return pool;
  };
  const retire = (pool: FunctionPool, worker: FunctionWorker): void => {
    worker.terminate();
    pool.all.delete(worker);
  };
  const usable = (worker: FunctionWorker): boolean =>
    worker.alive && (worker.expiresAt === undefined || worker.expiresAt.getTime() > Date.now() + worker.definition.timeoutSeconds * 1000);

  async function acquire(definition: FunctionDefinition, requestId: string): Promise<Lease> {
    if (stopped) throw new LambdaServiceStoppedError(definition.name);
    const pool = poolOf(definition.name);
    for (let worker = pool.idle.pop(); worker; worker = pool.idle.pop()) {
      if (usable(worker)) return { worker };
      retire(pool, worker);
    }
    if (pool.all.size + pool.starting >= maxWorkers) {
      await new Promise<void>((resume) => pool.waiting.push(resume));
      return acquire(definition, requestId);
    }
    const started = performance.now();
    pool.starting += 1;
    try {
      const worker = await options.start(definition, requestId);
      pool.all.add(worker);
      if (stopped) {
        retire(pool, worker);
        throw new LambdaServiceStoppedError(definition.name);
      }
      return { worker, initDurationMs: performance.now() - started };
    } catch (error) {
      // A failed start frees its slot for the next request.
      pool.waiting.shift()?.();
      throw error;
    } finally {
      pool.starting -= 1;
    }
  }

  function release(worker: FunctionWorker): void {
    const pool = poolOf(worker.definition.name);
    if (worker.alive && !stopped) pool.idle.push(worker);
    else retire(pool, worker);
    pool.waiting.shift()?.();
  }

  function stop(): void {
    stopped = true;
    for (const pool of pools.values()) {
      for (const worker of pool.all) worker.terminate();
      pool.all.clear();
      pool.idle.splice(0);
      for (const resume of pool.waiting.splice(0)) resume();
    }
  }

  /** Workers per function now (busy or idle): for the inspector and the tests. */
  const workerCount = (functionName: string): number => pools.get(functionName)?.all.size ?? 0;

  return { acquire, release, stop, workerCount };
}

export type WorkerPool = ReturnType<typeof createWorkerPool>;
