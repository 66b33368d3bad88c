import {
  authorizationRequestsFor,
  ExpressionSyntaxError,
  partitionValueOfKeyCondition,
  topLevelAttributes,
  type AuthorizationScope,
  type TableKeySchema,
} from '../../local/iam/dynamodb-authorization';

const TABLE = 'ControlPlane';
const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/ControlPlane';
const OTHER_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/Other';
const SCHEMAS: Record<string, TableKeySchema> = {
  ControlPlane: { partitionKey: 'PK', indexes: { ByUser: 'GSI1PK' } },
  Other: { partitionKey: 'id', indexes: {} },
};
const scope: AuthorizationScope = {
  region: 'us-east-1',
  accountId: '000000000000',
  keySchemaOf: async (tableName) => SCHEMAS[tableName],
};

const S = (value: string): { S: string } => ({ S: value });
const key = (pk: string, sk = 'X'): Record<string, { S: string }> => ({ PK: S(pk), SK: S(sk) });

describe('DynamoDB item operations to IAM authorization requests', () => {
  it('GetItem: the key partition and the projected attributes', async () => {
    const requests = await authorizationRequestsFor(
      'GetItem',
      { TableName: TABLE, Key: key('TENANT#A'), ProjectionExpression: '#n, roles[0].id, createdAt', ExpressionAttributeNames: { '#n': 'name' } },
      scope,
    );

    expect(requests).toEqual([
      {
        action: 'dynamodb:GetItem',
        resource: TABLE_ARN,
        context: { 'dynamodb:LeadingKeys': ['TENANT#A'], 'dynamodb:Attributes': ['name', 'roles', 'createdAt'] },
      },
    ]);
  });

  it('GetItem with the legacy AttributesToGet', async () => {
    const [request] = await authorizationRequestsFor('GetItem', { TableName: TABLE, Key: key('TENANT#A'), AttributesToGet: ['a', 'b'] }, scope);

    expect(request?.context['dynamodb:Attributes']).toEqual(['a', 'b']);
  });

  it('PutItem: the item partition, its attributes and ReturnValues', async () => {
    const requests = await authorizationRequestsFor(
      'PutItem',
      { TableName: TABLE, Item: { ...key('TENANT#A#notes#0', 'NOTE#1'), body: S('hi') }, ReturnValues: 'ALL_OLD' },
      scope,
    );

    expect(requests).toEqual([
      {
        action: 'dynamodb:PutItem',
        resource: TABLE_ARN,
        context: {
          'dynamodb:LeadingKeys': ['TENANT#A#notes#0'],
          'dynamodb:Attributes': ['PK', 'SK', 'body'],
          'dynamodb:ReturnValues': 'ALL_OLD',
        },
      },
    ]);
  });

  it('UpdateItem: the key partition and every top-level attribute the update expression names', async () => {
    const requests = await authorizationRequestsFor(
      'UpdateItem',
      {
        TableName: TABLE,
        Key: key('TENANT#A#notes#0'),
        UpdateExpression: 'SET #c = if_not_exists(#c, :zero) + :one, meta.updated = :now REMOVE draft ADD tags :t',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':now': S('t'), ':t': { SS: ['x'] } },
        ReturnValues: 'UPDATED_NEW',
      },
      scope,
    );

    expect(requests).toEqual([
      {
        action: 'dynamodb:UpdateItem',
        resource: TABLE_ARN,
        context: {
          'dynamodb:LeadingKeys': ['TENANT#A#notes#0'],
          'dynamodb:Attributes': ['PK', 'SK', 'count', 'meta', 'draft', 'tags'],
          'dynamodb:ReturnValues': 'UPDATED_NEW',
        },
      },
    ]);
  });

  it('DeleteItem: the key partition', async () => {
    const requests = await authorizationRequestsFor('DeleteItem', { TableName: TABLE, Key: key('TENANT#B#x#1') }, scope);

    expect(requests).toEqual([
      { action: 'dynamodb:DeleteItem', resource: TABLE_ARN, context: { 'dynamodb:LeadingKeys': ['TENANT#B#x#1'], 'dynamodb:Attributes': ['PK', 'SK'] } },
    ]);
  });

  it('reads the partition key of the named table, not a fixed attribute name', async () => {
    const [request] = await authorizationRequestsFor('GetItem', { TableName: 'Other', Key: { id: { N: '42' } } }, scope);

    expect(request).toEqual({ action: 'dynamodb:GetItem', resource: OTHER_ARN, context: { 'dynamodb:LeadingKeys': ['42'] } });
  });

  it('accepts a table ARN as the table name, as DynamoDB does', async () => {
    const [request] = await authorizationRequestsFor('GetItem', { TableName: TABLE_ARN, Key: key('TENANT#A') }, scope);

    expect(request?.resource).toBe(TABLE_ARN);
    expect(request?.context['dynamodb:LeadingKeys']).toEqual(['TENANT#A']);
  });

  it('gives no leading keys for a table whose schema is unknown', async () => {
    const [request] = await authorizationRequestsFor('GetItem', { TableName: 'Missing', Key: key('TENANT#A') }, scope);

    expect(request?.context).toEqual({});
  });
});

