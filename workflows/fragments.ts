/**
 * The pieces both state machines share, written once: retries, catches, the task shapes of the
 * forward and the failure path, event entries, key formats and the restore of the previous tenant.
 * Each value that another module owns (keys, claims, events) is read from it, never retyped.
 */
import { permissionGuard, type GuardValue, type ItemCondition } from '../domain/guard';
import { ROLE_CLAIM, TENANT_ID_CLAIM } from '../domain/identity';
import type { Action } from '../domain/permissions';
import { EVENT_CATALOG, type DetailType, type EventDetail } from '../events/catalog';
import type { Branch, Catcher, ChoiceState, Json, JsonObject, ParallelState, PassState, Retrier, State, TaskState } from './asl';
import type { WorkflowPlaceholder } from './registry';

/** A `${Name}` token, left for each runtime to substitute with its deployed value. */
export const placeholder = (name: WorkflowPlaceholder): string => `\${${name}}`;

/**
 * Every Task's own limit, each attempt's. The machines' time budget (test/workflow/compensation-budget.test.ts)
 * counts every attempt at this limit: onboarding's longest failure path holds eight Tasks of two
 * attempts each, which must end within the run's 25 s, itself inside API Gateway's 29 s. The
 * control plane's calls (one DynamoDB request, one Cognito admin call, one PutEvents entry) answer in
 * tens of milliseconds; an attempt still going after a second is treated as failed, and an undo or
 * the reconciler repairs whatever it may have done.
 */
export const TASK_TIMEOUT_SECONDS = 1;

/** Where a Catch keeps the error, so the failure event can name it. */
export const ERROR_PATH = '$.error';

export const optimizedResource = (service: 'dynamodb' | 'events', api: string): string => `arn:aws:states:::${service}:${api}`;
export const sdkResource = (service: 'dynamodb' | 'cognitoidentityprovider', api: string): string => `arn:aws:states:::aws-sdk:${service}:${api}`;

/**
 * The throttling errors of each integration, as Step Functions names them. The aws-sdk DynamoDB
 * integration spells its service `DynamoDb`, unlike the optimized one.
 */
export const THROTTLING_ERRORS = {
  dynamodb: ['DynamoDB.ProvisionedThroughputExceededException', 'DynamoDB.ThrottlingException', 'DynamoDB.RequestLimitExceeded', 'DynamoDB.RequestLimitExceededException'],
  dynamodbSdk: ['DynamoDb.ProvisionedThroughputExceededException', 'DynamoDb.ThrottlingException', 'DynamoDb.RequestLimitExceededException'],
  cognito: ['CognitoIdentityProvider.TooManyRequestsException'],
  // PutEvents reports transient per-entry failures as a failed entry, so those are retried too.
  eventBridge: ['EventBridge.ThrottlingException', 'EventBridge.FailedEntry'],
} as const;

// One retry after a wait of up to 1 s (full jitter, so concurrent runs do not retry in step): a Task
// takes at most 1 + 1 + 1 = 3 s, which is what lets the longest failure path fit the run's limit.
const BACKOFF = { IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 1, MaxDelaySeconds: 1, JitterStrategy: 'FULL' } as const;

/** Forward steps retry throttling only: any other error goes straight to the compensation. */
export const throttleRetry = (errors: readonly string[]): Retrier => ({ ErrorEquals: errors, ...BACKOFF });

/** Compensations and failure events retry anything, as giving up on them leaves state behind. */
export const COMPENSATION_RETRY: Retrier = { ErrorEquals: ['States.ALL'], ...BACKOFF };

/** A DynamoDB condition that failed: a refusal, or proof that an undo has nothing to do. */
export const CONDITIONAL_CHECK_FAILED = 'DynamoDB.ConditionalCheckFailedException';

/**
 * A cancelled TransactWriteItems, as the aws-sdk integration names it (`DynamoDb.` + the code,
 * errors.ts in local/stepfunctions). DynamoDB cancels a transaction, having written none of it, when
 * a condition fails, but also on a conflicting concurrent transaction or missing capacity: the
 * name alone does not say which (the reasons are only in the Cause text).
 */
