import * as z from 'zod';
import { ConflictError, PermissionDeniedError } from '../../../domain/errors';
import { invitationItem } from '../../../domain/items';
import { normalizedEmail } from '../../../domain/keys';
import { TENANT_LIMITS } from '../../../domain/limits';
import type { Actor } from '../../../domain/guard';
import { ADMIN_ROLE_ID, mayGrantRole, ROLE_ID_MAX_LENGTH, ROLE_ID_PATTERN, type Action } from '../../../domain/permissions';
import { DETAIL_TYPE } from '../../../events/catalog';
import { WORKFLOW_ERROR, WORKFLOWS, type AddMemberInput, type RemoveMemberInput } from '../../../workflows/registry';
import { FUNCTIONS } from '../../catalog';
import { actorOf, requireTenant, type TenantCaller } from '../../shared/access';
import { publishAfterChange, type PublishEvent } from '../../shared/event-publisher';
import type { GuardedWrite, GuardedWriter } from '../../shared/guarded-write';
import { controlIdempotent, type IdempotencyStore } from '../../shared/idempotency-store';
import { isVerifiedHolder, type ControlReads, type DirectoryUser, type MemberView, type UserDirectory } from '../../shared/member-store';
import { anotherRunFits, runFailure, type RunWorkflow } from '../../shared/workflow-runner';
import { callerOf, json, parseBody, parsePath, route } from '../http';
import { routeAction } from '../routes';
import {
  authorize,
  confirmPermission,
  memberNotFound,
  requireMayGrant,
  roleNotFound,
  tenantNameOf,
  userIdSchema,
  type AccessDeps,
} from './shared';
import { adminActorCheck, invitationPut, roleChangeOperations, roleExistsCheck, WRITE_LABEL } from './writes';

const LIST_ACTION = routeAction(FUNCTIONS.listMembers.name);
const ADD_ACTION = routeAction(FUNCTIONS.addMember.name);
const CHANGE_ROLE_ACTION = routeAction(FUNCTIONS.changeMemberRole.name);
const REMOVE_ACTION = routeAction(FUNCTIONS.removeMember.name);

const roleIdSchema = z.string().max(ROLE_ID_MAX_LENGTH).regex(ROLE_ID_PATTERN, 'must be a role id');
export const addMemberBody = z.strictObject({ email: z.email().max(254), roleId: roleIdSchema });
export const changeRoleBody = z.strictObject({ roleId: roleIdSchema });
export const memberPath = z.object({ userId: userIdSchema });

/** `GET /members`: the tenant's memberships, read with the caller's tenant-scoped credentials. */
export function createListMembersHandler(deps: AccessDeps<'listMembers'>) {
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const reads = await authorize(deps, caller, LIST_ACTION);
    const members = await reads.listMembers(caller.tenantId);
    return json(200, { members: members.map(({ userId, email, roleId }) => ({ userId, email, roleId })) });
  });
}

export interface AddMemberDeps extends AccessDeps {
  readonly control: Pick<ControlReads, 'membership' | 'currentGrant' | 'roleExists' | 'tenant' | 'membershipCount'>;
  readonly directory: Pick<UserDirectory, 'usersWithEmail'>;
  readonly writer: Pick<GuardedWriter, 'write'>;
  readonly run: RunWorkflow;
  readonly addMemberArn: string;
  readonly invitationTtlDays: number;
  readonly publish: PublishEvent;
  readonly newOperationId: () => string;
  readonly now: () => Date;
}

const alreadyMember = (email: string): ConflictError => new ConflictError(`${email} is already a member of this tenant`);
const membershipLimit = (email: string): ConflictError =>
  new ConflictError(`${email} belongs to ${TENANT_LIMITS.maxMembershipsPerUser} tenants, the most one user may belong to`);

/**
 * Why AddMember refused, read now: the actor's permission (403), the membership (409), the role
 * (404), the member's limit (409). When none of these holds, the actor's role changed to one that
 * still allows the action, or a concurrent transaction cancelled the run's (which the workflow
 * cannot tell from a failed condition): `retryAs` is the role to run once more with.
 */
async function explainAddRefusal(deps: AddMemberDeps, input: AddMemberInput): Promise<{ error: Error } | { retryAs: string }> {
  const actor = { userId: input.actorUserId, roleId: input.actorRoleId ?? '' };
  const roleId = await confirmPermission(deps, input.tenantId, actor, ADD_ACTION);
  if (!mayGrantRole(roleId, input.roleId)) return { error: await deniedAdminGrant(deps, input.tenantId, actor, ADD_ACTION) };
  if (await deps.control.membership(input.tenantId, input.userId)) return { error: alreadyMember(input.email) };
  if (!(await deps.control.roleExists(input.tenantId, input.roleId))) return { error: roleNotFound(input.roleId) };
  if ((await deps.control.membershipCount(input.userId)) >= TENANT_LIMITS.maxMembershipsPerUser) return { error: membershipLimit(input.email) };
  return { retryAs: roleId };
}

