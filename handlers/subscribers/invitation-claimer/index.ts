import { Logger } from '@aws-lambda-powertools/logger';
import { cognitoIdentityProviderClient, dynamoDbClient, eventBridgeClient, requireEnv, sfnClient } from '../../shared/clients';
import { eventBridgePublisher } from '../../shared/event-publisher';
import { invitationIndex, userDirectory } from '../../shared/member-store';
import { stepFunctionsRunner } from '../../shared/workflow-runner';
import { createInvitationClaimerHandler } from './handler';

export const handler = createInvitationClaimerHandler({
  directory: userDirectory(cognitoIdentityProviderClient(), requireEnv('USER_POOL_ID')),
  index: invitationIndex(dynamoDbClient(), requireEnv('TABLE_NAME')),
  run: stepFunctionsRunner(sfnClient()),
  addMemberArn: requireEnv('ADD_MEMBER_STATE_MACHINE_ARN'),
  publish: eventBridgePublisher(eventBridgeClient(), requireEnv('EVENT_BUS_NAME')),
  now: () => new Date(),
  logger: new Logger({ serviceName: 'invitation-claimer' }),
});
