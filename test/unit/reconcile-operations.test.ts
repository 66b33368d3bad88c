import { InvokeCommand } from '@aws-sdk/client-lambda';
import { RECONCILIATION } from '../../domain/reconciliation';
import { invokeReconciler, parseReconcileArgs, ReconcileFailedError, ReconcileUsageError, summaryLines } from '../../infra/operations/reconcile';
import { InvalidReconcileIntervalError, parseReconcileInterval, startReconcileSchedule } from '../../local/reconcile-schedule';
import type { ReconcileSummary } from '../../handlers/reconciler/handler';

const SUMMARY: ReconcileSummary = {
  runId: 'run-1',
  graceSeconds: 45,
  scanned: { tenants: 3, groups: 3, users: 7 },
  candidates: 2,
  vanished: 1,
  repaired: {
    'group-member-without-membership': 1,
    'membership-without-group-member': 0,
    'leftovers-without-tenant': 0,
    'tenant-without-members': 0,
    'tenant-without-admin': 0,
    'active-tenant-without-membership': 0,
  },
  failed: 0,
  unrepairable: 0,
};

describe('npm run reconcile', () => {
  it('reads the local outputs by default and passes the grace and tenants it is given', () => {
    expect(parseReconcileArgs([])).toEqual({ outputs: '.local/outputs.json' });
    expect(parseReconcileArgs(['--outputs', 'cdk-outputs.json', '--stack', 'Prod', '--grace-seconds', '5', '--tenant', 't1', '--tenant', 't2'])).toEqual({
      outputs: 'cdk-outputs.json',
      stack: 'Prod',
      graceSeconds: 5,
      tenantIds: ['t1', 't2'],
    });
  });

  it.each([['-1'], ['1.5'], ['soon'], [String(RECONCILIATION.maxGraceSeconds + 1)]])('refuses --grace-seconds %s', (value) => {
    expect(() => parseReconcileArgs(['--grace-seconds', value])).toThrow(ReconcileUsageError);
  });

  it('invokes the function synchronously with the request, and reads its summary', async () => {
    const sent: InvokeCommand[] = [];
    const lambda = {
      send: async (command: InvokeCommand) => {
        sent.push(command);
        return { Payload: new TextEncoder().encode(JSON.stringify(SUMMARY)) };
      },
    };

    const summary = await invokeReconciler(lambda as never, 'Stack-Reconciler', { graceSeconds: 5 });

    expect(summary).toEqual(SUMMARY);
    expect(sent[0]?.input).toEqual({ FunctionName: 'Stack-Reconciler', InvocationType: 'RequestResponse', Payload: JSON.stringify({ graceSeconds: 5 }) });
  });

  it("turns the function's error into ReconcileFailedError", async () => {
    const lambda = { send: async () => ({ FunctionError: 'Unhandled', Payload: new TextEncoder().encode('{"errorType":"InvalidReconcileRequestError"}') }) };

    await expect(invokeReconciler(lambda as never, 'Reconciler', {})).rejects.toThrow(ReconcileFailedError);
  });

  it('prints the repairs that happened and what vanished in the grace', () => {
    expect(summaryLines(SUMMARY)).toEqual([
      'run run-1: scanned 3 tenants, 3 groups, 7 users',
      '2 candidates, 1 vanished within the 45 s grace (a run\'s intermediate state)',
      'repaired 1 × group-member-without-membership',
    ]);
  });
});

describe("the local cloud's reconcile schedule", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('takes whole minutes, the default when absent, and 0 for off', () => {
    expect(parseReconcileInterval(undefined, 60)).toBe(60);
    expect(parseReconcileInterval('0', 60)).toBe(0);
    expect(() => parseReconcileInterval('1.5', 60)).toThrow(InvalidReconcileIntervalError);
    expect(() => parseReconcileInterval('-3', 60)).toThrow(InvalidReconcileIntervalError);
  });

  it('runs every interval, never two at once, and stops with the cloud', async () => {
    let runs = 0;
    let finish: () => void = () => undefined;
    const lines: string[] = [];
    const stop = startReconcileSchedule({
      everyMinutes: 5,
      run: () => {
        runs += 1;
        return new Promise((resolve) => (finish = () => resolve(SUMMARY)));
      },
      log: (line) => lines.push(line),
    });

    await jest.advanceTimersByTimeAsync(5 * 60_000);
    await jest.advanceTimersByTimeAsync(5 * 60_000); // the first run is still going: no second one
    finish();
    await jest.advanceTimersByTimeAsync(5 * 60_000);
    const stopped = stop();
    finish();
    await stopped;
    await jest.advanceTimersByTimeAsync(15 * 60_000);

    expect(runs).toBe(2);
    expect(lines[0]).toBe('reconciler: 1 group-member-without-membership (2 candidates, 1 vanished in the grace, 0 failed)');
  });
});
