/**
 * The slice of the Amazon States Language (JSONPath) the control plane's machines use, typed so
 * that a definition module cannot misspell a field the runtimes would silently ignore.
 */

export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly BackoffRate?: number;
  readonly MaxAttempts: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly ResultPath: string | null;
  readonly Next: string;
}

interface Transition {
  readonly Next?: string;
  readonly End?: true;
}

export interface PassState extends Transition {
  readonly Type: 'Pass';
  readonly Comment?: string;
  /** Picks the part of the input the state passes on; ResultPath still places it into the whole input. */
  readonly InputPath?: string;
  readonly Parameters?: JsonObject;
  readonly Result?: Json;
  readonly ResultPath?: string | null;
}

export interface TaskState extends Transition {
  readonly Type: 'Task';
  readonly Comment?: string;
  readonly Resource: string;
  readonly Parameters: JsonObject;
  /** Shapes the task's result before ResultPath places it (the result is its `$`). */
  readonly ResultSelector?: JsonObject;
  readonly ResultPath: string | null;
  readonly TimeoutSeconds: number;
  readonly Retry: readonly Retrier[];
  readonly Catch: readonly Catcher[];
}

export interface ChoiceRule {
  readonly Variable: string;
  readonly Next: string;
  readonly IsNull?: boolean;
  readonly IsPresent?: boolean;
  readonly BooleanEquals?: boolean;
  readonly StringEquals?: string;
  /** Compares with the string at another path of the state's input. */
  readonly StringEqualsPath?: string;
}

export interface ChoiceState {
  readonly Type: 'Choice';
  readonly Comment?: string;
  readonly Choices: readonly ChoiceRule[];
  readonly Default: string;
}

export interface FailState {
  readonly Type: 'Fail';
  readonly Error: string;
  readonly Cause: string;
}

/** A Parallel state's branch: a machine of its own, ending where its last state ends. */
export interface Branch {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, State>>;
}

/**
 * Runs its branches at once and waits for all: its time is its longest branch's. A branch that
 * fails stops the others and fails the state, but a call a stopped branch had already sent may
 * still land afterwards; so no branch of this project's Parallels ever fails: each step catches
 * into its branch's end, and the state ends only once every branch has.
 */
export interface ParallelState extends Transition {
  readonly Type: 'Parallel';
  readonly Comment?: string;
  readonly Branches: readonly Branch[];
  readonly ResultPath: string | null;
  /** Shapes the branches' outputs (an array, in branch order) before ResultPath places them. */
  readonly ResultSelector?: JsonObject;
  readonly Catch: readonly Catcher[];
}

export type State = PassState | TaskState | ChoiceState | FailState | ParallelState;

/** A machine as its module builds it: the run's timeout is the registry's, added when rendered. */
export interface MachineDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly States: Readonly<Record<string, State>>;
}
