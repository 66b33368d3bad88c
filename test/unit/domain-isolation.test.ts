import { InvalidPrincipalTagError, PRINCIPAL_TAG, principalTagsFor, TENANT_READ_ACTIONS, TENANT_WRITE_ACTIONS, tenantPolicyDocument } from '../../domain/isolation';
import { USER_INDEX } from '../../domain/table';

const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/ControlPlane';

/** The document as its statements by Sid, so that a test names the statement it is about. */
function statements() {
  const document = tenantPolicyDocument(TABLE_ARN);
  return { document, bySid: new Map(document.Statement.map((statement) => [statement.Sid, statement])) };
}

describe('the tenant policy document', () => {
  it('allows only explicit DynamoDB item actions: no wildcard, no Scan, nothing that reaches the table itself', () => {
    const { document } = statements();

    const actions = document.Statement.flatMap((statement) => statement.Action);

    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    expect(actions.filter((action) => /Scan|Table|Stream|Backup|Export/.test(action))).toEqual([]);
    expect(document.Statement.map((statement) => statement.Effect)).toEqual(['Allow', 'Allow', 'Deny', 'Allow', 'Allow']);
  });

  it('denies every write that names a key attribute of the user index, so only the control plane fills it', () => {
    const { bySid } = statements();

    const deny = bySid.get('DenyUserIndexKeyWrites');

    expect(deny?.Effect).toBe('Deny');
    expect(deny?.Action).toEqual([...TENANT_WRITE_ACTIONS]);
    expect(deny?.Resource).toEqual([TABLE_ARN]);
    expect(deny?.Condition).toEqual({ 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': [USER_INDEX.partitionKey, USER_INDEX.sortKey] } });
  });

  it('lets tenant credentials read their control and data partitions but write only their data partitions', () => {
    const { bySid } = statements();

    const read = bySid.get('ReadOwnTenantPartitions');
    const write = bySid.get('WriteOwnTenantDataPartitions');

    expect(read?.Action).toEqual([...TENANT_READ_ACTIONS]);
    expect(read?.Condition?.['ForAllValues:StringLike']).toEqual({
      'dynamodb:LeadingKeys': ['TENANT#${aws:PrincipalTag/tenant_id}', 'TENANT#${aws:PrincipalTag/tenant_id}#*'],
    });
    expect(write?.Action).toEqual([...TENANT_WRITE_ACTIONS]);
    expect(write?.Condition?.['ForAllValues:StringLike']).toEqual({ 'dynamodb:LeadingKeys': ['TENANT#${aws:PrincipalTag/tenant_id}#*'] });
  });

  it('lets a user query the user index only under the user\'s own partition', () => {
    const { bySid } = statements();

    const memberships = bySid.get('ListOwnMemberships');

    expect(memberships?.Action).toEqual(['dynamodb:Query']);
    expect(memberships?.Resource).toEqual([`${TABLE_ARN}/index/${USER_INDEX.indexName}`]);
    expect(memberships?.Condition?.['ForAllValues:StringLike']).toEqual({ 'dynamodb:LeadingKeys': ['USER#${aws:PrincipalTag/user_id}'] });
  });

  it('demands named partition keys in every Allow, so a request naming none is not allowed by an empty set', () => {
    const { document } = statements();
    const allows = document.Statement.filter((statement) => statement.Effect === 'Allow');

    const guards = allows.map((statement) => statement.Condition?.Null);

    expect(guards).toEqual(allows.map(() => ({ 'dynamodb:LeadingKeys': 'false' })));
  });

  it('confines the table statements to the table it is given and the index statement to its index', () => {
    const { document } = statements();

    const resources = document.Statement.flatMap((statement) => statement.Resource);

    expect(resources.filter((resource) => resource !== TABLE_ARN && !resource.startsWith(`${TABLE_ARN}/index/`))).toEqual([]);
  });

  it('keeps a CloudFormation token as the table ARN, so the CDK app can pass one', () => {
    const token = '${Token[TOKEN.123]}';

    const resources = tenantPolicyDocument(token).Statement.flatMap((statement) => statement.Resource);

    expect(resources).toEqual([token, token, token, token, `${token}/index/${USER_INDEX.indexName}`]);
  });
});

describe('the principal tags the authorizer mints credentials with', () => {
  it('name the user and the tenant whose membership was read', () => {
    expect(principalTagsFor({ userId: 'u1', tenantId: 't1' })).toEqual({ user_id: 'u1', tenant_id: 't1' });
  });

  it('carry no tenant tag at all for a user with no tenant', () => {
    expect(principalTagsFor({ userId: 'u1', tenantId: null })).toEqual({ user_id: 'u1' });
  });

  it.each([
    ['an empty user', { userId: '', tenantId: 't1' }],
    ['an empty tenant (no tenant is null, never "")', { userId: 'u1', tenantId: '' }],
    ['a value longer than an IAM session tag allows', { userId: 'u'.repeat(257), tenantId: null }],
  ])('refuse %s', (_case, subject) => {
    expect(() => principalTagsFor(subject)).toThrow(InvalidPrincipalTagError);
  });

  it('are exactly the tags the tenant policy reads', () => {
    const policyText = JSON.stringify(tenantPolicyDocument(TABLE_ARN));

    const tagsRead = [...policyText.matchAll(/aws:PrincipalTag\/([a-z_]+)/g)].map((match) => match[1]);

    expect([...new Set(tagsRead)].sort()).toEqual(Object.values(PRINCIPAL_TAG).sort());
  });
});
