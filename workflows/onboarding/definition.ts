/**
 * Onboarding, defined once: the ASL both runtimes deploy is rendered from this module
 * (`renderDefinition` in workflows/render.ts); `onboarding.asl.json` is that rendering, committed
 * for review (`npx tsx workflows/export-asl.ts`). The README next to it explains the steps.
 */
import { ROLE_HOLDERS_ATTRIBUTE, type MembershipItem, type RoleItem, type TenantRecord } from '../../domain/items';
import { membershipIndexKeys, membershipKey, roleKey, tenantRecordKey, userLimitsKey } from '../../domain/keys';
import { USER_LIMITS_ATTRIBUTE } from '../../domain/limits';
import { ACTIONS, ADMIN_ROLE_ID } from '../../domain/permissions';
import { TABLE_KEYS } from '../../domain/table';
import { DETAIL_TYPE } from '../../events/catalog';
import type { JsonObject, MachineDefinition, State } from '../asl';
import {
  activeTenantAttributes,
  branch,
  BRANCH_DONE,
  BRANCH_END,
  branchFailure,
  branchFailureCheck,
  branchTask,
  CONDITIONAL_CHECK_FAILED,
  ERROR_PATH,
  FAILURE_DETAIL,
  failurePathTask,
  formattedKey,
  forwardTask,
  optimizedResource,
  parallel,
  placeholder,
  PUT_EVENTS,
  putEventsParameters,
  recordFailure,
  restorePreviousAttributes,
  RESTORE_ENTRY,
  SET_ATTRIBUTES,
  SLOT,
  sdkResource,
  THROTTLING_ERRORS,
  TRANSACTION_CANCELED,
} from '../fragments';
import { WORKFLOW_ERROR } from '../registry';

const ADMIN_ROLE_NAME = 'Admin';
const { tenantsCreated, memberships, countedTenantIds } = USER_LIMITS_ATTRIBUTE;

const TABLE = { TableName: placeholder('TableName') } as const;
const POOL = { UserPoolId: placeholder('UserPoolId') } as const;
const ITEM_ABSENT = `attribute_not_exists(${TABLE_KEYS.partitionKey})`;
/** Where CreateTenant keeps its branches' outputs, for CheckTenantCreated. */
const CREATED_PATH = '$.created';

const limitsKey = () => formattedKey(userLimitsKey(SLOT), { PK: '$.userId' });
const tenantKey = () => formattedKey(tenantRecordKey(SLOT), { PK: '$.tenantId' });
const membershipItemKey = () => formattedKey(membershipKey(SLOT, SLOT), { PK: '$.tenantId', SK: '$.userId' });
const adminRoleKey = () => formattedKey(roleKey(SLOT, ADMIN_ROLE_ID), { PK: '$.tenantId' });
/** The tenant's own group: named after the tenant id (domain/identity.ts tenantGroupName). */
const GROUP = { ...POOL, 'GroupName.$': '$.tenantId' } as const;

function generateTenantId(): State {
  return {
    Type: 'Pass',
    Comment:
      'Keeps only the fields the steps need, so nothing else in the input flows into items, events or the output. The start time stamps every item of this run and identifies the tenant record as this run\'s.',
    Parameters: {
      'tenantId.$': 'States.UUID()',
      'tenantName.$': '$.tenantName',
      'userId.$': '$.userId',
      'username.$': '$.username',
      'email.$': '$.email',
      'previousTenantId.$': '$.previousTenantId',
      'previousRoleId.$': '$.previousRoleId',
      'createdAt.$': '$$.Execution.StartTime',
    },
    Next: 'ReserveTenantQuota',
  };
}

function reserveTenantQuota(): State {
  return forwardTask({
    comment:
      "The first write is the limits' check: one conditional update of the user's counters, so concurrent runs of one user cannot pass a limit together. The tenant id joins the counted ids, which lets ReleaseTenantQuota take back this run's count and nothing else.",
    resource: optimizedResource('dynamodb', 'updateItem'),
    parameters: {
      ...TABLE,
      Key: limitsKey(),
      UpdateExpression: `ADD ${tenantsCreated} :one, ${memberships} :one, ${countedTenantIds} :tenant`,
      ConditionExpression:
        `(attribute_not_exists(${tenantsCreated}) OR ${tenantsCreated} < :maxCreated) AND ` +
        `(attribute_not_exists(${memberships}) OR ${memberships} < :maxMemberships)`,
      ExpressionAttributeValues: {
        ':one': { N: '1' },
        ':tenant': { 'SS.$': 'States.Array($.tenantId)' },
        ':maxCreated': { N: placeholder('MaxTenantsPerUser') },
        ':maxMemberships': { N: placeholder('MaxMembershipsPerUser') },
      },
    },
    throttling: THROTTLING_ERRORS.dynamodb,
    refusals: [{ ErrorEquals: [CONDITIONAL_CHECK_FAILED], ResultPath: ERROR_PATH, Next: 'PublishTenantLimitReached' }],
    onError: 'RecordReserveTenantQuotaFailure',
    next: 'CreateTenant',
  });
}

