import { runSimulation } from '@cloud-copilot/iam-simulate';
import { principalTagsFor, tenantPolicyDocument } from '../../domain/isolation';
import { auditPartition, KEY_PREFIX, PLATFORM_AUDIT_ID, SORT_KEY, tenantDataPartition, tenantPartition, userLimitsKey, userPartition } from '../../domain/keys';
import { ADMIN_ROLE_ID } from '../../domain/permissions';
import { DEFAULT_TABLE_NAME, TABLE_KEYS, USER_INDEX } from '../../domain/table';
import { authorizationRequestsFor, type AuthorizationScope } from '../../local/iam/dynamodb-authorization';
import { accessDeniedMessage, assumedRoleArn, evaluate, type SessionPrincipal } from '../../local/iam/policy-evaluator';

const ACCOUNT = '000000000000';
const TABLE_ARN = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${DEFAULT_TABLE_NAME}`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/tenant/TenantRole`;
const policy = tenantPolicyDocument(TABLE_ARN);

const tenantA: SessionPrincipal = {
  roleArn: ROLE_ARN,
  sessionArn: assumedRoleArn(ROLE_ARN),
  accountId: ACCOUNT,
  principalTags: { tenant_id: 'A', user_id: 'u1' },
};

const scope: AuthorizationScope = {
  region: 'us-east-1',
  accountId: ACCOUNT,
  keySchemaOf: async () => ({ partitionKey: TABLE_KEYS.partitionKey, indexes: { [USER_INDEX.indexName]: USER_INDEX.partitionKey } }),
};

const S = (value: string): { S: string } => ({ S: value });
const key = (pk: string, sk = 'ITEM'): Record<string, { S: string }> => ({ [TABLE_KEYS.partitionKey]: S(pk), [TABLE_KEYS.sortKey]: S(sk) });
const queryOn = (pk: string, indexName?: string): Record<string, unknown> => ({
  TableName: DEFAULT_TABLE_NAME,
  ...(indexName ? { IndexName: indexName } : {}),
  KeyConditionExpression: '#pk = :pk',
  ExpressionAttributeNames: { '#pk': indexName ? USER_INDEX.partitionKey : TABLE_KEYS.partitionKey },
  ExpressionAttributeValues: { ':pk': S(pk) },
});

async function decide(operation: string, input: Record<string, unknown>): Promise<'allowed' | 'denied'> {
  const requests = await authorizationRequestsFor(operation, input, scope);
  return evaluate(policy, tenantA, requests).allowed ? 'allowed' : 'denied';
}

const OWN_DATA = tenantDataPartition('A', 'notes', 3);
const OWN_CONTROL = tenantPartition('A');

type AuthorizationRequest = Awaited<ReturnType<typeof authorizationRequestsFor>>[number];

/**
 * iam-simulate's verdict on one request of tenant A's session under the tenant policy alone: the
 * overall result and the context keys it ignored (an ignored key is one the policy names in vain).
 */
