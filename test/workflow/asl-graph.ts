import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOWS, type WorkflowKey } from '../../workflows/registry';

/**
 * A committed ASL file read as a graph, for the structure tests: which states a run can reach by
 * normal transitions and by catches, which Task states are forward steps and which undo them.
 */

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxAttempts?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}

export interface Catcher {
  ErrorEquals: string[];
  ResultPath?: string | null;
  Next: string;
}

export interface ChoiceRule {
  Variable: string;
  Next: string;
  [comparison: string]: unknown;
}

export interface State {
  Type: string;
  Next?: string;
  End?: boolean;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  ResultSelector?: Record<string, unknown>;
  Result?: unknown;
  ResultPath?: string | null;
  Retry?: Retrier[];
  Catch?: Catcher[];
  Choices?: ChoiceRule[];
  Default?: string;
  Error?: string;
  Branches?: Branch[];
}

export interface Branch {
  StartAt: string;
  States: Record<string, State>;
}

export interface Machine {
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, State>;
}

export interface PutEventsEntry {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Detail: Record<string, unknown>;
}

export const PUT_EVENTS = 'arn:aws:states:::events:putEvents';

export const aslText = (key: WorkflowKey): string => readFileSync(join(__dirname, '..', '..', WORKFLOWS[key].aslFile), 'utf8');
/**
 * A committed ASL file, with each Parallel state read as its branches one after another in the order
 * listed: the Parallel itself, then every branch's states, each branch's end leading to the next
 * branch's start and the last one's to the Parallel's Next. A branch step without a Catch of its own
 * fails the Parallel, so it takes the Parallel's Catch; a forward branch's failure end (reached only
 * by its steps' catches) leads where the Parallel's Catch leads, as the run does once the check after
 * the Parallel finds the failure. The structure tests then see every step and
 * one order a run may take them in; the time budget (compensation-budget.test.ts) reads the
 * branches as concurrent, from the unflattened definition.
 */
export const load = (key: WorkflowKey): Machine => flattenParallels(JSON.parse(aslText(key)) as Machine);

/** The end states of a branch that only its steps' catches lead to: where a failed forward step ends its branch. */
function branchFailureEnds(branch: Branch): Set<string> {
  const states = Object.values(branch.States);
  const normal = new Set(states.flatMap(normalEdges));
  return new Set(states.flatMap(catchEdges).filter((name) => !normal.has(name) && branch.States[name]?.End === true));
}

function flattenParallels(machine: Machine): Machine {
  const states: Record<string, State> = {};
  for (const [name, current] of Object.entries(machine.States)) {
    if (current.Type !== 'Parallel' || !current.Branches) {
      states[name] = current;
      continue;
    }
    const { Branches: branches, ...parallel } = current;
    const after = current.Next;
    states[name] = { ...parallel, Next: branches[0]?.StartAt ?? after };
    const caughtInto = current.Catch?.find((catcher) => catcher.ErrorEquals.includes('States.ALL'))?.Next;
    branches.forEach((branch, index) => {
      const next = branches[index + 1]?.StartAt ?? after;
      const failureEnds = branchFailureEnds(branch);
      for (const [inner, innerState] of Object.entries(branch.States)) {
        if (states[inner] || machine.States[inner]) throw new Error(`state name ${inner} is used twice`);
        const { End, ...rest } = innerState;
        // A forward branch's failure end: the run goes on, once the Parallel ends, into the undo its Catch names.
        const to = failureEnds.has(inner) && caughtInto !== undefined ? caughtInto : next;
        const chained = End === true ? { ...rest, ...(to === undefined ? { End: true } : { Next: to }) } : innerState;
        states[inner] = chained.Type === 'Task' && (chained.Catch ?? []).length === 0 ? { ...chained, ...(current.Catch ? { Catch: current.Catch } : {}) } : chained;
      }
    });
  }
  return { ...machine, States: states };
}

export function state(machine: Machine, name: string): State {
  const found = machine.States[name];
  if (!found) throw new Error(`no state ${name}`);
  return found;
}

/** Transitions a run takes when nothing fails: Next, and every branch of a Choice. */
export const normalEdges = (s: State): string[] => [...(s.Next ? [s.Next] : []), ...(s.Choices ?? []).map((choice) => choice.Next), ...(s.Default ? [s.Default] : [])];
export const catchEdges = (s: State): string[] => (s.Catch ?? []).map((catcher) => catcher.Next);
export const isSuccessEnd = (s: State): boolean => s.End === true || s.Type === 'Succeed';

export function reachesSuccess(machine: Machine, from: string, without: ReadonlySet<string> = new Set()): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name) || without.has(name)) continue;
    seen.add(name);
    const current = state(machine, name);
    if (isSuccessEnd(current)) return true;
    stack.push(...normalEdges(current));
  }
  return false;
}

/** Task states a successful run may pass through: each must catch into the failure path. */
export const forwardTasks = (machine: Machine): string[] =>
  Object.entries(machine.States)
    .filter(([name, s]) => s.Type === 'Task' && reachesSuccess(machine, name))
    .map(([name]) => name);

/** Task states that only ever lead to a Fail: compensations and failure events. */
export const failurePathTasks = (machine: Machine): string[] =>
  Object.entries(machine.States)
    .filter(([name, s]) => s.Type === 'Task' && !reachesSuccess(machine, name))
    .map(([name]) => name);

/** Every path of normal transitions from `from` to the end of the run, as the states it visits. */
export function paths(machine: Machine, from: string): string[][] {
  const current = state(machine, from);
  const next = normalEdges(current);
  if (next.length === 0) return [[from]];
  return next.flatMap((name) => paths(machine, name).map((rest) => [from, ...rest]));
}

export const tasksOf = (machine: Machine, path: string[]): string[] => path.filter((name) => state(machine, name).Type === 'Task');

/** The states with a transition (normal or caught) into `target`. */
export const predecessors = (machine: Machine, target: string): string[] =>
  Object.keys(machine.States).filter((name) => [...normalEdges(state(machine, name)), ...catchEdges(state(machine, name))].includes(target));

/** The catch of any error: where a step's failure goes. */
export const catchAll = (s: State): Catcher | undefined => (s.Catch ?? []).find((catcher) => catcher.ErrorEquals.includes('States.ALL'));

export const entriesOf = (s: State): PutEventsEntry[] => (s.Parameters?.Entries ?? []) as PutEventsEntry[];

/** A Detail with every `.$` path replaced by the catalog sample's value for that field. */
export function detailWithSampleValues(detail: Record<string, unknown>, sample: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(detail).map(([field, value]) => (field.endsWith('.$') ? [field.slice(0, -2), sample[field.slice(0, -2)]] : [field, value])),
  );
}

/** Every JSONPath a definition evaluates: `.$` parameters and the path fields. */
export function jsonPathsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(jsonPathsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([field, inner]) => {
    const isPath = field.endsWith('.$') || ['Variable', 'InputPath', 'OutputPath', 'ResultPath'].includes(field);
    return [...(isPath && typeof inner === 'string' ? [inner] : []), ...jsonPathsIn(inner)];
  });
}
