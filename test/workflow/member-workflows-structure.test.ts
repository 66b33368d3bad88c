import { MEMBERSHIP_GUARD_CONDITION, MEMBERSHIP_GUARD_NAMES, permissionGuard, ROLE_GUARD_CONDITION, ROLE_GUARD_NAMES } from '../../domain/guard';
import { TENANT_ID_CLAIM } from '../../domain/identity';
import { membershipItem } from '../../domain/items';
import { KEY_PREFIX, SORT_KEY } from '../../domain/keys';
import { ADMIN_ROLE_ID } from '../../domain/permissions';
import { DETAIL_TYPE } from '../../events/catalog';
import { guardConditionChecks, SLOT, statesFormat } from '../../workflows/fragments';
import { WORKFLOW_ERROR, type AddMemberInput, type RemoveMemberInput } from '../../workflows/registry';
import {
  catchAll,
  entriesOf,
  load,
  paths,
  predecessors,
  reachesSuccess,
  state,
  tasksOf,
  type Machine,
  type State,
} from './asl-graph';

/**
 * AddMember and RemoveMember read as data: every forward step catches into the undo of what it
 * may have done, in reverse; a refusal comes before any write; the transactions hold the guard
 * of domain/guard.ts and the items of domain/items.ts, never two operations on one item. The
 * rules every machine shares are in workflows-structure.test.ts.
 */

type TransactItem = Record<'Put' | 'Update' | 'Delete' | 'ConditionCheck', Record<string, unknown> | undefined>;

const TRANSACTION_CANCELED = 'DynamoDb.TransactionCanceledException';
const TABLE = '${TableName}';

const transactItems = (machine: Machine, name: string): TransactItem[] => (state(machine, name).Parameters?.TransactItems ?? []) as TransactItem[];
const operationOf = (item: TransactItem): Record<string, unknown> => Object.values(item)[0] ?? {};
const keyOf = (item: TransactItem): unknown => {
  const operation = operationOf(item);
  if (operation.Key) return operation.Key;
  const put = operation.Item as Record<string, unknown> | undefined;
  return put ? { PK: put.PK, SK: put.SK } : { item: operation['Item.$'] };
};

/** A key as the definitions write it: each part a `States.Format` of the domain's template over the run's path. */
const formatted = (template: string, path: string) => ({ 'S.$': statesFormat(template, path) });
const tenantPK = formatted(`${KEY_PREFIX.tenant}${SLOT}`, '$.tenantId');
const memberKey = (userPath: string) => ({ PK: tenantPK, SK: formatted(SORT_KEY.member(SLOT), userPath) });
const roleItemKey = (rolePath: string) => ({ PK: tenantPK, SK: formatted(SORT_KEY.role(SLOT), rolePath) });
const tenantRecordItemKey = { PK: tenantPK, SK: { S: SORT_KEY.tenant } };
const limitsItemKey = { PK: formatted(`${KEY_PREFIX.user}${SLOT}`, '$.userId'), SK: { S: SORT_KEY.limits } };

/** The guard's two checks with the domain's own expressions and names, for the actor of the input. */
const guardChecks = () => ({
  membership: {
    ConditionCheck: {
      TableName: TABLE,
      Key: memberKey('$.actorUserId'),
      ConditionExpression: MEMBERSHIP_GUARD_CONDITION,
      ExpressionAttributeNames: MEMBERSHIP_GUARD_NAMES,
      ExpressionAttributeValues: { ':guardRoleId': { 'S.$': '$.actorRoleId' } },
    },
  },
  role: {
    ConditionCheck: {
      TableName: TABLE,
      Key: roleItemKey('$.actorRoleId'),
      ConditionExpression: ROLE_GUARD_CONDITION,
      ExpressionAttributeNames: ROLE_GUARD_NAMES,
      ExpressionAttributeValues: { ':guardBuiltIn': { BOOL: true }, ':guardAction': { S: 'member:manage' } },
    },
  },
});

