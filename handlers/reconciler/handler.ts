import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { TENANT_ID_PATTERN } from '../../domain/keys';
import {
  confirmedViolations,
  findViolations,
  RECONCILIATION,
  REPAIR_OF,
  repairedUserId,
  scopeOf,
  VIOLATION_KINDS,
  type Violation,
  type ViolationKind,
} from '../../domain/reconciliation';
import { DETAIL_TYPE } from '../../events/catalog';
import { publishAfterChange, type PublishEvent } from '../shared/event-publisher';
import type { ReconcilerPorts } from './ports';

/**
 * What an invocation may ask for. Only an operator can invoke the function (on AWS: no resource
 * policy lets a service in, and the one role granted lambda:InvokeFunction on it is the schedule's,
 * which sends `{}`; locally only the local administrator may call Lambda Invoke: tenant
 * credentials and unsigned callers are refused, a local test proves it), so a short grace is an operator's
 * informed choice (the tests use one): it only risks repairing a running workflow's intermediate
 * state, which the next run would set right again. Bounded, so no request can hold the function
 * past its timeout. `tenantIds` limits the repairs to some tenants (after an incident, or in the
 * tests, which share one local cloud with other tests' fixtures); the scan still reads everything.
 */
export const reconcileRequestSchema = z.strictObject({
  graceSeconds: z.number().int().min(0).max(RECONCILIATION.maxGraceSeconds).optional(),
  tenantIds: z.array(z.string().regex(TENANT_ID_PATTERN)).min(1).max(100).optional(),
});

export class InvalidReconcileRequestError extends Error {
  constructor(readonly issues: string) {
    super(`Invalid reconcile request: ${issues}`);
    this.name = 'InvalidReconcileRequestError';
  }
}

export interface ReconcileSummary {
  readonly runId: string;
  readonly graceSeconds: number;
  readonly scanned: { readonly tenants: number; readonly groups: number; readonly users: number };
  /** Violations the scan found (within `tenantIds`, when given). */
  readonly candidates: number;
  /** Candidates that were no longer violations after the grace: a run's intermediate state. */
  readonly vanished: number;
  readonly repaired: Readonly<Record<ViolationKind, number>>;
  readonly failed: number;
  /** Memberships of users the pool does not have: reported, never repaired. */
  readonly unrepairable: number;
}

export interface ReconcilerDeps {
  readonly ports: ReconcilerPorts;
  readonly publish: PublishEvent;
  readonly logger: Pick<Logger, 'info' | 'error'>;
  readonly sleep: (milliseconds: number) => Promise<void>;
  /** A fresh UUID: the run's id, and each repair's operation id. */
  readonly newId: () => string;
}

const noRepairs = (): Record<ViolationKind, number> => Object.fromEntries(VIOLATION_KINDS.map((kind) => [kind, 0])) as Record<ViolationKind, number>;

/** What a log line may say of a violation: its kind and ids, never a username (an address, where the pool uses addresses). */
const described = (violation: Violation) => ({ kind: violation.kind, tenantId: violation.tenantId, userId: repairedUserId(violation) });

function parseRequest(input: unknown): z.infer<typeof reconcileRequestSchema> {
  const parsed = reconcileRequestSchema.safeParse(input ?? {});
  if (!parsed.success) throw new InvalidReconcileRequestError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; '));
  return parsed.data;
}

/**
 * Finds every violation, waits the grace, re-reads just the candidates, and repairs those still
 * broken, one event each. A failed repair is logged and counted; the others go on.
 */
export function createReconcilerHandler(deps: ReconcilerDeps) {
  async function repairAll(runId: string, confirmed: readonly Violation[]): Promise<{ repaired: Record<ViolationKind, number>; failed: number }> {
    const repaired = noRepairs();
    let failed = 0;
    for (const violation of confirmed) {
      try {
        await deps.ports.repair(violation);
      } catch (error) {
        failed += 1;
        deps.logger.error('repair failed: the next run tries again', { runId, ...described(violation), errorName: error instanceof Error ? error.name : typeof error });
        continue;
      }
      repaired[violation.kind] += 1;
      const userId = repairedUserId(violation);
      await publishAfterChange({ publish: deps.publish, logger: deps.logger }, DETAIL_TYPE.invariantRepaired, {
        tenantId: violation.tenantId,
        ...(userId === undefined ? {} : { userId }),
        violation: violation.kind,
        repair: REPAIR_OF[violation.kind],
        ...(violation.kind === 'tenant-without-admin' ? { previousRoleId: violation.promoted.roleId } : {}),
        runId,
        operationId: deps.newId(),
      });
    }
    return { repaired, failed };
  }

  return async (input: unknown): Promise<ReconcileSummary> => {
    const request = parseRequest(input);
    const runId = deps.newId();
    const graceSeconds = request.graceSeconds ?? RECONCILIATION.defaultGraceSeconds;
    const snapshot = await deps.ports.snapshot();
    const findings = findViolations(snapshot);
    const inScope = request.tenantIds ? new Set(request.tenantIds) : undefined;
    const candidates = findings.violations.filter((violation) => !inScope || inScope.has(violation.tenantId));
    const scanned = { tenants: snapshot.partitions.length, groups: snapshot.groups.length, users: snapshot.users.length };
    deps.logger.info('scanned: candidates wait out the grace before a re-read', { runId, graceSeconds, scanned, candidates: candidates.map(described) });
    let confirmed: Violation[] = [];
    if (candidates.length > 0) {
      await deps.sleep(graceSeconds * 1000);
      confirmed = confirmedViolations(candidates, await deps.ports.reread(scopeOf(candidates)));
    }
    const { repaired, failed } = await repairAll(runId, confirmed);
    const unrepairable = findings.unrepairable.filter((entry) => !inScope || inScope.has(entry.tenantId)).length;
    const summary = { runId, graceSeconds, scanned, candidates: candidates.length, vanished: candidates.length - confirmed.length, repaired, failed, unrepairable };
    deps.logger.info('reconciled', summary);
    return summary;
  };
}
