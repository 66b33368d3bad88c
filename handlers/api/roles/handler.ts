/**
 * The roles API (API.md "Roles"). Lists are read with the caller's tenant-scoped credentials;
 * changes go through the guarded writer, whose transaction carries the permission check, signed
 * with the function's own role. Every key is built from the tenant the authorizer confirmed, so a
 * role id of another tenant is simply looked up in the caller's own tenant: 404.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../../../domain/errors';
import { ACTIONS, actionsOfRole, ADMIN_ROLE_ID, canonicalActions, isAction, ROLE_ID_MAX_LENGTH, ROLE_ID_PATTERN, roleIdFromName, type Action } from '../../../domain/permissions';
import { tenantNameSchema } from '../../../domain/tenant-name';
import { DETAIL_TYPE } from '../../../events/catalog';
import { actorOf, requireAction, requireTenant, type ReadRole, type ReportDenied, type TenantCaller } from '../../shared/access';
import { publishAfterChange, type PublishEvent } from '../../shared/event-publisher';
import { SAME_WRITE, type GuardedWriter, type WriteOperation } from '../../shared/guarded-write';
import { controlIdempotent, type IdempotencyStore } from '../../shared/idempotency-store';
import type { RolesStore, StoredRole } from '../../shared/roles-store';
import type { ScopedCredentials } from '../../shared/scoped-clients';
import { FUNCTIONS } from '../../catalog';
import { callerOf, fieldProblems, json, parseBody, route, type ProxyEvent } from '../http';
import { routeAction } from '../routes';
import { deleteRole, putNewRole, ROLE_WRITE_LABEL, roleStillMissing, updateRole, type RoleChange } from './role-writes';

/** A role's name follows the rules of a tenant's name: what other members see in a list. */
const roleName = tenantNameSchema;

const action = z.string().superRefine((value, context) => {
  if (!isAction(value)) context.addIssue({ code: 'custom', message: `unknown action ${JSON.stringify(value)}: one of ${ACTIONS.join(', ')}` });
});

/** Each named once, in the catalogue's order; more entries than there are actions is no request a client means. */
const actionList = z
  .array(action)
  .max(ACTIONS.length, `at most ${ACTIONS.length} actions`)
  .transform((actions) => canonicalActions(actions as Action[]));

export const createRoleBody = z.strictObject({ name: roleName, actions: actionList });

export const updateRoleBody = z
  .strictObject({ name: roleName.optional(), actions: actionList.optional() })
  .refine((body) => body.name !== undefined || body.actions !== undefined, 'give name, actions or both');

const rolePath = z.object({ roleId: z.string().max(ROLE_ID_MAX_LENGTH).regex(ROLE_ID_PATTERN, 'must be a role id: lower-case letters, digits and dashes') });

function roleIdParameter(event: ProxyEvent): string {
  const parsed = rolePath.safeParse(event.pathParameters ?? {});
  if (!parsed.success) throw new ValidationError('The request is not valid', fieldProblems(parsed.error));
  return parsed.data.roleId;
}

/** The id a name gives a role: it must have one, and it must not be the built-in role's. */
function roleIdOfName(name: string): string {
  const roleId = roleIdFromName(name);
  if (roleId === undefined) throw new ValidationError('The request is not valid', [{ field: 'name', message: 'must contain a letter or a digit: the role id is made of them' }]);
  if (roleId === ADMIN_ROLE_ID) throw new ConflictError(`The name ${JSON.stringify(name)} is reserved for the built-in ${ADMIN_ROLE_ID} role`);
  return roleId;
}

const builtInRefusal = (roleId: string): ConflictError => new ConflictError(`The built-in ${roleId} role cannot be changed or deleted`);

function refuseBuiltIn(roleId: string): void {
  if (roleId === ADMIN_ROLE_ID) throw builtInRefusal(roleId);
}

export interface RoleWriteDeps {
  readonly writer: GuardedWriter;
  readonly publish: PublishEvent;
  readonly logger: Logger;
  readonly newOperationId?: () => string;
  readonly now?: () => Date;
}

function guardedWrite(deps: RoleWriteDeps, caller: TenantCaller, action: Action, operations: readonly WriteOperation[]) {
  // Role writes decide nothing from the caller's role but the action the guard checks.
  return deps.writer.write({ tenantId: caller.tenantId, actor: actorOf(caller), action, operations, asRole: SAME_WRITE });
}

/** `GET /roles`: any member lists the tenant's roles, read with its own tenant-scoped credentials. */
export function createListRolesHandler(deps: { storeFor: (credentials: ScopedCredentials) => RolesStore; logger: Logger }) {
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const roles = await deps.storeFor(caller.credentials).listRoles(caller.tenantId);
    return json(200, { roles });
  });
}

/**
 * `POST /roles` (`role:manage`): a custom role whose id comes from its name. An `Idempotency-Key`
 * record is kept in the tenant's control partition, per caller, with the function's own role.
 */
