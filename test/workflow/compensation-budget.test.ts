import { anotherRunFits, API_GATEWAY_TIMEOUT_SECONDS, CALLER_MARGIN_SECONDS } from '../../handlers/shared/workflow-runner';
import { WORKFLOW_ERROR, WORKFLOWS, type WorkflowKey } from '../../workflows/registry';
import { renderDefinition } from '../../workflows/render';
import { catchEdges, isSuccessEnd, normalEdges, state, type Machine, type Retrier, type State } from './asl-graph';

/**
 * The time budget of every state machine, derived from the ASL both runtimes deploy: each Task at
 * its worst (every attempt running to its TimeoutSeconds, every retry taken, every backoff at its
 * longest), summed along the longest path a run can take, through the failure of any forward step
 * and its whole failure path. A run that reaches its limit stops where it is, with its undo half
 * done, so the worst case must fit the machine's TimeoutSeconds; and the API waits for the machines
 * it runs synchronously, so those must also fit what API Gateway waits.
 *
 * What the derivation relies on (AWS Step Functions developer guide and the States Language spec):
 * - A Task without TimeoutSeconds has no limit at all ("By default, the Amazon States Language
 *   doesn't specify timeouts", docs.aws.amazon.com/step-functions/latest/dg/sfn-stuck-execution.html),
 *   for Standard and Express alike: only the run's own limit would end it, so it counts as unbounded.
 * - A retrier's defaults: IntervalSeconds 1, BackoffRate 2.0, MaxAttempts 3, no MaxDelaySeconds. The
 *   k-th retry (from 0) waits IntervalSeconds × BackoffRate^k, capped at MaxDelaySeconds; with
 *   JitterStrategy FULL the wait is random between 0 and that, so its maximum is that.
 * - Each retrier of a state counts its own attempts: a state whose errors change between attempts
 *   can take every retrier's MaxAttempts, so a Task's retries are their sum.
 * - Pass, Choice and Fail states do no work: counted as 0 s. A state of another type would need its
 *   own rule, so the machines are first checked to hold none.
 */

/**
 * How the API runs each machine (handlers/api/tenants/handler.ts, handlers/api/members/handler.ts):
 * once, or (the member workflows) once more after a refused run, which the handler explains by
 * reading and then runs again as the actor's current role, only while `anotherRunFits`.
 */
const RUN_AGAIN_AFTER_REFUSAL: Record<WorkflowKey, boolean> = { onboarding: false, switching: false, addMember: true, removeMember: true };

const STATES_WITHOUT_WORK = ['Pass', 'Choice', 'Fail'];
const COUNTED_STATES = ['Task', 'Parallel', ...STATES_WITHOUT_WORK];

/** Every state of a machine, those of its Parallel branches included. */
const allStates = (machine: Machine): [string, State][] =>
  Object.entries(machine.States).flatMap(([name, current]): [string, State][] => [[name, current], ...(current.Branches ?? []).flatMap((branch) => allStates(branch))]);

/** A state as rendered: asl-graph's reading, with the Task's own limit. */
type TimedState = State & { TimeoutSeconds?: number };

const rendered = (key: WorkflowKey): Machine => JSON.parse(renderDefinition(key)) as Machine;

/** The longest a retrier can add: each of its retries as one more attempt plus its longest wait. */
function retrierWorstCase(retrier: Retrier, attemptSeconds: number): number {
  const attempts = retrier.MaxAttempts ?? 3;
  const interval = retrier.IntervalSeconds ?? 1;
  const rate = retrier.BackoffRate ?? 2;
  const cap = retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY;
  let seconds = 0;
  for (let retry = 0; retry < attempts; retry += 1) seconds += attemptSeconds + Math.min(interval * rate ** retry, cap);
  return seconds;
}

/**
 * A state's longest time: for a Task, its first attempt and every retry, each at its limit; for a
 * Parallel, its longest branch (the branches run at once, and one that fails stops the others).
 */
function stateWorstCase(current: TimedState): number {
  if (current.Type === 'Parallel') return Math.max(...(current.Branches ?? []).map((branch) => longestFrom(branch, branch.StartAt, { withCatches: true, ends: () => true })));
  if (current.Type !== 'Task') return 0;
  const attemptSeconds = current.TimeoutSeconds ?? Number.POSITIVE_INFINITY;
  return attemptSeconds + (current.Retry ?? []).reduce((sum, retrier) => sum + retrierWorstCase(retrier, attemptSeconds), 0);
}