describe('Query and Scan to IAM authorization requests', () => {
  it('Query: the partition key equality of the key condition, with names and values resolved', async () => {
    const requests = await authorizationRequestsFor(
      'Query',
      {
        TableName: TABLE,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': 'PK', '#sk': 'SK' },
        ExpressionAttributeValues: { ':pk': S('TENANT#A#notes#3'), ':prefix': S('NOTE#') },
      },
      scope,
    );

    expect(requests).toEqual([
      {
        action: 'dynamodb:Query',
        resource: TABLE_ARN,
        context: { 'dynamodb:LeadingKeys': ['TENANT#A#notes#3'], 'dynamodb:Select': 'ALL_ATTRIBUTES' },
      },
    ]);
  });

  it('Query on an index: the index ARN and the index partition key', async () => {
    const requests = await authorizationRequestsFor(
      'Query',
      {
        TableName: TABLE,
        IndexName: 'ByUser',
        KeyConditionExpression: '(:u = GSI1PK) AND GSI1SK BETWEEN :a AND :b',
        ExpressionAttributeValues: { ':u': S('USER#u1'), ':a': S('A'), ':b': S('Z') },
        ProjectionExpression: 'tenantName',
      },
      scope,
    );

    expect(requests).toEqual([
      {
        action: 'dynamodb:Query',
        resource: `${TABLE_ARN}/index/ByUser`,
        context: { 'dynamodb:LeadingKeys': ['USER#u1'], 'dynamodb:Attributes': ['tenantName'], 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
      },
    ]);
  });

  it('Query on an index never takes the table partition key for the index one', async () => {
    const [request] = await authorizationRequestsFor(
      'Query',
      { TableName: TABLE, IndexName: 'ByUser', KeyConditionExpression: 'PK = :t', ExpressionAttributeValues: { ':t': S('TENANT#A') } },
      scope,
    );

    expect(request?.context['dynamodb:LeadingKeys']).toBeUndefined();
  });

  it('Query with the legacy KeyConditions', async () => {
    const [request] = await authorizationRequestsFor(
      'Query',
      {
        TableName: TABLE,
        KeyConditions: {
          PK: { ComparisonOperator: 'EQ', AttributeValueList: [S('TENANT#A')] },
          SK: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [S('ROLE#')] },
        },
        Select: 'COUNT',
      },
      scope,
    );

    expect(request?.context).toEqual({ 'dynamodb:LeadingKeys': ['TENANT#A'], 'dynamodb:Select': 'COUNT' });
  });

  it('Scan: no leading keys at all', async () => {
    const requests = await authorizationRequestsFor('Scan', { TableName: TABLE, IndexName: 'ByUser' }, scope);

    expect(requests).toEqual([
      { action: 'dynamodb:Scan', resource: `${TABLE_ARN}/index/ByUser`, context: { 'dynamodb:Select': 'ALL_PROJECTED_ATTRIBUTES' } },
    ]);
  });
});

