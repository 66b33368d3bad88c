import { Logger } from '@aws-lambda-powertools/logger';
import { ROUTES } from '../api/routes';
import { dynamoDbClient, cognitoIdentityClient, requireEnv } from '../shared/clients';
import { cognitoIdentityPool, dynamoDbMembershipReader } from './adapters';
import { createAuthorizerHandler } from './handler';
import { LoopbackHttpFetcher } from './jwks-fetcher';

export const handler = createAuthorizerHandler({
  config: {
    issuer: requireEnv('USER_POOL_ISSUER'),
    clientId: requireEnv('USER_POOL_CLIENT_ID'),
    routes: ROUTES,
  },
  readMembership: dynamoDbMembershipReader(dynamoDbClient(), requireEnv('TABLE_NAME')),
  identityPool: cognitoIdentityPool(cognitoIdentityClient(), requireEnv('IDENTITY_POOL_ID')),
  jwksFetcher: new LoopbackHttpFetcher(),
  logger: new Logger({ serviceName: 'authorizer' }),
});
