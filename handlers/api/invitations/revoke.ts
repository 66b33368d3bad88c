import { Logger } from '@aws-lambda-powertools/logger';
import { randomUUID } from 'node:crypto';
import { accessDeniedReporter } from '../../shared/access';
import { dynamoDbClient, eventBridgeClient, requireEnv } from '../../shared/clients';
import { eventBridgePublisher } from '../../shared/event-publisher';
import { guardedWriter } from '../../shared/guarded-write';
import { controlReads, tenantReads } from '../../shared/member-store';
import { tenantScopedDynamoDb } from '../../shared/scoped-clients';
import { createRevokeInvitationHandler } from './handler';

const tableName = requireEnv('TABLE_NAME');
const logger = new Logger({ serviceName: 'api-invitations' });
const publish = eventBridgePublisher(eventBridgeClient(), requireEnv('EVENT_BUS_NAME'));
const reportDenied = accessDeniedReporter({ publish, logger });

export const handler = createRevokeInvitationHandler({
  readsFor: (credentials) => tenantReads(tenantScopedDynamoDb(credentials), tableName),
  control: controlReads(dynamoDbClient(), tableName),
  writer: guardedWriter({ client: dynamoDbClient(), tableName, onDenied: reportDenied }),
  publish,
  reportDenied,
  newOperationId: randomUUID,
  now: () => new Date(),
  logger,
});
