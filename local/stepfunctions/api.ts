import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { AwsServiceError, jsonProtocolService } from '../server/aws-json';
import type { LocalService } from '../server/types';
import { InvalidDefinitionError } from './definition';
import { definitionOperations } from './definition-operations';
import type { JsonValue } from './dispatcher';
import { InvalidStateMachineNameError, type ExecutionRecord, type StateMachineRecord, type StepFunctionsRuntime } from './runtime';
import { JSON_WIRE } from '../server/wire';

/**
 * The Step Functions API (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Operation>`) with AWS's
 * request and response shapes and error codes, over the in-memory runtime.
 *
 * Local extension, on purpose: AWS keeps no history for Express executions (DescribeExecution,
 * GetExecutionHistory and ListExecutions refuse them; their record lives in CloudWatch Logs).
 * Locally every execution, Express ones started with StartSyncExecution included, stays
 * inspectable through those three operations, because that is how tests and the console see
 * what a synchronous workflow did.
 */

const epochSeconds = (date: Date): number => date.getTime() / 1000;
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

function parse<T extends z.ZodType>(schema: T, input: Record<string, unknown>): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AwsServiceError('ValidationException', z.prettifyError(parsed.error));
  return parsed.data;
}

const pageInput = { maxResults: z.number().int().min(0).max(MAX_PAGE).optional(), nextToken: z.string().optional() };

/** Opaque tokens are offsets into the (stable, in-memory) list they came from. */
function page<T>(items: readonly T[], maxResults: number | undefined, nextToken: string | undefined): { items: T[]; nextToken?: string } {
  let start = 0;
  if (nextToken !== undefined) {
    start = Number(Buffer.from(nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw new AwsServiceError('InvalidToken', 'Invalid pagination token');
  }
  const size = maxResults || DEFAULT_PAGE;
  const end = start + size;
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { nextToken: Buffer.from(String(end), 'utf8').toString('base64url') } : {}),
  };
}

function requireArn(arn: string, kind: 'stateMachine' | 'execution'): void {
  const pattern = kind === 'stateMachine' ? /^arn:aws:states:[^:]+:\d{12}:stateMachine:[^:]+$/ : /^arn:aws:states:[^:]+:\d{12}:(execution|express):.+$/;
  if (!pattern.test(arn)) throw new AwsServiceError('InvalidArn', `Invalid Arn: '${arn}'`);
}

function parseInput(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new AwsServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input is not valid JSON');
  }
}

const StartInput = z.object({ stateMachineArn: z.string(), name: z.string().optional(), input: z.string().optional(), traceHeader: z.string().optional() });
export type StartExecutionRequest = z.infer<typeof StartInput>;

function machineOrThrow(runtime: StepFunctionsRuntime, arn: string): StateMachineRecord {
  requireArn(arn, 'stateMachine');
  const machine = runtime.machine(arn);
  if (!machine) throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  return machine;
}

/** StartExecution's checks and start, shared by the API and in-process callers (EventBridge targets). */
export function beginExecution(runtime: StepFunctionsRuntime, request: StartExecutionRequest, requiredType?: 'EXPRESS'): ExecutionRecord {
  const machine = machineOrThrow(runtime, request.stateMachineArn);
  if (requiredType && machine.type !== requiredType) {
    throw new AwsServiceError('StateMachineTypeNotSupported', 'This operation is only supported by Express state machines');
  }
  const name = request.name ?? randomUUID();
  if (!EXECUTION_NAME.test(name)) throw new AwsServiceError('InvalidName', `Invalid Name: '${name}'`);
  const inputText = request.input ?? '{}';
  const input = parseInput(inputText);
  const existing = machine.type === 'STANDARD' ? runtime.execution(runtime.executionArn(machine, name)) : undefined;
  if (existing) {
    // "StartExecution is idempotent for STANDARD workflows": the same name and input as a running
    // execution answers that execution; a closed one, or other input, is ExecutionAlreadyExists
    // (StartExecution, Step Functions API Reference). Express runs may share names.
    if (existing.status === 'RUNNING' && existing.input === inputText) return existing;
    throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
  }
  return runtime.start(machine, name, inputText, input);
}

const describeMachine = (machine: StateMachineRecord) => ({
  stateMachineArn: machine.arn,
  name: machine.name,
  status: 'ACTIVE',
  definition: machine.definitionText,
  roleArn: machine.roleArn,
  type: machine.type,
  creationDate: epochSeconds(machine.creationDate),
  loggingConfiguration: { level: 'OFF', includeExecutionData: false },
  tracingConfiguration: { enabled: false },
});

const executionSummary = (execution: ExecutionRecord) => ({
  executionArn: execution.executionArn,
  stateMachineArn: execution.stateMachine.arn,
  name: execution.name,
  status: execution.status,
  startDate: epochSeconds(execution.startDate),
  ...(execution.stopDate ? { stopDate: epochSeconds(execution.stopDate) } : {}),
});

const executionOutcome = (execution: ExecutionRecord) => ({
  input: execution.input,
  inputDetails: { included: true },
  ...(execution.output !== undefined ? { output: execution.output, outputDetails: { included: true } } : {}),
  ...(execution.error !== undefined ? { error: execution.error } : {}),
  ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
});

export const STEP_FUNCTIONS_TARGET_PREFIX = JSON_WIRE.stepFunctions.targetPrefix;

