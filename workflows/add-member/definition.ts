/**
 * AddMember, defined once: the ASL both runtimes deploy is rendered from this module
 * (`renderDefinition` in workflows/render.ts); `add-member.asl.json` is that rendering, committed
 * for review (`npx tsx workflows/export-asl.ts`). The README next to it explains the steps.
 */
import { ROLE_HOLDERS_ATTRIBUTE, type MembershipItem } from '../../domain/items';
import { membershipIndexKeys, membershipKey, roleKey, tenantPartition, tenantRecordKey, userLimitsKey } from '../../domain/keys';
import { USER_LIMITS_ATTRIBUTE } from '../../domain/limits';
import { ADMIN_ROLE_ID, type Action } from '../../domain/permissions';
import { TABLE_KEYS } from '../../domain/table';
import { DETAIL_TYPE } from '../../events/catalog';
import type { JsonObject, MachineDefinition, State } from '../asl';
import {
  countUpdate,
  type CountChange,
  ERROR_PATH,
  failurePathTask,
  formattedKey,
  forwardTask,
  guardConditionChecks,
  optimizedResource,
  placeholder,
  PUT_EVENTS,
  putEventsEntry,
  sdkResource,
  SLOT,
  THROTTLING_ERRORS,
  TRANSACTION_CANCELED,
} from '../fragments';
import { WORKFLOW_ERROR } from '../registry';

/** What the actor must hold to add a member directly (API.md "Members"). */
const MANAGE_MEMBERS: Action = 'member:manage';

const TABLE_NAME = placeholder('TableName');
const TABLE = { TableName: TABLE_NAME } as const;
const POOL = { UserPoolId: placeholder('UserPoolId') } as const;
const ITEM_EXISTS = `attribute_exists(${TABLE_KEYS.partitionKey})`;
const ITEM_ABSENT = `attribute_not_exists(${TABLE_KEYS.partitionKey})`;
const TRANSACT_WRITE = sdkResource('dynamodb', 'transactWriteItems');
const { memberships } = USER_LIMITS_ATTRIBUTE;

/** Where GetInvitation keeps the invitation item it read: the image the undo puts back. */
const INVITATION_READ = '$.invitationRead';

const membershipItemKey = () => formattedKey(membershipKey(SLOT, SLOT), { PK: '$.tenantId', SK: '$.userId' });
const tenantKey = () => formattedKey(tenantRecordKey(SLOT), { PK: '$.tenantId' });
const limitsKey = () => formattedKey(userLimitsKey(SLOT), { PK: '$.userId' });
const memberRoleKey = () => formattedKey(roleKey(SLOT, SLOT), { PK: '$.tenantId', SK: '$.roleId' });
/**
 * The invitation's partition is the tenant's, built here; its sort key comes from the input, as
 * `invitationKey(tenantId, email).SK`: the key percent-encodes the address, which no intrinsic
 * function can do. The claim's condition on `email` ties the item to the input's address.
 */
const invitationItemKey = (): Record<'PK' | 'SK', JsonObject> => ({
  ...formattedKey({ PK: tenantPartition(SLOT) }, { PK: '$.tenantId' }),
  SK: { 'S.$': '$.invitation.sortKey' },
});

/**
 * The member's role's holder count on the tenant record. The role id is a map key only the run
 * knows, so its name placeholder is filled from the input (`#role.$`). Never an Update that would
 * create a stray tenant record.
 */
const roleHoldersUpdate = (change: CountChange): JsonObject =>
  countUpdate({
    tableName: TABLE_NAME,
    key: tenantKey(),
    path: '#roleHolders.#role',
    names: { '#roleHolders': ROLE_HOLDERS_ATTRIBUTE, '#role.$': '$.roleId' },
    change,
    condition: { condition: ITEM_EXISTS },
  });

/** The member's count of memberships on its limits item; going up only while under the limit. */
const membershipsUpdate = (change: CountChange): JsonObject =>
  countUpdate({
    tableName: TABLE_NAME,
    key: limitsKey(),
    path: '#memberships',
    names: { '#memberships': memberships },
    change,
    ...(change === 'increment'
      ? {
          condition: {
            condition: 'attribute_not_exists(#memberships) OR #memberships < :maxMemberships',
            values: { ':maxMemberships': { N: placeholder('MaxMembershipsPerUser') } },
          },
        }
      : {}),
  });