/** A state's successors: by its normal transitions, and (when `withCatches`) by its catches. */
const successors = (current: State, withCatches: boolean): string[] => [...normalEdges(current), ...(withCatches ? catchEdges(current) : [])];

/**
 * The longest time from entering `from` to the end of the run, over the transitions allowed, and
 * ending only where `ends` says. A cycle would make it unbounded, so one throws.
 */
function longestFrom(machine: Machine, from: string, options: { withCatches: boolean; ends: (name: string) => boolean }): number {
  const memo = new Map<string, number>();
  const visit = (name: string, onPath: ReadonlySet<string>): number => {
    if (onPath.has(name)) throw new Error(`cycle through ${name}: no bound on the run's time`);
    const known = memo.get(name);
    if (known !== undefined) return known;
    const current = state(machine, name);
    const next = successors(current, options.withCatches);
    const rest = next.length === 0 ? (options.ends(name) ? 0 : Number.NEGATIVE_INFINITY) : Math.max(...next.map((to) => visit(to, new Set([...onPath, name]))));
    const total = stateWorstCase(current) + rest;
    memo.set(name, total);
    return total;
  };
  return visit(from, new Set());
}

/**
 * The longest time from the start to entering `target` (excluded) by normal transitions only: the
 * forward path before a step. -Infinity where `target` cannot be reached that way (an undo step).
 */
function longestForwardTo(machine: Machine, target: string): number {
  const visit = (name: string): number => {
    if (name === target) return 0;
    const next = normalEdges(state(machine, name));
    if (next.length === 0) return Number.NEGATIVE_INFINITY;
    return stateWorstCase(state(machine, name)) + Math.max(...next.map(visit));
  };
  return visit(machine.StartAt);
}

interface MachineBudget {
  /** The longest successful run. */
  readonly forward: number;
  /** The longest run through the catch of a forward step, its undo chain and the failure event. */
  readonly compensation: { readonly seconds: number; readonly failingStep: string };
  /** The longest run of any kind: what the run's limit must hold. */
  readonly worst: number;
  /** The longest run that ends refused by the guarded write (the member workflows' refusal). */
  readonly refused: number;
}

function machineBudget(machine: Machine): MachineBudget {
  const anyEnd = () => true;
  const forward = longestFrom(machine, machine.StartAt, { withCatches: false, ends: (name) => isSuccessEnd(state(machine, name)) });
  const caught = Object.entries(machine.States).flatMap(([name, current]) =>
    catchEdges(current).map((target) => ({
      failingStep: name,
      seconds: longestForwardTo(machine, name) + stateWorstCase(current) + longestFrom(machine, target, { withCatches: true, ends: anyEnd }),
    })),
  );
  const compensation = caught.reduce((longest, path) => (path.seconds > longest.seconds ? path : longest), { failingStep: '(none)', seconds: 0 });
  const worst = longestFrom(machine, machine.StartAt, { withCatches: true, ends: anyEnd });
  const refuses = (name: string) => state(machine, name).Type === 'Fail' && state(machine, name).Error === WORKFLOW_ERROR.memberChangeRefused;
  const refused = longestFrom(machine, machine.StartAt, { withCatches: true, ends: refuses });
  return { forward, compensation, worst, refused: Math.max(refused, 0) };
}

const KEYS = Object.keys(WORKFLOWS) as WorkflowKey[];

