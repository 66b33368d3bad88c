import { Logger } from '@aws-lambda-powertools/logger';
import { FUNCTIONS } from '../../catalog';
import { accessDeniedReporter } from '../../shared/access';
import { eventBridgeClient, requireEnv } from '../../shared/clients';
import { eventBridgePublisher } from '../../shared/event-publisher';
import { tenantScopedDynamoDb } from '../../shared/scoped-clients';
import { tenancyStore } from '../../shared/tenancy-store';
import { routeAction } from '../routes';
import { createListAuditHandler } from './handler';
import { dynamoDbAuditTrail } from './trail';

const tableName = requireEnv('TABLE_NAME');
const logger = new Logger({ serviceName: 'api-audit' });
const action = routeAction(FUNCTIONS.listAudit.name);

export const handler = createListAuditHandler({
  action,
  rolesFor: (credentials) => {
    const store = tenancyStore(tenantScopedDynamoDb(credentials), tableName);
    return (tenantId, roleId) => store.getRole(tenantId, roleId);
  },
  trailFor: (credentials) => dynamoDbAuditTrail(tenantScopedDynamoDb(credentials), tableName),
  // The refusal is published with the function's own role: tenant credentials may not put events.
  reportDenied: accessDeniedReporter({ publish: eventBridgePublisher(eventBridgeClient(), requireEnv('EVENT_BUS_NAME')), logger }),
  logger,
});
