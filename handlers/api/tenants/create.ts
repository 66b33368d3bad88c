import { Logger } from '@aws-lambda-powertools/logger';
import { cognitoIdentityProviderClient, dynamoDbClient, sfnClient, requireEnv } from '../../shared/clients';
import { idempotencyStore } from '../../shared/idempotency-store';
import { cognitoTokenRefresher } from '../../shared/tokens';
import { stepFunctionsRunner } from '../../shared/workflow-runner';
import { createCreateTenantHandler } from './handler';

export const handler = createCreateTenantHandler({
  run: stepFunctionsRunner(sfnClient()),
  onboardingArn: requireEnv('ONBOARDING_STATE_MACHINE_ARN'),
  refresh: cognitoTokenRefresher(cognitoIdentityProviderClient(), requireEnv('USER_POOL_CLIENT_ID')),
  // The caller's Idempotency-Key records (USER#{userId}#IDEMPOTENCY), written with the function's own role.
  idempotency: idempotencyStore(dynamoDbClient(), requireEnv('TABLE_NAME')),
  logger: new Logger({ serviceName: 'api-tenants' }),
});
