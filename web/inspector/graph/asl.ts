/**
 * The parts of an Amazon States Language (JSONPath) definition the inspector reads: states,
 * their transitions and their nested scopes (Parallel branches, a Map's processor). Pure: the
 * inspector's API (node) and its page (browser) both read definitions through it.
 */

export interface AslCatcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
}

export interface AslChoiceRule {
  readonly Next?: string;
  readonly Variable?: string;
  readonly And?: readonly AslChoiceRule[];
  readonly Or?: readonly AslChoiceRule[];
  readonly Not?: AslChoiceRule;
  readonly [comparison: string]: unknown;
}

export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly AslChoiceRule[];
  readonly Catch?: readonly AslCatcher[];
  readonly Branches?: readonly AslScope[];
  readonly ItemProcessor?: AslScope;
  readonly Iterator?: AslScope;
  readonly Resource?: string;
  readonly Error?: string;
  readonly Cause?: string;
}

export interface AslScope {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

/** The text is not a definition the inspector can draw. */
export class AslShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AslShapeError';
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkScope(value: unknown, where: string): AslScope {
  if (!isObject(value) || typeof value.StartAt !== 'string' || !isObject(value.States)) throw new AslShapeError(`${where} has no StartAt and States`);
  for (const [name, state] of Object.entries(value.States)) {
    if (!isObject(state) || typeof state.Type !== 'string') throw new AslShapeError(`State ${name} has no Type`);
    nestedScopes(state as unknown as AslState).forEach((scope, index) => checkScope(scope, `${name} branch ${index}`));
  }
  return value as unknown as AslScope;
}

/** Parses and checks the shape (not the semantics: the service validated those when the machine was created). */
export function parseAsl(text: string): AslScope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AslShapeError('The definition is not JSON');
  }
  return checkScope(parsed, 'The definition');
}

/** A Parallel's branches, or a Map's one processor; nothing for other states. */
export function nestedScopes(state: AslState): readonly AslScope[] {
  if (state.Type === 'Parallel') return state.Branches ?? [];
  if (state.Type === 'Map') {
    const processor = state.ItemProcessor ?? state.Iterator;
    return processor ? [processor] : [];
  }
  return [];
}

export interface ScopedState {
  readonly name: string;
  readonly state: AslState;
  /** The scope's id: `root`, or `<container>#<branch index>`. */
  readonly scope: string;
  /** The Parallel or Map state whose branch holds it. */
  readonly container?: string;
}

export const ROOT_SCOPE = 'root';
export const branchScope = (container: string, index: number): string => `${container}#${index}`;

/** Every state of every scope, outer scopes first (state names are unique across scopes, as AWS requires). */
export function flattenStates(root: AslScope): ScopedState[] {
  const out: ScopedState[] = [];
  const visit = (scope: AslScope, scopeId: string, container: string | undefined): void => {
    for (const [name, state] of Object.entries(scope.States)) {
      out.push({ name, state, scope: scopeId, ...(container === undefined ? {} : { container }) });
    }
    for (const [name, state] of Object.entries(scope.States)) {
      nestedScopes(state).forEach((branch, index) => visit(branch, branchScope(name, index), name));
    }
  };
  visit(root, ROOT_SCOPE, undefined);
  return out;
}
