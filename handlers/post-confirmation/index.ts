import { Logger } from '@aws-lambda-powertools/logger';
import { eventBridgeClient, requireEnv } from '../shared/clients';
import { eventBridgePublisher } from '../shared/event-publisher';
import { createPostConfirmationHandler } from './handler';

export const handler = createPostConfirmationHandler({
  publish: eventBridgePublisher(eventBridgeClient(), requireEnv('EVENT_BUS_NAME')),
  logger: new Logger({ serviceName: 'post-confirmation' }),
});
