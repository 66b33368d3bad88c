/**
 * RemoveMember, defined once: the ASL both runtimes deploy is rendered from this module
 * (`renderDefinition` in workflows/render.ts); `remove-member.asl.json` is that rendering, committed
 * for review (`npx tsx workflows/export-asl.ts`). The README next to it explains the steps.
 */
import { TENANT_ID_CLAIM } from '../../domain/identity';
import { ROLE_HOLDERS_ATTRIBUTE } from '../../domain/items';
import { membershipKey, tenantRecordKey, userLimitsKey } from '../../domain/keys';
import { USER_LIMITS_ATTRIBUTE } from '../../domain/limits';
import { ADMIN_ROLE_ID, type Action } from '../../domain/permissions';
import { TABLE_KEYS } from '../../domain/table';
import { DETAIL_TYPE } from '../../events/catalog';
import type { JsonObject, MachineDefinition, State } from '../asl';
import {
  activeTenantAttributes,
  branch,
  BRANCH_END,
  countUpdate,
  ERROR_PATH,
  failurePathTask,
  formattedKey,
  forwardTask,
  guardConditionChecks,
  optimizedResource,
  parallel,
  placeholder,
  PUT_EVENTS,
  putEventsParameters,
  SET_ATTRIBUTES,
  sdkResource,
  SLOT,
  THROTTLING_ERRORS,
  TRANSACTION_CANCELED,
  type CountChange,
  type ExtraCondition,
} from '../fragments';
import { WORKFLOW_ERROR } from '../registry';

/** What the actor must hold to remove a member (API.md "Members"). */
const MANAGE_MEMBERS: Action = 'member:manage';

const TABLE_NAME = placeholder('TableName');
const TABLE = { TableName: TABLE_NAME } as const;
const POOL = { UserPoolId: placeholder('UserPoolId') } as const;
const ITEM_EXISTS = `attribute_exists(${TABLE_KEYS.partitionKey})`;
const ITEM_ABSENT = `attribute_not_exists(${TABLE_KEYS.partitionKey})`;
const TRANSACT_WRITE = sdkResource('dynamodb', 'transactWriteItems');
const GROUP = { ...POOL, 'Username.$': '$.username', 'GroupName.$': '$.tenantId' } as const;

/** Where GetMembership keeps the membership it read: the image the undo puts back. */
const MEMBERSHIP_READ = '$.membership';
/** Where GetActiveTenant and CheckActiveTenant keep whether the member's active tenant is this one. */
const ACTIVE_TENANT = '$.activeTenant';

const membershipItemKey = () => formattedKey(membershipKey(SLOT, SLOT), { PK: '$.tenantId', SK: '$.userId' });
const tenantKey = () => formattedKey(tenantRecordKey(SLOT), { PK: '$.tenantId' });
const limitsKey = () => formattedKey(userLimitsKey(SLOT), { PK: '$.userId' });

/**
 * The last admin stays: removing an admin needs another one. One condition for every role (no
 * Choice): it holds trivially for a role other than admin.
 */
const NOT_THE_LAST_ADMIN: ExtraCondition = {
  condition: `${ITEM_EXISTS} AND (:roleId <> :admin OR #roleHolders.#admin > :one)`,
  names: { '#admin': ADMIN_ROLE_ID },
  values: { ':roleId': { 'S.$': '$.roleId' }, ':admin': { S: ADMIN_ROLE_ID } },
};

/** The member's role's holder count; `#role` is a map key only the run knows, filled from the input. */
const roleHoldersUpdate = (change: CountChange, condition: ExtraCondition): JsonObject =>
  countUpdate({
    tableName: TABLE_NAME,
    key: tenantKey(),
    path: '#roleHolders.#role',
    names: { '#roleHolders': ROLE_HOLDERS_ATTRIBUTE, '#role.$': '$.roleId' },
    change,
    condition,
  });

