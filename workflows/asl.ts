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

export type State = PassState | TaskState | ChoiceState | FailState;

/** A machine as its module builds it: the run's timeout is the registry's, added when rendered. */
export interface MachineDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly States: Readonly<Record<string, State>>;
}
