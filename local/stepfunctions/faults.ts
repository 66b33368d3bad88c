import * as z from 'zod';
import { faultControlService } from '../server/aws-json';
import type { LocalService } from '../server/types';

export const FaultSpecSchema = z.object({
  stateMachineName: z.string().min(1),
  stateName: z.string().min(1),
  /** A Step Functions error name, e.g. `DynamoDB.ConditionalCheckFailedException` or `States.Timeout`. */
  error: z.string().min(1),
  cause: z.string().optional(),
  count: z.number().int().positive(),
  /**
   * Only executions whose input has these top-level values take the fault (e.g. `{ "userId": "…" }`),
   * so tests running side by side against one cloud cannot use up each other's faults.
   */
  whenInput: z.record(z.string(), z.string()).optional(),
});

export type FaultSpec = z.infer<typeof FaultSpecSchema>;

export interface InjectedFault {
  readonly error: string;
  readonly cause: string;
}

/**
 * "The next N runs of state S in machine M fail with error E." Consulted by the Task dispatcher
 * before it sends anything, so an injected fault never reaches the service: it stands in for the
 * service failing. Faults for the same state are used up in the order they were injected.
 */
export class FaultInjector {
  private readonly pending = new Map<string, { error: string; cause: string; remaining: number; whenInput?: Record<string, string> }[]>();

  inject(spec: FaultSpec): void {
    const parsed = FaultSpecSchema.parse(spec);
    const key = faultKey(parsed.stateMachineName, parsed.stateName);
    const queue = this.pending.get(key) ?? [];
    queue.push({
      error: parsed.error,
      cause: parsed.cause ?? `Fault injected into ${parsed.stateName}`,
      remaining: parsed.count,
      ...(parsed.whenInput ? { whenInput: parsed.whenInput } : {}),
    });
    this.pending.set(key, queue);
  }

  clear(): void {
    this.pending.clear();
  }

  /** Uses up one run of the first pending fault for this state that the execution's input matches, if any. */
  take(stateMachineName: string, stateName: string, executionInput: unknown = undefined): InjectedFault | undefined {
    const key = faultKey(stateMachineName, stateName);
    const queue = this.pending.get(key);
    const input = typeof executionInput === 'object' && executionInput !== null ? (executionInput as Record<string, unknown>) : {};
    const index = queue?.findIndex((fault) => !fault.whenInput || Object.entries(fault.whenInput).every(([name, value]) => input[name] === value)) ?? -1;
    const next = queue?.[index];
    if (!queue || !next) return undefined;
    next.remaining -= 1;
    if (next.remaining === 0) queue.splice(index, 1);
    if (queue.length === 0) this.pending.delete(key);
    return { error: next.error, cause: next.cause };
  }
}

const faultKey = (stateMachineName: string, stateName: string): string => JSON.stringify([stateMachineName, stateName]);

/** A path no AWS protocol uses; the caller gate keeps it for the local administrator. */
export const FAULTS_PATH = '/_local/faults';

/** The injector over HTTP: `POST /_local/faults` with a JSON fault spec, `DELETE /_local/faults` to clear them all. */
export const faultService = (faults: FaultInjector): LocalService =>
  faultControlService({ name: 'stepfunctions-faults', path: FAULTS_PATH, schema: FaultSpecSchema, injector: faults });
