/**
 * Permission decisions outside a write: a read checks the action against the caller's role as the
 * authorizer read it from the membership item, and that role's item, read with the caller's own
 * tenant-scoped credentials. Every refusal is told on the bus (`access.denied.v1`, audited) before
 * the 403. Writes check inside their own transaction instead (guarded-write.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { randomUUID } from 'node:crypto';
import { ForbiddenError, PermissionDeniedError } from '../../domain/errors';
import type { Actor, GuardedAction } from '../../domain/guard';
import { ADMIN_ROLE_ID, allows, type Action, type RoleGrant } from '../../domain/permissions';
import { DETAIL_TYPE } from '../../events/catalog';
import type { Caller } from '../api/http';
import type { PublishEvent } from './event-publisher';

/** The caller of a route that needs an active tenant, with both known. */
export interface TenantCaller extends Caller {
  readonly tenantId: string;
  readonly roleId: string;
}

/**
 * The caller's tenant and role, or a 403: the authorizer lets a user without an active tenant (or
 * whose active tenant has no membership for it) reach only `withoutTenant` routes, so this is the
 * handler's own check of the same rule, should a route ever be deployed otherwise.
 */
export function requireTenant(caller: Caller): TenantCaller {
  if (caller.tenantId === null || caller.roleId === null) throw new ForbiddenError('You have no active tenant: switch to a tenant first');
  return { ...caller, tenantId: caller.tenantId, roleId: caller.roleId };
}

export const actorOf = (caller: TenantCaller): Actor => ({ userId: caller.userId, roleId: caller.roleId });

export type ReadRole = (tenantId: string, roleId: string) => Promise<RoleGrant | undefined>;

/** Publishes `access.denied.v1`; a failure to publish is logged, never hides the refusal. */
export function accessDeniedReporter(deps: { publish: PublishEvent; logger: Pick<Logger, 'warn'> }) {
  return async (tenantId: string, actor: Actor, action: GuardedAction, reason: string): Promise<void> => {
    deps.logger.warn('access denied', { tenantId, userId: actor.userId, action, reason });
    try {
      await deps.publish(DETAIL_TYPE.accessDenied, { tenantId, userId: actor.userId, action, reason, operationId: randomUUID() });
    } catch (error) {
      deps.logger.warn('access.denied could not be published', { errorName: error instanceof Error ? error.name : typeof error });
    }
  };
}

export type ReportDenied = ReturnType<typeof accessDeniedReporter>;

/**
 * Checks a read: the caller's role item (through `readRole`, a tenant-scoped read) must grant
 * `action`. The built-in admin role grants everything and cannot change, so it needs no read.
 * Throws PermissionDeniedError after reporting it.
 */
export async function requireAction(caller: TenantCaller, action: Action, deps: { readRole: ReadRole; reportDenied: ReportDenied }): Promise<void> {
  if (caller.roleId === ADMIN_ROLE_ID) return;
  const role = await deps.readRole(caller.tenantId, caller.roleId);
  if (allows(role, action)) return;
  const reason = role === undefined ? `role ${caller.roleId} no longer exists` : `role ${caller.roleId} does not grant ${action}`;
  await deps.reportDenied(caller.tenantId, actorOf(caller), action, reason);
  throw new PermissionDeniedError(action, reason);
}
