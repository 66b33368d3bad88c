/**
 * The local cloud's stand-in for the reconciler's schedule (infra/constructs/reconciler.ts): every
 * `everyMinutes` it invokes the function as the schedule would, with `{}`. A run still going when
 * the next is due is not doubled (a deployed schedule could overlap two runs; their repairs are
 * idempotent, but two at once would only add load here). The timer is unref'd, so it never keeps
 * the process alive, and `stop` waits for a run in progress.
 */
export interface ReconcileScheduleOptions {
  readonly everyMinutes: number;
  readonly run: () => Promise<unknown>;
  readonly log: (message: string) => void;
}

/** A rate `npm start -- --reconcile-every` cannot take. */
export class InvalidReconcileIntervalError extends Error {
  constructor(readonly value: string) {
    super(`--reconcile-every takes whole minutes, 0 to turn the schedule off: got "${value}"`);
    this.name = 'InvalidReconcileIntervalError';
  }
}

export function parseReconcileInterval(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const minutes = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(minutes)) throw new InvalidReconcileIntervalError(value);
  return minutes;
}

/** What a summary says in one line: the repairs by kind, the failures, the candidates that vanished. */
function summaryLine(summary: unknown): string {
  const { repaired = {}, failed = 0, vanished = 0, candidates = 0 } = (summary ?? {}) as { repaired?: Record<string, number>; failed?: number; vanished?: number; candidates?: number };
  const repairs = Object.entries(repaired).filter(([, count]) => count > 0);
  const repairText = repairs.length === 0 ? 'nothing to repair' : repairs.map(([kind, count]) => `${count} ${kind}`).join(', ');
  return `${repairText} (${candidates} candidates, ${vanished} vanished in the grace, ${failed} failed)`;
}

export function startReconcileSchedule(options: ReconcileScheduleOptions): () => Promise<void> {
  let running: Promise<void> | undefined;
  const tick = (): void => {
    if (running) return;
    running = options
      .run()
      .then((summary) => options.log(`reconciler: ${summaryLine(summary)}`))
      .catch((error: unknown) => options.log(`reconciler failed: ${error instanceof Error ? error.name : String(error)}`))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.everyMinutes * 60_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
