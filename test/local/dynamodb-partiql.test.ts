import {
  BatchExecuteStatementCommand,
  ExecuteStatementCommand,
  ExecuteTransactionCommand,
  GetItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { DATA_KIND, tenantDataPartition } from '../../domain/keys';
import { USER_INDEX } from '../../domain/table';
import { LOCAL_ACCOUNT_ID } from '../../local/config';
import { clients, mintCredentials, outputs } from './support';

/**
 * PartiQL through the IAM gateway: tenant credentials are evaluated as the statement's own action
 * (`dynamodb:PartiQLSelect` and its siblings) on the table or index it names, as AWS evaluates
 * them, and the tenant policy grants none of them; the local administrator's statements run.
 */

const run = randomUUID().slice(0, 8);
const tenantId = `partiql-${run}`;
const table = () => outputs().tableName;
const tableArn = () => `arn:aws:dynamodb:${outputs().region}:${LOCAL_ACCOUNT_ID}:table/${table()}`;
const own = tenantDataPartition(tenantId, DATA_KIND.aircraft, 0);
const admin = clients().dynamodb;
let tenant: DynamoDBClient;

const deniedWith = async (send: Promise<unknown>): Promise<{ name: string; message: string }> => {
  const error = await send.then(
    () => new Error('the call was allowed'),
    (rejection: unknown) => rejection as Error,
  );
  return { name: error.name, message: error.message };
};

beforeAll(async () => {
  tenant = clients(await mintCredentials({ userId: `user-${run}`, tenantId })).dynamodb;
});

afterAll(() => {
  tenant.destroy();
  admin.destroy();
});

describe('PartiQL with tenant credentials', () => {
  it.each([
    ['SELECT', 'PartiQLSelect', () => `SELECT * FROM "${table()}" WHERE PK = '${own}'`],
    ['INSERT', 'PartiQLInsert', () => `INSERT INTO "${table()}" VALUE {'PK': '${own}', 'SK': 'PARTIQL#${run}'}`],
    ['UPDATE', 'PartiQLUpdate', () => `UPDATE "${table()}" SET note = 'x' WHERE PK = '${own}' AND SK = 'PARTIQL#${run}'`],
    ['DELETE', 'PartiQLDelete', () => `DELETE FROM "${table()}" WHERE PK = '${own}' AND SK = 'PARTIQL#${run}'`],
  ])('%s on the own partition is denied, naming dynamodb:%s and the table ARN', async (_verb, action, statement) => {
    const denial = await deniedWith(tenant.send(new ExecuteStatementCommand({ Statement: statement() })));

    expect(denial.name).toBe('AccessDeniedException');
    expect(denial.message).toContain(`is not authorized to perform: dynamodb:${action} on resource: ${tableArn()} because no identity-based policy allows`);
  });

  it('a SELECT on the user index is evaluated on the index ARN', async () => {
    const statement = `SELECT * FROM "${table()}"."${USER_INDEX.indexName}" WHERE ${USER_INDEX.partitionKey} = 'USER#${run}'`;

    const denial = await deniedWith(tenant.send(new ExecuteStatementCommand({ Statement: statement })));

    expect(denial.message).toContain(`dynamodb:PartiQLSelect on resource: ${tableArn()}/index/${USER_INDEX.indexName}`);
  });

  it('a batch and a transaction are denied on their first statement', async () => {
    const batch = await deniedWith(tenant.send(new BatchExecuteStatementCommand({ Statements: [{ Statement: `SELECT * FROM "${table()}" WHERE PK = '${own}' AND SK = 'X'` }] })));
    const transaction = await deniedWith(
      tenant.send(new ExecuteTransactionCommand({ TransactStatements: [{ Statement: `INSERT INTO "${table()}" VALUE {'PK': '${own}', 'SK': 'PARTIQL-TX#${run}'}` }] })),
    );

    expect(batch.message).toContain(`dynamodb:PartiQLSelect on resource: ${tableArn()}`);
    expect(transaction.message).toContain(`dynamodb:PartiQLInsert on resource: ${tableArn()}`);
  });

  it('a statement the gateway cannot read is refused as a local ValidationException, and nothing is written', async () => {
    const statement = `-- a comment first\nINSERT INTO "${table()}" VALUE {'PK': '${own}', 'SK': 'PARTIQL-RAW#${run}'}`;

    const refusal = await deniedWith(tenant.send(new ExecuteStatementCommand({ Statement: statement })));

    expect(refusal.name).toBe('ValidationException');
    expect(refusal.message).toContain('The local IAM gateway cannot tell which action and table this PartiQL statement needs');
    const { Item } = await admin.send(new GetItemCommand({ TableName: table(), Key: { PK: { S: own }, SK: { S: `PARTIQL-RAW#${run}` } } }));
    expect(Item).toBeUndefined();
  });
});

describe('PartiQL with the local administrator', () => {
  it('inserts, selects, updates and deletes an item', async () => {
    const key = `PK = '${own}' AND SK = 'ADMIN#${run}'`;

    await admin.send(new ExecuteStatementCommand({ Statement: `INSERT INTO "${table()}" VALUE {'PK': '${own}', 'SK': 'ADMIN#${run}', 'note': 'a'}` }));
    await admin.send(new ExecuteStatementCommand({ Statement: `UPDATE "${table()}" SET note = 'b' WHERE ${key}` }));
    const { Items: updated } = await admin.send(new ExecuteStatementCommand({ Statement: `SELECT note FROM "${table()}" WHERE ${key}` }));
    await admin.send(new ExecuteStatementCommand({ Statement: `DELETE FROM "${table()}" WHERE ${key}` }));
    const { Items: deleted } = await admin.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table()}" WHERE ${key}` }));

    expect(updated).toEqual([{ note: { S: 'b' } }]);
    expect(deleted).toEqual([]);
  });
});
