import { Logger } from '@aws-lambda-powertools/logger';
import { accessDeniedReporter } from '../../shared/access';
import { dynamoDbClient, eventBridgeClient, requireEnv, sfnClient } from '../../shared/clients';
import { eventBridgePublisher } from '../../shared/event-publisher';
import { controlReads, tenantReads } from '../../shared/member-store';
import { tenantScopedDynamoDb } from '../../shared/scoped-clients';
import { stepFunctionsRunner } from '../../shared/workflow-runner';
import { createRemoveMemberHandler } from './handler';

const tableName = requireEnv('TABLE_NAME');
const logger = new Logger({ serviceName: 'api-members' });

export const handler = createRemoveMemberHandler({
  readsFor: (credentials) => tenantReads(tenantScopedDynamoDb(credentials), tableName),
  control: controlReads(dynamoDbClient(), tableName),
  run: stepFunctionsRunner(sfnClient()),
  removeMemberArn: requireEnv('REMOVE_MEMBER_STATE_MACHINE_ARN'),
  now: () => new Date(),
  reportDenied: accessDeniedReporter({ publish: eventBridgePublisher(eventBridgeClient(), requireEnv('EVENT_BUS_NAME')), logger }),
  logger,
});
