import { Logger } from '@aws-lambda-powertools/logger';
import { dynamoDbClient, requireEnv } from '../../shared/clients';
import { dynamoDbWriteOnce } from '../../shared/write-once';
import { createProfileWriterHandler } from './handler';

export const handler = createProfileWriterHandler({
  table: dynamoDbWriteOnce(dynamoDbClient(), requireEnv('TABLE_NAME')),
  logger: new Logger({ serviceName: 'profile-writer' }),
});