async function simulatedForTenantA(request: AuthorizationRequest): Promise<{ overall: string; ignored: string[] | undefined } | false> {
  const result = await runSimulation(
    {
      request: {
        principal: tenantA.sessionArn,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: { 'aws:PrincipalTag/tenant_id': 'A', 'aws:PrincipalTag/user_id': 'u1', ...request.context },
      },
      identityPolicies: [{ name: 'tenant', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  return result.resultType === 'single' && { overall: result.overallResult, ignored: result.result.ignoredContextKeys };
}

describe('the tenant policy, evaluated for tenant A (user u1)', () => {
  it.each<[string, string, Record<string, unknown>, 'allowed' | 'denied']>([
    ['reads its own data partition', 'GetItem', { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_DATA) }, 'allowed'],
    ['writes its own data partition', 'PutItem', { TableName: DEFAULT_TABLE_NAME, Item: { ...key(OWN_DATA), body: S('x') } }, 'allowed'],
    ['updates its own data partition', 'UpdateItem', { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_DATA), UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': S('1') } }, 'allowed'],
    ['deletes in its own data partition', 'DeleteItem', { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_DATA) }, 'allowed'],
    ['queries its own data partition', 'Query', queryOn(OWN_DATA), 'allowed'],
    ['reads its control partition', 'GetItem', { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_CONTROL, SORT_KEY.tenant) }, 'allowed'],
    ['queries its control partition', 'Query', queryOn(OWN_CONTROL), 'allowed'],
    ['cannot write its control partition', 'PutItem', { TableName: DEFAULT_TABLE_NAME, Item: key(OWN_CONTROL, SORT_KEY.role(ADMIN_ROLE_ID)) }, 'denied'],
    ['cannot update its control partition', 'UpdateItem', { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_CONTROL, SORT_KEY.tenant), UpdateExpression: 'REMOVE plan' }, 'denied'],
    ['cannot delete from its control partition', 'DeleteItem', { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_CONTROL, SORT_KEY.member('u2')) }, 'denied'],
    ['cannot read tenant B', 'GetItem', { TableName: DEFAULT_TABLE_NAME, Key: key(tenantPartition('B')) }, 'denied'],
    ['cannot read tenant B data', 'GetItem', { TableName: DEFAULT_TABLE_NAME, Key: key(tenantDataPartition('B', 'notes', 0)) }, 'denied'],
    ['cannot write tenant B data', 'PutItem', { TableName: DEFAULT_TABLE_NAME, Item: key(tenantDataPartition('B', 'notes', 0)) }, 'denied'],
    ['cannot read tenant A0, whose id starts with its own', 'GetItem', { TableName: DEFAULT_TABLE_NAME, Key: key(tenantPartition('A0')) }, 'denied'],
    ['cannot write tenant A0 data', 'PutItem', { TableName: DEFAULT_TABLE_NAME, Item: key(tenantDataPartition('A0', 'notes', 0)) }, 'denied'],
    ['cannot query tenant A0', 'Query', queryOn(tenantPartition('A0')), 'denied'],
    ['cannot read the audit trail', 'GetItem', { TableName: DEFAULT_TABLE_NAME, Key: key(auditPartition('A')) }, 'denied'],
    ['cannot scan', 'Scan', { TableName: DEFAULT_TABLE_NAME }, 'denied'],
    ['cannot scan the user index', 'Scan', { TableName: DEFAULT_TABLE_NAME, IndexName: USER_INDEX.indexName }, 'denied'],
    ['cannot make a request that names no key', 'GetItem', { TableName: DEFAULT_TABLE_NAME }, 'denied'],
    ['cannot query without a partition key equality', 'Query', { TableName: DEFAULT_TABLE_NAME, KeyConditionExpression: 'begins_with(SK, :p)', ExpressionAttributeValues: { ':p': S('T') } }, 'denied'],
    ['lists its own memberships on the user index', 'Query', queryOn(userPartition('u1'), USER_INDEX.indexName), 'allowed'],
    ["cannot list another user's memberships", 'Query', queryOn(userPartition('u2'), USER_INDEX.indexName), 'denied'],
    ['cannot use the user index to reach a tenant partition', 'Query', queryOn(OWN_CONTROL, USER_INDEX.indexName), 'denied'],
    ['cannot raise or reset its own tenant limits', 'UpdateItem', { TableName: DEFAULT_TABLE_NAME, Key: key(userLimitsKey('u1').PK, userLimitsKey('u1').SK), UpdateExpression: 'SET tenantsCreated = :zero', ExpressionAttributeValues: { ':zero': { N: '0' } } }, 'denied'],
    ['cannot delete its own limits item', 'DeleteItem', { TableName: DEFAULT_TABLE_NAME, Key: key(userLimitsKey('u1').PK, userLimitsKey('u1').SK) }, 'denied'],
    ['cannot read its own user partition on the table', 'GetItem', { TableName: DEFAULT_TABLE_NAME, Key: key(userPartition('u1')) }, 'denied'],
    ['batch-reads only its own partitions', 'BatchGetItem', { RequestItems: { [DEFAULT_TABLE_NAME]: { Keys: [key(OWN_CONTROL, SORT_KEY.tenant), key(OWN_DATA)] } } }, 'allowed'],
    ['cannot batch-read one own key and one foreign key', 'BatchGetItem', { RequestItems: { [DEFAULT_TABLE_NAME]: { Keys: [key(OWN_DATA), key(tenantDataPartition('B', 'notes', 3))] } } }, 'denied'],
    ['cannot batch-write one own item and one foreign item', 'BatchWriteItem', { RequestItems: { [DEFAULT_TABLE_NAME]: [{ PutRequest: { Item: key(OWN_DATA) } }, { PutRequest: { Item: key(tenantDataPartition('B', 'notes', 3)) } }] } }, 'denied'],
    ['transacts a role check on its control partition with a data write', 'TransactWriteItems', { TransactItems: [{ ConditionCheck: { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_CONTROL, SORT_KEY.role(ADMIN_ROLE_ID)), ConditionExpression: 'attribute_exists(PK)' } }, { Put: { TableName: DEFAULT_TABLE_NAME, Item: key(OWN_DATA) } }] }, 'allowed'],
    ['cannot hide a foreign write in a transaction', 'TransactWriteItems', { TransactItems: [{ Put: { TableName: DEFAULT_TABLE_NAME, Item: key(OWN_DATA) } }, { Delete: { TableName: DEFAULT_TABLE_NAME, Key: key(tenantDataPartition('B', 'notes', 0)) } }] }, 'denied'],
    ['cannot read a foreign item in a transaction', 'TransactGetItems', { TransactItems: [{ Get: { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_DATA) } }, { Get: { TableName: DEFAULT_TABLE_NAME, Key: key(tenantPartition('B')) } }] }, 'denied'],
    // The user index lists memberships only: no tenant write may name its key attributes.
    ['cannot put a data item carrying the user index partition key', 'PutItem', { TableName: DEFAULT_TABLE_NAME, Item: { ...key(OWN_DATA), [USER_INDEX.partitionKey]: S(userPartition('u2')) } }, 'denied'],
    ['cannot put a data item carrying the user index sort key', 'PutItem', { TableName: DEFAULT_TABLE_NAME, Item: { ...key(OWN_DATA), [USER_INDEX.sortKey]: S(tenantPartition('B')) } }, 'denied'],
    ['cannot set the user index keys with an update', 'UpdateItem', { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_DATA), UpdateExpression: 'SET #g = :g', ExpressionAttributeNames: { '#g': USER_INDEX.partitionKey }, ExpressionAttributeValues: { ':g': S(userPartition('u2')) } }, 'denied'],
    ['cannot set the user index sort key with a bare name in an update', 'UpdateItem', { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_DATA), UpdateExpression: `SET ${USER_INDEX.sortKey} = :g`, ExpressionAttributeValues: { ':g': S(tenantPartition('B')) } }, 'denied'],
    ['cannot set the user index keys with a legacy AttributeUpdates', 'UpdateItem', { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_DATA), AttributeUpdates: { [USER_INDEX.partitionKey]: { Action: 'PUT', Value: S(userPartition('u2')) } } }, 'denied'],
    ['cannot batch-write an item carrying the user index keys', 'BatchWriteItem', { RequestItems: { [DEFAULT_TABLE_NAME]: [{ PutRequest: { Item: key(OWN_DATA) } }, { PutRequest: { Item: { ...key(OWN_DATA, 'X'), [USER_INDEX.partitionKey]: S(userPartition('u2')) } } }] } }, 'denied'],
    ['cannot hide a user index key write in a transaction', 'TransactWriteItems', { TransactItems: [{ Put: { TableName: DEFAULT_TABLE_NAME, Item: key(OWN_DATA) } }, { Update: { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_DATA, 'X'), UpdateExpression: 'SET #g = :g', ExpressionAttributeNames: { '#g': USER_INDEX.sortKey }, ExpressionAttributeValues: { ':g': S(tenantPartition('B')) } } }] }, 'denied'],
    ['may still write its own data items without the index keys', 'PutItem', { TableName: DEFAULT_TABLE_NAME, Item: { ...key(OWN_DATA), GSI2PK: S('x'), title: S('y') } }, 'allowed'],
    ['cannot touch another table', 'GetItem', { TableName: 'Other', Key: key(OWN_DATA) }, 'denied'],
    ['cannot describe the table', 'DescribeTable', { TableName: DEFAULT_TABLE_NAME }, 'denied'],
    ['cannot list tables', 'ListTables', {}, 'denied'],
    ['cannot delete the table', 'DeleteTable', { TableName: DEFAULT_TABLE_NAME }, 'denied'],
  ])('%s', async (_behaviour, operation, input, expected) => {
    const decision = await decide(operation, input);

    expect(decision).toBe(expected);
  });

  describe('for credentials minted with no tenant (no tenant_id tag at all)', () => {
    const noTenant: SessionPrincipal = { ...tenantA, principalTags: principalTagsFor({ userId: 'u1', tenantId: null }) };
    const decideWithoutTenant = async (operation: string, input: Record<string, unknown>): Promise<'allowed' | 'denied'> =>
      evaluate(policy, noTenant, await authorizationRequestsFor(operation, input, scope)).allowed ? 'allowed' : 'denied';

    it.each<[string, string, Record<string, unknown>, 'allowed' | 'denied']>([
      ['still lists its own memberships', 'Query', queryOn(userPartition('u1'), USER_INDEX.indexName), 'allowed'],
      ["cannot list another user's memberships", 'Query', queryOn(userPartition('u2'), USER_INDEX.indexName), 'denied'],
      ['cannot read any control partition', 'GetItem', { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_CONTROL, SORT_KEY.tenant) }, 'denied'],
      ['cannot read any data partition', 'GetItem', { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_DATA) }, 'denied'],
      ['cannot write any data partition', 'PutItem', { TableName: DEFAULT_TABLE_NAME, Item: key(OWN_DATA) }, 'denied'],
      ['cannot query a partition named like an unresolved variable', 'Query', queryOn('TENANT#${aws:PrincipalTag/tenant_id}'), 'denied'],
      ['cannot write a partition named like an unresolved variable', 'PutItem', { TableName: DEFAULT_TABLE_NAME, Item: key('TENANT#${aws:PrincipalTag/tenant_id}#x#0') }, 'denied'],
      ['cannot read a partition of the empty tenant id', 'GetItem', { TableName: DEFAULT_TABLE_NAME, Key: key('TENANT#') }, 'denied'],
    ])('%s', async (_behaviour, operation, input, expected) => {
      expect(await decideWithoutTenant(operation, input)).toBe(expected);
    });
  });

  describe('on the audit trails (ReadOwnAuditTrail: Query of its own trail, nothing else)', () => {
    const OWN_TRAIL = auditPartition('A');
    const ownRecord = key(OWN_TRAIL, SORT_KEY.auditRecord('2026-12-01T10:00:00Z', 'role.created:op-1'));
    const ownMarker = key(OWN_TRAIL, SORT_KEY.auditDedupe('role.created:op-1'));
    const foreignRecord = key(auditPartition('B'), SORT_KEY.auditRecord('2026-12-01T10:00:00Z', 'role.created:op-2'));
    const platformRecord = key(auditPartition(PLATFORM_AUDIT_ID), SORT_KEY.auditRecord('2026-12-01T10:00:00Z', 'user.confirmed:u1'));
    /** The query GET /audit makes (handlers/api/audit/trail.ts): records only, newest first, after a position. */
    const trailQuery = (pk: string, startKey?: Record<string, { S: string }>): Record<string, unknown> => ({
      TableName: DEFAULT_TABLE_NAME,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :records)',
      ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey, '#id': 'id', '#time': 'time' },
      ExpressionAttributeValues: { ':pk': S(pk), ':records': S(SORT_KEY.auditRecordPrefix) },
      ProjectionExpression: '#sk, #id, #time',
      ScanIndexForward: false,
      Limit: 26,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    });
    const put = (item: Record<string, unknown>) => ({ TableName: DEFAULT_TABLE_NAME, Item: { ...item, type: S('x') } });
    const update = (itemKey: Record<string, unknown>) => ({ TableName: DEFAULT_TABLE_NAME, Key: itemKey, UpdateExpression: 'SET #d = :d', ExpressionAttributeNames: { '#d': 'detail' }, ExpressionAttributeValues: { ':d': S('forged') } });
    const remove = (itemKey: Record<string, unknown>) => ({ TableName: DEFAULT_TABLE_NAME, Key: itemKey });
    const batchWrite = (...requests: Record<string, unknown>[]) => ({ RequestItems: { [DEFAULT_TABLE_NAME]: requests } });

    it.each<[string, string, Record<string, unknown>, 'allowed' | 'denied']>([
      ['queries its own trail as GET /audit does', 'Query', trailQuery(OWN_TRAIL), 'allowed'],
      ['queries its own trail from a position', 'Query', trailQuery(OWN_TRAIL, ownRecord), 'allowed'],
      ['queries its own trail with a plain key condition', 'Query', queryOn(OWN_TRAIL), 'allowed'],
      ["cannot query tenant B's trail", 'Query', trailQuery(auditPartition('B')), 'denied'],
      ["cannot query the trail of tenant A1, whose id starts with its own", 'Query', trailQuery(auditPartition('A1')), 'denied'],
      ['cannot query a partition that extends its trail', 'Query', queryOn(`${OWN_TRAIL}#x`), 'denied'],
      ['cannot query the platform trail', 'Query', trailQuery(auditPartition(PLATFORM_AUDIT_ID)), 'denied'],
      ['cannot query the bare audit prefix', 'Query', queryOn(KEY_PREFIX.audit), 'denied'],
      ['cannot query its own trail through the user index', 'Query', queryOn(OWN_TRAIL, USER_INDEX.indexName), 'denied'],
      ['cannot get one of its own records (Query only)', 'GetItem', { TableName: DEFAULT_TABLE_NAME, Key: ownRecord }, 'denied'],
      ['cannot get one of its own dedupe markers', 'GetItem', { TableName: DEFAULT_TABLE_NAME, Key: ownMarker }, 'denied'],
      ['cannot batch-read its own records', 'BatchGetItem', { RequestItems: { [DEFAULT_TABLE_NAME]: { Keys: [ownRecord] } } }, 'denied'],
      ['cannot read its own record in a transaction', 'TransactGetItems', { TransactItems: [{ Get: { TableName: DEFAULT_TABLE_NAME, Key: ownRecord } }] }, 'denied'],
      ['cannot condition a transaction on its own trail', 'TransactWriteItems', { TransactItems: [{ ConditionCheck: { TableName: DEFAULT_TABLE_NAME, Key: ownMarker, ConditionExpression: 'attribute_not_exists(PK)' } }, { Put: { TableName: DEFAULT_TABLE_NAME, Item: key(OWN_DATA) } }] }, 'denied'],
      ['cannot put a record into its own trail', 'PutItem', put(ownRecord), 'denied'],
      ['cannot put a dedupe marker into its own trail (to suppress a record)', 'PutItem', put(ownMarker), 'denied'],
      ["cannot put a record into tenant B's trail", 'PutItem', put(foreignRecord), 'denied'],
      ['cannot put a record into the platform trail', 'PutItem', put(platformRecord), 'denied'],
      ['cannot rewrite one of its own records', 'UpdateItem', update(ownRecord), 'denied'],
      ["cannot rewrite a record of tenant B's trail", 'UpdateItem', update(foreignRecord), 'denied'],
      ['cannot delete one of its own records', 'DeleteItem', remove(ownRecord), 'denied'],
      ['cannot delete one of its own dedupe markers', 'DeleteItem', remove(ownMarker), 'denied'],
      ["cannot delete a record of tenant B's trail", 'DeleteItem', remove(foreignRecord), 'denied'],
      ['cannot batch-delete its own records', 'BatchWriteItem', batchWrite({ DeleteRequest: { Key: ownRecord } }), 'denied'],
      ['cannot batch-put a record beside an allowed data item', 'BatchWriteItem', batchWrite({ PutRequest: { Item: key(OWN_DATA) } }, { PutRequest: { Item: ownRecord } }), 'denied'],
      ["cannot batch-delete tenant B's records", 'BatchWriteItem', batchWrite({ DeleteRequest: { Key: foreignRecord } }), 'denied'],
      ['cannot hide a record delete in a transaction', 'TransactWriteItems', { TransactItems: [{ Put: { TableName: DEFAULT_TABLE_NAME, Item: key(OWN_DATA) } }, { Delete: { TableName: DEFAULT_TABLE_NAME, Key: ownRecord } }] }, 'denied'],
    ])('%s', async (_behaviour, operation, input, expected) => {
      expect(await decide(operation, input)).toBe(expected);
    });

    it("pins the trail to the tag: tenant B queries its own trail, and not A's", async () => {
      const tenantB = { ...tenantA, principalTags: principalTagsFor({ userId: 'u9', tenantId: 'B' }) };
      const decideFor = async (principal: SessionPrincipal, pk: string) =>
        evaluate(policy, principal, await authorizationRequestsFor('Query', trailQuery(pk), scope)).allowed;

      expect(await decideFor(tenantB, auditPartition('B'))).toBe(true);
      expect(await decideFor(tenantB, auditPartition('A'))).toBe(false);
    });

    it("passes iam-simulate's validation for GET /audit's query: the statement, action and context keys are all valid", async () => {
      const [request] = await authorizationRequestsFor('Query', trailQuery(OWN_TRAIL, ownRecord), scope);
      if (!request) throw new Error('a Query makes one authorization request');

      const verdict = await simulatedForTenantA(request);

      expect(verdict).toEqual({ overall: 'Allowed', ignored: [] });
    });

    it.each<[string, string]>([
      ["tenant A's", auditPartition('A')],
      ['the platform', auditPartition(PLATFORM_AUDIT_ID)],
      ['one named like the unresolved variable', `${KEY_PREFIX.audit}\${aws:PrincipalTag/tenant_id}`],
      ['the empty tenant id', KEY_PREFIX.audit],
    ])('gives credentials with no tenant tag no trail: not %s', async (_trail, pk) => {
      const noTenant: SessionPrincipal = { ...tenantA, principalTags: principalTagsFor({ userId: 'u1', tenantId: null }) };

      const decision = evaluate(policy, noTenant, await authorizationRequestsFor('Query', trailQuery(pk), scope));

      expect(decision.allowed).toBe(false);
    });
  });

  it('pins every tenant to its own tag: tenant B may write what tenant A may not', async () => {
    const tenantB = { ...tenantA, principalTags: { tenant_id: 'B', user_id: 'u9' } };
    const requests = await authorizationRequestsFor('PutItem', { TableName: DEFAULT_TABLE_NAME, Item: key(tenantDataPartition('B', 'notes', 0)) }, scope);

    expect(evaluate(policy, tenantB, requests).allowed).toBe(true);
    expect(evaluate(policy, tenantA, requests).allowed).toBe(false);
  });

  it('denies everything to a session whose role has no policy', async () => {
    const requests = await authorizationRequestsFor('GetItem', { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_DATA) }, scope);

    expect(evaluate(undefined, tenantA, requests).allowed).toBe(false);
  });

  it("reports the first denied request in AWS's words", async () => {
    const requests = await authorizationRequestsFor('GetItem', { TableName: DEFAULT_TABLE_NAME, Key: key(tenantPartition('B')) }, scope);

    const decision = evaluate(policy, tenantA, requests);

    expect(decision.allowed).toBe(false);
    expect(decision.allowed === false && accessDeniedMessage(tenantA, decision)).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/TenantRole/CognitoIdentityCredentials is not authorized to perform: ` +
        `dynamodb:GetItem on resource: ${TABLE_ARN} because no identity-based policy allows the dynamodb:GetItem action`,
    );
  });

  it('passes iam-simulate validation: the policy, actions, resources and context keys are all valid', async () => {
    const requests = [
      ...(await authorizationRequestsFor('Query', { ...queryOn(userPartition('u1'), USER_INDEX.indexName), ProjectionExpression: 'tenantName' }, scope)),
      ...(await authorizationRequestsFor('UpdateItem', { TableName: DEFAULT_TABLE_NAME, Key: key(OWN_DATA), UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': S('1') }, ReturnValues: 'ALL_NEW' }, scope)),
    ];
    for (const request of requests) {
      const verdict = await simulatedForTenantA(request);

      expect(verdict).toEqual({ overall: 'Allowed', ignored: [] });
    }
  });
});
