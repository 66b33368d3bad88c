import { Logger } from '@aws-lambda-powertools/logger';
import { awsClients, requireEnv } from '../../shared/clients';
import { cognitoTokenRefresher } from '../../shared/tokens';
import { stepFunctionsRunner } from '../../shared/workflow-runner';
import { createCreateTenantHandler } from './handler';

const clients = awsClients();

export const handler = createCreateTenantHandler({
  run: stepFunctionsRunner(clients.sfn),
  onboardingArn: requireEnv('ONBOARDING_STATE_MACHINE_ARN'),
  refresh: cognitoTokenRefresher(clients.cognitoIdentityProvider, requireEnv('USER_POOL_CLIENT_ID')),
  logger: new Logger({ serviceName: 'api-tenants' }),
});
