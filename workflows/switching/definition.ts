/**
 * Switching, defined once: the ASL both runtimes deploy is rendered from this module
 * (`renderDefinition` in workflows/render.ts); `switching.asl.json` is that rendering, committed
 * for review (`npx tsx workflows/export-asl.ts`). The README next to it explains the steps.
 */
import { MEMBERSHIP_ROLE_ATTRIBUTE } from '../../domain/items';
import { membershipKey } from '../../domain/keys';
import { DETAIL_TYPE } from '../../events/catalog';
import type { MachineDefinition, State } from '../asl';
import {
  activeTenantAttributes,
  FAILURE_DETAIL,
  failurePathTask,
  formattedKey,
  forwardTask,
  optimizedResource,
  placeholder,
  PUT_EVENTS,
  putEventsParameters,
  recordFailure,
  restorePreviousAttributes,
  RESTORE_ENTRY,
  SET_ATTRIBUTES,
  SLOT,
  THROTTLING_ERRORS,
} from '../fragments';
import { WORKFLOW_ERROR } from '../registry';

/** What the access denied event says was attempted. */
const SWITCH_ACTION = 'tenant:switch';
/** Where GetMembership's projected role lands: a string attribute of the item it read. */
const MEMBERSHIP_ROLE = `$.membership.Item.${MEMBERSHIP_ROLE_ATTRIBUTE}.S`;

function checks(): Record<string, State> {
  return {
    CheckTarget: {
      Type: 'Pass',
      Comment:
        "Keeps only the fields the steps need. The token's groups are not consulted: they are as old as the token, and a member added a moment ago (an invited user activating its new tenant) would be refused by them. The membership item alone decides.",
      Parameters: {
        'userId.$': '$.userId',
        'username.$': '$.username',
        'targetTenantId.$': '$.targetTenantId',
        'previousTenantId.$': '$.previousTenantId',
        'previousRoleId.$': '$.previousRoleId',
      },
      Next: 'GetMembership',
    },
    GetMembership: forwardTask({
      comment:
        'The membership item is the truth: a member removed since the token was issued is refused, and a consistent read sees a membership granted a moment ago.',
      resource: optimizedResource('dynamodb', 'getItem'),
      parameters: {
        TableName: placeholder('TableName'),
        Key: formattedKey(membershipKey(SLOT, SLOT), { PK: '$.targetTenantId', SK: '$.userId' }),
        ProjectionExpression: MEMBERSHIP_ROLE_ATTRIBUTE,
        ConsistentRead: true,
      },
      resultPath: '$.membership',
      throttling: THROTTLING_ERRORS.dynamodb,
      onError: 'RecordGetMembershipFailure',
      next: 'ChooseByMembership',
    }),
    ChooseByMembership: {
      Type: 'Choice',
      Comment: 'A membership without a role is treated as none: there is no role to make active.',
      Choices: [{ Variable: MEMBERSHIP_ROLE, IsPresent: true, Next: 'SetActiveTenant' }],
      Default: 'PublishAccessDenied',
    },
  };
}

function activate(): Record<string, State> {
  return {
    SetActiveTenant: forwardTask({
      comment: 'Both attributes in one call: the whole switch costs one AdminUpdateUserAttributes (25 RPS per account, not adjustable).',
      resource: SET_ATTRIBUTES,
      parameters: {
        UserPoolId: placeholder('UserPoolId'),
        'Username.$': '$.username',
        UserAttributes: activeTenantAttributes({ 'Value.$': '$.targetTenantId' }, { 'Value.$': MEMBERSHIP_ROLE }),
      },
      throttling: THROTTLING_ERRORS.cognito,
      onError: 'RecordSetActiveTenantFailure',
      next: 'PublishSwitched',
    }),
    PublishSwitched: forwardTask({
      comment: 'A failed entry is retried like throttling: PutEvents reports transient per-entry failures that way.',
      resource: PUT_EVENTS,
      parameters: putEventsParameters(DETAIL_TYPE.tenantSwitched, {
        'tenantId.$': '$.targetTenantId',
        'previousTenantId.$': '$.previousTenantId',
        'userId.$': '$.userId',
        'roleId.$': MEMBERSHIP_ROLE,
        'executionId.$': '$$.Execution.Id',
      }),
      throttling: THROTTLING_ERRORS.eventBridge,
      onError: 'RecordPublishSwitchedFailure',
      next: 'ReturnActiveTenant',
    }),
    ReturnActiveTenant: { Type: 'Pass', Parameters: { 'tenantId.$': '$.targetTenantId', 'roleId.$': MEMBERSHIP_ROLE }, End: true },
  };
}

function denial(): Record<string, State> {
  return {
    PublishAccessDenied: failurePathTask({
      comment: "Recorded in the target tenant's audit trail: someone reached for it without a membership.",
      resource: PUT_EVENTS,
      parameters: putEventsParameters(DETAIL_TYPE.accessDenied, {
        'tenantId.$': '$.targetTenantId',
        'userId.$': '$.userId',
        action: SWITCH_ACTION,
        reason: 'not a member',
        'executionId.$': '$$.Execution.Id',
      }),
      next: 'RejectSwitch',
    }),
    RejectSwitch: { Type: 'Fail', Error: WORKFLOW_ERROR.notAMember, Cause: 'The caller is not a member of the target tenant' },
  };
}

function failureRecorders(): Record<string, State> {
  return {
    RecordGetMembershipFailure: recordFailure(
      'GetMembership',
      'PublishSwitchFailed',
      'A Catch cannot name the state it caught for: each forward step has one of these to tell the failure event. Nothing has changed yet, so there is nothing to restore.',
    ),
    RecordSetActiveTenantFailure: recordFailure(
      'SetActiveTenant',
      RESTORE_ENTRY,
      'A timed-out update may still have been applied, so the previous tenant is restored whatever the error.',
    ),
    RecordPublishSwitchedFailure: recordFailure('PublishSwitched', RESTORE_ENTRY),
  };
}

function failure(): Record<string, State> {
  return {
    PublishSwitchFailed: failurePathTask({
      comment:
        'Every failed switch ends here, whether or not the restore succeeded: the failure is always told. The error name only, never its cause text.',
      resource: PUT_EVENTS,
      parameters: putEventsParameters(DETAIL_TYPE.tenantSwitchFailed, {
        'targetTenantId.$': '$.targetTenantId',
        'previousTenantId.$': '$.previousTenantId',
        'userId.$': '$.userId',
        ...FAILURE_DETAIL,
        'executionId.$': '$$.Execution.Id',
      }),
      next: 'FailSwitch',
    }),
    FailSwitch: { Type: 'Fail', Error: WORKFLOW_ERROR.switchFailed, Cause: 'A step failed after the membership check; the previous tenant was restored' },
  };
}

export function switchingDefinition(): MachineDefinition {
  return {
    Comment:
      'Switching: makes a tenant the caller\'s active tenant when the token lists its group and a membership exists. Budget: one AdminUpdateUserAttributes, one DynamoDB read, no Lambda. A failure after the checks restores the previous tenant; the run ends in tenant.switched, access.denied or tenant.switch.failed. No token ever enters this machine: the API refreshes the caller\'s tokens after the run.',
    StartAt: 'CheckTarget',
    States: {
      ...checks(),
      ...activate(),
      ...denial(),
      ...failureRecorders(),
      ...restorePreviousAttributes({ taskName: 'RestorePreviousTenant', next: 'PublishSwitchFailed' }),
      ...failure(),
    },
  };
}
