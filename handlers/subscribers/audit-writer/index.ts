import { Logger } from '@aws-lambda-powertools/logger';
import { dynamoDbClient, requireEnv } from '../../shared/clients';
import { dynamoDbWriteOnce } from '../../shared/write-once';
import { createAuditWriterHandler } from './handler';

export const handler = createAuditWriterHandler({
  table: dynamoDbWriteOnce(dynamoDbClient(), requireEnv('TABLE_NAME')),
  logger: new Logger({ serviceName: 'audit-writer' }),
});