/** Given back without the limit's condition: the member had this membership before the run. */
const membershipsUpdate = (change: CountChange): JsonObject =>
  countUpdate({ tableName: TABLE_NAME, key: limitsKey(), path: '#memberships', names: { '#memberships': USER_LIMITS_ATTRIBUTE.memberships }, change });

function checks(): Record<string, State> {
  return {
    KeepMemberInput: {
      Type: 'Pass',
      Comment: 'Keeps only the fields the steps need, so nothing else in the input flows into items, events or the output.',
      Parameters: {
        'tenantId.$': '$.tenantId',
        'userId.$': '$.userId',
        'username.$': '$.username',
        'roleId.$': '$.roleId',
        'actorUserId.$': '$.actorUserId',
        'actorRoleId.$': '$.actorRoleId',
        'createdAt.$': '$$.Execution.StartTime',
        // The attribute as AdminGetUser lists it when this tenant is the member's active one.
        activeTenantAttribute: { Name: TENANT_ID_CLAIM, 'Value.$': '$.tenantId' },
        // Not yet known to be this tenant: a run that fails before CheckActiveTenant restores nothing.
        // (A Choice on `IsPresent: false` would do on AWS, but the local interpreter,
        // aws-local-stepfunctions 3.0.0, never matches `IsPresent: false`.)
        activeTenant: { isActive: false },
      },
      Next: 'ChooseRemoval',
    },
    ChooseRemoval: {
      Type: 'Choice',
      Comment:
        "The API refuses removing oneself; so does the machine: the actor's membership would be both the guard's item and the one deleted, which one transaction cannot hold. An admin is removed only by an admin (domain/permissions.ts mayGrantRole); the transaction proves both roles.",
      Choices: [
        { Variable: '$.userId', StringEqualsPath: '$.actorUserId', Next: 'RefuseMemberChange' },
        { Variable: '$.roleId', StringEquals: ADMIN_ROLE_ID, Next: 'ChooseAdminRemoval' },
      ],
      Default: 'GetMembership',
    },
    ChooseAdminRemoval: {
      Type: 'Choice',
      Choices: [{ Variable: '$.actorRoleId', StringEquals: ADMIN_ROLE_ID, Next: 'GetMembership' }],
      Default: 'RefuseMemberChange',
    },
    GetMembership: forwardTask({
      comment:
        "Reads the membership whole, as the image the undo puts back (its email, tenant name and creation time are not in the input). The transaction deletes it only while it is still this image's.",
      resource: optimizedResource('dynamodb', 'getItem'),
      parameters: { ...TABLE, Key: membershipItemKey(), ConsistentRead: true },
      resultPath: MEMBERSHIP_READ,
      throttling: THROTTLING_ERRORS.dynamodb,
      // Nothing written yet: nothing to undo.
      onError: 'FailRemoveMember',
      next: 'ChooseByMembership',
    }),
    ChooseByMembership: {
      Type: 'Choice',
      Choices: [{ Variable: `${MEMBERSHIP_READ}.Item.createdAt.S`, IsPresent: true, Next: 'DeleteMembership' }],
      Default: 'RefuseMemberChange',
    },
  };
}

function deleteMembership(): State {
  const { membership, role } = guardConditionChecks(MANAGE_MEMBERS, { tenantId: '$.tenantId', actorUserId: '$.actorUserId', actorRoleId: '$.actorRoleId' }, TABLE_NAME);
  return forwardTask({
    comment:
      "One transaction: the actor's permission (domain/guard.ts), the membership still holding the role the API read (so the right count moves), not the last admin, and both counts. Any condition failing cancels all of it.",
    resource: TRANSACT_WRITE,
    parameters: {
      TransactItems: [
        membership,
        role,
        {
          Delete: {
            ...TABLE,
            Key: membershipItemKey(),
            ConditionExpression: `${ITEM_EXISTS} AND roleId = :roleId AND createdAt = :memberSince`,
            ExpressionAttributeValues: { ':roleId': { 'S.$': '$.roleId' }, ':memberSince': { 'S.$': `${MEMBERSHIP_READ}.Item.createdAt.S` } },
          },
        },
        roleHoldersUpdate('decrement', NOT_THE_LAST_ADMIN),
        membershipsUpdate('decrement'),
      ],
    },
    throttling: THROTTLING_ERRORS.dynamodbSdk,
    refusals: [{ ErrorEquals: [TRANSACTION_CANCELED], ResultPath: ERROR_PATH, Next: 'RefuseMemberChange' }],
    // Any other error (a timeout) may have come after the commit: put the membership back, unless it is still there.
    onError: 'UndoRemoval',
    next: 'RemoveUserFromGroup',
  });
}