/** The actor was no admin when the write committed (demoted a moment before): reported as any refusal. */
async function deniedAdminGrant(deps: { reportDenied: AccessDeps['reportDenied'] }, tenantId: string, actor: Actor, action: Action): Promise<Error> {
  const reason = 'only an admin may grant or take the admin role';
  await deps.reportDenied(tenantId, actor, action, reason);
  return new PermissionDeniedError(action, reason);
}

const concurrentChange = (): ConflictError => new ConflictError('Another change to this tenant was being made at the same time: try again');

/**
 * After a refused run, whether to run once more: only the first time, and only while that run
 * would still end before API Gateway gives up (`anotherRunFits`, counted from the first run's start;
 * the reads before it are in the caller's margin). Otherwise the client is told to try again.
 */
function mayRunAgain(attempt: number, startedAtMs: number, now: () => Date, timeoutSeconds: number): boolean {
  return attempt === 1 && anotherRunFits(now().getTime() - startedAtMs, timeoutSeconds);
}

/** A verified holder of the address becomes a member at once, through the AddMember workflow. */
async function addVerifiedUser(deps: AddMemberDeps, caller: TenantCaller, user: DirectoryUser, roleId: string): Promise<MemberView> {
  const email = normalizedEmail(user.email);
  const [existing, memberships, tenantName] = await Promise.all([
    deps.control.membership(caller.tenantId, user.userId),
    deps.control.membershipCount(user.userId),
    tenantNameOf(deps.control, caller.tenantId),
  ]);
  if (existing) throw alreadyMember(email);
  if (memberships >= TENANT_LIMITS.maxMembershipsPerUser) throw membershipLimit(email);
  let input: AddMemberInput = {
    tenantId: caller.tenantId,
    tenantName,
    userId: user.userId,
    username: user.username,
    email,
    roleId,
    actorUserId: caller.userId,
    actorRoleId: caller.roleId,
    invitation: null,
  };
  const startedAtMs = deps.now().getTime();
  for (let attempt = 1; ; attempt += 1) {
    const result = await deps.run(deps.addMemberArn, input);
    if (result.status === 'SUCCEEDED') return { userId: user.userId, email, roleId };
    if (result.error !== WORKFLOW_ERROR.memberChangeRefused) throw runFailure(WORKFLOWS.addMember.name, result);
    const explained = await explainAddRefusal(deps, input);
    if ('error' in explained) throw explained.error;
    if (!mayRunAgain(attempt, startedAtMs, deps.now, WORKFLOWS.addMember.timeoutSeconds)) throw concurrentChange();
    input = { ...input, actorRoleId: explained.retryAs };
  }
}

/** Anyone else is invited: a guarded put, claimed when the address is confirmed and verified. */
async function invite(deps: AddMemberDeps, caller: TenantCaller, email: string, roleId: string) {
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + deps.invitationTtlDays * 86_400_000).toISOString();
  const tenantName = await tenantNameOf(deps.control, caller.tenantId);
  const item = invitationItem({ tenantId: caller.tenantId, tenantName, email, roleId, invitedBy: caller.userId, createdAt: now.toISOString(), expiresAt });
  // Who may grant the role is decided by the actor's role: decided again if it changed meanwhile.
  const planFor = async (actorRoleId: string): Promise<GuardedWrite> => {
    await requireMayGrant(deps, { ...caller, roleId: actorRoleId }, [roleId], ADD_ACTION);
    return {
      tenantId: caller.tenantId,
      actor: { userId: caller.userId, roleId: actorRoleId },
      action: ADD_ACTION,
      operations: [
        invitationPut(item, now),
        roleExistsCheck(caller.tenantId, roleId),
        ...(roleId === ADMIN_ROLE_ID ? [adminActorCheck(caller.tenantId, caller.userId)] : []),
      ],
      asRole: planFor,
    };
  };
  const outcome = await deps.writer.write(await planFor(caller.roleId));
  if (outcome.outcome === 'refused' && outcome.failed.includes(WRITE_LABEL.adminActor)) throw await deniedAdminGrant(deps, caller.tenantId, actorOf(caller), ADD_ACTION);
  if (outcome.outcome === 'refused') {
    throw outcome.failed.includes(WRITE_LABEL.role) ? roleNotFound(roleId) : new ConflictError(`${item.email} is already invited to this tenant`);
  }
  await publishAfterChange(deps, DETAIL_TYPE.invitationCreated, {
    tenantId: caller.tenantId,
    email: item.email,
    roleId,
    expiresAt,
    actorUserId: caller.userId,
    operationId: deps.newOperationId(),
  });
  return { email: item.email, roleId, expiresAt };
}

