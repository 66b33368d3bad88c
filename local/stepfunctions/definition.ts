import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { parseTaskResource, resourceLabel, type ResourceLabel, type TaskIntegration } from './integrations';
import { installPromiseWithResolvers } from './polyfill';

installPromiseWithResolvers();

/** A `${Placeholder}` left in an ASL file after substitution: the deployed machine would carry it verbatim. */
export class UnsubstitutedPlaceholderError extends Error {
  constructor(
    readonly stateMachineName: string,
    readonly placeholders: readonly string[],
  ) {
    super(`State machine ${stateMachineName} has placeholders with no substitution: ${placeholders.map((p) => `\${${p}}`).join(', ')}`);
    this.name = 'UnsubstitutedPlaceholderError';
  }
}

/** The definition is not valid ASL, or uses something the local runtime cannot run. */
export class InvalidDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidDefinitionError';
  }
}

export interface TaskState {
  readonly name: string;
  readonly resource: string;
  readonly integration: TaskIntegration;
  readonly label: ResourceLabel;
  /** The Task's own limit, if set; the interpreter applies 60 s otherwise. */
  readonly timeoutSeconds: number | undefined;
}

export interface ParsedDefinition {
  readonly definition: StateMachineDefinition;
  /** The interpreter, built once per definition; every execution is an independent `run`. */
  readonly interpreter: StateMachine;
  /** Every Task state, including those inside Parallel branches and Map processors, by name. */
  readonly tasks: ReadonlyMap<string, TaskState>;
  /** Every state name in every scope. */
  readonly stateNames: ReadonlySet<string>;
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** Replaces `${Name}` tokens verbatim, as CDK's `definitionSubstitutions` does. */
export function substitutePlaceholders(stateMachineName: string, aslText: string, substitutions: Readonly<Record<string, string>>): string {
  const missing = new Set<string>();
  const text = aslText.replace(PLACEHOLDER, (token, name: string) => {
    if (Object.hasOwn(substitutions, name)) return substitutions[name] ?? token;
    missing.add(name);
    return token;
  });
  if (missing.size > 0) throw new UnsubstitutedPlaceholderError(stateMachineName, [...missing].sort());
  return text;
}

interface RawState {
  Type?: unknown;
  Resource?: unknown;
  TimeoutSeconds?: unknown;
  Branches?: unknown;
  Iterator?: unknown;
  ItemProcessor?: unknown;
}

interface RawScope {
  States?: Record<string, RawState>;
}

/**
 * The interpreter looks Task overrides up by state name alone, across every nested scope, so
 * names must be unique in the whole definition (AWS requires the same).
 */
function collectTasks(scope: RawScope, tasks: Map<string, TaskState>, seen: Set<string>): void {
  for (const [name, state] of Object.entries(scope.States ?? {})) {
    if (seen.has(name)) throw new InvalidDefinitionError(`State name ${name} is used more than once`);
    seen.add(name);
    if (state.Type === 'Task') {
      const resource = typeof state.Resource === 'string' ? state.Resource : '';
      const integration = parseTaskResource(resource);
      if (!integration) {
        throw new InvalidDefinitionError(
          `State ${name}: resource ${resource} is not supported by the local cloud (aws-sdk dynamodb, cognitoidentityprovider, eventbridge, sfn, cognitoidentity; dynamodb:putItem|getItem|updateItem|deleteItem; events:putEvents; lambda:invoke)`,
        );
      }
      tasks.set(name, {
        name,
        resource,
        integration,
        label: resourceLabel(integration),
        timeoutSeconds: typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined,
      });
    }
    if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
      for (const branch of state.Branches as RawScope[]) collectTasks(branch, tasks, seen);
    }
    if (state.Type === 'Map') {
      const processor = (state.ItemProcessor ?? state.Iterator) as RawScope | undefined;
      if (processor) collectTasks(processor, tasks, seen);
    }
  }
}

/** Every Task's TimeoutSeconds raised to `floor`, in every scope; the definition itself is not changed. */
function withTaskTimeoutsOfAtLeast(scope: RawScope, floor: number): RawScope {
  const states = Object.entries(scope.States ?? {}).map(([name, state]): [string, RawState] => {
    if (state.Type === 'Task' && typeof state.TimeoutSeconds === 'number' && state.TimeoutSeconds < floor) return [name, { ...state, TimeoutSeconds: floor }];
    if (state.Type === 'Parallel' && Array.isArray(state.Branches)) return [name, { ...state, Branches: (state.Branches as RawScope[]).map((branch) => withTaskTimeoutsOfAtLeast(branch, floor)) }];
    for (const field of ['ItemProcessor', 'Iterator'] as const) {
      const processor = state[field] as RawScope | undefined;
      if (state.Type === 'Map' && processor) return [name, { ...state, [field]: withTaskTimeoutsOfAtLeast(processor, floor) }];
    }
    return [name, state];
  });
  return { ...scope, States: Object.fromEntries(states) };
}

export interface ParseOptions {
  /**
   * Runs every Task with at least this limit an attempt (see StepFunctionsServiceOptions); unset,
   * each Task's own TimeoutSeconds.
   */
  readonly minimumTaskTimeoutSeconds?: number;
}

export function parseDefinition(text: string, options: ParseOptions = {}): ParsedDefinition {
  let definition: StateMachineDefinition;
  try {
    const written = JSON.parse(text) as StateMachineDefinition;
    const floor = options.minimumTaskTimeoutSeconds;
    definition =
      floor === undefined || typeof written !== 'object' || written === null || Array.isArray(written)
        ? written
        : (withTaskTimeoutsOfAtLeast(written as RawScope, floor) as StateMachineDefinition);
  } catch (error) {
    throw new InvalidDefinitionError(`Definition is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    throw new InvalidDefinitionError('Definition must be a JSON object');
  }
  if ((definition as { QueryLanguage?: unknown }).QueryLanguage === 'JSONata') {
    throw new InvalidDefinitionError('JSONata is not supported by the local interpreter: write the definition in JSONPath');
  }
  let interpreter: StateMachine;
  try {
    interpreter = new StateMachine(definition);
  } catch (error) {
    throw new InvalidDefinitionError(error instanceof Error ? error.message : String(error));
  }
  const tasks = new Map<string, TaskState>();
  const stateNames = new Set<string>();
  collectTasks(definition as RawScope, tasks, stateNames);
  return { definition, interpreter, tasks, stateNames };
}
