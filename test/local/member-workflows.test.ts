import { PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { invitationItem, membershipItem } from '../../domain/items';
import { invitationKey, membershipKey, tenantRecordKey, userLimitsKey } from '../../domain/keys';
import { TENANT_LIMITS, USER_LIMITS_ATTRIBUTE } from '../../domain/limits';
import { ADMIN_ROLE_ID, type Action } from '../../domain/permissions';
import { DETAIL_TYPE, EVENT_CATALOG, type DetailType, type EventDetail } from '../../events/catalog';
import {
  WORKFLOW_ERROR,
  type AddMemberInput,
  type AddMemberOutput,
  type RemoveMemberInput,
  type RemoveMemberOutput,
} from '../../workflows/registry';
import { toAttributeMap } from '../../handlers/shared/write-once';
import { clients, outputs } from './support';
import { activeAttributes, getItem, groupsOf, newTenant, newUser, putItem, putRole, setActiveAttributes, type Tenant, type User } from './tenant-fixtures';
import { enteredStates, injectFault, run, type Run } from './workflow-runs';

/**
 * AddMember and RemoveMember on the running local cloud, as the API runs them: StartSyncExecution
 * through the real SFN client, every step a real call to DynamoDB Local, the user pool and the bus,
 * on tenants created through `POST /tenants`. After every run the invariant is read back
 * from the services: the user is in the tenant's group exactly when the membership item exists,
 * and the counts (the role's holders, the user's memberships) say what the items say.
 */

const { dynamodb } = clients();

/** What the invariant is about, read back from the table and the user pool. */
interface MemberState {
  readonly membership: Record<string, AttributeValue> | undefined;
  readonly inGroup: boolean;
  readonly roleHolders: number;
  readonly memberships: number;
}

/** The entries a Publish state put on the bus (it succeeded), each parsed with the catalog's schema. */
function publishedDetails(events: HistoryEvent[], stateName: string): { detailType: string; detail: unknown }[] {
  const entered = events.findIndex((event) => event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name === stateName);
  if (entered < 0) throw new Error(`${stateName} was never entered; states entered: ${enteredStates(events).join(', ')}`);
  const visit = events.slice(entered);
  const scheduled = visit.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails?.parameters ?? '{}';
  expect(visit.find((event) => event.type === 'TaskSucceeded' || event.type === 'TaskFailed')?.type).toBe('TaskSucceeded');
  const { Entries } = JSON.parse(scheduled) as { Entries: { Source: string; DetailType: DetailType; Detail: unknown }[] };
  return Entries.map((entry) => {
    expect(entry.Source).toBe(EVENT_CATALOG[entry.DetailType].source);
    return { detailType: entry.DetailType, detail: EVENT_CATALOG[entry.DetailType].schema.parse(entry.Detail) };
  });
}

/**
 * Which items of a cancelled transaction failed their condition, by position: DynamoDB lists one
 * reason per item in the cancellation message (`[None, ConditionalCheckFailed, …]`), which the
 * integration passes on as the error's cause.
 */
function failedConditions(events: HistoryEvent[], stateName: string): number[] {
  const entered = events.findIndex((event) => event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name === stateName);
  const cause = events.slice(entered).find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails?.cause ?? '';
  const reasons = /\[([A-Za-z, ]+)\]/.exec(cause)?.[1]?.split(', ') ?? [];
  return reasons.flatMap((reason, index) => (reason === 'ConditionalCheckFailed' ? [index] : []));
}

const detailOf = <T extends DetailType>(entries: { detailType: string; detail: unknown }[], detailType: T): EventDetail<T> | undefined =>
  entries.find((entry) => entry.detailType === detailType)?.detail as EventDetail<T> | undefined;

async function roleHolders(tenantId: string, roleId: string): Promise<number> {
  return Number((await getItem(tenantRecordKey(tenantId)))?.roleHolders?.M?.[roleId]?.N ?? '0');
}

async function membershipCount(user: User): Promise<number> {
  return Number((await getItem(userLimitsKey(user.userId)))?.[USER_LIMITS_ATTRIBUTE.memberships]?.N ?? '0');
}

async function memberState(tenantId: string, user: User, roleId: string): Promise<MemberState> {
  return {
    membership: await getItem(membershipKey(tenantId, user.userId)),
    inGroup: (await groupsOf(user.username)).includes(tenantId),
    roleHolders: await roleHolders(tenantId, roleId),
    memberships: await membershipCount(user),
  };
}

/** The invariant, whatever step failed: in the group exactly when the membership exists. */
function expectGroupMatchesMembership(state: MemberState): void {
  expect({ inGroup: state.inGroup, member: state.membership !== undefined }).toEqual({ inGroup: state.membership !== undefined, member: state.membership !== undefined });
}

const directInput = (tenant: Tenant, member: User, roleId: string, actor: { userId: string; roleId: string } = { userId: tenant.admin.userId, roleId: ADMIN_ROLE_ID }): AddMemberInput => ({
  tenantId: tenant.tenantId,
  tenantName: tenant.name,
  userId: member.userId,
  username: member.username,
  email: member.email,
  roleId,
  actorUserId: actor.userId,
  actorRoleId: actor.roleId,
  invitation: null,
});

const DAY_MS = 24 * 60 * 60 * 1000;

/** A pending invitation for the member's address, written with the domain's builder as the invitations API writes it. */
async function invite(tenant: Tenant, member: User, roleId: string, expiresInMs = 7 * DAY_MS): Promise<NonNullable<AddMemberInput['invitation']> & { sortKey: string }> {
  const createdAt = new Date(Date.now() - 1000).toISOString();
  const invitation = invitationItem({
    tenantId: tenant.tenantId,
    tenantName: tenant.name,
    email: member.email,
    roleId,
    invitedBy: tenant.admin.userId,
    createdAt,
    expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
  });
  await putItem(invitation);
  return { email: invitation.email, invitedBy: invitation.invitedBy, createdAt, expiresAt: invitation.expiresAt, sortKey: invitation.SK };
}

const claimInput = (tenant: Tenant, member: User, roleId: string, invitation: AddMemberInput['invitation']): AddMemberInput => ({
  ...directInput(tenant, member, roleId),
  actorUserId: member.userId,
  actorRoleId: null,
  invitation,
});

const removeInput = (tenant: Tenant, member: User, roleId: string, actor: { userId: string; roleId: string } = { userId: tenant.admin.userId, roleId: ADMIN_ROLE_ID }): RemoveMemberInput => ({
  tenantId: tenant.tenantId,
  userId: member.userId,
  username: member.username,
  roleId,
  actorUserId: actor.userId,
  actorRoleId: actor.roleId,
});

/** A member added by the tenant's admin, through the machine under test. */
async function addMember(tenant: Tenant, member: User, roleId: string): Promise<void> {
  const result = await run('addMember', directInput(tenant, member, roleId));
  if (result.status !== 'SUCCEEDED') throw new Error(`AddMember ended ${result.status} ${result.error}`);
}

const PILOT: readonly Action[] = ['aircraft:read', 'reservation:create'];
const MANAGER: readonly Action[] = ['member:read', 'member:manage'];

describe('the AddMember workflow on the local cloud', () => {
  it('adds a member directly: the membership, the group, both counts and member.added', async () => {
    const tenant = await newTenant('add');
    await putRole(tenant.tenantId, 'pilot', PILOT);
    const member = await newUser('add-member');

    const result = await run('addMember', directInput(tenant, member, 'pilot'));

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ tenantId: tenant.tenantId, userId: member.userId, roleId: 'pilot' } satisfies AddMemberOutput);
    const state = await memberState(tenant.tenantId, member, 'pilot');
    const createdAt = state.membership?.createdAt?.S ?? '';
    expect(state.membership).toEqual(
      toAttributeMap(membershipItem({ tenantId: tenant.tenantId, tenantName: tenant.name, userId: member.userId, email: member.email, roleId: 'pilot', createdAt })),
    );
    expect(Date.parse(createdAt)).not.toBeNaN();
    expect({ inGroup: state.inGroup, roleHolders: state.roleHolders, memberships: state.memberships }).toEqual({ inGroup: true, roleHolders: 1, memberships: 1 });
    expect(await roleHolders(tenant.tenantId, ADMIN_ROLE_ID)).toBe(1);
    const published = publishedDetails(result.events, 'PublishMemberAdded');
    expect(published.map((entry) => entry.detailType)).toEqual([DETAIL_TYPE.memberAdded]);
    expect(detailOf(published, DETAIL_TYPE.memberAdded)).toEqual({
      tenantId: tenant.tenantId,
      userId: member.userId,
      email: member.email,
      roleId: 'pilot',
      actorUserId: tenant.admin.userId,
      via: 'direct',
      executionId: expect.stringContaining(':express:AddMember:'),
    });
  });

  it("adds a member with the actor's own role, checking that role once", async () => {
    const tenant = await newTenant('add-admin');
    const member = await newUser('add-second-admin');

    const result = await run('addMember', directInput(tenant, member, ADMIN_ROLE_ID));

    expect(result.status).toBe('SUCCEEDED');
    expect(enteredStates(result.events)).toContain('WriteMembershipWithActorRole');
    expect(await roleHolders(tenant.tenantId, ADMIN_ROLE_ID)).toBe(2);
    expectGroupMatchesMembership(await memberState(tenant.tenantId, member, ADMIN_ROLE_ID));
  });

  it('lets a member allowed to manage members add one, with a role other than its own', async () => {
    const tenant = await newTenant('add-manager');
    await putRole(tenant.tenantId, 'manager', MANAGER);
    await putRole(tenant.tenantId, 'pilot', PILOT);
    const manager = await newUser('manager');
    await addMember(tenant, manager, 'manager');
    const member = await newUser('managed');

    const result = await run('addMember', directInput(tenant, member, 'pilot', { userId: manager.userId, roleId: 'manager' }));

    expect(result.status).toBe('SUCCEEDED');
    expect((await memberState(tenant.tenantId, member, 'pilot')).inGroup).toBe(true);
  });

  it('adds the member claiming an invitation: the invitation is taken, and member.added and invitation.claimed are published', async () => {
    const tenant = await newTenant('claim');
    await putRole(tenant.tenantId, 'pilot', PILOT);
    const member = await newUser('claimer');
    const invitation = await invite(tenant, member, 'pilot');

    const result = await run('addMember', claimInput(tenant, member, 'pilot', invitation));

    expect(result.status).toBe('SUCCEEDED');
    expect(await getItem(invitationKey(tenant.tenantId, member.email))).toBeUndefined();
    const state = await memberState(tenant.tenantId, member, 'pilot');
    expect({ inGroup: state.inGroup, roleId: state.membership?.roleId, roleHolders: state.roleHolders, memberships: state.memberships }).toEqual({
      inGroup: true,
      roleId: { S: 'pilot' },
      roleHolders: 1,
      memberships: 1,
    });
    const published = publishedDetails(result.events, 'PublishInvitationClaimed');
    expect(detailOf(published, DETAIL_TYPE.memberAdded)).toMatchObject({ userId: member.userId, actorUserId: member.userId, via: 'invitation' });
    expect(detailOf(published, DETAIL_TYPE.invitationClaimed)).toEqual({
      tenantId: tenant.tenantId,
      email: invitation.email,
      roleId: 'pilot',
      userId: member.userId,
      executionId: expect.any(String),
    });
  });

  describe('refuses, having written nothing,', () => {
    /** Runs the refused input and checks the member's items, group and counts are as before. */
    /** The positions of WriteMembership's items, and of ClaimInvitation's. */
    const WRITE = { actorMembership: 0, actorRole: 1, membership: 2, memberships: 4, roleExists: 5 } as const;
    const CLAIM = { invitation: 0 } as const;

    async function expectRefused(
      tenant: Tenant,
      member: User,
      roleId: string,
      input: AddMemberInput,
      refusedBy?: { readonly state: string; readonly item: number },
    ): Promise<Run> {
      const before = await memberState(tenant.tenantId, member, roleId);

      const result = await run('addMember', input);

      expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: WORKFLOW_ERROR.memberChangeRefused });
      if (refusedBy) expect(failedConditions(result.events, refusedBy.state)).toEqual([refusedBy.item]);
      expect(await memberState(tenant.tenantId, member, roleId)).toEqual(before);
      expectGroupMatchesMembership(before);
      return result;
    }

    it('a user who is a member already', async () => {
      const tenant = await newTenant('add-twice');
      await putRole(tenant.tenantId, 'pilot', PILOT);
      const member = await newUser('twice');
      await addMember(tenant, member, 'pilot');

      await expectRefused(tenant, member, 'pilot', directInput(tenant, member, 'pilot'), { state: 'WriteMembership', item: WRITE.membership });
    });

    it('an actor whose role does not grant member:manage', async () => {
      const tenant = await newTenant('add-unallowed');
      await putRole(tenant.tenantId, 'pilot', PILOT);
      const pilot = await newUser('pilot-actor');
      await addMember(tenant, pilot, 'pilot');
      const member = await newUser('not-added');

      await expectRefused(tenant, member, 'pilot', directInput(tenant, member, 'pilot', { userId: pilot.userId, roleId: 'pilot' }), {
        state: 'WriteMembershipWithActorRole',
        item: WRITE.actorRole,
      });
    });

    it('an actor whose membership no longer holds the role it claims', async () => {
      const tenant = await newTenant('add-stale-actor');
      await putRole(tenant.tenantId, 'pilot', PILOT);
      await putRole(tenant.tenantId, 'manager', MANAGER);
      const pilot = await newUser('stale-actor');
      await addMember(tenant, pilot, 'pilot');
      const member = await newUser('not-added-stale');

      await expectRefused(tenant, member, 'pilot', directInput(tenant, member, 'pilot', { userId: pilot.userId, roleId: 'manager' }), {
        state: 'WriteMembership',
        item: WRITE.actorMembership,
      });
    });

    it('a role that does not exist', async () => {
      const tenant = await newTenant('add-norole');
      const member = await newUser('no-role');

      await expectRefused(tenant, member, 'ghost', directInput(tenant, member, 'ghost'), { state: 'WriteMembership', item: WRITE.roleExists });
    });

    it('a member allowed to manage members granting the admin role: only an admin grants admin', async () => {
      const tenant = await newTenant('add-admin-by-manager');
      await putRole(tenant.tenantId, 'manager', MANAGER);
      const manager = await newUser('escalating-manager');
      await addMember(tenant, manager, 'manager');
      const accomplice = await newUser('accomplice');

      const result = await expectRefused(tenant, accomplice, ADMIN_ROLE_ID, directInput(tenant, accomplice, ADMIN_ROLE_ID, { userId: manager.userId, roleId: 'manager' }));

      expect(enteredStates(result.events)).not.toContain('WriteMembership');
      expect(await roleHolders(tenant.tenantId, ADMIN_ROLE_ID)).toBe(1);
    });

    it('a user at the limit of memberships', async () => {
      const tenant = await newTenant('add-limit');
      await putRole(tenant.tenantId, 'pilot', PILOT);
      const member = await newUser('at-limit');
      await putItem({ ...userLimitsKey(member.userId), [USER_LIMITS_ATTRIBUTE.memberships]: TENANT_LIMITS.maxMembershipsPerUser });

      await expectRefused(tenant, member, 'pilot', directInput(tenant, member, 'pilot'), { state: 'WriteMembership', item: WRITE.memberships });
    });

    it('an actor adding itself', async () => {
      const tenant = await newTenant('add-self');

      const result = await expectRefused(tenant, tenant.admin, ADMIN_ROLE_ID, directInput(tenant, tenant.admin, ADMIN_ROLE_ID));

      expect(enteredStates(result.events).filter((name) => name.startsWith('Write'))).toEqual([]);
    });

    it.each([
      ['an expired invitation', -1000, 'pilot'],
      ['an invitation for another role', 7 * DAY_MS, 'instructor'],
    ])('%s', async (_, expiresInMs, claimedRole) => {
      const tenant = await newTenant('claim-refused');
      await putRole(tenant.tenantId, 'pilot', PILOT);
      await putRole(tenant.tenantId, 'instructor', PILOT);
      const member = await newUser('claim-refused');
      const invitation = await invite(tenant, member, 'pilot', expiresInMs);

      await expectRefused(tenant, member, claimedRole, claimInput(tenant, member, claimedRole, invitation), { state: 'ClaimInvitation', item: CLAIM.invitation });

      expect(await getItem(invitationKey(tenant.tenantId, member.email))).toBeDefined();
    });

    it('an invitation that does not exist', async () => {
      const tenant = await newTenant('claim-absent');
      await putRole(tenant.tenantId, 'pilot', PILOT);
      const member = await newUser('claim-absent');
      const absent = { email: member.email, invitedBy: tenant.admin.userId, createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + DAY_MS).toISOString() };

      const result = await expectRefused(tenant, member, 'pilot', claimInput(tenant, member, 'pilot', { ...absent, sortKey: invitationKey(tenant.tenantId, member.email).SK } as AddMemberInput['invitation']));

      expect(enteredStates(result.events)).not.toContain('ClaimInvitation');
    });
  });

  describe('undoes everything when a step fails', () => {
    it.each([
      ['WriteMembership', 'DynamoDb.InternalServerErrorException', 'pilot'],
      ['WriteMembershipWithActorRole', 'States.Timeout', ADMIN_ROLE_ID],
      ['AddUserToGroup', 'CognitoIdentityProvider.InternalErrorException', 'pilot'],
      ['PublishMemberAdded', 'EventBridge.InternalException', 'pilot'],
    ])('a direct add, when %s fails with %s', async (stateName, error, roleId) => {
      const tenant = await newTenant('add-fault');
      await putRole(tenant.tenantId, 'pilot', PILOT);
      const member = await newUser('add-fault');
      const before = await memberState(tenant.tenantId, member, roleId);
      await injectFault('addMember', stateName, error, member.userId);

      const result = await run('addMember', directInput(tenant, member, roleId));

      expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: WORKFLOW_ERROR.addMemberFailed });
      expect(enteredStates(result.events)).toContain(stateName);
      const after = await memberState(tenant.tenantId, member, roleId);
      expect(after).toEqual(before);
      expectGroupMatchesMembership(after);
    });

    it.each([
      ['GetInvitation', 'DynamoDB.InternalServerError'],
      ['ClaimInvitation', 'States.Timeout'],
      ['AddUserToGroup', 'States.TaskFailed'],
      ['PublishInvitationClaimed', 'EventBridge.InternalException'],
    ])('a claim, when %s fails with %s, and the invitation is pending again', async (stateName, error) => {
      const tenant = await newTenant('claim-fault');
      await putRole(tenant.tenantId, 'pilot', PILOT);
      const member = await newUser('claim-fault');
      const invitation = await invite(tenant, member, 'pilot');
      const pending = await getItem(invitationKey(tenant.tenantId, member.email));
      const before = await memberState(tenant.tenantId, member, 'pilot');
      await injectFault('addMember', stateName, error, member.userId);

      const result = await run('addMember', claimInput(tenant, member, 'pilot', invitation));

      expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: WORKFLOW_ERROR.addMemberFailed });
      const after = await memberState(tenant.tenantId, member, 'pilot');
      expect(after).toEqual(before);
      expectGroupMatchesMembership(after);
      expect(await getItem(invitationKey(tenant.tenantId, member.email))).toEqual(pending);
    });

    it('leaves a member who was one before the run alone when the transaction fails without saying whether it committed', async () => {
      const tenant = await newTenant('add-existing-fault');
      await putRole(tenant.tenantId, 'pilot', PILOT);
      const member = await newUser('existing');
      await addMember(tenant, member, 'pilot');
      const before = await memberState(tenant.tenantId, member, 'pilot');
      await injectFault('addMember', 'WriteMembership', 'States.Timeout', member.userId);

      const result = await run('addMember', directInput(tenant, member, 'pilot'));

      expect(result.error).toBe(WORKFLOW_ERROR.addMemberFailed);
      expect(enteredStates(result.events)).not.toContain('RemoveUserFromGroup');
      expect(await memberState(tenant.tenantId, member, 'pilot')).toEqual(before);
      expect(before.inGroup).toBe(true);
    });

    it('retries throttling of the transaction and completes', async () => {
      const tenant = await newTenant('add-throttled');
      await putRole(tenant.tenantId, 'pilot', PILOT);
      const member = await newUser('add-throttled');
      await injectFault('addMember', 'WriteMembership', 'DynamoDb.ProvisionedThroughputExceededException', member.userId);

      const result = await run('addMember', directInput(tenant, member, 'pilot'));

      expect(result.status).toBe('SUCCEEDED');
      expect((await memberState(tenant.tenantId, member, 'pilot')).inGroup).toBe(true);
    });
  });
});

