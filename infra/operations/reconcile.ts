/**
 * `npm run reconcile -- [--outputs file] [--stack name] [--grace-seconds n] [--tenant id]…`: runs
 * the reconciler once, now, on the deployed stack or the local cloud alike (the function named by
 * the `reconcilerFunctionName` output), and prints what it repaired. The call is synchronous
 * (`RequestResponse`): the function waits out its grace before it repairs anything, so the
 * command reports progress while it waits.
 *
 * Only an operator can run it: on AWS the caller needs `lambda:InvokeFunction` on that function
 * (no role of the stack is granted it; the schedule has a role of its own), and locally only the
 * local administrator may call Lambda Invoke.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { RECONCILIATION } from '../../domain/reconciliation';
import type { ReconcileSummary } from '../../handlers/reconciler/handler';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { operatorClientConfig, parseCommandLine, readStackOutputs, requiredOutput, runOperatorCommand } from './outputs';

export class ReconcileUsageError extends Error {
  constructor(message: string) {
    super(`${message}\nUsage: npm run reconcile -- [--outputs .local/outputs.json] [--stack name] [--grace-seconds ${RECONCILIATION.defaultGraceSeconds}] [--tenant id]…`);
    this.name = 'ReconcileUsageError';
  }
}

/** The function answered with an error (its type and message, as Lambda returns them). */
export class ReconcileFailedError extends Error {
  constructor(readonly payload: string) {
    super(`The reconciler failed: ${payload}`);
    this.name = 'ReconcileFailedError';
  }
}

export interface ReconcileArgs {
  readonly outputs: string;
  readonly stack?: string;
  readonly graceSeconds?: number;
  readonly tenantIds?: readonly string[];
}

export function parseReconcileArgs(argv: readonly string[]): ReconcileArgs {
  const values = parseCommandLine(argv, { 'grace-seconds': { type: 'string' }, tenant: { type: 'string', multiple: true } }, (message) => new ReconcileUsageError(message));
  const grace = values['grace-seconds'];
  const graceSeconds = grace === undefined ? undefined : Number(grace);
  if (graceSeconds !== undefined && (!/^\d+$/.test(grace ?? '') || graceSeconds > RECONCILIATION.maxGraceSeconds)) {
    throw new ReconcileUsageError(`--grace-seconds must be a whole number from 0 to ${RECONCILIATION.maxGraceSeconds}, not ${String(grace)}`);
  }
  return {
    outputs: values.outputs,
    ...(values.stack ? { stack: values.stack } : {}),
    ...(graceSeconds === undefined ? {} : { graceSeconds }),
    ...(values.tenant && values.tenant.length > 0 ? { tenantIds: values.tenant } : {}),
  };
}

/** One synchronous invocation; `tick` is called every `tickMs` while it runs. */
export async function invokeReconciler(
  lambda: Pick<LambdaClient, 'send'>,
  functionName: string,
  request: { graceSeconds?: number; tenantIds?: readonly string[] },
  progress: { tick: (elapsedSeconds: number) => void; tickMs?: number } = { tick: () => undefined },
): Promise<ReconcileSummary> {
  const started = Date.now();
  const timer = setInterval(() => progress.tick(Math.round((Date.now() - started) / 1000)), progress.tickMs ?? 10_000);
  try {
    const response = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: JSON.stringify(request) }));
    const payload = new TextDecoder().decode(response.Payload);
    if (response.FunctionError) throw new ReconcileFailedError(payload);
    return JSON.parse(payload) as ReconcileSummary;
  } finally {
    clearInterval(timer);
  }
}

export function summaryLines(summary: ReconcileSummary): string[] {
  const repairs = Object.entries(summary.repaired).filter(([, count]) => count > 0);
  return [
    `run ${summary.runId}: scanned ${summary.scanned.tenants} tenants, ${summary.scanned.groups} groups, ${summary.scanned.users} users`,
    `${summary.candidates} candidates, ${summary.vanished} vanished within the ${summary.graceSeconds} s grace (a run's intermediate state)`,
    ...(repairs.length === 0 ? ['nothing repaired'] : repairs.map(([kind, count]) => `repaired ${count} × ${kind}`)),
    ...(summary.failed > 0 ? [`${summary.failed} repairs failed: see the function's log; the next run tries again`] : []),
    ...(summary.unrepairable > 0 ? [`${summary.unrepairable} memberships name users the pool does not have: left for a person`] : []),
  ];
}

/** The CLI: outputs → client → one run → its summary; exit 1 when a repair failed or needs a person. */
async function main(): Promise<number> {
  const args = parseReconcileArgs(process.argv.slice(2));
  const outputs = readStackOutputs(args.outputs, args.stack);
  const functionName = requiredOutput(outputs, 'reconcilerFunctionName');
  // One attempt: a retried Invoke would start a second run (harmless, as repairs are idempotent, but twice the scan).
  const lambda = new LambdaClient({ ...operatorClientConfig(outputs, LOCAL_ADMIN_CREDENTIALS), maxAttempts: 1 });
  try {
    const grace = args.graceSeconds ?? RECONCILIATION.defaultGraceSeconds;
    console.log(`reconciling with ${functionName} (${outputs.target}): candidates are re-read after a ${grace} s grace`);
    const summary = await invokeReconciler(lambda, functionName, { ...(args.graceSeconds === undefined ? {} : { graceSeconds: args.graceSeconds }), ...(args.tenantIds ? { tenantIds: args.tenantIds } : {}) }, {
      tick: (elapsed) => console.log(`  … ${elapsed} s`),
    });
    for (const line of summaryLines(summary)) console.log(line);
    return summary.failed > 0 || summary.unrepairable > 0 ? 1 : 0;
  } finally {
    lambda.destroy();
  }
}

if (require.main === module) runOperatorCommand(main);
