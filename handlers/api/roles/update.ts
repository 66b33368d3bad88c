import { dynamoDbClient } from '../../shared/clients';
import { rolesStore } from '../../shared/roles-store';
import { createUpdateRoleHandler } from './handler';
import { roleWriteDeps } from './wiring';

const deps = roleWriteDeps();
// The read before the conditional update uses the function's own client, like the write: it must be consistent with it.
const ownStore = rolesStore(dynamoDbClient(), deps.tableName);

export const handler = createUpdateRoleHandler({ ...deps, readRole: (tenantId, roleId) => ownStore.getRole(tenantId, roleId, { consistent: true }) });