describe('the worst-case time of a run', () => {
  it('counts a Task as every attempt at its limit plus every backoff at its longest, capped and jitter at its maximum', () => {
    const task = {
      Type: 'Task',
      TimeoutSeconds: 2,
      Retry: [
        { ErrorEquals: ['A'], MaxAttempts: 0 },
        { ErrorEquals: ['States.ALL'], IntervalSeconds: 1, BackoffRate: 3, MaxAttempts: 3, MaxDelaySeconds: 5, JitterStrategy: 'FULL' },
      ],
    };

    // 4 attempts × 2 s, and waits of 1, 3 and 9 capped at 5.
    expect(stateWorstCase(task)).toBe(8 + 1 + 3 + 5);
  });

  it("takes a retrier's documented defaults and a missing task timeout as no limit", () => {
    expect(stateWorstCase({ Type: 'Task', TimeoutSeconds: 1, Retry: [{ ErrorEquals: ['States.ALL'] }] })).toBe(4 + 1 + 2 + 4);
    expect(stateWorstCase({ Type: 'Task' })).toBe(Number.POSITIVE_INFINITY);
  });

  it('follows a catch into the failure path and takes the longest way to the end', () => {
    const task = (next: string, catchTo?: string): TimedState => ({ Type: 'Task', TimeoutSeconds: 1, Retry: [], Next: next, ...(catchTo ? { Catch: [{ ErrorEquals: ['States.ALL'], Next: catchTo }] } : {}) });
    const machine: Machine = {
      StartAt: 'First',
      States: {
        First: task('Second', 'Fail'),
        Second: task('Done', 'UndoFirst'),
        Done: { Type: 'Pass', End: true },
        UndoFirst: task('Tell', 'Tell'),
        Tell: task('Fail', 'Fail'),
        Fail: { Type: 'Fail', Error: 'Failed' },
      },
    };

    expect(machineBudget(machine)).toEqual({ forward: 2, compensation: { failingStep: 'Second', seconds: 4 }, worst: 4, refused: 0 });
  });
});

describe('the worst-case time of a Parallel state', () => {
  it('is its longest branch, each branch through its own catches', () => {
    const task = (next?: string): TimedState => ({ Type: 'Task', TimeoutSeconds: 2, Retry: [], ...(next ? { Next: next } : { End: true }) });
    const parallel: TimedState = {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'A', States: { A: task() } },
        { StartAt: 'B', States: { B: task('C'), C: task() } },
      ],
    };

    expect(stateWorstCase(parallel)).toBe(4);
  });
});

describe.each(KEYS)('the %s state machine', (key) => {
  const machine = rendered(key);
  const budget = machineBudget(machine);

  it('holds only states whose time the derivation knows how to count', () => {
    const unknown = allStates(machine).filter(([, current]) => !COUNTED_STATES.includes(current.Type));

    expect(unknown.map(([name]) => name)).toEqual([]);
  });

  it('gives every Task a limit of its own', () => {
    const unlimited = allStates(machine).filter(([, current]) => current.Type === 'Task' && stateWorstCase(current) === Number.POSITIVE_INFINITY);

    expect(unlimited.map(([name]) => name)).toEqual([]);
  });

  it("finishes its longest run, through any step's failure and its whole undo, within the run's limit", () => {
    expect({ key, ...budget, fits: budget.worst <= (machine.TimeoutSeconds ?? 0) }).toEqual({ key, ...budget, fits: true });
  });

  it("answers the API within API Gateway's 29 s, the calling function's own work included", () => {
    const timeout = machine.TimeoutSeconds ?? Number.POSITIVE_INFINITY;

    // The API waits for a run at most until its limit ends it; a second run only while anotherRunFits says so.
    expect({ key, timeout, margin: CALLER_MARGIN_SECONDS, fits: timeout + CALLER_MARGIN_SECONDS <= API_GATEWAY_TIMEOUT_SECONDS }).toEqual({
      key,
      timeout,
      margin: CALLER_MARGIN_SECONDS,
      fits: true,
    });
  });

  it("limits the run to no more than its longest designed run needs, rounded up to the second, so a hung run ends as early as it can", () => {
    expect({ key, timeout: machine.TimeoutSeconds }).toEqual({ key, timeout: Math.ceil(budget.worst) + 1 });
  });
});

describe('a second run after a refusal', () => {
  it('is started only while it still ends inside what API Gateway waits', () => {
    const timeout = WORKFLOWS.addMember.timeoutSeconds;
    const latestStart = (API_GATEWAY_TIMEOUT_SECONDS - CALLER_MARGIN_SECONDS - timeout) * 1000;

    expect([anotherRunFits(0, timeout), anotherRunFits(latestStart, timeout), anotherRunFits(latestStart + 1, timeout)]).toEqual([true, true, false]);
  });

  it.each(KEYS.filter((key) => RUN_AGAIN_AFTER_REFUSAL[key]))('is possible for %s after a refusal that took a typical second', (key) => {
    expect(anotherRunFits(1000, WORKFLOWS[key].timeoutSeconds)).toBe(true);
  });
});
