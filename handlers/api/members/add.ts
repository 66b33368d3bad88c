import { Logger } from '@aws-lambda-powertools/logger';
import { randomUUID } from 'node:crypto';
import { checkedInvitationTtlDays } from '../../../domain/limits';
import { accessDeniedReporter } from '../../shared/access';
import { cognitoIdentityProviderClient, dynamoDbClient, eventBridgeClient, requireEnv, sfnClient } from '../../shared/clients';
import { eventBridgePublisher } from '../../shared/event-publisher';
import { guardedWriter } from '../../shared/guarded-write';
import { idempotencyStore } from '../../shared/idempotency-store';
import { controlReads, tenantReads, userDirectory } from '../../shared/member-store';
import { tenantScopedDynamoDb } from '../../shared/scoped-clients';
import { stepFunctionsRunner } from '../../shared/workflow-runner';
import { createAddMemberHandler } from './handler';

const tableName = requireEnv('TABLE_NAME');
const logger = new Logger({ serviceName: 'api-members' });
const publish = eventBridgePublisher(eventBridgeClient(), requireEnv('EVENT_BUS_NAME'));
const reportDenied = accessDeniedReporter({ publish, logger });

export const handler = createAddMemberHandler({
  readsFor: (credentials) => tenantReads(tenantScopedDynamoDb(credentials), tableName),
  control: controlReads(dynamoDbClient(), tableName),
  directory: userDirectory(cognitoIdentityProviderClient(), requireEnv('USER_POOL_ID')),
  writer: guardedWriter({ client: dynamoDbClient(), tableName, onDenied: reportDenied }),
  run: stepFunctionsRunner(sfnClient()),
  addMemberArn: requireEnv('ADD_MEMBER_STATE_MACHINE_ARN'),
  invitationTtlDays: checkedInvitationTtlDays(Number(requireEnv('INVITATION_TTL_DAYS'))),
  publish,
  reportDenied,
  newOperationId: randomUUID,
  now: () => new Date(),
  logger,
  // Idempotency-Key records go in the control partition, written with the function's own role (TABLE_ACCESS: GetItem, PutItem).
  idempotency: idempotencyStore(dynamoDbClient(), tableName),
});
