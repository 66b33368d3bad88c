import { LOCAL_ACCOUNT_ID } from '../../local/config';
import { TENANT_ROLE_NAME } from '../../local/provisioning';
import { IDENTITY_POOL_SESSION_NAME } from '../../local/iam/policy-evaluator';
import { awsJson } from './environment';
import { issuedCredentials } from './support';

// it.concurrent: every test is independent and costs a CLI start-up (a Python process, ~1 s): they overlap.
/**
 * `aws sts get-caller-identity`, the first call people make to check their credentials: STS's
 * query protocol answers in XML, which the CLI parses with botocore's own parser. Response
 * elements Account, Arn, UserId: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
describe('aws sts get-caller-identity', () => {
  it.concurrent("names the local administrator as the account's root user", async () => {
    const identity = await awsJson(['sts', 'get-caller-identity']);

    expect(identity).toEqual({ UserId: LOCAL_ACCOUNT_ID, Account: LOCAL_ACCOUNT_ID, Arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:root` });
  });

  it.concurrent("names the identity pool's credentials as their assumed-role session, UserId `<role id>:<session>`", async () => {
    const credentials = await issuedCredentials({ userId: 'conformance-caller', tenantId: 'conformance-tenant' });

    const identity = await awsJson(['sts', 'get-caller-identity'], credentials);

    // UserId of an assumed role is `role-id:role-session-name` (IAM's aws:userid, "Principal" table):
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable
    expect(identity).toEqual({
      UserId: expect.stringMatching(new RegExp(`^AROA[0-9A-Z]{16,}:${IDENTITY_POOL_SESSION_NAME}$`)),
      Account: LOCAL_ACCOUNT_ID,
      Arn: `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${TENANT_ROLE_NAME}/${IDENTITY_POOL_SESSION_NAME}`,
    });
  });
});
