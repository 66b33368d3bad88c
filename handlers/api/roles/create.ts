import { accessDeniedReporter } from '../../shared/access';
import { dynamoDbClient } from '../../shared/clients';
import { idempotencyStore } from '../../shared/idempotency-store';
import { tenantScopedDynamoDb } from '../../shared/scoped-clients';
import { tenancyStore } from '../../shared/tenancy-store';
import { createCreateRoleHandler } from './handler';
import { roleWriteDeps } from './wiring';

const deps = roleWriteDeps();

export const handler = createCreateRoleHandler({
  ...deps,
  // Idempotency-Key records go in the control partition, written with the function's own role (TABLE_ACCESS: GetItem, PutItem).
  idempotency: idempotencyStore(dynamoDbClient(), deps.tableName),
  // A keyed request's permission is read before its key is claimed, with the caller's own credentials, as every route's read-side check.
  rolesFor: (credentials) => {
    const store = tenancyStore(tenantScopedDynamoDb(credentials), deps.tableName);
    return (tenantId, roleId) => store.getRole(tenantId, roleId);
  },
  reportDenied: accessDeniedReporter({ publish: deps.publish, logger: deps.logger }),
});