function keepInput(): State {
  return {
    Type: 'Pass',
    Comment:
      "Keeps only the fields the steps need, so nothing else in the input flows into items, events or the output. The start time stamps the membership, identifies it as this run's to the undo, and is the 'now' an invitation must not have reached.",
    Parameters: {
      'tenantId.$': '$.tenantId',
      'tenantName.$': '$.tenantName',
      'userId.$': '$.userId',
      'username.$': '$.username',
      'email.$': '$.email',
      'roleId.$': '$.roleId',
      'actorUserId.$': '$.actorUserId',
      'actorRoleId.$': '$.actorRoleId',
      'invitation.$': '$.invitation',
      'createdAt.$': '$$.Execution.StartTime',
    },
    Next: 'ChooseAuthorization',
  };
}

function chooseAuthorization(): Record<string, State> {
  return {
    ChooseAuthorization: {
      Type: 'Choice',
      Comment: "A claim is authorized by its invitation (checked when it was made), a direct add by the actor's permission.",
      Choices: [{ Variable: '$.invitation', IsNull: true, Next: 'ChooseDirectAdd' }],
      Default: 'GetInvitation',
    },
    ChooseDirectAdd: {
      Type: 'Choice',
      Comment:
        "DynamoDB refuses two operations on one item in a transaction, so the cases where the actor's items are the member's are told apart first: adding oneself is refused outright (a member already, or without the permission), and a role that is the actor's own is checked once, by the guard. Only an admin grants admin (domain/permissions.ts mayGrantRole): an admin actor has matched the actor's-own-role rule by then, so admin here means a non-admin actor; the guard proves the actor's role.",
      Choices: [
        { Variable: '$.actorRoleId', IsNull: true, Next: 'RefuseMemberChange' },
        { Variable: '$.userId', StringEqualsPath: '$.actorUserId', Next: 'RefuseMemberChange' },
        { Variable: '$.roleId', StringEqualsPath: '$.actorRoleId', Next: 'WriteMembershipWithActorRole' },
        { Variable: '$.roleId', StringEquals: ADMIN_ROLE_ID, Next: 'RefuseMemberChange' },
      ],
      Default: 'WriteMembership',
    },
  };
}

function invitationRead(): Record<string, State> {
  return {
    GetInvitation: forwardTask({
      comment:
        "Reads the invitation whole, as the image an undo puts back (its index keys and TTL cannot be rebuilt in ASL). The claim's own conditions decide; this read only finds out whether there is anything to claim.",
      resource: optimizedResource('dynamodb', 'getItem'),
      parameters: { ...TABLE, Key: invitationItemKey(), ConsistentRead: true },
      resultPath: INVITATION_READ,
      throttling: THROTTLING_ERRORS.dynamodb,
      // Nothing written yet: nothing to undo.
      onError: 'FailAddMember',
      next: 'ChooseByInvitation',
    }),
    ChooseByInvitation: {
      Type: 'Choice',
      Choices: [{ Variable: `${INVITATION_READ}.Item`, IsPresent: true, Next: 'ClaimInvitation' }],
      Default: 'RefuseMemberChange',
    },
  };
}

/** The membership, with every attribute of domain/items.ts: a missing or extra one fails to compile. */
function membershipPut(): JsonObject {
  const item = {
    ...membershipItemKey(),
    ...formattedKey(membershipIndexKeys(SLOT, SLOT), { GSI1PK: '$.userId', GSI1SK: '$.tenantId' }),
    tenantId: { 'S.$': '$.tenantId' },
    tenantName: { 'S.$': '$.tenantName' },
    userId: { 'S.$': '$.userId' },
    email: { 'S.$': '$.email' },
    roleId: { 'S.$': '$.roleId' },
    createdAt: { 'S.$': '$.createdAt' },
  } satisfies Record<keyof MembershipItem, JsonObject>;
  return { Put: { ...TABLE, Item: item, ConditionExpression: ITEM_ABSENT } };
}

const roleExists = (): JsonObject => ({ ConditionCheck: { ...TABLE, Key: memberRoleKey(), ConditionExpression: ITEM_EXISTS } });

const guard = () => guardConditionChecks(MANAGE_MEMBERS, { tenantId: '$.tenantId', actorUserId: '$.actorUserId', actorRoleId: '$.actorRoleId' }, TABLE_NAME);

