import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { AwsServiceError, type JsonOperation } from '../server/aws-json';
import { InvalidDefinitionError, parseDefinition } from './definition';
import type { JsonValue } from './dispatcher';
import type { StepFunctionsRuntime } from './runtime';

const epochSeconds = (date: Date): number => date.getTime() / 1000;

function parse<T extends z.ZodType>(schema: T, input: Record<string, unknown>): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AwsServiceError('ValidationException', z.prettifyError(parsed.error));
  return parsed.data;
}

/**
 * ValidateStateMachineDefinition's diagnostics, from the same validation CreateStateMachine runs
 * (aws-local-stepfunctions' asl-validator, and this cloud's own checks). The codes are AWS's two
 * generic ones (`INVALID_JSON_DESCRIPTION`, `SCHEMA_VALIDATION_FAILED`); AWS's finer codes and its
 * `location` paths are not reproduced, and its WARNING diagnostics are never given.
 */
export function validationDiagnostics(definition: string): { code: string; message: string }[] {
  try {
    JSON.parse(definition);
  } catch (error) {
    return [{ code: 'INVALID_JSON_DESCRIPTION', message: error instanceof Error ? error.message : String(error) }];
  }
  try {
    parseDefinition(definition);
    return [];
  } catch (error) {
    if (error instanceof InvalidDefinitionError) return [{ code: 'SCHEMA_VALIDATION_FAILED', message: error.message }];
    throw error;
  }
}

/** A state machine of one state, as TestState runs it: the state ends the run, its `Next` is reported. */
function singleStateMachine(stateText: string): { machine: string; next: string | undefined; type: string } {
  let state: Record<string, unknown>;
  try {
    state = JSON.parse(stateText) as Record<string, unknown>;
  } catch (error) {
    throw new AwsServiceError('InvalidDefinition', `Invalid State Machine Definition: '${error instanceof Error ? error.message : String(error)}'`);
  }
  if (typeof state !== 'object' || state === null || Array.isArray(state)) throw new AwsServiceError('InvalidDefinition', "Invalid State Machine Definition: 'a state must be a JSON object'");
  if (!['Task', 'Pass', 'Wait', 'Succeed', 'Fail'].includes(String(state.Type))) {
    // Choice, Parallel and Map need states around them; the local TestState does not build those.
    throw new AwsServiceError('InvalidDefinition', `Invalid State Machine Definition: 'the local TestState runs Task, Pass, Wait, Succeed and Fail states, not ${String(state.Type)}'`);
  }
  const { Next: next, End: _end, Catch: _catch, ...rest } = state;
  const terminal = rest.Type === 'Succeed' || rest.Type === 'Fail';
  return {
    machine: JSON.stringify({ StartAt: 'TestState', States: { TestState: terminal ? rest : { ...rest, End: true } } }),
    next: typeof next === 'string' ? next : undefined,
    type: String(rest.Type),
  };
}

/** UpdateStateMachine, DescribeStateMachineForExecution, ListTagsForResource, ValidateStateMachineDefinition and TestState. */
export function definitionOperations(runtime: StepFunctionsRuntime): Record<string, JsonOperation> {
  return {
    async ValidateStateMachineDefinition(input) {
      const { definition } = parse(z.object({ definition: z.string().min(1), type: z.enum(['STANDARD', 'EXPRESS']).optional() }), input);
      const errors = validationDiagnostics(definition);
      return { result: errors.length === 0 ? 'OK' : 'FAIL', diagnostics: errors.map((error) => ({ severity: 'ERROR', ...error })), truncated: false };
    },

    async UpdateStateMachine(input) {
      const request = parse(z.object({ stateMachineArn: z.string(), definition: z.string().optional(), roleArn: z.string().optional() }), input);
      const machine = runtime.machine(request.stateMachineArn);
      if (!machine) throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${request.stateMachineArn}'`);
      if (request.definition === undefined && request.roleArn === undefined) {
        throw new AwsServiceError('MissingRequiredParameter', 'Either the definition, the role ARN, the logging configuration or the tracing configuration must be specified');
      }
      try {
        const updated = runtime.define({ name: machine.name, definitionText: request.definition ?? machine.definitionText, roleArn: request.roleArn ?? machine.roleArn, type: machine.type, tags: machine.tags });
        return { updateDate: epochSeconds(updated.creationDate), revisionId: randomUUID() };
      } catch (error) {
        if (error instanceof InvalidDefinitionError) throw new AwsServiceError('InvalidDefinition', `Invalid State Machine Definition: '${error.message}'`);
        throw error;
      }
    },

    async DescribeStateMachineForExecution(input) {
      const { executionArn } = parse(z.object({ executionArn: z.string() }), input);
      const execution = runtime.execution(executionArn);
      if (!execution) throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
      // The machine as the execution ran it, even if it was updated since.
      const machine = execution.stateMachine;
      return { stateMachineArn: machine.arn, name: machine.name, definition: machine.definitionText, roleArn: machine.roleArn, updateDate: epochSeconds(machine.creationDate) };
    },

    async ListTagsForResource(input) {
      const { resourceArn } = parse(z.object({ resourceArn: z.string() }), input);
      const machine = runtime.machine(resourceArn);
      if (!machine && !runtime.execution(resourceArn)) throw new AwsServiceError('ResourceNotFound', `Resource not found: '${resourceArn}'`);
      // A machine answers the tags it was created with (TagResource and UntagResource are not emulated); an execution has none.
      return { tags: machine ? machine.tags.map(({ key, value }) => ({ key, value })) : [] };
    },

    async TestState(input) {
      const request = parse(z.object({ definition: z.string(), roleArn: z.string().optional(), input: z.string().optional() }), input);
      const { machine: definitionText, next, type } = singleStateMachine(request.definition);
      // A Task calls a service as the role: none named, nothing to call as (the local dispatcher
      // still signs with the cloud's own credentials; README, gaps table).
      if (type === 'Task' && request.roleArn === undefined) throw new AwsServiceError('ValidationException', 'TestState needs a roleArn to test a Task state');
      let inputValue: JsonValue;
      try {
        inputValue = JSON.parse(request.input ?? '{}') as JsonValue;
      } catch {
        throw new AwsServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input is not valid JSON');
      }
      let machine;
      try {
        machine = runtime.define({ name: `TestState-${randomUUID()}`, definitionText, roleArn: request.roleArn ?? '', type: 'EXPRESS' });
      } catch (error) {
        if (error instanceof InvalidDefinitionError) throw new AwsServiceError('InvalidDefinition', `Invalid State Machine Definition: '${error.message}'`);
        throw error;
      }
      try {
        const execution = runtime.start(machine, randomUUID(), request.input ?? '{}', inputValue);
        await execution.settled;
        if (execution.status === 'SUCCEEDED') return { status: 'SUCCEEDED', output: execution.output, ...(next ? { nextState: next } : {}) };
        return { status: 'FAILED', ...(execution.error ? { error: execution.error } : {}), ...(execution.cause ? { cause: execution.cause } : {}) };
      } finally {
        runtime.deleteMachine(machine.arn);
      }
    },
  };
}