describe('the RemoveMember workflow on the local cloud', () => {
  /** A tenant with a pilot member, added through AddMember, whose active tenant it is. */
  async function tenantWithPilot(label: string): Promise<{ tenant: Tenant; member: User }> {
    const tenant = await newTenant(label);
    await putRole(tenant.tenantId, 'pilot', PILOT);
    const member = await newUser(`${label}-pilot`);
    await addMember(tenant, member, 'pilot');
    await setActiveAttributes(member.username, tenant.tenantId, 'pilot');
    return { tenant, member };
  }

  it("removes a member: the membership, the group, both counts, the member's active tenant, and member.removed", async () => {
    const { tenant, member } = await tenantWithPilot('remove');
    const before = await memberState(tenant.tenantId, member, 'pilot');

    const result = await run('removeMember', removeInput(tenant, member, 'pilot'));

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ tenantId: tenant.tenantId, userId: member.userId } satisfies RemoveMemberOutput);
    expect(await memberState(tenant.tenantId, member, 'pilot')).toEqual({
      membership: undefined,
      inGroup: false,
      roleHolders: before.roleHolders - 1,
      memberships: before.memberships - 1,
    });
    expect(await activeAttributes(member.username)).toEqual({ tenantId: '', roleId: '' });
    expect(detailOf(publishedDetails(result.events, 'PublishMemberRemoved'), DETAIL_TYPE.memberRemoved)).toEqual({
      tenantId: tenant.tenantId,
      userId: member.userId,
      roleId: 'pilot',
      actorUserId: tenant.admin.userId,
      executionId: expect.stringContaining(':express:RemoveMember:'),
    });
  });

  it("leaves the member's active tenant alone when it is another one", async () => {
    const { tenant, member } = await tenantWithPilot('remove-elsewhere');
    const other = await newTenant('remove-other');
    await putRole(other.tenantId, 'pilot', PILOT);
    await addMember(other, member, 'pilot');
    await setActiveAttributes(member.username, other.tenantId, 'pilot');

    const result = await run('removeMember', removeInput(tenant, member, 'pilot'));

    expect(result.status).toBe('SUCCEEDED');
    expect(enteredStates(result.events)).not.toContain('ClearActiveTenant');
    expect(await activeAttributes(member.username)).toEqual({ tenantId: other.tenantId, roleId: 'pilot' });
    expect(await groupsOf(member.username)).toEqual([other.tenantId]);
  });

  it('removes a member who never had an active tenant', async () => {
    const tenant = await newTenant('remove-inactive');
    await putRole(tenant.tenantId, 'pilot', PILOT);
    const member = await newUser('remove-inactive');
    await addMember(tenant, member, 'pilot');

    const result = await run('removeMember', removeInput(tenant, member, 'pilot'));

    expect(result.status).toBe('SUCCEEDED');
    expect(enteredStates(result.events)).not.toContain('ClearActiveTenant');
    expect((await memberState(tenant.tenantId, member, 'pilot')).inGroup).toBe(false);
  });

  it('removes an admin while another admin remains', async () => {
    const tenant = await newTenant('remove-admin');
    const second = await newUser('second-admin');
    await addMember(tenant, second, ADMIN_ROLE_ID);

    const result = await run('removeMember', removeInput(tenant, tenant.admin, ADMIN_ROLE_ID, { userId: second.userId, roleId: ADMIN_ROLE_ID }));

    expect(result.status).toBe('SUCCEEDED');
    expect(await roleHolders(tenant.tenantId, ADMIN_ROLE_ID)).toBe(1);
  });

  describe('refuses, having written nothing,', () => {
    /** The positions of DeleteMembership's items. */
    const DELETE = { actorRole: 1, membership: 2, tenantRecord: 3 } as const;

    async function expectRefused(tenant: Tenant, member: User, roleId: string, input: RemoveMemberInput, refusedByItem?: number): Promise<void> {
      const before = await memberState(tenant.tenantId, member, roleId);
      const active = await activeAttributes(member.username);

      const result = await run('removeMember', input);

      expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: WORKFLOW_ERROR.memberChangeRefused });
      if (refusedByItem !== undefined) expect(failedConditions(result.events, 'DeleteMembership')).toEqual([refusedByItem]);
      expect(await memberState(tenant.tenantId, member, roleId)).toEqual(before);
      expect(await activeAttributes(member.username)).toEqual(active);
      expectGroupMatchesMembership(before);
    }

    it('an admin, by a member allowed to manage members but no admin: only an admin takes admin away', async () => {
      const tenant = await newTenant('last-admin');
      await putRole(tenant.tenantId, 'manager', MANAGER);
      const manager = await newUser('last-admin-manager');
      await addMember(tenant, manager, 'manager');

      await expectRefused(tenant, tenant.admin, ADMIN_ROLE_ID, removeInput(tenant, tenant.admin, ADMIN_ROLE_ID, { userId: manager.userId, roleId: 'manager' }));
    });

    it('the last admin, as the tenant record counts them, by another admin', async () => {
      const tenant = await newTenant('last-admin-count');
      const second = await newUser('uncounted-admin');
      await addMember(tenant, second, ADMIN_ROLE_ID);
      // The transaction trusts the count, not the memberships: at 1, the admin it counts cannot go.
      const record = await getItem(tenantRecordKey(tenant.tenantId));
      await dynamodb.send(
        new PutItemCommand({ TableName: outputs().tableName, Item: { ...record, roleHolders: { M: { ...record?.roleHolders?.M, [ADMIN_ROLE_ID]: { N: '1' } } } } }),
      );

      await expectRefused(tenant, second, ADMIN_ROLE_ID, removeInput(tenant, second, ADMIN_ROLE_ID, { userId: tenant.admin.userId, roleId: ADMIN_ROLE_ID }), DELETE.tenantRecord);
    });

    it('an actor whose role does not grant member:manage', async () => {
      const { tenant, member } = await tenantWithPilot('remove-unallowed');
      const pilot = await newUser('remove-pilot-actor');
      await addMember(tenant, pilot, 'pilot');

      await expectRefused(tenant, member, 'pilot', removeInput(tenant, member, 'pilot', { userId: pilot.userId, roleId: 'pilot' }), DELETE.actorRole);
    });

    it('a member that no longer holds the role the API read', async () => {
      const { tenant, member } = await tenantWithPilot('remove-stale-role');
      await putRole(tenant.tenantId, 'instructor', PILOT);

      await expectRefused(tenant, member, 'pilot', removeInput(tenant, member, 'instructor'), DELETE.membership);
    });

    it('a user who is not a member', async () => {
      const tenant = await newTenant('remove-stranger');
      await putRole(tenant.tenantId, 'pilot', PILOT);
      const stranger = await newUser('stranger');

      await expectRefused(tenant, stranger, 'pilot', removeInput(tenant, stranger, 'pilot'));
    });

    it('an actor removing itself', async () => {
      const tenant = await newTenant('remove-self');

      await expectRefused(tenant, tenant.admin, ADMIN_ROLE_ID, removeInput(tenant, tenant.admin, ADMIN_ROLE_ID));
    });
  });

  it.each([
    ['GetMembership', 'DynamoDB.InternalServerError'],
    ['DeleteMembership', 'States.Timeout'],
    ['RemoveUserFromGroup', 'CognitoIdentityProvider.InternalErrorException'],
    ['GetActiveTenant', 'States.TaskFailed'],
    ['ClearActiveTenant', 'States.Timeout'],
    ['PublishMemberRemoved', 'EventBridge.InternalException'],
  ])('puts everything back when %s fails with %s', async (stateName, error) => {
    const { tenant, member } = await tenantWithPilot('remove-fault');
    const before = await memberState(tenant.tenantId, member, 'pilot');
    await injectFault('removeMember', stateName, error, member.userId);

    const result = await run('removeMember', removeInput(tenant, member, 'pilot'));

    expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: WORKFLOW_ERROR.removeMemberFailed });
    const after = await memberState(tenant.tenantId, member, 'pilot');
    expect(after).toEqual(before);
    expectGroupMatchesMembership(after);
    expect(await activeAttributes(member.username)).toEqual({ tenantId: tenant.tenantId, roleId: 'pilot' });
  });

  it('keeps exactly one admin when two admins remove each other at once, and again when the refused one is retried', async () => {
    const tenant = await newTenant('mutual');
    const second = await newUser('mutual-admin');
    await addMember(tenant, second, ADMIN_ROLE_ID);
    const first = tenant.admin;
    const asAdmin = (user: User) => ({ userId: user.userId, roleId: ADMIN_ROLE_ID });
    const removals = [removeInput(tenant, second, ADMIN_ROLE_ID, asAdmin(first)), removeInput(tenant, first, ADMIN_ROLE_ID, asAdmin(second))];

    const concurrent = await Promise.all(removals.map((input) => run('removeMember', input)));
    // DynamoDB may cancel both transactions as conflicting: the API answers that with a retry.
    const retried = [];
    for (const [index, result] of concurrent.entries()) {
      retried.push(result.status === 'SUCCEEDED' ? result : await run('removeMember', removals[index] as RemoveMemberInput));
    }

    expect(concurrent.filter((result) => result.status === 'SUCCEEDED').length).toBeLessThanOrEqual(1);
    expect(retried.map((result) => result.status ?? '').sort()).toEqual(['FAILED', 'SUCCEEDED']);
    expect(retried.find((result) => result.status === 'FAILED')?.error).toBe(WORKFLOW_ERROR.memberChangeRefused);
    const states = await Promise.all([first, second].map((user) => memberState(tenant.tenantId, user, ADMIN_ROLE_ID)));
    expect(states.filter((state) => state.membership !== undefined)).toHaveLength(1);
    expect(await roleHolders(tenant.tenantId, ADMIN_ROLE_ID)).toBe(1);
    states.forEach(expectGroupMatchesMembership);
  });
});
