import { AdminAddUserToGroupCommand, AdminUpdateUserAttributesCommand, CreateGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { ROLE_CLAIM, TENANT_ID_CLAIM } from '../../domain/identity';
import { membershipIndexKeys, membershipKey, tenantDataPartition } from '../../domain/keys';
import { ROUTES } from '../../handlers/api/routes';
import { authorizerApiArn, clients, cloudLog, invokeAuthorizer, outputs, signIn, signUpConfirmed, uniqueEmail } from './support';

const API = authorizerApiArn();
// A path parameter is a wildcard in the policy, as in the method ARNs API Gateway builds.
const routeArns = (routes = ROUTES) => routes.map((route) => `${API}/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`);

/** A signed-up user made a member of a tenant the way the onboarding workflow does it, with admin credentials. */
async function memberOf(tenantId: string, options: { group: boolean; membership: boolean }): Promise<{ userId: string; idToken: string }> {
  const { cognito, dynamodb } = clients();
  const { userPoolId, tableName } = outputs();
  const email = uniqueEmail('authorizer');
  const userId = await signUpConfirmed(email);
  if (options.group) {
    await cognito.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: tenantId }));
    await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, GroupName: tenantId, Username: email }));
  }
  if (options.membership) {
    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          ...Object.fromEntries(Object.entries({ ...membershipKey(tenantId, userId), ...membershipIndexKeys(tenantId, userId) }).map(([name, value]) => [name, { S: value }])),
          tenantId: { S: tenantId },
          userId: { S: userId },
          roleId: { S: 'admin' },
        },
      }),
    );
  }
  await cognito.send(
    new AdminUpdateUserAttributesCommand({
      UserPoolId: userPoolId,
      Username: email,
      UserAttributes: [
        { Name: TENANT_ID_CLAIM, Value: tenantId },
        { Name: ROLE_CLAIM, Value: 'admin' },
      ],
    }),
  );
  const { idToken } = await signIn(email);
  return { userId, idToken };
}

describe('the Authorizer function in the local cloud', () => {
  it('allows a member every route and hands over credentials that reach only its own tenant', async () => {
    const tenantId = `t${randomUUID()}`;
    const otherTenantId = `t${randomUUID()}`;
    const { userId, idToken } = await memberOf(tenantId, { group: true, membership: true });

    const { output, error } = await invokeAuthorizer(idToken);

    expect(error).toBeUndefined();
    expect(output?.principalId).toBe(userId);
    expect(output?.policyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: routeArns() }]);
    expect(output?.context).toMatchObject({ userId, tenantId, roleId: 'admin', groups: JSON.stringify([tenantId]) });
    const { endpoint, region, tableName } = outputs();
    const context = output?.context ?? {};
    const tenant = new DynamoDBClient({
      endpoint,
      region,
      credentials: { accessKeyId: context.accessKeyId ?? '', secretAccessKey: context.secretAccessKey ?? '', sessionToken: context.sessionToken ?? '' },
    });
    try {
      const own = { PK: { S: tenantDataPartition(tenantId, 'DATA', 0) }, SK: { S: 'ITEM#1' } };
      await tenant.send(new PutItemCommand({ TableName: tableName, Item: { ...own, note: { S: 'mine' } } }));
      const read = await tenant.send(new GetItemCommand({ TableName: tableName, Key: own }));
      expect(read.Item?.note).toEqual({ S: 'mine' });
      await expect(
        tenant.send(new GetItemCommand({ TableName: tableName, Key: { PK: { S: tenantDataPartition(otherTenantId, 'DATA', 0) }, SK: { S: 'ITEM#1' } } })),
      ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    } finally {
      tenant.destroy();
    }
    expect(cloudLog()).not.toContain(idToken);
    expect(cloudLog()).not.toContain(context.secretAccessKey);
  });

  it('allows a signed-up user with no tenant only the routes that need none', async () => {
    const email = uniqueEmail('no-tenant');
    const userId = await signUpConfirmed(email);
    const { idToken } = await signIn(email);

    const { output } = await invokeAuthorizer(idToken);

    expect(output?.principalId).toBe(userId);
    expect(output?.policyDocument.Statement[0]?.Resource).toEqual(routeArns(ROUTES.filter((route) => route.withoutTenant)));
    expect(output?.context).toMatchObject({ tenantId: '', roleId: '' });
  });

  it('decides by the membership item, not by the groups the token lists', async () => {
    const tenantId = `t${randomUUID()}`;
    const { userId, idToken } = await memberOf(tenantId, { group: false, membership: true });

    const { output, error } = await invokeAuthorizer(idToken);

    expect(error).toBeUndefined();
    expect(output?.context).toMatchObject({ userId, tenantId, roleId: 'admin' });
  });

  it('serves a genuine user with no membership item as one with no tenant, minting no tenant credentials', async () => {
    const tenantId = `t${randomUUID()}`;
    const { idToken } = await memberOf(tenantId, { group: true, membership: false });

    const { output, error } = await invokeAuthorizer(idToken);

    expect(error).toBeUndefined();
    expect(output?.policyDocument.Statement[0]?.Resource).toEqual(routeArns(ROUTES.filter((route) => route.withoutTenant)));
    expect(output?.context).toMatchObject({ tenantId: '', roleId: '' });
    const context = output?.context ?? {};
    const { endpoint, region, tableName } = outputs();
    const scoped = new DynamoDBClient({
      endpoint,
      region,
      credentials: { accessKeyId: context.accessKeyId ?? '', secretAccessKey: context.secretAccessKey ?? '', sessionToken: context.sessionToken ?? '' },
    });
    await expect(
      scoped.send(new GetItemCommand({ TableName: tableName, Key: { PK: { S: tenantDataPartition(tenantId, 'DATA', 0) }, SK: { S: 'ITEM#1' } } })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    scoped.destroy();
  });

  it('refuses a token signed by no key of the pool with "Unauthorized" (401), minting nothing', async () => {
    const { idToken } = await memberOf(`t${randomUUID()}`, { group: true, membership: true });
    const [header, payload] = idToken.split('.');

    const { output, error } = await invokeAuthorizer(`${header}.${payload}.${Buffer.from('not a signature').toString('base64url')}`);

    expect(output).toBeUndefined();
    expect(error?.errorMessage).toBe('Unauthorized');
  });
});
