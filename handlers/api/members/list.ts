import { Logger } from '@aws-lambda-powertools/logger';
import { accessDeniedReporter } from '../../shared/access';
import { eventBridgeClient, requireEnv } from '../../shared/clients';
import { eventBridgePublisher } from '../../shared/event-publisher';
import { tenantReads } from '../../shared/member-store';
import { tenantScopedDynamoDb } from '../../shared/scoped-clients';
import { createListMembersHandler } from './handler';

const tableName = requireEnv('TABLE_NAME');
const logger = new Logger({ serviceName: 'api-members' });

export const handler = createListMembersHandler({
  readsFor: (credentials) => tenantReads(tenantScopedDynamoDb(credentials), tableName),
  reportDenied: accessDeniedReporter({ publish: eventBridgePublisher(eventBridgeClient(), requireEnv('EVENT_BUS_NAME')), logger }),
  logger,
});