/**
 * `POST /members`: a confirmed user whose address is verified is added (201); any other address
 * is invited (202). The checks before the write give clear answers; the workflow's transaction
 * (or the invitation's) is what guarantees them. Both answers are kept under an `Idempotency-Key`
 * (the invitation is this API's only other creation: there is no POST /invitations).
 */
export function createAddMemberHandler(deps: AddMemberDeps & { readonly idempotency: IdempotencyStore }) {
  // The lease outlasts an AddMember run the function started just before it was stopped.
  const idempotentRoute = {
    fn: FUNCTIONS.addMember,
    workflows: [WORKFLOWS.addMember],
    admit: async (caller: TenantCaller) => {
      await authorize(deps, caller, ADD_ACTION);
    },
  };
  return route(
    deps.logger,
    controlIdempotent(deps, idempotentRoute, async (event) => {
      const caller = requireTenant(callerOf(event));
      const body = parseBody(addMemberBody, event.body);
      const reads = await authorize(deps, caller, ADD_ACTION);
      await requireMayGrant(deps, caller, [body.roleId], ADD_ACTION);
      if (!(await reads.getRole(caller.tenantId, body.roleId))) throw roleNotFound(body.roleId);
      const holder = (await deps.directory.usersWithEmail(body.email)).find((user) => isVerifiedHolder(user, body.email));
      if (holder) return json(201, { member: await addVerifiedUser(deps, caller, holder, body.roleId) });
      return json(202, { invitation: await invite(deps, caller, normalizedEmail(body.email), body.roleId) });
    }),
  );
}

export interface ChangeRoleDeps extends AccessDeps {
  readonly control: Pick<ControlReads, 'membership'>;
  readonly directory: Pick<UserDirectory, 'user' | 'setRoleHint'>;
  readonly writer: Pick<GuardedWriter, 'write'>;
  readonly publish: PublishEvent;
  readonly newOperationId: () => string;
}

/** Why the role change was refused (the guard's own refusals were answered by the writer). */
async function explainRoleChangeRefusal(deps: ChangeRoleDeps, tenantId: string, member: MemberView, roleId: string, failed: readonly string[]): Promise<Error> {
  if (failed.includes(WRITE_LABEL.membership)) {
    const now = await deps.control.membership(tenantId, member.userId);
    return now ? new ConflictError(`The role of ${member.userId} was changed by someone else meanwhile: read it again`) : memberNotFound(member.userId);
  }
  if (failed.includes(WRITE_LABEL.role)) return roleNotFound(roleId);
  return new ConflictError(`${member.userId} is the tenant's last admin: make another member ${ADMIN_ROLE_ID} first`);
}

/**
 * The token's `custom:role` names the role in the active tenant: updated when this tenant is the
 * member's active one. A hint only (the authorizer reads the membership), so a failure is logged.
 */
async function updateRoleHint(deps: ChangeRoleDeps, tenantId: string, userId: string, roleId: string): Promise<void> {
  try {
    const user = await deps.directory.user(userId);
    if (user?.activeTenantId === tenantId) await deps.directory.setRoleHint(user.username, roleId);
  } catch (error) {
    deps.logger.warn('role hint not updated', { tenantId, userId, errorName: error instanceof Error ? error.name : typeof error });
  }
}

/** `PUT /members/{userId}/role`: one guarded transaction, no workflow. */
export function createChangeMemberRoleHandler(deps: ChangeRoleDeps) {
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const { userId } = parsePath(memberPath, event.pathParameters);
    const { roleId } = parseBody(changeRoleBody, event.body);
    await authorize(deps, caller, CHANGE_ROLE_ACTION);
    const member = await deps.control.membership(caller.tenantId, userId);
    if (!member) throw memberNotFound(userId);
    if (member.roleId === roleId) return json(200, { member });
    const selfChange = userId === caller.userId;
    const adminInvolved = roleId === ADMIN_ROLE_ID || member.roleId === ADMIN_ROLE_ID;
    // Who may grant or take admin is decided by the actor's role, and decided again if it changed
    // meanwhile. For one's own role, that is the membership just read: the authorizer's answer may
    // still be a demoted admin's, cached for up to 30 s.
    const planFor = async (actorRoleId: string): Promise<GuardedWrite> => {
      await requireMayGrant(deps, { ...caller, roleId: actorRoleId }, [roleId, member.roleId], CHANGE_ROLE_ACTION);
      return {
        tenantId: caller.tenantId,
        actor: { userId: caller.userId, roleId: actorRoleId },
        action: CHANGE_ROLE_ACTION,
        operations: [
          ...roleChangeOperations(caller.tenantId, member, roleId),
          // One's own change proves the role by the membership's `roleId = old`; one item, one operation.
          ...(adminInvolved && !selfChange ? [adminActorCheck(caller.tenantId, caller.userId)] : []),
        ],
        asRole: planFor,
      };
    };
    const outcome = await deps.writer.write(await planFor(selfChange ? member.roleId : caller.roleId));
    if (outcome.outcome === 'refused' && outcome.failed.includes(WRITE_LABEL.adminActor)) throw await deniedAdminGrant(deps, caller.tenantId, actorOf(caller), CHANGE_ROLE_ACTION);
    if (outcome.outcome === 'refused') throw await explainRoleChangeRefusal(deps, caller.tenantId, member, roleId, outcome.failed);
    await updateRoleHint(deps, caller.tenantId, userId, roleId);
    await publishAfterChange(deps, DETAIL_TYPE.memberRoleChanged, {
      tenantId: caller.tenantId,
      userId,
      previousRoleId: member.roleId,
      roleId,
      actorUserId: caller.userId,
      operationId: deps.newOperationId(),
    });
    return json(200, { member: { ...member, roleId } });
  });
}

