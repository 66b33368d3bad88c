import type { Logger } from '@aws-lambda-powertools/logger';
import { actionsOfRole } from '../../../domain/permissions';
import type { ScopedCredentials } from '../../shared/scoped-clients';
import type { TenancyStore } from '../../shared/tenancy-store';
import { callerOf, json, route } from '../http';

/** `GET /me`: who the caller is, in which tenant, and what the role there allows. */
export function createGetMeHandler(deps: { storeFor: (credentials: ScopedCredentials) => TenancyStore; logger: Logger }) {
  return route(deps.logger, async (event) => {
    const caller = callerOf(event);
    let permissions: string[] = [];
    if (caller.tenantId && caller.roleId) {
      const role = await deps.storeFor(caller.credentials).getRole(caller.tenantId, caller.roleId);
      // A role deleted under a live token grants nothing but the admin role's built-in actions.
      permissions = actionsOfRole(caller.roleId, role?.actions ?? []);
    }
    return json(200, {
      userId: caller.userId,
      email: caller.email,
      activeTenantId: caller.tenantId,
      roleId: caller.roleId,
      permissions,
    });
  });
}
