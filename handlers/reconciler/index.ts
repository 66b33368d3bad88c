import { Logger } from '@aws-lambda-powertools/logger';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { cognitoIdentityProviderClient, dynamoDbClient, eventBridgeClient, requireEnv } from '../shared/clients';
import { eventBridgePublisher } from '../shared/event-publisher';
import { createReconcilerHandler } from './handler';
import { reconcilerPorts } from './ports';
import { reconcilerTable } from './table-store';
import { reconcilerUserPool } from './user-pool';

export const handler = createReconcilerHandler({
  ports: reconcilerPorts(reconcilerTable(dynamoDbClient(), requireEnv('TABLE_NAME')), reconcilerUserPool(cognitoIdentityProviderClient(), requireEnv('USER_POOL_ID'))),
  publish: eventBridgePublisher(eventBridgeClient(), requireEnv('EVENT_BUS_NAME')),
  logger: new Logger({ serviceName: 'reconciler' }),
  sleep: async (milliseconds) => {
    await sleep(milliseconds);
  },
  newId: randomUUID,
});
