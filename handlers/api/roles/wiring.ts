/**
 * The default instances' shared wiring: the three write functions publish with the same bus and
 * write with their own role's DynamoDB client through the guarded writer, which reports denials.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { accessDeniedReporter } from '../../shared/access';
import { dynamoDbClient, eventBridgeClient, requireEnv } from '../../shared/clients';
import { eventBridgePublisher } from '../../shared/event-publisher';
import { guardedWriter } from '../../shared/guarded-write';
import type { RoleWriteDeps } from './handler';

export const rolesLogger = (): Logger => new Logger({ serviceName: 'api-roles' });

export function roleWriteDeps(): RoleWriteDeps & { tableName: string } {
  const tableName = requireEnv('TABLE_NAME');
  const logger = rolesLogger();
  const publish = eventBridgePublisher(eventBridgeClient(), requireEnv('EVENT_BUS_NAME'));
  const writer = guardedWriter({ client: dynamoDbClient(), tableName, onDenied: accessDeniedReporter({ publish, logger }) });
  return { writer, publish, logger, tableName };
}
