import { authorizationRequestsFor, type AuthorizationScope } from '../../local/iam/dynamodb-authorization';
import { PartiQLStatementUnreadableError, partiqlTarget } from '../../local/iam/partiql-statement';

const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/ControlPlane';
const scope: AuthorizationScope = {
  region: 'us-east-1',
  accountId: '000000000000',
  keySchemaOf: async () => ({ partitionKey: 'PK', indexes: { ByUser: 'GSI1PK' } }),
};

describe('PartiQL statements to the action and table IAM evaluates', () => {
  it.each([
    ['SELECT * FROM "ControlPlane" WHERE PK = ?', { action: 'PartiQLSelect', tableName: 'ControlPlane' }],
    ['select name, roles[0].id, "size" from ControlPlane where PK = ?', { action: 'PartiQLSelect', tableName: 'ControlPlane' }],
    ['SELECT * FROM "ControlPlane"', { action: 'PartiQLSelect', tableName: 'ControlPlane' }],
    ['SELECT GSI1SK FROM "ControlPlane"."ByUser" WHERE GSI1PK = ?', { action: 'PartiQLSelect', tableName: 'ControlPlane', indexName: 'ByUser' }],
    ['SELECT * FROM "My.Table" ORDER BY SK DESC', { action: 'PartiQLSelect', tableName: 'My.Table' }],
    [`INSERT INTO "ControlPlane" VALUE {'PK': ?, 'SK': ?}`, { action: 'PartiQLInsert', tableName: 'ControlPlane' }],
    [`  insert into ControlPlane value {'PK': 'a'}`, { action: 'PartiQLInsert', tableName: 'ControlPlane' }],
    [`UPDATE "ControlPlane" SET note = 'x' WHERE PK = ? AND SK = ?`, { action: 'PartiQLUpdate', tableName: 'ControlPlane' }],
    [`UPDATE "ControlPlane" REMOVE note WHERE PK = ? RETURNING ALL OLD *`, { action: 'PartiQLUpdate', tableName: 'ControlPlane' }],
    ['DELETE FROM "ControlPlane" WHERE PK = ? AND SK = ?', { action: 'PartiQLDelete', tableName: 'ControlPlane' }],
  ])('%s', (statement, expected) => {
    expect(partiqlTarget(statement)).toEqual(expected);
  });

  it.each([
    ['a verb it does not know', 'EXISTS(SELECT * FROM "ControlPlane" WHERE PK = ?)'],
    ['a leading comment', '-- note\nSELECT * FROM "Other"'],
    ['a projection holding a string literal', `SELECT 'FROM "Other"' FROM "ControlPlane"`],
    ['a projection holding a function', 'SELECT size(a) FROM "ControlPlane"'],
    ['an empty projection', 'SELECT FROM "ControlPlane"'],
    ['a bare table name with a dot', 'SELECT * FROM ControlPlane.ByUser'],
    ['an unquoted index name', 'SELECT * FROM "ControlPlane".ByUser'],
    ['two identifiers where one table goes (a doubled quote)', 'SELECT * FROM "Own""Other"'],
    ['a second table', 'SELECT * FROM "ControlPlane", "Other"'],
    ['an INSERT without VALUE', `INSERT INTO "ControlPlane" {'PK': ?}`],
    ['an UPDATE without SET or REMOVE', `UPDATE "ControlPlane" WHERE PK = ?`],
    ['a DELETE with something after the table', 'DELETE FROM "ControlPlane" "Other" WHERE PK = ?'],
    ['an empty quoted name', 'SELECT * FROM "" WHERE PK = ?'],
    ['an empty statement', '   '],
  ])('refuses %s rather than guess', (_label, statement) => {
    expect(() => partiqlTarget(statement)).toThrow(PartiQLStatementUnreadableError);
  });
});

describe('PartiQL operations to IAM authorization requests', () => {
  it('ExecuteStatement: the statement action on the table, with no condition keys', async () => {
    const requests = await authorizationRequestsFor('ExecuteStatement', { Statement: 'SELECT * FROM "ControlPlane" WHERE PK = ?', Parameters: [{ S: 'TENANT#A' }] }, scope);

    expect(requests).toEqual([{ action: 'dynamodb:PartiQLSelect', resource: TABLE_ARN, context: {} }]);
  });

  it('a SELECT on an index: PartiQLSelect on the index ARN', async () => {
    const requests = await authorizationRequestsFor('ExecuteStatement', { Statement: 'SELECT * FROM "ControlPlane"."ByUser" WHERE GSI1PK = ?' }, scope);

    expect(requests).toEqual([{ action: 'dynamodb:PartiQLSelect', resource: `${TABLE_ARN}/index/ByUser`, context: {} }]);
  });

  it('BatchExecuteStatement and ExecuteTransaction: one request per statement, each on its own table', async () => {
    const batch = await authorizationRequestsFor(
      'BatchExecuteStatement',
      { Statements: [{ Statement: 'SELECT * FROM "ControlPlane" WHERE PK = ? AND SK = ?' }, { Statement: 'DELETE FROM "Other" WHERE id = ?' }] },
      scope,
    );
    const transaction = await authorizationRequestsFor(
      'ExecuteTransaction',
      { TransactStatements: [{ Statement: `INSERT INTO "ControlPlane" VALUE {'PK': ?}` }, { Statement: `UPDATE "ControlPlane" SET a = 1 WHERE PK = ?` }] },
      scope,
    );

    expect(batch.map(({ action, resource }) => [action, resource])).toEqual([
      ['dynamodb:PartiQLSelect', TABLE_ARN],
      ['dynamodb:PartiQLDelete', 'arn:aws:dynamodb:us-east-1:000000000000:table/Other'],
    ]);
    expect(transaction.map(({ action }) => action)).toEqual(['dynamodb:PartiQLInsert', 'dynamodb:PartiQLUpdate']);
  });

  it.each([
    ['ExecuteStatement', { Statement: 'SELECT * FROM "ControlPlane"; DELETE FROM "Other"' }],
    ['ExecuteStatement', {}],
    ['BatchExecuteStatement', { Statements: [] }],
    ['BatchExecuteStatement', { Statements: [{ Statement: 'SELECT * FROM "ControlPlane"' }, { Statement: 42 }] }],
    ['ExecuteTransaction', { TransactStatements: [{ Statement: 'EXISTS(SELECT * FROM "ControlPlane" WHERE PK = ?)' }] }],
  ])('%s with %j is refused as a whole, not partly authorized', async (operation, input) => {
    await expect(authorizationRequestsFor(operation, input, scope)).rejects.toThrow(PartiQLStatementUnreadableError);
  });
});