export const TRANSACTION_CANCELED = 'DynamoDb.TransactionCanceledException';

/** An error that proves there is nothing to undo: not worth a retry. */
export const noRetry = (error: string): Retrier => ({ ErrorEquals: [error], MaxAttempts: 0 });

/** A forward step's catch: keeps the input and the error, for the compensation and the failure event. */
export const catchInto = (next: string): Catcher => ({ ErrorEquals: ['States.ALL'], ResultPath: ERROR_PATH, Next: next });

/** A failure-path step's catch: the error is dropped so the first one stays the one reported. */
const carryOn = (next: string): Catcher => ({ ErrorEquals: ['States.ALL'], ResultPath: null, Next: next });

const commented = (comment: string | undefined): { Comment?: string } => (comment === undefined ? {} : { Comment: comment });

interface TaskSpec {
  readonly comment?: string;
  readonly resource: string;
  readonly parameters: JsonObject;
  readonly next: string;
}

export interface ForwardTaskSpec extends TaskSpec {
  /** Defaults to discarding the result: forward steps carry only what GenerateTenantId kept. */
  readonly resultPath?: string | null;
  /** Keeps only what the later states read of the result. */
  readonly resultSelector?: JsonObject;
  readonly throttling: readonly string[];
  /** Catches of specific errors, tried before the catch-all. */
  readonly refusals?: readonly Catcher[];
  /**
   * Where any other error goes: the `Record…Failure` state that names this step to the failure
   * event, or (in machines without one) straight to the undo of what the step may have done.
   */
  readonly onError: string;
}

/** A forward step's Task: its call, what it keeps of the result, its limit and its throttling retry; the catches are the caller's. */
const forwardCall = (spec: Omit<ForwardTaskSpec, 'onError' | 'refusals'>, catches: readonly Catcher[]): TaskState => ({
  Type: 'Task',
  ...commented(spec.comment),
  Resource: spec.resource,
  Parameters: spec.parameters,
  ...(spec.resultSelector === undefined ? {} : { ResultSelector: spec.resultSelector }),
  ResultPath: spec.resultPath === undefined ? null : spec.resultPath,
  TimeoutSeconds: TASK_TIMEOUT_SECONDS,
  Retry: [throttleRetry(spec.throttling)],
  Catch: catches,
  Next: spec.next,
});

export const forwardTask = (spec: ForwardTaskSpec): TaskState => forwardCall(spec, [...(spec.refusals ?? []), catchInto(spec.onError)]);

export interface FailurePathTaskSpec extends TaskSpec {
  /** Errors that mean there is nothing to undo (`noRetry`), tried before the catch-all retry. */
  readonly nothingToUndo?: readonly string[];
}

/** A compensation or failure event: retried on any error, then on to `next` whatever happened. */
export const failurePathTask = (spec: FailurePathTaskSpec): TaskState => ({
  Type: 'Task',
  ...commented(spec.comment),
  Resource: spec.resource,
  Parameters: spec.parameters,
  ResultPath: null,
  TimeoutSeconds: TASK_TIMEOUT_SECONDS,
  Retry: [...(spec.nothingToUndo ?? []).map(noRetry), COMPENSATION_RETRY],
  Catch: [carryOn(spec.next)],
  Next: spec.next,
});

/**
 * A forward step inside a Parallel branch: any error ends its branch at `failed` (a
 * `branchFailure`), never fails the branch, so the Parallel ends only once the other branch has
 * too and no call of it is left in flight when the undo starts.
 */
export const branchTask = (spec: Omit<ForwardTaskSpec, 'onError' | 'refusals'> & { readonly failed: string }): TaskState => forwardCall(spec, [catchInto(spec.failed)]);

/** Where a forward branch ends when a step failed: its output is the error alone, which the state after the Parallel looks for. */
export const branchFailure = (): PassState => ({ Type: 'Pass', Parameters: { [`${ERROR_PATH.slice(2)}.$`]: ERROR_PATH }, End: true });

/** Where a forward branch ends when every step succeeded: an output without `error`. */
export const BRANCH_DONE: PassState = { Type: 'Pass', Parameters: {}, End: true };

