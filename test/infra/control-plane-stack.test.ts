import { Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { APP_CLIENT, CUSTOM_ATTRIBUTES, DEVELOPER_PROVIDER_NAME, PASSWORD_POLICY, ROLE_CLAIM, TENANT_ID_CLAIM } from '../../domain/identity';
import { tenantPolicyDocument } from '../../domain/isolation';
import { TABLE_DEFINITION, USER_INDEX } from '../../domain/table';
import { ControlPlaneStack } from '../../infra/stack';
import { asArray, onlyResource, testApp } from './support';

// One app, one synth for the whole file: the default stack and a throw-away one.
const app = testApp();
const stack = new ControlPlaneStack(app, 'ControlPlane', { functionCode: 'placeholder' });
const disposable = new ControlPlaneStack(app, 'Disposable', { retainData: false, functionCode: 'placeholder' });
const template = Template.fromStack(stack);
const disposableTemplate = Template.fromStack(disposable);

const ref = (token: string): unknown => stack.resolve(token);

interface CfnStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface CfnPolicy {
  PolicyName: string;
  PolicyDocument: { Statement: CfnStatement[] };
}

const leadingKeys = (statement: { Condition?: Record<string, Record<string, unknown>> }): unknown =>
  statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];

describe('the pooled table', () => {
  const table = onlyResource(template, 'AWS::DynamoDB::GlobalTable');
  const replica = (table.Properties.Replicas as Record<string, unknown>[])[0];

  it('has the key schema of the shared table definition', () => {
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: TABLE_DEFINITION.keySchema.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_DEFINITION.keySchema.sortKey, KeyType: 'RANGE' },
    ]);
  });

  it('defines exactly the shared attributes, all strings', () => {
    expect(table.Properties.AttributeDefinitions).toEqual(
      TABLE_DEFINITION.attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    );
  });

  it('has exactly the shared user index', () => {
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(
      TABLE_DEFINITION.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: index.projection },
      })),
    );
  });

  it('bills on demand', () => {
    expect(table.Properties.BillingMode).toBe(TABLE_DEFINITION.billing);
  });

  it('has point-in-time recovery on', () => {
    expect(replica).toMatchObject({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
  });

  it('is encrypted with the AWS managed key', () => {
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
    expect(replica).not.toHaveProperty('SSESpecification.KMSMasterKeyId');
  });

  it('is retained and deletion-protected by default', () => {
    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(replica).toMatchObject({ DeletionProtectionEnabled: true });
  });

  it('is deleted with a stack that does not retain data', () => {
    const throwAway = onlyResource(disposableTemplate, 'AWS::DynamoDB::GlobalTable');
    expect(throwAway).toMatchObject({ DeletionPolicy: 'Delete' });
    expect((throwAway.Properties.Replicas as unknown[])[0]).toMatchObject({ DeletionProtectionEnabled: false });
  });
});

describe('the user pool', () => {
  const pool = onlyResource(template, 'AWS::Cognito::UserPool');

  it('signs users in by email and lets them sign up', () => {
    expect(pool.Properties.UsernameAttributes).toEqual(['email']);
    expect(pool.Properties.AdminCreateUserConfig).toMatchObject({ AllowAdminCreateUserOnly: false });
  });

  it.each(Object.entries(CUSTOM_ATTRIBUTES))('has the mutable custom attribute %s', (name, { minLength, maxLength }) => {
    expect(pool.Properties.Schema).toContainEqual({
      Name: name,
      AttributeDataType: 'String',
      Mutable: true,
      StringAttributeConstraints: { MinLength: String(minLength), MaxLength: String(maxLength) },
    });
  });

  it('enforces the shared password policy', () => {
    expect(pool.Properties.Policies).toMatchObject({
      PasswordPolicy: {
        MinimumLength: PASSWORD_POLICY.minLength,
        RequireLowercase: PASSWORD_POLICY.requireLowercase,
        RequireUppercase: PASSWORD_POLICY.requireUppercase,
        RequireNumbers: PASSWORD_POLICY.requireDigits,
        RequireSymbols: PASSWORD_POLICY.requireSymbols,
      },
    });
  });

  it('is retained and deletion-protected by default, deleted with a stack that does not retain data', () => {
    expect(pool).toMatchObject({ DeletionPolicy: 'Retain' });
    expect(pool.Properties.DeletionProtection).toBe('ACTIVE');
    const throwAway = onlyResource(disposableTemplate, 'AWS::Cognito::UserPool');
    expect(throwAway).toMatchObject({ DeletionPolicy: 'Delete' });
    expect(throwAway.Properties.DeletionProtection).toBe('INACTIVE');
  });
});