function invitationDelete(): JsonObject {
  return {
    Delete: {
      ...TABLE,
      Key: invitationItemKey(),
      // ISO-8601 UTC times compare as strings: an invitation at or past its expiry is never claimed.
      ConditionExpression: `${ITEM_EXISTS} AND email = :invitationEmail AND roleId = :roleId AND createdAt = :invitedAt AND expiresAt > :now`,
      ExpressionAttributeValues: {
        ':invitationEmail': { 'S.$': '$.invitation.email' },
        ':roleId': { 'S.$': '$.roleId' },
        ':invitedAt': { 'S.$': '$.invitation.createdAt' },
        ':now': { 'S.$': '$.createdAt' },
      },
    },
  };
}

/** The membership's own writes, the same in every variant: the item and both counts, all conditional. */
const membershipWrites = (): JsonObject[] => [membershipPut(), roleHoldersUpdate('increment'), membershipsUpdate('increment')];

/** A guarded transaction: a refusal by any of its conditions wrote nothing, and is told as such. */
function membershipTransaction(comment: string, items: readonly JsonObject[], undo: 'DeleteMembership' | 'DeleteMembershipAndRestoreInvitation'): State {
  return forwardTask({
    comment,
    resource: TRANSACT_WRITE,
    parameters: { TransactItems: items },
    throttling: THROTTLING_ERRORS.dynamodbSdk,
    refusals: [{ ErrorEquals: [TRANSACTION_CANCELED], ResultPath: ERROR_PATH, Next: 'RefuseMemberChange' }],
    // Any other error (a timeout) may have come after the commit: undo the membership, the step's only write.
    onError: undo,
    next: 'AddUserToGroup',
  });
}

function membershipTransactions(): Record<string, State> {
  const { membership, role } = guard();
  return {
    WriteMembership: membershipTransaction(
      "One transaction: the actor's permission (domain/guard.ts), the member not yet a member, the role existing, the role's holders and the member's limit. Any condition failing cancels all of it.",
      [membership, role, ...membershipWrites(), roleExists()],
      'DeleteMembership',
    ),
    WriteMembershipWithActorRole: membershipTransaction(
      "As WriteMembership, for a role that is the actor's own: the guard's check of that role item fails for a missing item, so it is the existence check too.",
      [membership, role, ...membershipWrites()],
      'DeleteMembership',
    ),
    ClaimInvitation: membershipTransaction(
      'One transaction: the invitation taken (still there, for this address and role, unexpired), the member not yet a member, the role existing, the counts. The invitation was authorized when it was made.',
      [invitationDelete(), ...membershipWrites(), roleExists()],
      'DeleteMembershipAndRestoreInvitation',
    ),
  };
}

function groupAndEvents(): Record<string, State> {
  const memberAdded = (via: 'direct' | 'invitation') =>
    putEventsEntry(DETAIL_TYPE.memberAdded, {
      'tenantId.$': '$.tenantId',
      'userId.$': '$.userId',
      'email.$': '$.email',
      'roleId.$': '$.roleId',
      'actorUserId.$': '$.actorUserId',
      via,
      'executionId.$': '$$.Execution.Id',
    });
  return {
    AddUserToGroup: forwardTask({
      comment: "After the membership, which is the truth: the group only lets the member's tokens list the tenant (domain/identity.ts tenantGroupName).",
      resource: sdkResource('cognitoidentityprovider', 'adminAddUserToGroup'),
      parameters: { ...POOL, 'Username.$': '$.username', 'GroupName.$': '$.tenantId' },
      throttling: THROTTLING_ERRORS.cognito,
      onError: 'RemoveUserFromGroup',
      next: 'ChooseEvents',
    }),
    ChooseEvents: {
      Type: 'Choice',
      Choices: [{ Variable: '$.invitation', IsNull: true, Next: 'PublishMemberAdded' }],
      Default: 'PublishInvitationClaimed',
    },
    PublishMemberAdded: forwardTask({
      comment: 'A failed entry is retried like throttling: PutEvents reports transient per-entry failures that way.',
      resource: PUT_EVENTS,
      parameters: { Entries: [memberAdded('direct')] },
      throttling: THROTTLING_ERRORS.eventBridge,
      onError: 'RemoveUserFromGroup',
      next: 'ReturnMember',
    }),
    PublishInvitationClaimed: forwardTask({
      comment:
        'Both events of a claim in one call. A retry after a failed entry sends both again; subscribers deduplicate on the execution id.',
      resource: PUT_EVENTS,
      parameters: {
        Entries: [
          memberAdded('invitation'),
          putEventsEntry(DETAIL_TYPE.invitationClaimed, {
            'tenantId.$': '$.tenantId',
            'email.$': '$.invitation.email',
            'roleId.$': '$.roleId',
            'userId.$': '$.userId',
            'executionId.$': '$$.Execution.Id',
          }),
        ],
      },
      throttling: THROTTLING_ERRORS.eventBridge,
      onError: 'RemoveUserFromGroup',
      next: 'ReturnMember',
    }),
    ReturnMember: { Type: 'Pass', Parameters: { 'tenantId.$': '$.tenantId', 'userId.$': '$.userId', 'roleId.$': '$.roleId' }, End: true },
  };
}

