/**
 * The default instances of the data-plane functions: DynamoDB only through the tenant-scoped client
 * factory (scoped-clients.ts), the bus through the function's own role.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { accessDeniedReporter } from './access';
import { eventBridgeClient, requireEnv } from './clients';
import type { DataPlaneDeps } from './data-plane';
import { eventBridgePublisher } from './event-publisher';
import { tenantScopedDynamoDb } from './scoped-clients';
import { tenantSessions } from './tenant-session';

export function dataPlaneDeps(serviceName: string): DataPlaneDeps {
  const logger = new Logger({ serviceName });
  const publish = eventBridgePublisher(eventBridgeClient(), requireEnv('EVENT_BUS_NAME'));
  const reportDenied = accessDeniedReporter({ publish, logger });
  return {
    sessionFor: tenantSessions({ tableName: requireEnv('TABLE_NAME'), clientFor: tenantScopedDynamoDb, reportDenied }),
    publish,
    reportDenied,
    logger,
  };
}
