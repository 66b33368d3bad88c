import { Logger } from '@aws-lambda-powertools/logger';
import { awsClients, requireEnv } from '../../shared/clients';
import { dynamoDbWriteOnce } from '../../shared/write-once';
import { createProfileWriterHandler } from './handler';

export const handler = createProfileWriterHandler({
  table: dynamoDbWriteOnce(awsClients().dynamodb, requireEnv('TABLE_NAME')),
  logger: new Logger({ serviceName: 'profile-writer' }),
});
