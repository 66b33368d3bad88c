import { requireEnv } from '../../shared/clients';
import { rolesStore } from '../../shared/roles-store';
import { tenantScopedDynamoDb } from '../../shared/scoped-clients';
import { createListRolesHandler } from './handler';
import { rolesLogger } from './wiring';

const tableName = requireEnv('TABLE_NAME');

export const handler = createListRolesHandler({
  storeFor: (credentials) => rolesStore(tenantScopedDynamoDb(credentials), tableName),
  logger: rolesLogger(),
});