/** Where a failure-path branch ends, whatever its steps did: a branch that failed would stop the others. */
export const BRANCH_END: PassState = { Type: 'Pass', End: true };

/** One branch from its states, starting at the first listed. */
export function branch(states: Readonly<Record<string, State>>): Branch {
  const [startAt] = Object.keys(states);
  if (startAt === undefined) throw new Error('A branch needs a state');
  return { StartAt: startAt, States: states };
}

export interface ParallelSpec {
  readonly comment: string;
  readonly branches: readonly Branch[];
  readonly next: string;
  /** The forward Parallel's Record…Failure state, or the failure path's next state (the error is then dropped). */
  readonly onError: { readonly forward: string } | { readonly carryOn: string };
  /** Where the branches' outputs go (a forward Parallel's, for the check of which branch failed); discarded by default. */
  readonly resultPath?: string;
}

/** Branches at once; the input passes on, with the branches' outputs at `resultPath` when given. */
export const parallel = (spec: ParallelSpec): ParallelState => ({
  Type: 'Parallel',
  Comment: spec.comment,
  Branches: spec.branches,
  ResultPath: spec.resultPath ?? null,
  Catch: ['forward' in spec.onError ? catchInto(spec.onError.forward) : carryOn(spec.onError.carryOn)],
  Next: spec.next,
});

/**
 * After a forward Parallel whose outputs are at `resultPath`: a Choice that finds the first branch
 * ending in `branchFailure` and keeps its error where a Catch would (ERROR_PATH), then goes on to
 * `onError`; with no failure, to `next`. Named `{name}`, and `Keep{name}Error{i}` per branch.
 */
export function branchFailureCheck(spec: { readonly name: string; readonly resultPath: string; readonly branches: number; readonly onError: string; readonly next: string }): Record<string, State> {
  const keep = (index: number) => `Keep${spec.name.replace(/^Check/, '')}Error${index + 1}`;
  const indexes = [...Array(spec.branches).keys()];
  return {
    [spec.name]: {
      Type: 'Choice',
      Comment: 'Which branch, if any, ended in its failure: a failed branch never fails the Parallel (see branchTask).',
      Choices: indexes.map((index) => ({ Variable: `${spec.resultPath}[${index}].error`, IsPresent: true, Next: keep(index) })),
      Default: spec.next,
    },
    ...Object.fromEntries(
      indexes.map((index): [string, PassState] => [keep(index), { Type: 'Pass', InputPath: `${spec.resultPath}[${index}].error`, ResultPath: ERROR_PATH, Next: spec.onError }]),
    ),
  };
}

/** A Catch cannot name the state it caught for: this Pass state tells the failure event. */
export const recordFailure = (step: string, next: string, comment?: string): PassState => ({
  Type: 'Pass',
  ...commented(comment),
  Result: step,
  ResultPath: '$.failedStep',
  Next: next,
});

/** The fields of a failure event's detail that come from the failure path: the error name only, never its cause. */
export const FAILURE_DETAIL = { 'failedStep.$': '$.failedStep', 'error.$': `${ERROR_PATH}.Error` } as const;

/** A detail written in ASL: each field of the catalog schema, as a value or as a `.$` path. */
export type DetailTemplate<T extends DetailType> = {
  readonly [K in keyof EventDetail<T> & string as K | `${K}.$`]?: Json;
};

/** One PutEvents entry: a catalogued event on the control plane's bus. */
export const putEventsEntry = <T extends DetailType>(detailType: T, detail: DetailTemplate<T>): JsonObject => ({
  EventBusName: placeholder('EventBusName'),
  Source: EVENT_CATALOG[detailType].source,
  DetailType: detailType,
  Detail: detail as JsonObject,
});

/** PutEvents parameters for one catalogued event on the control plane's bus. */
export const putEventsParameters = <T extends DetailType>(detailType: T, detail: DetailTemplate<T>): JsonObject => ({
  Entries: [putEventsEntry(detailType, detail)],
});

/** `States.Format('…{}…', paths…)`; the template must hold no `'`, `{`, `}` or `\` of its own. */
export const statesFormat = (template: string, ...paths: readonly string[]): string => `States.Format('${template}', ${paths.join(', ')})`;

