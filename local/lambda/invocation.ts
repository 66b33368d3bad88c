import { randomBytes, randomUUID } from 'node:crypto';
import type { FunctionDefinition } from '../../handlers/catalog';
import type { LambdaFaultInjector } from './faults';
import { FunctionError, FunctionNotFoundError, FunctionTimeoutError, errorPayloadOf } from './lambda-errors';
import type { InvocationView } from '../../web/inspector/api-types';
import { InvocationLog } from './log-capture';
import { logGroupOf } from './runtime-environment';
import type { Lease, WorkerPool } from './worker-pool';
import type { InvokeMessage } from './worker-protocol';

/** An invocation as the inspector lists it (web/inspector/api-types.ts), with its cold start. */
export type InvocationRecord = InvocationView;

/** One invocation's answer: the serialized result or the error, and its log. */
export type InvocationResult = ({ readonly ok: true; readonly json: string } | { readonly ok: false; readonly error: Error }) & { readonly log: InvocationLog };

/** A log stream name as Lambda names them: `YYYY/MM/DD/[$LATEST]` and 32 hex digits, one per execution environment. */
export const logStreamNameOf = (at: Date): string => `${at.toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;

/** One Invoke: the fault check, a worker from the pool (cold or warm), the handler's run, its log and its record. */
export function createInvocationRunner(options: {
  byName: ReadonlyMap<string, FunctionDefinition>;
  resolveName: (identifier: string) => string;
  arnOf: (name: string) => string;
  pool: WorkerPool;
  faults: LambdaFaultInjector;
}) {
  const invocations: InvocationRecord[] = [];

  const messageOf = (definition: FunctionDefinition, requestId: string, event: unknown, lease: Lease): InvokeMessage => ({
    type: 'invoke',
    event,
    deadline: Date.now() + definition.timeoutSeconds * 1000,
    context: {
      functionName: definition.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: options.arnOf(definition.name),
      memoryLimitInMB: String(definition.memoryMb),
      awsRequestId: requestId,
      logGroupName: logGroupOf(definition.name),
      logStreamName: lease.worker.logStreamName,
      callbackWaitsForEmptyEventLoop: true,
    },
  });

  async function attempt(definition: FunctionDefinition, requestId: string, payload: unknown, log: InvocationLog) {
    const fault = options.faults.take(definition.name, payload);
    if (fault) return { outcome: { ok: false as const, error: fault }, durationMs: 0 };
    let lease: Lease;
    try {
      lease = await options.pool.acquire(definition, requestId);
    } catch (error) {
      // Init failed: Lambda answers the invocation with the Init's error, and the next one starts afresh.
      if (error instanceof FunctionError) log.initError(error.reported);
      return { outcome: { ok: false as const, error: error instanceof Error ? error : new Error(String(error)) }, durationMs: 0, cold: true };
    }
    const started = performance.now();
    const outcome = await lease.worker.invoke(messageOf(definition, requestId, payload, lease), log);
    options.pool.release(lease.worker);
    return { outcome, durationMs: performance.now() - started, cold: lease.initDurationMs !== undefined, initDurationMs: lease.initDurationMs };
  }

  async function run(functionName: string, event: unknown): Promise<InvocationResult> {
    const definition = options.byName.get(options.resolveName(functionName));
    if (!definition) throw new FunctionNotFoundError(functionName);
    const requestId = randomUUID();
    const startedAt = new Date().toISOString();
    const log = new InvocationLog(requestId);
    // Each invocation gets its own copy of the event, as it would after crossing the wire.
    const payload = JSON.parse(JSON.stringify(event ?? null)) as unknown;
    const { outcome, durationMs, cold = false, initDurationMs } = await attempt(definition, requestId, payload, log);
    const maxMemoryUsedMb = 'maxMemoryUsedMb' in outcome ? outcome.maxMemoryUsedMb : undefined;
    const timedOut = !outcome.ok && outcome.error instanceof FunctionTimeoutError;
    log.end({ durationMs, memoryMb: definition.memoryMb, maxMemoryUsedMb, initDurationMs, timedOut });
    invocations.push({
      functionName: definition.name,
      requestId,
      startedAt,
      durationMs,
      outcome: outcome.ok ? 'success' : 'error',
      ...(outcome.ok ? {} : { errorType: errorPayloadOf(outcome.error).errorType }),
      cold,
      ...(initDurationMs === undefined ? {} : { initDurationMs }),
    });
    return outcome.ok ? { ok: true, json: outcome.json, log } : { ok: false, error: outcome.error, log };
  }

  return { run, invocations: (): readonly InvocationRecord[] => invocations };
}
