import { Logger } from '@aws-lambda-powertools/logger';
import { cognitoIdentityProviderClient, sfnClient, requireEnv } from '../../shared/clients';
import { cognitoTokenRefresher } from '../../shared/tokens';
import { stepFunctionsRunner } from '../../shared/workflow-runner';
import { createCreateTenantHandler } from './handler';

export const handler = createCreateTenantHandler({
  run: stepFunctionsRunner(sfnClient()),
  onboardingArn: requireEnv('ONBOARDING_STATE_MACHINE_ARN'),
  refresh: cognitoTokenRefresher(cognitoIdentityProviderClient(), requireEnv('USER_POOL_CLIENT_ID')),
  logger: new Logger({ serviceName: 'api-tenants' }),
});
