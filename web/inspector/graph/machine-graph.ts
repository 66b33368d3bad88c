/**
 * A state machine as a graph to draw: ASL → nodes, edges, nested groups (Parallel and Map states
 * with their branches), the compensation set, and an execution's path laid over it. Pure, no DOM:
 * unit-tested against the workflows as rendered (test/unit/inspector-graph.test.ts).
 */
import { branchScope, nestedScopes, ROOT_SCOPE, type AslChoiceRule, type AslScope, type AslState } from './asl';

export type EdgeKind = 'next' | 'choice' | 'default' | 'catch' | 'branch';

export interface GraphNode {
  readonly id: string;
  /** The state's name; a join node carries its container's name. */
  readonly state: string;
  readonly kind: 'state' | 'join';
  readonly stateType: string;
  /** The scope the state belongs to (`root` or `<container>#<branch>`). */
  readonly scope: string;
  /** The innermost group drawn around it. */
  readonly group?: string;
  readonly compensation: boolean;
}

export interface GraphEdge {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly label?: string;
}

export interface GraphGroup {
  readonly id: string;
  readonly label: string;
  readonly kind: 'container' | 'branch';
  readonly parent?: string;
  readonly compensation: boolean;
}

export interface MachineGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly groups: readonly GraphGroup[];
  /** Names of the states reached only through a Catch and off every successful path, with what they contain. */
  readonly compensation: ReadonlySet<string>;
}

export const stateNodeId = (name: string): string => `state:${name}`;
export const joinNodeId = (name: string): string => `join:${name}`;
const containerGroupId = (name: string): string => `group:${name}`;
const branchGroupId = (name: string, index: number): string => `group:${name}#${index}`;

/** Transitions a state makes without failing, in the order the ASL lists them. */
function normalTransitions(state: AslState): { to: string; kind: EdgeKind; label?: string }[] {
  const out: { to: string; kind: EdgeKind; label?: string }[] = [];
  if (state.Next !== undefined) out.push({ to: state.Next, kind: 'next' });
  for (const rule of state.Choices ?? []) if (rule.Next !== undefined) out.push({ to: rule.Next, kind: 'choice', label: choiceLabel(rule) });
  if (state.Default !== undefined) out.push({ to: state.Default, kind: 'default', label: 'default' });
  return out;
}

const catchTransitions = (state: AslState): { to: string; kind: EdgeKind; label: string }[] =>
  (state.Catch ?? []).map((catcher) => ({ to: catcher.Next, kind: 'catch', label: catcher.ErrorEquals.join(', ') }));

const LABEL_LIMIT = 60;
const COMPARATOR = /^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals|Matches)(Path)?$|^Is(Null|Present|String|Numeric|Boolean|Timestamp)$/;

/** A Choice rule in a few words: `$.x StringEquals "a"`, `And(2)`, `Not(…)`. */
export function choiceLabel(rule: AslChoiceRule): string {
  let text: string;
  if (rule.And) text = `And(${rule.And.map(choiceLabel).join('; ')})`;
  else if (rule.Or) text = `Or(${rule.Or.map(choiceLabel).join('; ')})`;
  else if (rule.Not) text = `Not(${choiceLabel(rule.Not)})`;
  else {
    const comparator = Object.keys(rule).find((key) => COMPARATOR.test(key));
    text = comparator ? `${rule.Variable ?? ''} ${comparator} ${JSON.stringify(rule[comparator])}` : (rule.Variable ?? 'rule');
  }
  return text.length > LABEL_LIMIT ? `${text.slice(0, LABEL_LIMIT - 1)}…` : text;
}

const isSuccessEnd = (state: AslState): boolean => state.Type === 'Succeed' || (state.End === true && state.Type !== 'Fail');

function closure(starts: Iterable<string>, step: (name: string) => readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...starts];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...step(name));
  }
  return seen;
}

/**
 * The compensation states of one scope: reached from a Catch's target (through any transition)
 * but on no path from StartAt to a successful end that takes no Catch. A failure routed by a
 * Choice (a branch that caught its own error and is checked after its Parallel) joins the chain
 * where that chain begins: its Catch target's successors are in the set.
 */
export function compensationOf(scope: AslScope): Set<string> {
  const states = scope.States;
  const normal = (name: string): string[] => (states[name] ? normalTransitions(states[name]).map((t) => t.to) : []);
  const any = (name: string): string[] => (states[name] ? [...normal(name), ...catchTransitions(states[name]).map((t) => t.to)] : []);
  const predecessors = new Map<string, string[]>();
  for (const name of Object.keys(states)) for (const to of normal(name)) predecessors.set(to, [...(predecessors.get(to) ?? []), name]);

  const forward = closure([scope.StartAt], normal);
  const ends = Object.keys(states).filter((name) => isSuccessEnd(states[name] as AslState));
  const backward = closure(ends, (name) => predecessors.get(name) ?? []);
  const catchTargets = Object.values(states).flatMap((state) => catchTransitions(state).map((t) => t.to));
  const afterCatch = closure(catchTargets, any);
  return new Set([...afterCatch].filter((name) => !(forward.has(name) && backward.has(name))));
}

interface Builder {
  nodes: GraphNode[];
  edges: GraphEdge[];
  groups: GraphGroup[];
  compensation: Set<string>;
}

/** The node a transition out of `name` leaves from: a container's join, any other state itself. */
const exitOf = (name: string, state: AslState | undefined): string => (state && nestedScopes(state).length > 0 ? joinNodeId(name) : stateNodeId(name));