export interface CreateRoleDeps extends RoleWriteDeps {
  readonly idempotency: IdempotencyStore;
  /** The caller's role item, read with its own credentials: a keyed request is admitted only with `role:manage`. */
  readonly rolesFor: (credentials: ScopedCredentials) => ReadRole;
  readonly reportDenied: ReportDenied;
}

export function createCreateRoleHandler(deps: CreateRoleDeps) {
  const action = routeAction(FUNCTIONS.createRole.name);
  const admit = (caller: TenantCaller) => requireAction(caller, action, { readRole: deps.rolesFor(caller.credentials), reportDenied: deps.reportDenied });
  return route(
    deps.logger,
    controlIdempotent(deps, { fn: FUNCTIONS.createRole, admit }, async (event) => {
      const caller = requireTenant(callerOf(event));
      const body = parseBody(createRoleBody, event.body);
      const role = { roleId: roleIdOfName(body.name), name: body.name, actions: body.actions };
      const createdAt = (deps.now?.() ?? new Date()).toISOString();
      const outcome = await guardedWrite(deps, caller, action, [putNewRole({ tenantId: caller.tenantId, ...role, createdAt })]);
      if (outcome.outcome === 'refused') throw new ConflictError(`A role with id ${role.roleId} exists`);
      const operationId = deps.newOperationId?.() ?? randomUUID();
      await publishAfterChange(deps, DETAIL_TYPE.roleCreated, { tenantId: caller.tenantId, ...role, actorUserId: caller.userId, operationId });
      return json(201, { role });
    }),
  );
}

/**
 * Reads of a role before it is changed: consistent, with the function's own client, so that the
 * conditional update that follows compares against the item as it is.
 */
export type ReadStoredRole = (tenantId: string, roleId: string) => Promise<StoredRole | undefined>;

/**
 * Read, then update only if unchanged, a few times: a concurrent change makes the condition fail
 * and the next read sees it. ReturnValues is not available inside TransactWriteItems, and a read
 * taken as merely informational could put into the event (the audit trail) a previous state that
 * was never the one replaced; the condition makes `previousName`/`previousActions` exact.
 */
const UPDATE_ATTEMPTS = 3;

/** `PUT /roles/{roleId}` (`role:manage`): a new name, new actions, or both; the id never changes. */
export function createUpdateRoleHandler(deps: RoleWriteDeps & { readRole: ReadStoredRole }) {
  const action = routeAction(FUNCTIONS.updateRole.name);
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const roleId = roleIdParameter(event);
    const change: RoleChange = parseBody(updateRoleBody, event.body) as RoleChange;
    refuseBuiltIn(roleId);
    if (change.name !== undefined) roleIdOfName(change.name);
    for (let attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt += 1) {
      const previous = await deps.readRole(caller.tenantId, roleId);
      if (previous?.builtIn) throw builtInRefusal(roleId);
      // A role that is not there still goes through the guard: without the permission, the answer is 403, not 404.
      const operation = previous ? updateRole(caller.tenantId, previous, change) : roleStillMissing(caller.tenantId, roleId);
      const outcome = await guardedWrite(deps, caller, action, [operation]);
      if (!previous && outcome.outcome === 'refused') throw new NotFoundError(`No role ${roleId} in this tenant`);
      if (!previous || outcome.outcome === 'refused') continue; // created, changed or deleted since the read: read again
      const previousActions = actionsOfRole(roleId, previous.storedActions);
      const role = { roleId, name: change.name ?? previous.name, actions: [...(change.actions ?? previousActions)] };
      const operationId = deps.newOperationId?.() ?? randomUUID();
      await publishAfterChange(deps, DETAIL_TYPE.roleUpdated, {
        tenantId: caller.tenantId,
        ...role,
        previousName: previous.name,
        previousActions,
        actorUserId: caller.userId,
        operationId,
      });
      return json(200, { role });
    }
    throw new ConflictError(`Role ${roleId} kept changing while you changed it: try again`);
  });
}

/** `DELETE /roles/{roleId}` (`role:manage`): only a role nobody holds. */
export function createDeleteRoleHandler(deps: RoleWriteDeps) {
  const action = routeAction(FUNCTIONS.deleteRole.name);
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const roleId = roleIdParameter(event);
    refuseBuiltIn(roleId);
    const outcome = await guardedWrite(deps, caller, action, deleteRole(caller.tenantId, roleId));
    if (outcome.outcome === 'refused') {
      if (outcome.failed.includes(ROLE_WRITE_LABEL.role)) throw new NotFoundError(`No role ${roleId} in this tenant`);
      throw new ConflictError(`Role ${roleId} is held by a member: give them another role first`);
    }
    const operationId = deps.newOperationId?.() ?? randomUUID();
    await publishAfterChange(deps, DETAIL_TYPE.roleDeleted, { tenantId: caller.tenantId, roleId, actorUserId: caller.userId, operationId });
    return json(204, undefined);
  });
}
