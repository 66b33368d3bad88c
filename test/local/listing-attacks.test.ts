import { CognitoIdentityClient, ListIdentityPoolsCommand } from '@aws-sdk/client-cognito-identity';
import { EventBridgeClient, ListArchivesCommand, ListConnectionsCommand, ListReplaysCommand } from '@aws-sdk/client-eventbridge';
import { mintCredentials, outputs } from './support';

/** The read-only listings this stop added: tenant credentials hold none of their actions, and an unsigned caller gets nothing. */
describe('the new listing operations, as a tenant or an anonymous caller is refused them', () => {
  it('refuses ListArchives, ListReplays and ListConnections to tenant credentials, naming the action', async () => {
    const events = new EventBridgeClient({ endpoint: outputs().endpoint, region: outputs().region, credentials: await mintCredentials({ userId: 'lister', tenantId: 'lister-tenant' }), maxAttempts: 1 });

    for (const [command, action] of [
      [new ListArchivesCommand({}), 'events:ListArchives'],
      [new ListReplaysCommand({}), 'events:ListReplays'],
      [new ListConnectionsCommand({}), 'events:ListConnections'],
    ] as const) {
      await expect(events.send(command as ListArchivesCommand)).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining(action) });
    }
  });

  it('refuses ListIdentityPools to tenant credentials and to an unsigned caller', async () => {
    const tenant = new CognitoIdentityClient({ endpoint: outputs().endpoint, region: outputs().region, credentials: await mintCredentials({ userId: 'pool-lister', tenantId: 'pool-tenant' }), maxAttempts: 1 });
    const unsigned = await fetch(outputs().endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityService.ListIdentityPools' },
      body: JSON.stringify({ MaxResults: 60 }),
    });

    await expect(tenant.send(new ListIdentityPoolsCommand({ MaxResults: 60 }))).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('cognito-identity:ListIdentityPools') });
    expect(unsigned.status).toBe(400);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await unsigned.text()).not.toContain(outputs().identityPoolId);
  });
});