export function stepFunctionsApi(runtime: StepFunctionsRuntime): LocalService {
  const executionOrThrow = (arn: string): ExecutionRecord => {
    requireArn(arn, 'execution');
    const execution = runtime.execution(arn);
    if (!execution) throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  };
  return jsonProtocolService({
    name: 'stepfunctions',
    targetPrefix: STEP_FUNCTIONS_TARGET_PREFIX,
    version: '1.0',
    stop: () => runtime.stop(),
    operations: {
      ...definitionOperations(runtime),
      async CreateStateMachine(input) {
        const request = parse(
          z.object({
            name: z.string(),
            definition: z.string(),
            roleArn: z.string(),
            type: z.enum(['STANDARD', 'EXPRESS']).optional(),
            tags: z.array(z.object({ key: z.string(), value: z.string() })).optional(),
          }),
          input,
        );
        const type = request.type ?? 'STANDARD';
        const existing = runtime.machine(runtime.stateMachineArn(request.name));
        if (existing) {
          // Creating the same machine again is idempotent in AWS; a different one under the name is not.
          if (existing.definitionText === request.definition && existing.roleArn === request.roleArn && existing.type === type) {
            return { stateMachineArn: existing.arn, creationDate: epochSeconds(existing.creationDate) };
          }
          throw new AwsServiceError('StateMachineAlreadyExists', `State Machine Already Exists: '${existing.arn}'`);
        }
        try {
          const machine = runtime.define({ name: request.name, definitionText: request.definition, roleArn: request.roleArn, type, tags: request.tags ?? [] });
          return { stateMachineArn: machine.arn, creationDate: epochSeconds(machine.creationDate) };
        } catch (error) {
          if (error instanceof InvalidDefinitionError) throw new AwsServiceError('InvalidDefinition', `Invalid State Machine Definition: '${error.message}'`);
          if (error instanceof InvalidStateMachineNameError) throw new AwsServiceError('InvalidName', error.message);
          throw error;
        }
      },

      async DescribeStateMachine(input) {
        const { stateMachineArn } = parse(z.object({ stateMachineArn: z.string() }), input);
        return describeMachine(machineOrThrow(runtime, stateMachineArn));
      },

      async ListStateMachines(input) {
        const request = parse(z.object(pageInput), input);
        const { items, nextToken } = page(runtime.listMachines(), request.maxResults, request.nextToken);
        return {
          stateMachines: items.map((machine) => ({ stateMachineArn: machine.arn, name: machine.name, type: machine.type, creationDate: epochSeconds(machine.creationDate) })),
          ...(nextToken ? { nextToken } : {}),
        };
      },

      async DeleteStateMachine(input) {
        const { stateMachineArn } = parse(z.object({ stateMachineArn: z.string() }), input);
        requireArn(stateMachineArn, 'stateMachine');
        // Idempotent in AWS: deleting what is not there succeeds. Running executions carry on.
        runtime.deleteMachine(stateMachineArn);
        return {};
      },

      async StartExecution(input) {
        const execution = beginExecution(runtime, parse(StartInput, input));
        return { executionArn: execution.executionArn, startDate: epochSeconds(execution.startDate) };
      },

      async StartSyncExecution(input) {
        const execution = beginExecution(runtime, parse(StartInput, input), 'EXPRESS');
        await execution.settled;
        const stopDate = execution.stopDate ?? new Date();
        const durationMs = stopDate.getTime() - execution.startDate.getTime();
        return {
          ...executionSummary(execution),
          stopDate: epochSeconds(stopDate),
          ...executionOutcome(execution),
          // Express bills per 100 ms rounded up; memory is a nominal figure, nothing is measured locally.
          billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: Math.max(100, Math.ceil(durationMs / 100) * 100) },
        };
      },

      async StopExecution(input) {
        const { executionArn } = parse(z.object({ executionArn: z.string(), error: z.string().optional(), cause: z.string().optional() }), input);
        const { error, cause } = parse(z.object({ error: z.string().max(256).optional(), cause: z.string().max(32768).optional() }), input);
        const execution = executionOrThrow(executionArn);
        if (execution.status === 'RUNNING') {
          execution.stopRequest = { ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) };
          execution.abort();
          await execution.settled;
        }
        return { stopDate: epochSeconds(execution.stopDate ?? new Date()) };
      },

      async DescribeExecution(input) {
        const { executionArn } = parse(z.object({ executionArn: z.string() }), input);
        const execution = executionOrThrow(executionArn);
        return { ...executionSummary(execution), ...executionOutcome(execution) };
      },

      async GetExecutionHistory(input) {
        const request = parse(
          z.object({ executionArn: z.string(), reverseOrder: z.boolean().optional(), includeExecutionData: z.boolean().optional(), ...pageInput }),
          input,
        );
        const execution = executionOrThrow(request.executionArn);
        const events = execution.history.render(request.includeExecutionData ?? true);
        if (request.reverseOrder) events.reverse();
        const { items, nextToken } = page(events, request.maxResults, request.nextToken);
        return { events: items, ...(nextToken ? { nextToken } : {}) };
      },

      async ListExecutions(input) {
        const request = parse(
          z.object({
            stateMachineArn: z.string(),
            statusFilter: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']).optional(),
            ...pageInput,
          }),
          input,
        );
        machineOrThrow(runtime, request.stateMachineArn);
        const all = runtime.listExecutions(request.stateMachineArn);
        const filtered = request.statusFilter ? all.filter((execution) => execution.status === request.statusFilter) : all;
        const { items, nextToken } = page(filtered, request.maxResults, request.nextToken);
        return { executions: items.map(executionSummary), ...(nextToken ? { nextToken } : {}) };
      },
    },
  });
}
