import { CognitoIdentityClient, GetOpenIdTokenForDeveloperIdentityCommand } from '@aws-sdk/client-cognito-identity';
import { DEVELOPER_PROVIDER_NAME } from '../../domain/identity';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { aws, awsJson, outputs, SERVICE_ERROR_EXIT_CODES } from './environment';

/** An identity of the pool, as the authorizer makes one (the developer flow, signed as the administrator). */
async function developerIdentity(userId: string): Promise<string> {
  const client = new CognitoIdentityClient({ endpoint: outputs().endpoint, region: outputs().region, credentials: LOCAL_ADMIN_CREDENTIALS });
  try {
    const issued = await client.send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: outputs().identityPoolId, Logins: { [DEVELOPER_PROVIDER_NAME]: userId } }));
    return issued.IdentityId ?? '';
  } finally {
    client.destroy();
  }
}

// it.concurrent: every test is independent and costs a CLI start-up (a Python process, ~1 s): they overlap.
/** The identity pool, as tools that discover it read it (Cognito Identity's JSON protocol). */
describe('aws cognito-identity', () => {
  it.concurrent('describe-identity-pool answers the pool with its developer provider and no unauthenticated identities', async () => {
    const pool = await awsJson(['cognito-identity', 'describe-identity-pool', '--identity-pool-id', outputs().identityPoolId]);

    // https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_DescribeIdentityPool.html#API_DescribeIdentityPool_ResponseSyntax
    expect(pool).toMatchObject({
      IdentityPoolId: outputs().identityPoolId,
      IdentityPoolName: expect.any(String),
      AllowUnauthenticatedIdentities: false,
      DeveloperProviderName: DEVELOPER_PROVIDER_NAME,
    });
  });

  it.concurrent('describe-identity-pool of another pool fails with ResourceNotFoundException', async () => {
    const result = await aws(['cognito-identity', 'describe-identity-pool', '--identity-pool-id', `${outputs().region}:00000000-0000-0000-0000-000000000000`]);

    // DescribeIdentityPool's errors: https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_DescribeIdentityPool.html#API_DescribeIdentityPool_Errors
    expect(SERVICE_ERROR_EXIT_CODES).toContain(result.exitCode);
    expect(result.error).toMatchObject({ code: 'ResourceNotFoundException', operation: 'DescribeIdentityPool' });
  });

  it.concurrent('list-identity-pools lists the pool by id and name', async () => {
    const { IdentityPools } = await awsJson<{ IdentityPools: unknown[] }>(['cognito-identity', 'list-identity-pools', '--max-results', '60']);

    // https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_ListIdentityPools.html#API_ListIdentityPools_ResponseSyntax
    expect(IdentityPools).toEqual([{ IdentityPoolId: outputs().identityPoolId, IdentityPoolName: expect.any(String) }]);
  });

  it.concurrent("get-open-id-token for one of the pool's identities, without a login, is refused with NotAuthorizedException (the pool allows no unauthenticated identities)", async () => {
    const identityId = await developerIdentity('conformance-open-id');

    const result = await aws(['cognito-identity', 'get-open-id-token', '--identity-id', identityId]);

    // GetOpenIdToken's errors: https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_GetOpenIdToken.html#API_GetOpenIdToken_Errors
    // AWS documents the code, not the message's wording: only the code is asserted.
    expect(SERVICE_ERROR_EXIT_CODES).toContain(result.exitCode);
    expect(result.error).toMatchObject({ code: 'NotAuthorizedException', operation: 'GetOpenIdToken' });
  });
});