describe('batch and transaction operations to IAM authorization requests', () => {
  it('BatchGetItem: one request per table with every key partition', async () => {
    const requests = await authorizationRequestsFor(
      'BatchGetItem',
      {
        RequestItems: {
          [TABLE]: { Keys: [key('TENANT#A', '1'), key('TENANT#A', '2'), key('TENANT#B', '1')], ProjectionExpression: 'PK, SK' },
          Other: { Keys: [{ id: S('x') }] },
        },
      },
      scope,
    );

    expect(requests).toEqual([
      {
        action: 'dynamodb:BatchGetItem',
        resource: TABLE_ARN,
        context: { 'dynamodb:LeadingKeys': ['TENANT#A', 'TENANT#B'], 'dynamodb:Attributes': ['PK', 'SK'] },
      },
      { action: 'dynamodb:BatchGetItem', resource: OTHER_ARN, context: { 'dynamodb:LeadingKeys': ['x'] } },
    ]);
  });

  it('BatchWriteItem: one request per table with the partitions of puts and deletes', async () => {
    const requests = await authorizationRequestsFor(
      'BatchWriteItem',
      {
        RequestItems: {
          [TABLE]: [{ PutRequest: { Item: { ...key('TENANT#A#n#0'), body: S('b') } } }, { DeleteRequest: { Key: key('TENANT#A#n#1') } }],
        },
      },
      scope,
    );

    expect(requests).toEqual([
      {
        action: 'dynamodb:BatchWriteItem',
        resource: TABLE_ARN,
        context: { 'dynamodb:LeadingKeys': ['TENANT#A#n#0', 'TENANT#A#n#1'], 'dynamodb:Attributes': ['PK', 'SK', 'body'] },
      },
    ]);
  });

  it('TransactWriteItems: one request per element, as the item action it stands for', async () => {
    const requests = await authorizationRequestsFor(
      'TransactWriteItems',
      {
        TransactItems: [
          { ConditionCheck: { TableName: TABLE, Key: key('TENANT#A', 'ROLE#admin'), ConditionExpression: 'attribute_exists(PK)' } },
          { Put: { TableName: TABLE, Item: key('TENANT#A#n#0') } },
          { Update: { TableName: TABLE, Key: key('TENANT#A#n#1'), UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': S('1') } } },
          { Delete: { TableName: TABLE, Key: key('TENANT#A#n#2') } },
        ],
      },
      scope,
    );

    expect(requests.map((request) => [request.action, request.context['dynamodb:LeadingKeys']])).toEqual([
      ['dynamodb:ConditionCheckItem', ['TENANT#A']],
      ['dynamodb:PutItem', ['TENANT#A#n#0']],
      ['dynamodb:UpdateItem', ['TENANT#A#n#1']],
      ['dynamodb:DeleteItem', ['TENANT#A#n#2']],
    ]);
  });

  it('TransactWriteItems: authorizes the Delete that DynamoDB runs behind an unknown first member of an element', async () => {
    const element = {
      Decoy: { TableName: TABLE, Item: key('TENANT#A#n#0') },
      Delete: { TableName: TABLE, Key: key('TENANT#B#n#0') },
    };

    const requests = await authorizationRequestsFor('TransactWriteItems', { TransactItems: [element] }, scope);

    expect(requests).toEqual([
      { action: 'dynamodb:DeleteItem', resource: TABLE_ARN, context: { 'dynamodb:LeadingKeys': ['TENANT#B#n#0'], 'dynamodb:Attributes': ['PK', 'SK'] } },
    ]);
  });

  it('TransactWriteItems: an element with no known member gives a request without keys', async () => {
    const requests = await authorizationRequestsFor('TransactWriteItems', { TransactItems: [{ put: { TableName: TABLE, Item: key('TENANT#A#n#0') } }] }, scope);

    expect(requests.map((request) => request.context['dynamodb:LeadingKeys'])).toEqual([undefined]);
  });

  it('TransactGetItems: a GetItem per element', async () => {
    const requests = await authorizationRequestsFor(
      'TransactGetItems',
      { TransactItems: [{ Get: { TableName: TABLE, Key: key('TENANT#A') } }, { Get: { TableName: 'Other', Key: { id: S('7') } } }] },
      scope,
    );

    expect(requests).toEqual([
      { action: 'dynamodb:GetItem', resource: TABLE_ARN, context: { 'dynamodb:LeadingKeys': ['TENANT#A'] } },
      { action: 'dynamodb:GetItem', resource: OTHER_ARN, context: { 'dynamodb:LeadingKeys': ['7'] } },
    ]);
  });
});

describe('control-plane operations to IAM authorization requests', () => {
  it.each([
    ['DescribeTable', { TableName: TABLE }, TABLE_ARN],
    ['CreateTable', { TableName: 'New' }, 'arn:aws:dynamodb:us-east-1:000000000000:table/New'],
    ['DeleteTable', { TableName: TABLE }, TABLE_ARN],
    ['ListTagsOfResource', { ResourceArn: TABLE_ARN }, TABLE_ARN],
    ['ListTables', {}, '*'],
  ])('%s: its own action on its table, with no leading keys', async (operation, input, resource) => {
    const requests = await authorizationRequestsFor(operation, input, scope);

    expect(requests).toEqual([{ action: `dynamodb:${operation}`, resource, context: {} }]);
  });
});

describe('expression reading', () => {
  it('finds the partition key equality on either side and ignores the sort key', () => {
    const values = { ':a': S('TENANT#A'), ':s': S('S') };

    expect(partitionValueOfKeyCondition('SK = :s AND PK = :a', 'PK', {}, values)).toBe('TENANT#A');
    expect(partitionValueOfKeyCondition(':a=#p', 'PK', { '#p': 'PK' }, values)).toBe('TENANT#A');
    expect(partitionValueOfKeyCondition('SK = :s', 'PK', {}, values)).toBeUndefined();
  });

  it('does not take a nested member as a top-level attribute', () => {
    expect(topLevelAttributes('a.PK, b[2].c.d, size(e)', {})).toEqual(['a', 'b', 'e']);
  });

  it('refuses an expression it cannot read rather than guessing', () => {
    expect(() => topLevelAttributes('a ; b', {})).toThrow(ExpressionSyntaxError);
  });
});