/** The membership's undo: deleted only if it is this run's, with both counts given back in the same transaction. */
function membershipUndo(): Record<string, State> {
  const membershipDelete: JsonObject = {
    Delete: {
      ...TABLE,
      Key: membershipItemKey(),
      ConditionExpression: 'roleId = :roleId AND createdAt = :createdAt',
      ExpressionAttributeValues: { ':roleId': { 'S.$': '$.roleId' }, ':createdAt': { 'S.$': '$.createdAt' } },
    },
  };
  const undo = [membershipDelete, roleHoldersUpdate('decrement'), membershipsUpdate('decrement')];
  const comment =
    "A membership that is not this run's (its step never committed, or it changed since) fails the condition and cancels everything: nothing of this run's to undo. Retried like any error, since a concurrent transaction cancels it the same way; the retry of a failed condition fails the same.";
  return {
    RemoveUserFromGroup: failurePathTask({
      comment: 'Before the membership goes, the mirror of the forward order. A user or group not found: nothing to undo, not worth a retry.',
      resource: sdkResource('cognitoidentityprovider', 'adminRemoveUserFromGroup'),
      parameters: { ...POOL, 'Username.$': '$.username', 'GroupName.$': '$.tenantId' },
      nothingToUndo: ['CognitoIdentityProvider.ResourceNotFoundException', 'CognitoIdentityProvider.UserNotFoundException'],
      next: 'ChooseMembershipUndo',
    }),
    ChooseMembershipUndo: {
      Type: 'Choice',
      Choices: [{ Variable: '$.invitation', IsNull: true, Next: 'DeleteMembership' }],
      Default: 'DeleteMembershipAndRestoreInvitation',
    },
    DeleteMembership: failurePathTask({ comment, resource: TRANSACT_WRITE, parameters: { TransactItems: undo }, next: 'FailAddMember' }),
    DeleteMembershipAndRestoreInvitation: failurePathTask({
      comment: `${comment} The invitation goes back as it was read, unless one for the address exists again.`,
      resource: TRANSACT_WRITE,
      parameters: { TransactItems: [...undo, { Put: { ...TABLE, 'Item.$': `${INVITATION_READ}.Item`, ConditionExpression: ITEM_ABSENT } }] },
      next: 'FailAddMember',
    }),
  };
}

function endings(): Record<string, State> {
  return {
    RefuseMemberChange: {
      Type: 'Fail',
      Error: WORKFLOW_ERROR.memberChangeRefused,
      Cause: "A condition of the membership's transaction was not met, so nothing was written; the API reads which one",
    },
    FailAddMember: { Type: 'Fail', Error: WORKFLOW_ERROR.addMemberFailed, Cause: 'A step failed after the checks; everything the run had done was undone' },
  };
}

export function addMemberDefinition(): MachineDefinition {
  return {
    Comment:
      "AddMember: a user joins a tenant with a role, added by a member allowed to manage members or by claiming an invitation. The membership and its counts are one guarded transaction; the group follows. Every forward step catches into the undo of what it may have done, in reverse, so the user is in the tenant's group exactly when the membership exists. The run ends in member.added (and invitation.claimed) or a Fail. No token ever enters this machine.",
    StartAt: 'KeepMemberInput',
    States: {
      KeepMemberInput: keepInput(),
      ...chooseAuthorization(),
      ...invitationRead(),
      ...membershipTransactions(),
      ...groupAndEvents(),
      ...membershipUndo(),
      ...endings(),
    },
  };
}