export interface RemoveMemberDeps extends AccessDeps {
  readonly control: Pick<ControlReads, 'membership' | 'currentGrant' | 'tenant'>;
  readonly run: RunWorkflow;
  readonly removeMemberArn: string;
  readonly now: () => Date;
}

/**
 * Why RemoveMember refused, read now: permission (403), the membership gone (404), the last admin
 * (409). Otherwise the run is worth one more try, with what is there now: the member's role or the
 * actor's changed meanwhile, or a concurrent transaction cancelled the run's.
 */
async function explainRemoveRefusal(deps: RemoveMemberDeps, input: RemoveMemberInput): Promise<{ error: Error } | { retry: RemoveMemberInput }> {
  const actor = { userId: input.actorUserId, roleId: input.actorRoleId };
  const actorRoleId = await confirmPermission(deps, input.tenantId, actor, REMOVE_ACTION);
  const member = await deps.control.membership(input.tenantId, input.userId);
  if (!member) return { error: memberNotFound(input.userId) };
  if (!mayGrantRole(actorRoleId, member.roleId)) return { error: await deniedAdminGrant(deps, input.tenantId, actor, REMOVE_ACTION) };
  const admins = (await deps.control.tenant(input.tenantId))?.roleHolders[ADMIN_ROLE_ID] ?? 0;
  if (member.roleId === ADMIN_ROLE_ID && admins <= 1) return { error: new ConflictError(`${input.userId} is the tenant's last admin and cannot be removed`) };
  return { retry: { ...input, roleId: member.roleId, actorRoleId } };
}

/** `DELETE /members/{userId}`: runs RemoveMember; the member loses access within 60 s (the authorizer's caches). */
export function createRemoveMemberHandler(deps: RemoveMemberDeps) {
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const { userId } = parsePath(memberPath, event.pathParameters);
    await authorize(deps, caller, REMOVE_ACTION);
    const member = await deps.control.membership(caller.tenantId, userId);
    if (!member) throw memberNotFound(userId);
    // A member that removed itself by mistake could not undo it (member:manage goes with the
    // membership), so leaving takes another member's decision.
    if (userId === caller.userId) throw new ConflictError('You cannot remove yourself from the tenant: another member with member:manage must do it');
    await requireMayGrant(deps, caller, [member.roleId], REMOVE_ACTION);
    const input: RemoveMemberInput = {
      tenantId: caller.tenantId,
      userId,
      // The sub is the username when email is the sign-in attribute, on AWS and locally.
      username: userId,
      roleId: member.roleId,
      actorUserId: caller.userId,
      actorRoleId: caller.roleId,
    };
    await removeWithRetry(deps, input);
    return json(204, undefined);
  });
}

async function removeWithRetry(deps: RemoveMemberDeps, first: RemoveMemberInput): Promise<void> {
  let input = first;
  const startedAtMs = deps.now().getTime();
  for (let attempt = 1; ; attempt += 1) {
    const result = await deps.run(deps.removeMemberArn, input);
    if (result.status === 'SUCCEEDED') return;
    if (result.error !== WORKFLOW_ERROR.memberChangeRefused) throw runFailure(WORKFLOWS.removeMember.name, result);
    const explained = await explainRemoveRefusal(deps, input);
    if ('error' in explained) throw explained.error;
    if (!mayRunAgain(attempt, startedAtMs, deps.now, WORKFLOWS.removeMember.timeoutSeconds)) throw concurrentChange();
    input = explained.retry;
  }
}