function addScope(builder: Builder, scope: AslScope, scopeId: string, group: string | undefined, inherited: boolean): void {
  const own = compensationOf(scope);
  const edge = (from: string, to: string, kind: EdgeKind, label?: string): void => {
    builder.edges.push({ id: `${kind}:${from}->${to}:${builder.edges.length}`, from, to, kind, ...(label === undefined ? {} : { label }) });
  };
  for (const [name, state] of Object.entries(scope.States)) {
    const compensation = inherited || own.has(name);
    if (compensation) builder.compensation.add(name);
    const common = { state: name, stateType: state.Type, scope: scopeId, compensation };
    const branches = nestedScopes(state);
    if (branches.length === 0) {
      builder.nodes.push({ id: stateNodeId(name), kind: 'state', ...common, ...(group === undefined ? {} : { group }) });
    } else {
      const container = containerGroupId(name);
      builder.groups.push({ id: container, label: `${name} (${state.Type})`, kind: 'container', compensation, ...(group === undefined ? {} : { parent: group }) });
      builder.nodes.push({ id: stateNodeId(name), kind: 'state', ...common, group: container });
      builder.nodes.push({ id: joinNodeId(name), kind: 'join', ...common, group: container });
      branches.forEach((branch, index) => {
        const branchGroup = branchGroupId(name, index);
        builder.groups.push({ id: branchGroup, label: `branch ${index + 1}`, kind: 'branch', parent: container, compensation });
        addScope(builder, branch, branchScope(name, index), branchGroup, compensation);
        edge(stateNodeId(name), stateNodeId(branch.StartAt), 'branch');
        for (const [inner, innerState] of Object.entries(branch.States)) if (isSuccessEnd(innerState)) edge(exitOf(inner, innerState), joinNodeId(name), 'branch');
      });
    }
    const from = exitOf(name, state);
    for (const transition of normalTransitions(state)) edge(from, stateNodeId(transition.to), transition.kind, transition.label);
    for (const transition of catchTransitions(state)) edge(from, stateNodeId(transition.to), 'catch', transition.label);
  }
}

export function buildGraph(definition: AslScope): MachineGraph {
  const builder: Builder = { nodes: [], edges: [], groups: [], compensation: new Set() };
  addScope(builder, definition, ROOT_SCOPE, undefined, false);
  return builder;
}

/** What an execution did, as the inspector's API reports it (local/console/execution-view.ts). */
export interface StepFailure {
  readonly state: string;
  readonly error?: string;
  readonly cause?: string;
}

export interface PathOverlay {
  /** Node ids the run passed through. */
  readonly visited: ReadonlySet<string>;
  /** Edge ids the run took. */
  readonly taken: ReadonlySet<string>;
  /** Node ids of failed states, with their error. */
  readonly failed: ReadonlyMap<string, StepFailure>;
}

/** Picks the edge a run took from `from` to `to`: a Catch when the state failed, otherwise a normal transition. */
function takenEdge(candidates: readonly GraphEdge[], failed: boolean): GraphEdge | undefined {
  return candidates.find((edge) => (edge.kind === 'catch') === failed) ?? candidates[0];
}

/**
 * Lays a path (the states entered, in order, branches interleaved as they ran) over the graph.
 * Each scope's own entries, in order, are its transitions: names are unique across scopes, so
 * the branches of a Parallel never mix.
 */
export function overlayPath(graph: MachineGraph, path: readonly string[], failures: readonly StepFailure[]): PathOverlay {
  const byState = new Map(graph.nodes.filter((node) => node.kind === 'state').map((node) => [node.state, node]));
  const failed = new Map(failures.filter((failure) => byState.has(failure.state)).map((failure) => [stateNodeId(failure.state), failure]));
  const visited = new Set<string>(path.filter((name) => byState.has(name)).map(stateNodeId));
  const taken = new Set<string>();
  const outgoing = (from: string, to: string): GraphEdge[] => graph.edges.filter((edge) => edge.from === from && edge.to === to);
  const sequences = new Map<string, string[]>();
  for (const name of path) {
    const node = byState.get(name);
    if (node) sequences.set(node.scope, [...(sequences.get(node.scope) ?? []), name]);
  }
  for (const [scope, sequence] of sequences) {
    sequence.forEach((name, index) => {
      const next = sequence[index + 1];
      const hasJoin = graph.nodes.some((node) => node.id === joinNodeId(name));
      if (next !== undefined) {
        const from = hasJoin ? joinNodeId(name) : stateNodeId(name);
        const edge = takenEdge(outgoing(from, stateNodeId(next)), failed.has(stateNodeId(name)));
        if (edge) taken.add(edge.id);
        if (edge && hasJoin) visited.add(from);
      }
    });
    const container = scope === ROOT_SCOPE ? undefined : scope.slice(0, scope.lastIndexOf('#'));
    if (container === undefined) continue;
    const first = sequence[0] as string;
    const last = sequence.at(-1) as string;
    outgoing(stateNodeId(container), stateNodeId(first)).forEach((edge) => taken.add(edge.id));
    const toJoin = graph.edges.filter((edge) => edge.to === joinNodeId(container) && (edge.from === stateNodeId(last) || edge.from === joinNodeId(last)));
    if (!failed.has(stateNodeId(last))) {
      toJoin.forEach((edge) => taken.add(edge.id));
      if (toJoin.length > 0) visited.add(joinNodeId(container));
    }
  }
  return { visited, taken, failed };
}