function leaveTenant(): Record<string, State> {
  return {
    RemoveUserFromGroup: forwardTask({
      comment: 'After the membership, which is the truth: without the group, new tokens no longer list the tenant.',
      resource: sdkResource('cognitoidentityprovider', 'adminRemoveUserFromGroup'),
      parameters: GROUP,
      throttling: THROTTLING_ERRORS.cognito,
      onError: 'UndoRemoval',
      next: 'GetActiveTenant',
    }),
    GetActiveTenant: forwardTask({
      comment: "Only the attributes go further, and only until CheckActiveTenant has looked for this tenant's among them.",
      resource: sdkResource('cognitoidentityprovider', 'adminGetUser'),
      parameters: { ...POOL, 'Username.$': '$.username' },
      resultSelector: { 'attributes.$': '$.UserAttributes' },
      resultPath: ACTIVE_TENANT,
      throttling: THROTTLING_ERRORS.cognito,
      onError: 'UndoRemoval',
      next: 'CheckActiveTenant',
    }),
    CheckActiveTenant: {
      Type: 'Pass',
      Comment:
        "Whether the member's attributes include {Name: custom:tenant_id, Value: this tenant}: States.ArrayContains compares JSON values, objects included (AWS: the value looked for is any valid JSON). A JSONPath filter would do it too on AWS, which yields [] when nothing matches, but the local interpreter fails a filter that matches nothing.",
      Parameters: { 'isActive.$': `States.ArrayContains(${ACTIVE_TENANT}.attributes, $.activeTenantAttribute)` },
      ResultPath: ACTIVE_TENANT,
      Next: 'ChooseActiveTenant',
    },
    ChooseActiveTenant: {
      Type: 'Choice',
      Comment: "Only this tenant is cleared: a member whose active tenant is another one keeps it.",
      Choices: [{ Variable: `${ACTIVE_TENANT}.isActive`, BooleanEquals: true, Next: 'ClearActiveTenant' }],
      Default: 'PublishMemberRemoved',
    },
    ClearActiveTenant: forwardTask({
      comment: 'Both attributes in one call; Cognito takes an empty string to clear an attribute.',
      resource: SET_ATTRIBUTES,
      parameters: { ...POOL, 'Username.$': '$.username', UserAttributes: activeTenantAttributes({ Value: '' }, { Value: '' }) },
      throttling: THROTTLING_ERRORS.cognito,
      // A timed-out update may still have been applied: restored whatever the error (the undo's
      // ChooseActiveTenantRestore finds isActive set, as it was for this step to run).
      onError: 'UndoRemoval',
      next: 'PublishMemberRemoved',
    }),
    PublishMemberRemoved: forwardTask({
      comment: 'A failed entry is retried like throttling: PutEvents reports transient per-entry failures that way.',
      resource: PUT_EVENTS,
      parameters: putEventsParameters(DETAIL_TYPE.memberRemoved, {
        'tenantId.$': '$.tenantId',
        'userId.$': '$.userId',
        'roleId.$': '$.roleId',
        'actorUserId.$': '$.actorUserId',
        'executionId.$': '$$.Execution.Id',
      }),
      throttling: THROTTLING_ERRORS.eventBridge,
      onError: 'UndoRemoval',
      next: 'ReturnRemoved',
    }),
    ReturnRemoved: { Type: 'Pass', Parameters: { 'tenantId.$': '$.tenantId', 'userId.$': '$.userId' }, End: true },
  };
}

