import { Logger } from '@aws-lambda-powertools/logger';
import { requireEnv } from '../../shared/clients';
import { tenantScopedDynamoDb } from '../../shared/scoped-clients';
import { tenancyStore } from '../../shared/tenancy-store';
import { createListTenantsHandler } from './handler';

const tableName = requireEnv('TABLE_NAME');

export const handler = createListTenantsHandler({
  storeFor: (credentials) => tenancyStore(tenantScopedDynamoDb(credentials), tableName),
  logger: new Logger({ serviceName: 'api-tenants' }),
});