/** The tenant record, the creator's membership and the built-in admin role: the tenant's items, all or none. */
function tenantItems(): { record: Record<keyof TenantRecord, JsonObject>; membership: Record<keyof MembershipItem, JsonObject>; role: Record<keyof RoleItem, JsonObject> } {
  const record = {
    ...tenantKey(),
    tenantId: { 'S.$': '$.tenantId' },
    name: { 'S.$': '$.tenantName' },
    createdBy: { 'S.$': '$.userId' },
    createdAt: { 'S.$': '$.createdAt' },
    // The creator is the one admin: every later change of a role's holders moves these counts conditionally.
    [ROLE_HOLDERS_ATTRIBUTE]: { M: { [ADMIN_ROLE_ID]: { N: '1' } } },
  } satisfies Record<keyof TenantRecord, JsonObject>;
  const membership = {
    ...membershipItemKey(),
    ...formattedKey(membershipIndexKeys(SLOT, SLOT), { GSI1PK: '$.userId', GSI1SK: '$.tenantId' }),
    tenantId: { 'S.$': '$.tenantId' },
    tenantName: { 'S.$': '$.tenantName' },
    userId: { 'S.$': '$.userId' },
    email: { 'S.$': '$.email' },
    roleId: { S: ADMIN_ROLE_ID },
    createdAt: { 'S.$': '$.createdAt' },
  } satisfies Record<keyof MembershipItem, JsonObject>;
  const role = {
    ...adminRoleKey(),
    tenantId: { 'S.$': '$.tenantId' },
    roleId: { S: ADMIN_ROLE_ID },
    name: { S: ADMIN_ROLE_NAME },
    builtIn: { BOOL: true },
    // The built-in admin role holds every action there is.
    actions: { L: ACTIONS.map((action) => ({ S: action })) },
    createdAt: { 'S.$': '$.createdAt' },
  } satisfies Record<keyof RoleItem, JsonObject>;
  return { record, membership, role };
}

function createTenantItems(): State {
  const { record, membership, role } = tenantItems();
  return branchTask({
    comment:
      "One transaction, so a tenant never has a record without its admin, nor a member without the admin role. The conditions make the fresh id unique: every later step may treat the id's group and items as this run's own. The membership carries the user index keys and the tenant's name, so listing a user's tenants is one query on the index.",
    resource: sdkResource('dynamodb', 'transactWriteItems'),
    parameters: {
      TransactItems: [
        { Put: { ...TABLE, Item: record, ConditionExpression: ITEM_ABSENT } },
        { Put: { ...TABLE, Item: membership, ConditionExpression: ITEM_ABSENT } },
        { Put: { ...TABLE, Item: role, ConditionExpression: ITEM_ABSENT } },
      ],
    },
    // DynamoDB cancels a transaction on a failed condition, a conflicting transaction or missing
    // capacity (a throttled one is cancelled, not throttled), and these conditions fail only if the
    // fresh id collided: a cancelled transaction here is worth its retry like throttling.
    throttling: [...THROTTLING_ERRORS.dynamodbSdk, TRANSACTION_CANCELED],
    next: 'TenantItemsCreated',
    failed: 'TenantItemsFailed',
  });
}

function createTenant(): Record<string, State> {
  return {
    CreateTenant: parallel({
      comment:
        "The tenant's items and its group at once, as neither needs the other: the quota is reserved, and SetActiveTenant waits for both. A failing step ends its own branch (branchTask), so the state ends only once both branches have, with no call left in flight that could land after the undo; CheckTenantCreated then sends a failure of either into the undo of both.",
      branches: [
        branch({ CreateTenantItems: createTenantItems(), TenantItemsCreated: BRANCH_DONE, TenantItemsFailed: branchFailure() }),
        branch({
          CreateTenantGroup: branchTask({
            comment: "The group name is the tenant id (domain/identity.ts tenantGroupName), so the token's groups list the user's tenants.",
            resource: sdkResource('cognitoidentityprovider', 'createGroup'),
            parameters: GROUP,
            throttling: THROTTLING_ERRORS.cognito,
            next: 'AddUserToGroup',
            failed: 'TenantGroupFailed',
          }),
          AddUserToGroup: branchTask({
            resource: sdkResource('cognitoidentityprovider', 'adminAddUserToGroup'),
            parameters: { ...POOL, 'Username.$': '$.username', 'GroupName.$': '$.tenantId' },
            throttling: THROTTLING_ERRORS.cognito,
            next: 'TenantGroupCreated',
            failed: 'TenantGroupFailed',
          }),
          TenantGroupCreated: BRANCH_DONE,
          TenantGroupFailed: branchFailure(),
        }),
      ],
      resultPath: CREATED_PATH,
      onError: { forward: 'RecordCreateTenantFailure' },
      next: 'CheckTenantCreated',
    }),
    ...branchFailureCheck({ name: 'CheckTenantCreated', resultPath: CREATED_PATH, branches: 2, onError: 'RecordCreateTenantFailure', next: 'SetActiveTenant' }),
  };
}