describe('the app client', () => {
  const client = onlyResource(template, 'AWS::Cognito::UserPoolClient');
  const sorted = (values: readonly string[]) => [...values].sort();

  it('cannot write the active tenant or role', () => {
    expect(client.Properties.WriteAttributes).not.toContain(TENANT_ID_CLAIM);
    expect(client.Properties.WriteAttributes).not.toContain(ROLE_CLAIM);
    expect(sorted(client.Properties.WriteAttributes as string[])).toEqual(sorted(APP_CLIENT.writeAttributes));
  });

  it('can read the active tenant and role', () => {
    expect(client.Properties.ReadAttributes).toEqual(expect.arrayContaining([TENANT_ID_CLAIM, ROLE_CLAIM]));
    expect(sorted(client.Properties.ReadAttributes as string[])).toEqual(sorted(APP_CLIENT.readAttributes));
  });

  it('allows exactly the shared auth flows and no OAuth grant', () => {
    expect(sorted(client.Properties.ExplicitAuthFlows as string[])).toEqual(sorted(APP_CLIENT.authFlows));
    expect(client.Properties.AllowedOAuthFlows).toBeUndefined();
    expect(client.Properties.GenerateSecret).toBe(false);
  });

  it('issues tokens with the shared validities', () => {
    const unitMinutes: Record<string, number> = { minutes: 1, hours: 60, days: 24 * 60 };
    const units = client.Properties.TokenValidityUnits as Record<string, string>;
    const minutes = (property: string, unit: string | undefined) =>
      (client.Properties[property] as number) * (unitMinutes[unit ?? ''] ?? Number.NaN);

    expect(minutes('IdTokenValidity', units.IdToken)).toBe(APP_CLIENT.idTokenValidityMinutes);
    expect(minutes('AccessTokenValidity', units.AccessToken)).toBe(APP_CLIENT.accessTokenValidityMinutes);
    expect(minutes('RefreshTokenValidity', units.RefreshToken)).toBe(APP_CLIENT.refreshTokenValidityDays * 24 * 60);
  });
});

describe('the identity pool', () => {
  const pool = onlyResource(template, 'AWS::Cognito::IdentityPool');
  const { tenantRole } = stack.identity;

  it('has a developer provider and no login provider: no ID token can be exchanged by anyone', () => {
    expect(pool.Properties.AllowUnauthenticatedIdentities).toBe(false);
    expect(pool.Properties.AllowClassicFlow).toBe(false);
    expect(pool.Properties.DeveloperProviderName).toBe(DEVELOPER_PROVIDER_NAME);
    expect(pool.Properties.CognitoIdentityProviders).toBeUndefined();
    expect(pool.Properties.SupportedLoginProviders).toBeUndefined();
    expect(pool.Properties.OpenIdConnectProviderARNs).toBeUndefined();
    expect(pool.Properties.SamlProviderARNs).toBeUndefined();
  });

  it('maps no principal tags from any provider: the authorizer sets them explicitly', () => {
    expect(Object.keys(template.findResources('AWS::Cognito::IdentityPoolPrincipalTag'))).toEqual([]);
  });

  it('hands authenticated identities the tenant role and nothing to anyone else', () => {
    const attachment = onlyResource(template, 'AWS::Cognito::IdentityPoolRoleAttachment');
    expect(attachment.Properties).toEqual({
      IdentityPoolId: { Ref: pool.logicalId },
      Roles: { authenticated: ref(tenantRole.roleArn) },
    });
  });
});

