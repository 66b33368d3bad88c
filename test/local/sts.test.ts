import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { mintCredentials, outputs } from './support';

const sts = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): STSClient =>
  new STSClient({ endpoint: outputs().endpoint, region: outputs().region, credentials });

/** A form POST as the CLI and boto3 send the query protocol, optionally unsigned. */
const formPost = (body: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(outputs().endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers }, body });

describe('STS GetCallerIdentity, in its query protocol (XML)', () => {
  it('names the assumed-role session of credentials the identity pool issued', async () => {
    const credentials = await mintCredentials({ userId: 'sts-caller', tenantId: 'sts-tenant' });

    const identity = await sts(credentials).send(new GetCallerIdentityCommand({}));

    expect(identity).toMatchObject({
      Account: LOCAL_ACCOUNT_ID,
      Arn: `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/TenantRole/CognitoIdentityCredentials`,
      UserId: expect.stringMatching(/^AROA[0-9A-F]{17}:CognitoIdentityCredentials$/),
    });
  });

  it("answers the local administrator as the account's root user", async () => {
    const identity = await sts(LOCAL_ADMIN_CREDENTIALS).send(new GetCallerIdentityCommand({}));

    expect({ Account: identity.Account, Arn: identity.Arn }).toEqual({ Account: LOCAL_ACCOUNT_ID, Arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:root` });
  });

  it('refuses an unsigned call with an XML error the clients can read', async () => {
    const response = await formPost('Action=GetCallerIdentity&Version=2011-06-15');

    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('text/xml');
    expect(await response.text()).toMatch(/<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code>/);
  });

  it('refuses credentials nobody issued, as STS words it (InvalidClientTokenId)', async () => {
    const forged = { accessKeyId: 'ASIAFORGEDFORGED0000', secretAccessKey: 'x', sessionToken: 'y' };

    await expect(sts(forged).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
  });

  it('answers an STS action it does not implement with InvalidAction, in XML', async () => {
    const attempt = sts(LOCAL_ADMIN_CREDENTIALS).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/TenantRole`, RoleSessionName: 's' }));

    await expect(attempt).rejects.toMatchObject({ name: 'InvalidAction', message: 'Could not find operation AssumeRole for version 2011-06-15', $metadata: { httpStatusCode: 400 } });
  });
});
