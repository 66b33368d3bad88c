/**
 * What the members and invitations routes share: the answers they give for missing things, the
 * permission checks, and what a failed workflow run means.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { NotFoundError, PermissionDeniedError } from '../../../domain/errors';
import type { Actor } from '../../../domain/guard';
import { allows, mayGrantRole, type Action } from '../../../domain/permissions';
import { requireAction, type ReportDenied, type TenantCaller } from '../../shared/access';
import type { ControlReads, TenantReads } from '../../shared/member-store';
import type { ScopedCredentials } from '../../shared/scoped-clients';

/** The tenant record of a tenant the caller is a member of is missing: an inconsistency, not the caller's fault (500). */
export class TenantRecordMissingError extends Error {
  constructor(readonly tenantId: string) {
    super(`The record of tenant ${tenantId} is missing`);
    this.name = 'TenantRecordMissingError';
  }
}

/** The tenant's name, which memberships and invitations carry so that listing a user's tenants needs no more reads. */
export async function tenantNameOf(control: Pick<ControlReads, 'tenant'>, tenantId: string): Promise<string> {
  const tenant = await control.tenant(tenantId);
  if (!tenant) throw new TenantRecordMissingError(tenantId);
  return tenant.name;
}

/** Cognito subs (UUIDs) and the ids of users made elsewhere: no key separator, nothing to escape. */
export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
export const userIdSchema = z.string().regex(USER_ID_PATTERN, 'must be a user id');

export const memberNotFound = (userId: string): NotFoundError => new NotFoundError(`No member ${userId} in this tenant`);

/** Role ids are per tenant (a slug of the name), so another tenant's role is simply not one here. */
export const roleNotFound = (roleId: string): NotFoundError => new NotFoundError(`No role ${roleId} in this tenant (roleId)`);


/**
 * After a refused write: whether the actor (still) may do `action`, read now and consistently.
 * A 403 (reported on the bus like every denial) when not; otherwise the actor's current role, for
 * the caller to find the refusal's other cause or to retry with it.
 */
export async function confirmPermission(
  deps: { control: Pick<ControlReads, 'currentGrant'>; reportDenied: ReportDenied },
  tenantId: string,
  actor: Actor,
  action: Action,
): Promise<string> {
  const current = await deps.control.currentGrant(tenantId, actor.userId);
  if (current && allows(current.grant, action)) return current.roleId;
  const reason = current ? `role ${current.roleId} does not grant ${action}` : 'not a member of the tenant';
  await deps.reportDenied(tenantId, actor, action, reason);
  throw new PermissionDeniedError(action, reason);
}

/**
 * Only an admin gives or takes the admin role (domain/permissions.ts `mayGrantRole`): refused
 * with a 403 and an access.denied event before any write. The write proves the actor still is an
 * admin inside its transaction (`adminActorCheck` in writes.ts, or the workflow's guard).
 */
export async function requireMayGrant(deps: { reportDenied: ReportDenied }, caller: TenantCaller, roleIds: readonly string[], action: Action): Promise<void> {
  if (roleIds.every((roleId) => mayGrantRole(caller.roleId, roleId))) return;
  const reason = 'only an admin may grant or take the admin role';
  await deps.reportDenied(caller.tenantId, { userId: caller.userId, roleId: caller.roleId }, action, reason);
  throw new PermissionDeniedError(action, reason);
}

/** What every members route reads with the caller's own credentials, and how it reports a denial. */
export interface AccessDeps<R extends keyof TenantReads = 'getRole'> {
  readonly readsFor: (credentials: ScopedCredentials) => Pick<TenantReads, 'getRole' | R>;
  readonly reportDenied: ReportDenied;
  readonly logger: Logger;
}

/** The read-side permission check; every write checks again inside its own transaction. */
export async function authorize<R extends keyof TenantReads>(deps: AccessDeps<R>, caller: TenantCaller, action: Action) {
  const reads = deps.readsFor(caller.credentials);
  await requireAction(caller, action, { readRole: reads.getRole, reportDenied: deps.reportDenied });
  return reads;
}
