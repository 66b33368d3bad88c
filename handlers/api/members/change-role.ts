import { Logger } from '@aws-lambda-powertools/logger';
import { randomUUID } from 'node:crypto';
import { accessDeniedReporter } from '../../shared/access';
import { cognitoIdentityProviderClient, dynamoDbClient, eventBridgeClient, requireEnv } from '../../shared/clients';
import { eventBridgePublisher } from '../../shared/event-publisher';
import { guardedWriter } from '../../shared/guarded-write';
import { controlReads, tenantReads, userDirectory } from '../../shared/member-store';
import { tenantScopedDynamoDb } from '../../shared/scoped-clients';
import { createChangeMemberRoleHandler } from './handler';

const tableName = requireEnv('TABLE_NAME');
const logger = new Logger({ serviceName: 'api-members' });
const publish = eventBridgePublisher(eventBridgeClient(), requireEnv('EVENT_BUS_NAME'));
const reportDenied = accessDeniedReporter({ publish, logger });

export const handler = createChangeMemberRoleHandler({
  readsFor: (credentials) => tenantReads(tenantScopedDynamoDb(credentials), tableName),
  control: controlReads(dynamoDbClient(), tableName),
  directory: userDirectory(cognitoIdentityProviderClient(), requireEnv('USER_POOL_ID')),
  writer: guardedWriter({ client: dynamoDbClient(), tableName, onDenied: reportDenied }),
  publish,
  reportDenied,
  newOperationId: randomUUID,
  logger,
});