/** Every path the failure of `step` takes: the undo tasks in order, and the Fail it ends in. */
function undoPaths(machine: Machine, step: string): { undo: string[]; end: string | undefined }[] {
  const target = catchAll(state(machine, step))?.Next ?? '';
  return paths(machine, target).map((path) => ({ undo: tasksOf(machine, path), end: state(machine, path.at(-1) ?? '').Error }));
}

const choiceRules = (s: State) => (s.Choices ?? []).map(({ Next, ...rule }) => ({ ...rule, Next }));

describe('the permission guard in a workflow', () => {
  it("is domain/guard.ts's, with the tenant and the actor filled from the run's input", () => {
    const [membership, role] = permissionGuard(SLOT, { userId: SLOT, roleId: SLOT }, 'member:manage');

    const checks = guardConditionChecks('member:manage', { tenantId: '$.tenantId', actorUserId: '$.actorUserId', actorRoleId: '$.actorRoleId' }, TABLE);

    expect(checks).toEqual(guardChecks());
    expect(guardChecks().membership.ConditionCheck.ConditionExpression).toBe(membership.condition);
    expect(guardChecks().role.ConditionCheck.ExpressionAttributeNames).toEqual(role.names);
  });
});

describe.each(['addMember', 'removeMember'] as const)('the %s state machine', (key) => {
  const machine = load(key);
  const transactions = Object.keys(machine.States).filter((name) => state(machine, name).Resource?.endsWith(':transactWriteItems'));

  it('never puts two operations on one item in a transaction, as DynamoDB refuses them', () => {
    expect(transactions.length).toBeGreaterThan(0);

    for (const name of transactions) {
      const keys = transactItems(machine, name).map((item) => JSON.stringify(keyOf(item)));
      expect({ name, keys: [...new Set(keys)].length }).toEqual({ name, keys: keys.length });
    }
  });

  it('refuses only before anything is written: from a Choice, or from a cancelled transaction', () => {
    const refusal = Object.keys(machine.States).find((name) => state(machine, name).Error === WORKFLOW_ERROR.memberChangeRefused) ?? '';

    for (const predecessor of predecessors(machine, refusal)) {
      const current = state(machine, predecessor);
      const refusedBy = (current.Catch ?? []).find((catcher) => catcher.Next === refusal);
      expect({ predecessor, how: current.Type === 'Choice' ? 'choice' : refusedBy?.ErrorEquals }).toEqual({
        predecessor,
        how: current.Type === 'Choice' ? 'choice' : [TRANSACTION_CANCELED],
      });
    }
    // Whatever way leads to a refusal passes no write: only reads come before the guarded transaction.
    const writesBefore = paths(machine, machine.StartAt)
      .filter((path) => path.at(-1) === refusal)
      .flatMap((path) => tasksOf(machine, path))
      .filter((name) => !state(machine, name).Resource?.endsWith(':getItem'));
    expect(writesBefore).toEqual([]);
  });

  it('catches a cancelled transaction as a refusal before any other error, which goes to the undo', () => {
    for (const name of transactions.filter((candidate) => reachesSuccess(machine, candidate))) {
      const [refused, ...rest] = state(machine, name).Catch ?? [];
      expect({ name, refused: refused?.ErrorEquals, next: state(machine, refused?.Next ?? '').Error }).toEqual({
        name,
        refused: [TRANSACTION_CANCELED],
        next: WORKFLOW_ERROR.memberChangeRefused,
      });
      expect(rest.map((catcher) => catcher.ErrorEquals)).toEqual([['States.ALL']]);
    }
  });

  it("deletes or recreates a membership only together with both of its counts", () => {
    for (const name of transactions) {
      const items = transactItems(machine, name);
      const membershipWrites = items.filter((item) => (item.Put || item.Delete) && JSON.stringify(keyOf(item)).includes('MEMBER#') && !JSON.stringify(keyOf(item)).includes('actorUserId'));
      const readBack = items.filter((item) => item.Put && operationOf(item)['Item.$'] === '$.membership.Item');
      if (membershipWrites.length + readBack.length === 0) continue;
      const updatedKeys = items.filter((item) => item.Update).map((item) => keyOf(item));
      expect({ name, updatedKeys }).toEqual({ name, updatedKeys: [tenantRecordItemKey, limitsItemKey] });
    }
  });
});

