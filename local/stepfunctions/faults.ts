import { z } from 'zod';
import type { LocalService } from '../server/types';

export const FaultSpecSchema = z.object({
  stateMachineName: z.string().min(1),
  stateName: z.string().min(1),
  /** A Step Functions error name, e.g. `DynamoDB.ConditionalCheckFailedException` or `States.Timeout`. */
  error: z.string().min(1),
  cause: z.string().optional(),
  count: z.number().int().positive(),
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
  private readonly pending = new Map<string, { error: string; cause: string; remaining: number }[]>();

  inject(spec: FaultSpec): void {
    const parsed = FaultSpecSchema.parse(spec);
    const key = faultKey(parsed.stateMachineName, parsed.stateName);
    const queue = this.pending.get(key) ?? [];
    queue.push({ error: parsed.error, cause: parsed.cause ?? `Fault injected into ${parsed.stateName}`, remaining: parsed.count });
    this.pending.set(key, queue);
  }

  clear(): void {
    this.pending.clear();
  }

  /** Uses up one run of the first pending fault for this state, if any. */
  take(stateMachineName: string, stateName: string): InjectedFault | undefined {
    const key = faultKey(stateMachineName, stateName);
    const queue = this.pending.get(key);
    const next = queue?.[0];
    if (!queue || !next) return undefined;
    next.remaining -= 1;
    if (next.remaining === 0) queue.shift();
    if (queue.length === 0) this.pending.delete(key);
    return { error: next.error, cause: next.cause };
  }
}

const faultKey = (stateMachineName: string, stateName: string): string => JSON.stringify([stateMachineName, stateName]);

const FAULTS_PATH = '/_local/faults';

const json = (status: number, body: unknown) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * The injector over HTTP, for tests running in another process than the local cloud:
 * `POST /_local/faults` with a JSON fault spec, `DELETE /_local/faults` to clear them all.
 */
export function faultService(faults: FaultInjector): LocalService {
  return {
    name: 'stepfunctions-faults',
    canHandle: (request) => request.path === FAULTS_PATH && (request.method === 'POST' || request.method === 'DELETE'),
    async handle(request) {
      if (request.method === 'DELETE') {
        faults.clear();
        return json(200, {});
      }
      let body: unknown;
      try {
        body = JSON.parse(request.body.toString('utf8'));
      } catch {
        return json(400, { __type: 'SerializationException', message: 'The request body is not valid JSON' });
      }
      const parsed = FaultSpecSchema.safeParse(body);
      if (!parsed.success) {
        return json(400, { __type: 'ValidationException', message: z.prettifyError(parsed.error) });
      }
      faults.inject(parsed.data);
      return json(200, { injected: parsed.data });
    },
  };
}
