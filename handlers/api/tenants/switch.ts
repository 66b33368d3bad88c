import { Logger } from '@aws-lambda-powertools/logger';
import { cognitoIdentityProviderClient, sfnClient, requireEnv } from '../../shared/clients';
import { cognitoTokenRefresher } from '../../shared/tokens';
import { stepFunctionsRunner } from '../../shared/workflow-runner';
import { createSwitchTenantHandler } from './handler';

export const handler = createSwitchTenantHandler({
  run: stepFunctionsRunner(sfnClient()),
  switchingArn: requireEnv('SWITCHING_STATE_MACHINE_ARN'),
  refresh: cognitoTokenRefresher(cognitoIdentityProviderClient(), requireEnv('USER_POOL_CLIENT_ID')),
  logger: new Logger({ serviceName: 'api-tenants' }),
});