/** The `{}` of States.Format: passed to a key function of domain/keys.ts in place of an id. */
export const SLOT = '{}';

/**
 * A key field whose slot and path do not pair up: a slot without a path would write the item
 * under a literal `{}`, a path without a slot is a States.Format the service refuses.
 */
export class KeySlotMismatchError extends Error {
  constructor(
    readonly field: string,
    readonly template: string,
  ) {
    super(`Key field ${field} ('${template}') needs a path exactly when it has a ${SLOT} slot`);
    this.name = 'KeySlotMismatchError';
  }
}

/**
 * A key as DynamoDB values, built by a key function of domain/keys.ts called with SLOT for each
 * id, so the formats are the domain's own (and its id check applies): each field with a path
 * becomes a run-time States.Format, each without one a constant.
 */
export function formattedKey<K extends string>(key: Readonly<Record<K, string>>, paths: Partial<Record<K, string>>): Record<K, JsonObject> {
  const fields = Object.entries(key) as [K, string][];
  return Object.fromEntries(
    fields.map(([field, template]): [K, JsonObject] => {
      const path = paths[field];
      if ((path !== undefined) !== template.includes(SLOT)) throw new KeySlotMismatchError(field, template);
      return [field, path === undefined ? { S: template } : { 'S.$': statesFormat(template, path) }];
    }),
  ) as Record<K, JsonObject>;
}

/** The user attributes that hold the active tenant and role, both in one AdminUpdateUserAttributes. */
export const activeTenantAttributes = (tenantId: JsonObject, roleId: JsonObject): Json => [
  { Name: TENANT_ID_CLAIM, ...tenantId },
  { Name: ROLE_CLAIM, ...roleId },
];

export const SET_ATTRIBUTES = sdkResource('cognitoidentityprovider', 'adminUpdateUserAttributes');
export const PUT_EVENTS = optimizedResource('events', 'putEvents');

/** Where the failure path enters the restore of the previous tenant and role. */
export const RESTORE_ENTRY = 'ChooseRestoreValues';

export interface RestoreSpec {
  /** The name of the AdminUpdateUserAttributes state (each machine keeps its own). */
  readonly taskName: string;
  readonly comment?: string;
  readonly next: string;
}

function chooseRestoreValues(taskName: string): Record<string, ChoiceState | PassState> {
  return {
    [RESTORE_ENTRY]: {
      Type: 'Choice',
      Comment: 'Cognito takes an empty string, not null, to clear an attribute; JSONPath has no coalescing, so a Choice picks the values.',
      Choices: [
        { Variable: '$.previousTenantId', IsNull: true, Next: 'ClearRestoreValues' },
        { Variable: '$.previousRoleId', IsNull: true, Next: 'KeepPreviousTenantOnly' },
      ],
      Default: 'KeepPreviousValues',
    },
    ClearRestoreValues: {
      Type: 'Pass',
      Comment: 'No previous tenant: the role is cleared with it, as a role means nothing without a tenant.',
      Result: { tenantId: '', roleId: '' },
      ResultPath: '$.restore',
      Next: taskName,
    },
    KeepPreviousTenantOnly: {
      Type: 'Pass',
      Parameters: { 'tenantId.$': '$.previousTenantId', roleId: '' },
      ResultPath: '$.restore',
      Next: taskName,
    },
    KeepPreviousValues: {
      Type: 'Pass',
      Parameters: { 'tenantId.$': '$.previousTenantId', 'roleId.$': '$.previousRoleId' },
      ResultPath: '$.restore',
      Next: taskName,
    },
  };
}

/**
 * Puts back the input's `previousTenantId`/`previousRoleId` (`""` for null), entered at
 * RESTORE_ENTRY: five states, in the order the machine lists them.
 */
export function restorePreviousAttributes(spec: RestoreSpec): Record<string, State> {
  return {
    ...chooseRestoreValues(spec.taskName),
    [spec.taskName]: failurePathTask({
      comment: spec.comment,
      resource: SET_ATTRIBUTES,
      parameters: {
        UserPoolId: placeholder('UserPoolId'),
        'Username.$': '$.username',
        UserAttributes: activeTenantAttributes({ 'Value.$': '$.restore.tenantId' }, { 'Value.$': '$.restore.roleId' }),
      },
      next: spec.next,
    }),
  };
}