describe('AddMember', () => {
  const machine = load('addMember');
  const input: AddMemberInput = {
    tenantId: 't',
    tenantName: 'n',
    userId: 'u',
    username: 'u',
    email: 'u@example.com',
    roleId: 'pilot',
    actorUserId: 'a',
    actorRoleId: 'admin',
    invitation: null,
  };

  it('keeps only the input fields the steps need, and the start time', () => {
    const kept = Object.keys(state(machine, 'KeepMemberInput').Parameters ?? {}).map((field) => field.replace(/\.\$$/, ''));

    expect(kept.sort()).toEqual([...Object.keys(input), 'createdAt'].sort());
    expect(state(machine, 'KeepMemberInput').Parameters?.['createdAt.$']).toBe('$$.Execution.StartTime');
  });

  it.each([
    ['GetInvitation', [[]]],
    ['WriteMembership', [['DeleteMembership']]],
    ['WriteMembershipWithActorRole', [['DeleteMembership']]],
    ['ClaimInvitation', [['DeleteMembershipAndRestoreInvitation']]],
    ['AddUserToGroup', [['RemoveUserFromGroup', 'DeleteMembership'], ['RemoveUserFromGroup', 'DeleteMembershipAndRestoreInvitation']]],
    ['PublishMemberAdded', [['RemoveUserFromGroup', 'DeleteMembership'], ['RemoveUserFromGroup', 'DeleteMembershipAndRestoreInvitation']]],
    ['PublishInvitationClaimed', [['RemoveUserFromGroup', 'DeleteMembership'], ['RemoveUserFromGroup', 'DeleteMembershipAndRestoreInvitation']]],
  ])('undoes, when %s fails, everything it may have done, in reverse order, and fails the run', (step, undo) => {
    const failures = undoPaths(machine, step);

    expect(failures.map((failure) => failure.undo)).toEqual(undo);
    expect(failures.map((failure) => failure.end)).toEqual(undo.map(() => WORKFLOW_ERROR.addMemberFailed));
  });

  it('tells apart, before any transaction, the adds whose items would be the actor\'s', () => {
    expect(choiceRules(state(machine, 'ChooseAuthorization'))).toEqual([{ Variable: '$.invitation', IsNull: true, Next: 'ChooseDirectAdd' }]);
    expect(state(machine, 'ChooseAuthorization').Default).toBe('GetInvitation');
    expect(choiceRules(state(machine, 'ChooseDirectAdd'))).toEqual([
      { Variable: '$.actorRoleId', IsNull: true, Next: 'RefuseMemberChange' },
      { Variable: '$.userId', StringEqualsPath: '$.actorUserId', Next: 'RefuseMemberChange' },
      { Variable: '$.roleId', StringEqualsPath: '$.actorRoleId', Next: 'WriteMembershipWithActorRole' },
      // Reached only by a non-admin actor (an admin granting admin matched the rule above): only an admin grants admin.
      { Variable: '$.roleId', StringEquals: ADMIN_ROLE_ID, Next: 'RefuseMemberChange' },
    ]);
    expect(state(machine, 'ChooseDirectAdd').Default).toBe('WriteMembership');
  });

  it("writes the membership with exactly domain/items.ts's attributes, only when there is none", () => {
    const [put] = transactItems(machine, 'WriteMembership').filter((item) => item.Put);
    const written = operationOf(put ?? ({} as TransactItem));

    expect(Object.keys(written.Item as object).sort()).toEqual(
      Object.keys(membershipItem({ tenantId: 't', tenantName: 'n', userId: 'u', email: 'e@example.com', roleId: 'r', createdAt: 'c' })).sort(),
    );
    expect(written.ConditionExpression).toBe('attribute_not_exists(PK)');
    expect((written.Item as Record<string, unknown>).createdAt).toEqual({ 'S.$': '$.createdAt' });
  });

  it("guards a direct add with the actor's permission, checks the role exists, and counts the role's holders and the member's memberships under the limit", () => {
    const guard = guardChecks();
    const [membershipPut, holders, memberships] = transactItems(machine, 'WriteMembership').slice(2);

    expect(transactItems(machine, 'WriteMembership')).toEqual([
      guard.membership,
      guard.role,
      membershipPut,
      holders,
      memberships,
      { ConditionCheck: { TableName: TABLE, Key: roleItemKey('$.roleId'), ConditionExpression: 'attribute_exists(PK)' } },
    ]);
    expect(holders?.Update).toEqual({
      TableName: TABLE,
      Key: tenantRecordItemKey,
      UpdateExpression: 'SET #roleHolders.#role = if_not_exists(#roleHolders.#role, :zero) + :one',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeNames: { '#roleHolders': 'roleHolders', '#role.$': '$.roleId' },
      ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' } },
    });
    expect(memberships?.Update).toEqual({
      TableName: TABLE,
      Key: limitsItemKey,
      UpdateExpression: 'SET #memberships = if_not_exists(#memberships, :zero) + :one',
      ConditionExpression: 'attribute_not_exists(#memberships) OR #memberships < :maxMemberships',
      ExpressionAttributeNames: { '#memberships': 'memberships' },
      ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':maxMemberships': { N: '${MaxMembershipsPerUser}' } },
    });
  });

  it("lets the guard's role check stand for the existence check when the role is the actor's own", () => {
    const guard = guardChecks();

    expect(transactItems(machine, 'WriteMembershipWithActorRole')).toEqual([guard.membership, guard.role, ...transactItems(machine, 'WriteMembership').slice(2, 5)]);
  });

  it('claims an invitation by taking it, only while it is there, for the address and the role, and unexpired; without the guard', () => {
    const items = transactItems(machine, 'ClaimInvitation');
    const invitationKey = { PK: tenantPK, SK: { 'S.$': '$.invitation.sortKey' } };

    expect(items[0]).toEqual({
      Delete: {
        TableName: TABLE,
        Key: invitationKey,
        ConditionExpression: 'attribute_exists(PK) AND email = :invitationEmail AND roleId = :roleId AND createdAt = :invitedAt AND expiresAt > :now',
        ExpressionAttributeValues: {
          ':invitationEmail': { 'S.$': '$.invitation.email' },
          ':roleId': { 'S.$': '$.roleId' },
          ':invitedAt': { 'S.$': '$.invitation.createdAt' },
          ':now': { 'S.$': '$.createdAt' },
        },
      },
    });
    expect(items.slice(1)).toEqual(transactItems(machine, 'WriteMembership').slice(2));
    expect(state(machine, 'GetInvitation').Parameters).toEqual({ TableName: TABLE, Key: invitationKey, ConsistentRead: true });
  });

  it("undoes only this run's membership, with both counts and, for a claim, the invitation as it was read", () => {
    const [membershipDelete, holders, memberships] = transactItems(machine, 'DeleteMembership');

    expect(membershipDelete?.Delete).toEqual({
      TableName: TABLE,
      Key: memberKey('$.userId'),
      ConditionExpression: 'roleId = :roleId AND createdAt = :createdAt',
      ExpressionAttributeValues: { ':roleId': { 'S.$': '$.roleId' }, ':createdAt': { 'S.$': '$.createdAt' } },
    });
    expect(holders?.Update?.UpdateExpression).toBe('SET #roleHolders.#role = if_not_exists(#roleHolders.#role, :one) - :one');
    expect(memberships?.Update).toMatchObject({ Key: limitsItemKey, UpdateExpression: 'SET #memberships = if_not_exists(#memberships, :one) - :one' });
    expect(memberships?.Update?.ConditionExpression).toBeUndefined();
    expect(transactItems(machine, 'DeleteMembershipAndRestoreInvitation')).toEqual([
      ...transactItems(machine, 'DeleteMembership'),
      { Put: { TableName: TABLE, 'Item.$': '$.invitationRead.Item', ConditionExpression: 'attribute_not_exists(PK)' } },
    ]);
  });

  it('takes a missing user or group from the group as nothing to undo', () => {
    expect(state(machine, 'RemoveUserFromGroup').Retry?.slice(0, 2)).toEqual([
      { ErrorEquals: ['CognitoIdentityProvider.ResourceNotFoundException'], MaxAttempts: 0 },
      { ErrorEquals: ['CognitoIdentityProvider.UserNotFoundException'], MaxAttempts: 0 },
    ]);
  });

  it('passes member.added on every path to success, with invitation.claimed for a claim', () => {
    const publishers = ['PublishMemberAdded', 'PublishInvitationClaimed'];

    expect(reachesSuccess(machine, machine.StartAt, new Set(publishers))).toBe(false);
    expect(entriesOf(state(machine, 'PublishMemberAdded')).map((entry) => [entry.DetailType, entry.Detail.via])).toEqual([[DETAIL_TYPE.memberAdded, 'direct']]);
    expect(entriesOf(state(machine, 'PublishInvitationClaimed')).map((entry) => [entry.DetailType, entry.Detail.via])).toEqual([
      [DETAIL_TYPE.memberAdded, 'invitation'],
      [DETAIL_TYPE.invitationClaimed, undefined],
    ]);
  });
});

