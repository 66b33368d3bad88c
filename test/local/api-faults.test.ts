import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { userPartition } from '../../domain/keys';
import { USER_INDEX } from '../../domain/table';
import { WORKFLOWS } from '../../workflows/registry';
import { adminFetch, api, clients, outputs, signIn, signUpConfirmed, uniqueEmail } from './support';

/**
 * What a caller sees when a workflow step fails: a clear error, and nothing half-done behind it.
 * (The per-step compensation details are in workflows.test.ts; this is the API's side.)
 */
describe('the API when a workflow step fails', () => {
  // Scoped to the test's own user, so that files running side by side cannot take each other's faults.
  const inject = (stateMachineName: string, stateName: string, userId: string) =>
    adminFetch('/_local/faults', {
      method: 'POST',
      body: JSON.stringify({ stateMachineName, stateName, error: 'States.TaskFailed', cause: 'injected by the test', count: 1, whenInput: { userId } }),
    });

  const attributes = async (email: string) => {
    const user = await clients().cognito.send(new AdminGetUserCommand({ UserPoolId: outputs().userPoolId, Username: email }));
    const value = (name: string) => user.UserAttributes?.find((attribute) => attribute.Name === name)?.Value ?? '';
    return { tenantId: value('custom:tenant_id'), role: value('custom:role') };
  };
  const memberships = async (userId: string) =>
    (
      await clients().dynamodb.send(
        new QueryCommand({
          TableName: outputs().tableName,
          IndexName: USER_INDEX.indexName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': USER_INDEX.partitionKey },
          ExpressionAttributeValues: { ':pk': { S: userPartition(userId) } },
        }),
      )
    ).Items ?? [];

  it.each(['CreateTenantItems', 'CreateTenantGroup', 'AddUserToGroup', 'SetActiveTenant', 'PublishOnboarded'])(
    'POST /tenants answers 500 with a clear message and leaves nothing when %s fails',
    async (stateName) => {
      const email = uniqueEmail('onboard-fault');
      const userId = await signUpConfirmed(email);
      const tokens = await signIn(email);
      await inject(WORKFLOWS.onboarding.name, stateName, userId);

      const response = await api('POST', '/tenants', tokens.idToken, { name: 'Doomed Aviation', refreshToken: tokens.refreshToken });

      expect(response).toEqual({ status: 500, body: { error: { code: 'InternalError', message: 'Onboarding did not complete and was rolled back; nothing was changed' } } });
      expect(await attributes(email)).toEqual({ tenantId: '', role: '' });
      expect(await memberships(userId)).toEqual([]);
    },
  );

  it.each(['GetMembership', 'SetActiveTenant', 'PublishSwitched'])('PUT /tenants/active answers 500 and keeps the previous tenant when %s fails', async (stateName) => {
    const email = uniqueEmail('switch-fault');
    const userId = await signUpConfirmed(email);
    const first = await signIn(email);
    const a = await api<{ tenant: { tenantId: string }; tokens: { idToken: string } }>('POST', '/tenants', first.idToken, { name: 'First', refreshToken: first.refreshToken });
    const b = await api<{ tenant: { tenantId: string }; tokens: { idToken: string } }>('POST', '/tenants', a.body.tokens.idToken, { name: 'Second', refreshToken: first.refreshToken });
    await inject(WORKFLOWS.switching.name, stateName, userId);

    const response = await api('PUT', '/tenants/active', b.body.tokens.idToken, { tenantId: a.body.tenant.tenantId, refreshToken: first.refreshToken });

    expect(response).toEqual({ status: 500, body: { error: { code: 'InternalError', message: 'Switching did not complete and was rolled back; nothing was changed' } } });
    expect(await attributes(email)).toEqual({ tenantId: b.body.tenant.tenantId, role: 'admin' });
  });
});