describe('the tenant role', () => {
  const roleLogicalId = stack.getLogicalId(stack.identity.tenantRole.node.defaultChild as CfnRole);
  const identityPoolLogicalId = onlyResource(template, 'AWS::Cognito::IdentityPool').logicalId;
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId] as { Properties: Record<string, unknown> };
  const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: CfnStatement[] }).Statement;
  const policies = role.Properties.Policies as CfnPolicy[];
  const statements = policies.flatMap((policy) => policy.PolicyDocument.Statement);
  const domain = tenantPolicyDocument(stack.data.table.tableArn);

  it('can be assumed only through the identity pool, by authenticated identities, with session tags', () => {
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
        Condition: {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': { Ref: identityPoolLogicalId } },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
        },
      },
    ]);
  });

  it('carries only the tenant policy', () => {
    expect(policies).toHaveLength(1);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const attached = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy).includes(roleLogicalId),
    );
    expect(attached).toEqual([]);
    expect(statements.map((statement) => statement.Sid)).toEqual(domain.Statement.map((statement) => statement.Sid));
  });

  it('names every action explicitly and never allows Scan', () => {
    const actions = statements.flatMap((statement) => asArray(statement.Action));
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    expect(actions).not.toContain('dynamodb:Scan');
  });

  it.each(domain.Statement.map((statement) => [statement.Sid, statement] as const))(
    'deploys statement %s as the domain defines it',
    (sid, expected) => {
      const deployed = statements.find((statement) => statement.Sid === sid);

      expect(deployed?.Effect).toBe(expected.Effect);
      expect(asArray(deployed?.Action ?? []).sort()).toEqual([...expected.Action].sort());
      expect(asArray(deployed?.Resource)).toEqual(expected.Resource.map(ref));
      expect(deployed?.Condition).toEqual(expected.Condition);
    },
  );

  it('pins partition keys to exactly the domain patterns', () => {
    expect(statements.map(leadingKeys)).toEqual(domain.Statement.map(leadingKeys));
    expect(statements.map(leadingKeys)).toEqual([
      ['TENANT#${aws:PrincipalTag/tenant_id}', 'TENANT#${aws:PrincipalTag/tenant_id}#*'],
      ['TENANT#${aws:PrincipalTag/tenant_id}#*'],
      undefined,
      ['AUDIT#${aws:PrincipalTag/tenant_id}'],
      ['USER#${aws:PrincipalTag/user_id}'],
    ]);
  });

  it('deploys the deny on writes of the user index keys', () => {
    expect(statements.find((statement) => statement.Sid === 'DenyUserIndexKeyWrites')).toMatchObject({
      Effect: 'Deny',
      Condition: { 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': [USER_INDEX.partitionKey, USER_INDEX.sortKey] } },
    });
  });
});

describe('the stack outputs', () => {
  const outputs = template.findOutputs('*') as Record<string, { Value: unknown }>;

  it.each([
    ['region', () => ref(stack.region)],
    ['userPoolId', () => ref(stack.identity.userPool.userPoolId)],
    ['userPoolClientId', () => ref(stack.identity.userPoolClient.userPoolClientId)],
    ['identityPoolId', () => ref(stack.identity.identityPool.ref)],
    ['tableName', () => ref(stack.data.table.tableName)],
    ['eventBusName', () => ref(stack.events.bus.eventBusName)],
    ['apiUrl', () => ref(stack.api.url)],
  ])('names %s as the local outputs do', (name, value) => {
    expect(outputs[name]?.Value).toEqual(value());
  });

  it.each([
    ['alarmTopicArn', () => ref(stack.alarms.topic.topicArn)],
    ['asyncFailureQueueUrl', () => ref(stack.events.asyncFailureQueue.queueUrl)],
    ['reconcilerFunctionName', () => ref(stack.functions.functions.reconciler.functionName)],
  ])('adds the operators\' output %s', (name, value) => {
    expect(outputs[name]?.Value).toEqual(value());
  });

  it("has the names of the local outputs that a deployed stack has, the operators' three, and no other", () => {
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'region',
        'apiUrl',
        'userPoolId',
        'userPoolClientId',
        'identityPoolId',
        'tableName',
        'eventBusName',
        'stateMachines',
        'alarmTopicArn',
        'asyncFailureQueueUrl',
        'reconcilerFunctionName',
      ].sort(),
    );
  });
});