describe('RemoveMember', () => {
  const machine = load('removeMember');
  const input: RemoveMemberInput = { tenantId: 't', userId: 'u', username: 'u', roleId: 'pilot', actorUserId: 'a', actorRoleId: 'admin' };

  it('keeps only the input fields the steps need, the start time, and the attribute that names this tenant active', () => {
    const parameters = state(machine, 'KeepMemberInput').Parameters ?? {};

    expect(Object.keys(parameters).map((field) => field.replace(/\.\$$/, '')).sort()).toEqual([...Object.keys(input), 'activeTenant', 'activeTenantAttribute', 'createdAt'].sort());
    expect(parameters.activeTenantAttribute).toEqual({ Name: TENANT_ID_CLAIM, 'Value.$': '$.tenantId' });
  });

  // One undo serves every step after the read: each of its steps is idempotent and covers a step that
  // never took effect. Its paths: a run that found this tenant active (the restore), and one that
  // did not (or failed before looking).
  const wholeUndo = [['AddUserToGroup', 'RecreateMembership', 'RestoreActiveTenant'], ['AddUserToGroup', 'RecreateMembership']];
  it.each([
    ['GetMembership', [[]]],
    ...['DeleteMembership', 'RemoveUserFromGroup', 'GetActiveTenant', 'ClearActiveTenant', 'PublishMemberRemoved'].map((step): [string, string[][]] => [step, wholeUndo]),
  ])('puts back, when %s fails, everything it may have done, and fails the run', (step, undo) => {
    const failures = undoPaths(machine, step);

    expect(failures.map((failure) => failure.undo)).toEqual(undo);
    expect(failures.map((failure) => failure.end)).toEqual(undo.map(() => WORKFLOW_ERROR.removeMemberFailed));
  });

  it('refuses removing oneself before any step, as the actor\'s membership would be both checked and deleted', () => {
    expect(choiceRules(state(machine, 'ChooseRemoval'))).toEqual([
      { Variable: '$.userId', StringEqualsPath: '$.actorUserId', Next: 'RefuseMemberChange' },
      { Variable: '$.roleId', StringEquals: ADMIN_ROLE_ID, Next: 'ChooseAdminRemoval' },
    ]);
  });

  it('lets only an admin remove an admin', () => {
    expect(choiceRules(state(machine, 'ChooseAdminRemoval'))).toEqual([{ Variable: '$.actorRoleId', StringEquals: ADMIN_ROLE_ID, Next: 'GetMembership' }]);
    expect(state(machine, 'ChooseAdminRemoval').Default).toBe('RefuseMemberChange');
  });

  it("deletes the membership as it was read, under the actor's permission, never the last admin, with both counts", () => {
    const guard = guardChecks();
    const items = transactItems(machine, 'DeleteMembership');

    expect(items.slice(0, 2)).toEqual([guard.membership, guard.role]);
    expect(items[2]?.Delete).toEqual({
      TableName: TABLE,
      Key: memberKey('$.userId'),
      ConditionExpression: 'attribute_exists(PK) AND roleId = :roleId AND createdAt = :memberSince',
      ExpressionAttributeValues: { ':roleId': { 'S.$': '$.roleId' }, ':memberSince': { 'S.$': '$.membership.Item.createdAt.S' } },
    });
    expect(items[3]?.Update).toEqual({
      TableName: TABLE,
      Key: tenantRecordItemKey,
      UpdateExpression: 'SET #roleHolders.#role = if_not_exists(#roleHolders.#role, :one) - :one',
      ConditionExpression: 'attribute_exists(PK) AND (:roleId <> :admin OR #roleHolders.#admin > :one)',
      ExpressionAttributeNames: { '#roleHolders': 'roleHolders', '#role.$': '$.roleId', '#admin': ADMIN_ROLE_ID },
      ExpressionAttributeValues: { ':one': { N: '1' }, ':roleId': { 'S.$': '$.roleId' }, ':admin': { S: ADMIN_ROLE_ID } },
    });
    expect(items[4]?.Update).toMatchObject({ Key: limitsItemKey, UpdateExpression: 'SET #memberships = if_not_exists(#memberships, :one) - :one' });
  });

  it('recreates the membership exactly as read, only if it is gone, with both counts back', () => {
    const items = transactItems(machine, 'RecreateMembership');

    expect(items[0]).toEqual({ Put: { TableName: TABLE, 'Item.$': '$.membership.Item', ConditionExpression: 'attribute_not_exists(PK)' } });
    expect(items.slice(1).map((item) => item.Update?.UpdateExpression)).toEqual([
      'SET #roleHolders.#role = if_not_exists(#roleHolders.#role, :zero) + :one',
      'SET #memberships = if_not_exists(#memberships, :zero) + :one',
    ]);
    expect(items[2]?.Update?.ConditionExpression).toBeUndefined();
  });

  it("clears the member's active tenant only when its attributes name this tenant, and keeps no other attribute", () => {
    expect(state(machine, 'GetActiveTenant').ResultSelector).toEqual({ 'attributes.$': '$.UserAttributes' });
    expect(state(machine, 'CheckActiveTenant')).toMatchObject({
      Parameters: { 'isActive.$': 'States.ArrayContains($.activeTenant.attributes, $.activeTenantAttribute)' },
      ResultPath: '$.activeTenant',
    });
    expect(choiceRules(state(machine, 'ChooseActiveTenant'))).toEqual([{ Variable: '$.activeTenant.isActive', BooleanEquals: true, Next: 'ClearActiveTenant' }]);
    // Restored only by a run that found this tenant active, so cleared (or tried to clear) it.
    expect(state(machine, 'KeepMemberInput').Parameters?.activeTenant).toEqual({ isActive: false });
    expect(choiceRules(state(machine, 'ChooseActiveTenantRestore'))).toEqual([{ Variable: '$.activeTenant.isActive', BooleanEquals: true, Next: 'RestoreActiveTenant' }]);
    expect(state(machine, 'ChooseActiveTenantRestore').Default).toBe('ActiveTenantRestored');
  });

  it('passes member.removed on every path to success', () => {
    expect(reachesSuccess(machine, machine.StartAt, new Set(['PublishMemberRemoved']))).toBe(false);
    expect(entriesOf(state(machine, 'PublishMemberRemoved')).map((entry) => entry.DetailType)).toEqual([DETAIL_TYPE.memberRemoved]);
  });
});