function activate(): Record<string, State> {
  return {
    SetActiveTenant: forwardTask({
      comment: 'Last of the state changes, and both attributes in one call: the user\'s active tenant always names a tenant the user is a member of.',
      resource: SET_ATTRIBUTES,
      parameters: { ...POOL, 'Username.$': '$.username', UserAttributes: activeTenantAttributes({ 'Value.$': '$.tenantId' }, { Value: ADMIN_ROLE_ID }) },
      throttling: THROTTLING_ERRORS.cognito,
      onError: 'RecordSetActiveTenantFailure',
      next: 'PublishOnboarded',
    }),
    PublishOnboarded: forwardTask({
      comment: 'A failed entry is retried like throttling: PutEvents reports transient per-entry failures that way.',
      resource: PUT_EVENTS,
      parameters: putEventsParameters(DETAIL_TYPE.tenantOnboarded, {
        'tenantId.$': '$.tenantId',
        'tenantName.$': '$.tenantName',
        'userId.$': '$.userId',
        roleId: ADMIN_ROLE_ID,
        'executionId.$': '$$.Execution.Id',
      }),
      throttling: THROTTLING_ERRORS.eventBridge,
      onError: 'RecordPublishOnboardedFailure',
      next: 'ReturnTenant',
    }),
    ReturnTenant: { Type: 'Pass', Parameters: { 'tenantId.$': '$.tenantId', 'tenantName.$': '$.tenantName', roleId: ADMIN_ROLE_ID }, End: true },
  };
}

/** One per forward step, latest first: each enters the undo chain at the undo of its own step. */
function failureRecorders(): Record<string, State> {
  return {
    RecordPublishOnboardedFailure: recordFailure(
      'PublishOnboarded',
      RESTORE_ENTRY,
      'A Catch cannot name the state it caught for: each forward step has one of these to tell the failure event.',
    ),
    RecordSetActiveTenantFailure: recordFailure(
      'SetActiveTenant',
      RESTORE_ENTRY,
      'A timed-out update may still have been applied, so the attributes are restored whatever the error.',
    ),
    RecordCreateTenantFailure: recordFailure('CreateTenant', 'UndoTenant', 'Either branch may have done part of its work: both sides are undone.'),
    RecordReserveTenantQuotaFailure: recordFailure(
      'ReserveTenantQuota',
      'ReleaseTenantQuota',
      'A timed-out update may still have counted this run: the release finds out from the counted ids.',
    ),
  };
}

/** `ReleaseTenantQuota`'s update, alone or inside the undo of the tenant's items. */
const releaseQuota = (): JsonObject => ({
  ...TABLE,
  Key: limitsKey(),
  UpdateExpression: `ADD ${tenantsCreated} :minusOne, ${memberships} :minusOne DELETE ${countedTenantIds} :tenant`,
  ConditionExpression: `contains(${countedTenantIds}, :tenantId)`,
  ExpressionAttributeValues: { ':minusOne': { N: '-1' }, ':tenant': { 'SS.$': 'States.Array($.tenantId)' }, ':tenantId': { 'S.$': '$.tenantId' } },
});

function deleteTenantItemsAndQuota(): State {
  return failurePathTask({
    comment:
      "One transaction: the membership and the role (deletes are idempotent, so this also covers a CreateTenantItems that wrote nothing), the record only if this run wrote it or it is gone, and the quota back. A decrement is not idempotent, so its condition makes it one: only while this run's tenant id is among the counted ids, which the same write removes. Once an earlier attempt was applied, the condition cancels the retry, which then has nothing left to do.",
    resource: sdkResource('dynamodb', 'transactWriteItems'),
    parameters: {
      TransactItems: [
        { Delete: { ...TABLE, Key: membershipItemKey() } },
        { Delete: { ...TABLE, Key: adminRoleKey() } },
        {
          Delete: {
            ...TABLE,
            Key: tenantKey(),
            ConditionExpression: `${ITEM_ABSENT} OR (createdBy = :userId AND createdAt = :createdAt)`,
            ExpressionAttributeValues: { ':userId': { 'S.$': '$.userId' }, ':createdAt': { 'S.$': '$.createdAt' } },
          },
        },
        { Update: releaseQuota() },
      ],
    },
    next: 'TenantItemsUndone',
  });
}