/** Where a guarded transaction finds the tenant and the actor in its state's input. */
export interface GuardPaths {
  readonly tenantId: string;
  readonly actorUserId: string;
  readonly actorRoleId: string;
}

/** The two ConditionChecks of domain/guard.ts, as TransactItems entries. */
export interface GuardConditionChecks {
  /** The actor's membership still holds the actor's role. */
  readonly membership: JsonObject;
  /** The actor's role grants the action; a missing role item fails it, so it also proves the role exists. */
  readonly role: JsonObject;
}

/**
 * The permission guard of domain/guard.ts, for a transaction in a state machine: built by
 * `permissionGuard` with SLOT for the tenant and the actor, so the keys, expressions, names and
 * values are the domain's own, then each slot filled from its path at run time. The only id the
 * guard's values carry is the actor's role (`roleId = R` on the membership).
 */
export function guardConditionChecks(action: Action, paths: GuardPaths, tableName: string): GuardConditionChecks {
  const [membership, role] = permissionGuard(SLOT, { userId: SLOT, roleId: SLOT }, action);
  const check = (condition: ItemCondition, key: Record<'PK' | 'SK', JsonObject>): JsonObject => ({
    ConditionCheck: {
      TableName: tableName,
      Key: key,
      ConditionExpression: condition.condition,
      ExpressionAttributeNames: { ...condition.names },
      ExpressionAttributeValues: Object.fromEntries(Object.entries(condition.values).map(([name, value]) => [name, guardValue(value, paths.actorRoleId)])),
    },
  });
  return {
    membership: check(membership, formattedKey(membership.key, { PK: paths.tenantId, SK: paths.actorUserId })),
    role: check(role, formattedKey(role.key, { PK: paths.tenantId, SK: paths.actorRoleId })),
  };
}

function guardValue(value: GuardValue, slotPath: string): JsonObject {
  if ('S' in value && value.S === SLOT) return { 'S.$': slotPath };
  if ('S' in value && value.S.includes(SLOT)) throw new KeySlotMismatchError('guard value', value.S);
  return value;
}

/** Whether a counter moves up with a membership written or down with one deleted. */
export type CountChange = 'increment' | 'decrement';

/** A counter update's condition, with the names and values it adds to the update's own. */
export interface ExtraCondition {
  readonly condition: string;
  readonly names?: Readonly<Record<string, string>>;
  readonly values?: JsonObject;
}

// DynamoDB refuses a value the expressions do not use, so each change names only its own.
const COUNT_VALUES: Record<CountChange, JsonObject> = { increment: { ':zero': { N: '0' }, ':one': { N: '1' } }, decrement: { ':one': { N: '1' } } };

/**
 * `SET a = if_not_exists(a, start) ± 1`: a missing count is 0 going up and 1 going down, so a
 * decrement never leaves a negative count behind, and neither needs the attribute to exist.
 */
const countExpression = (path: string, change: CountChange): string =>
  change === 'increment' ? `SET ${path} = if_not_exists(${path}, :zero) + :one` : `SET ${path} = if_not_exists(${path}, :one) - :one`;

/**
 * The Update of a transaction that moves a counter with a membership: the key, the counted
 * attribute's path (with its names) and an optional condition of the caller's. The same placeholders
 * in every counter update, so the definitions' tests can read them as one shape.
 */
export function countUpdate(spec: {
  readonly tableName: string;
  readonly key: Record<'PK' | 'SK', JsonObject>;
  readonly path: string;
  readonly names: Readonly<Record<string, string>>;
  readonly change: CountChange;
  readonly condition?: ExtraCondition;
}): JsonObject {
  const names = { ...spec.names, ...spec.condition?.names };
  const values = { ...COUNT_VALUES[spec.change], ...spec.condition?.values };
  return {
    Update: {
      TableName: spec.tableName,
      Key: spec.key,
      UpdateExpression: countExpression(spec.path, spec.change),
      ...(spec.condition === undefined ? {} : { ConditionExpression: spec.condition.condition }),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}
