import { TABLE_DEFINITION } from '../../domain/table';
import { LOCAL_ACCOUNT_ID } from '../../local/config';
import { aws, awsJson, outputs, SERVICE_ERROR_EXIT_CODES } from './environment';

// it.concurrent: every test is independent and costs a CLI start-up (a Python process, ~1 s): they overlap.
describe('aws dynamodb describe-table', () => {
  it.concurrent("answers TableArn and IndexArn in the local cloud's region and account", async () => {
    const { Table } = await awsJson<{ Table: { TableArn: string; GlobalSecondaryIndexes: { IndexName: string; IndexArn: string }[] } }>(['dynamodb', 'describe-table', '--table-name', outputs().tableName]);

    // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html (TableArn, GlobalSecondaryIndexes[].IndexArn)
    const tableArn = `arn:aws:dynamodb:${outputs().region}:${LOCAL_ACCOUNT_ID}:table/${outputs().tableName}`;
    expect(Table.TableArn).toBe(tableArn);
    expect(Table.GlobalSecondaryIndexes.map(({ IndexName, IndexArn }) => ({ IndexName, IndexArn }))).toEqual(
      TABLE_DEFINITION.globalSecondaryIndexes.map(({ indexName }) => ({ IndexName: indexName, IndexArn: `${tableArn}/index/${indexName}` })),
    );
  });

  it.concurrent('of an unknown table fails with ResourceNotFoundException, as the CLI prints it', async () => {
    const result = await aws(['dynamodb', 'describe-table', '--table-name', 'NoSuchTable']);

    // DescribeTable's errors: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeTable.html#API_DescribeTable_Errors
    expect(SERVICE_ERROR_EXIT_CODES).toContain(result.exitCode);
    expect(result.error).toMatchObject({ code: 'ResourceNotFoundException', operation: 'DescribeTable' });
  });
});

describe('an operation no local service handles', () => {
  it.concurrent('is answered in its own protocol, so the CLI prints a readable InvalidAction error naming it', async () => {
    const result = await aws(['iam', 'list-roles']);

    // IAM's query protocol's common error for an unknown action: https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
    expect(SERVICE_ERROR_EXIT_CODES).toContain(result.exitCode);
    expect(result.error).toEqual({ code: 'InvalidAction', operation: 'ListRoles', message: expect.stringContaining('ListRoles') });
  });
});