function restoreMembership(): Record<string, State> {
  return {
    RecreateMembership: failurePathTask({
      comment:
        'The membership exactly as read, and both counts back, in one transaction. A membership that exists (the delete never committed, or the member was added again) fails the condition and cancels everything: nothing to undo. Retried like any error, since a concurrent transaction cancels it the same way.',
      resource: TRANSACT_WRITE,
      parameters: {
        TransactItems: [
          { Put: { ...TABLE, 'Item.$': `${MEMBERSHIP_READ}.Item`, ConditionExpression: ITEM_ABSENT } },
          roleHoldersUpdate('increment', { condition: ITEM_EXISTS }),
          membershipsUpdate('increment'),
        ],
      },
      next: 'MembershipRestored',
    }),
    MembershipRestored: BRANCH_END,
  };
}

function restoreActiveTenant(): Record<string, State> {
  return {
    ChooseActiveTenantRestore: {
      Type: 'Choice',
      Comment:
        "Only when this run found this tenant active (and so cleared, or tried to clear, it); a run that failed before looking has KeepMemberInput's `isActive: false`. Beside the membership's recreation rather than after it, so the undo fits the run's limit: for the moment between the two the active tenant names a tenant without the membership, which the authorizer treats as no active tenant; should the recreation fail, the reconciler clears it.",
      Choices: [{ Variable: `${ACTIVE_TENANT}.isActive`, BooleanEquals: true, Next: 'RestoreActiveTenant' }],
      Default: 'ActiveTenantRestored',
    },
    RestoreActiveTenant: failurePathTask({
      comment: "This tenant again as the member's active one, with the membership's role.",
      resource: SET_ATTRIBUTES,
      parameters: { ...POOL, 'Username.$': '$.username', UserAttributes: activeTenantAttributes({ 'Value.$': '$.tenantId' }, { 'Value.$': '$.roleId' }) },
      next: 'ActiveTenantRestored',
    }),
    ActiveTenantRestored: BRANCH_END,
  };
}

function undo(): Record<string, State> {
  return {
    UndoRemoval: parallel({
      comment:
        "Every forward step's undo, whichever failed: each undo is idempotent and covers a step that never took effect (adding a member of the group again changes nothing; a membership that exists cancels its recreation), so one undo serves every failure. The group, the membership and the active tenant at once, so the undo fits the run's limit.",
      branches: [
        branch({
          AddUserToGroup: failurePathTask({
            comment: 'Adding a member of the group again changes nothing, so this also covers a removal that never took effect.',
            resource: sdkResource('cognitoidentityprovider', 'adminAddUserToGroup'),
            parameters: GROUP,
            next: 'GroupRestored',
          }),
          GroupRestored: BRANCH_END,
        }),
        branch(restoreMembership()),
        branch(restoreActiveTenant()),
      ],
      onError: { carryOn: 'FailRemoveMember' },
      next: 'FailRemoveMember',
    }),
  };
}

function endings(): Record<string, State> {
  return {
    RefuseMemberChange: {
      Type: 'Fail',
      Error: WORKFLOW_ERROR.memberChangeRefused,
      Cause: "A condition of the removal's transaction was not met, so nothing was written; the API reads which one",
    },
    FailRemoveMember: { Type: 'Fail', Error: WORKFLOW_ERROR.removeMemberFailed, Cause: 'A step failed after the checks; everything the run had done was put back' },
  };
}

export function removeMemberDefinition(): MachineDefinition {
  return {
    Comment:
      "RemoveMember: a member leaves a tenant, removed by a member allowed to manage members, never the last admin. The membership and its counts go in one guarded transaction; the group and, when it was this tenant, the member's active tenant follow. Every forward step catches into the undo of what it may have done, in reverse, so the user is in the tenant's group exactly when the membership exists. The run ends in member.removed or a Fail. No token ever enters this machine.",
    StartAt: 'KeepMemberInput',
    States: {
      ...checks(),
      DeleteMembership: deleteMembership(),
      ...leaveTenant(),
      ...undo(),
      ...endings(),
    },
  };
}