function undoTenant(): Record<string, State> {
  return {
    UndoTenant: parallel({
      comment:
        "The DynamoDB and the Cognito side of the tenant at once, so the undo fits the run's limit. Deleting the group also takes the user out of it; if it fails, the group is left without a tenant record, which the reconciler removes.",
      branches: [
        branch({
          DeleteTenantGroup: failurePathTask({
            comment: 'A missing group means CreateTenantGroup never took effect: nothing to undo, and not worth a retry.',
            resource: sdkResource('cognitoidentityprovider', 'deleteGroup'),
            parameters: GROUP,
            nothingToUndo: ['CognitoIdentityProvider.ResourceNotFoundException'],
            next: 'TenantGroupUndone',
          }),
          TenantGroupUndone: BRANCH_END,
        }),
        branch({ DeleteTenantItemsAndQuota: deleteTenantItemsAndQuota(), TenantItemsUndone: BRANCH_END }),
      ],
      onError: { carryOn: 'PublishOnboardingFailed' },
      next: 'PublishOnboardingFailed',
    }),
    ReleaseTenantQuota: failurePathTask({
      comment:
        "ReserveTenantQuota's own undo, when it is the step that failed: the same conditional release, so a reservation that was never counted is not taken back.",
      resource: optimizedResource('dynamodb', 'updateItem'),
      parameters: releaseQuota(),
      nothingToUndo: [CONDITIONAL_CHECK_FAILED],
      next: 'PublishOnboardingFailed',
    }),
  };
}

function failure(): Record<string, State> {
  return {
    PublishOnboardingFailed: failurePathTask({
      comment:
        'Every failed run ends here, whether or not each undo succeeded: the failure is always told. The error name only, never its cause text.',
      resource: PUT_EVENTS,
      parameters: putEventsParameters(DETAIL_TYPE.tenantOnboardingFailed, {
        'userId.$': '$.userId',
        'tenantName.$': '$.tenantName',
        'tenantId.$': '$.tenantId',
        ...FAILURE_DETAIL,
        'executionId.$': '$$.Execution.Id',
      }),
      next: 'FailOnboarding',
    }),
    FailOnboarding: { Type: 'Fail', Error: WORKFLOW_ERROR.onboardingFailed, Cause: 'A step failed; everything the run had done was undone' },
  };
}

function refusal(): Record<string, State> {
  return {
    PublishTenantLimitReached: failurePathTask({
      comment:
        'The refused update wrote nothing, so there is nothing to undo; the refusal is told as a failed run whose error is the limit. No tenant id: no tenant by that id ever existed.',
      resource: PUT_EVENTS,
      parameters: putEventsParameters(DETAIL_TYPE.tenantOnboardingFailed, {
        'userId.$': '$.userId',
        'tenantName.$': '$.tenantName',
        failedStep: 'ReserveTenantQuota',
        error: WORKFLOW_ERROR.tenantLimitReached,
        'executionId.$': '$$.Execution.Id',
      }),
      next: 'RejectOnboarding',
    }),
    RejectOnboarding: {
      Type: 'Fail',
      Error: WORKFLOW_ERROR.tenantLimitReached,
      Cause:
        `You cannot create another tenant: one user may create at most ${placeholder('MaxTenantsPerUser')} tenants ` +
        `and belong to at most ${placeholder('MaxMembershipsPerUser')}, and you have reached one of these limits`,
    },
  };
}

export function onboardingDefinition(): MachineDefinition {
  return {
    Comment:
      "Onboarding: a new tenant with the caller as its admin and active tenant, within the user's limits. Every forward step catches into the undo of everything it may have done, in reverse; the run ends in tenant.onboarded or tenant.onboarding.failed. No token ever enters this machine: the API refreshes the caller's tokens after the run.",
    StartAt: 'GenerateTenantId',
    States: {
      GenerateTenantId: generateTenantId(),
      ReserveTenantQuota: reserveTenantQuota(),
      ...createTenant(),
      ...activate(),
      ...failureRecorders(),
      ...restorePreviousAttributes({
        taskName: 'RestorePreviousAttributes',
        comment: 'Before the membership goes: the active tenant must never name a tenant the user is not a member of.',
        next: 'UndoTenant',
      }),
      ...undoTenant(),
      ...failure(),
      ...refusal(),
    },
  };
}
