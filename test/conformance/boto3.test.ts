import { CognitoIdentityProviderClient, CreateGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { COGNITO_IDENTITY_LOGIN, DEVELOPER_PROVIDER_NAME } from '../../domain/identity';
import { principalTagsFor } from '../../domain/isolation';
import { TABLE_DEFINITION } from '../../domain/table';
import { FUNCTIONS } from '../../handlers/catalog';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { IDENTITY_POOL_SESSION_NAME } from '../../local/iam/policy-evaluator';
import { TENANT_ROLE_NAME } from '../../local/provisioning';
import { cleanEnvironment, CONFORMANCE_ENV, outputs, Boto3ScriptFailedError } from './environment';
import { uniqueName } from './support';

type Outcome = { response: Record<string, unknown>; error?: undefined } | { error: { code: string; message: string; status: number }; response?: undefined };

const SUBJECT = { userId: 'conformance-boto3', tenantId: 'conformance-boto3-tenant' };

/** boto3_calls.py in one Python process, handed the cloud's names on stdin; its JSON answers by case. */
function runBoto3Calls(): Promise<Record<string, Outcome>> {
  const settings = {
    endpoint: outputs().endpoint,
    region: outputs().region,
    ...LOCAL_ADMIN_CREDENTIALS,
    identityPoolId: outputs().identityPoolId,
    developerProviderName: DEVELOPER_PROVIDER_NAME,
    identityLogin: COGNITO_IDENTITY_LOGIN,
    userId: SUBJECT.userId,
    principalTags: principalTagsFor(SUBJECT),
    userPoolId: outputs().userPoolId,
    userPoolClientId: outputs().userPoolClientId,
    tableName: outputs().tableName,
    roleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/ConformanceMachineRole`,
  };
  const python = process.env[CONFORMANCE_ENV.python] ?? 'python3';
  return new Promise((resolve, reject) => {
    // The CLI's clean environment: no AWS_* variable nor ~/.aws of whoever runs the tests reaches botocore.
    const child = execFile(python, [join(__dirname, 'boto3_calls.py')], { env: cleanEnvironment(), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Boto3ScriptFailedError(`boto3_calls.py failed (${error.message}): ${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, Outcome>);
    });
    child.stdin?.end(JSON.stringify(settings));
  });
}

let answers: Record<string, Outcome>;

/** Two groups, so that paging one group at a time has more than one page to follow; then every call at once. */
beforeAll(async () => {
  const cognito = new CognitoIdentityProviderClient({ endpoint: outputs().endpoint, region: outputs().region, credentials: LOCAL_ADMIN_CREDENTIALS });
  for (const group of [uniqueName('boto3-a'), uniqueName('boto3-b')]) await cognito.send(new CreateGroupCommand({ UserPoolId: outputs().userPoolId, GroupName: group }));
  cognito.destroy();
  answers = await runBoto3Calls();
});

const response = (name: string): Record<string, unknown> => {
  const answer = answers[name];
  if (!answer?.response) throw new Error(`${name} answered ${JSON.stringify(answer)}`);
  return answer.response;
};

describe('boto3 against the local cloud', () => {
  it("sts get_caller_identity names the administrator as root and the pool's credentials as their assumed-role session", () => {
    // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
    expect(response('sts.admin')).toEqual({ UserId: LOCAL_ACCOUNT_ID, Account: LOCAL_ACCOUNT_ID, Arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:root` });
    expect(response('sts.issued')).toEqual({
      UserId: expect.stringMatching(new RegExp(`^AROA[0-9A-Z]{16,}:${IDENTITY_POOL_SESSION_NAME}$`)),
      Account: LOCAL_ACCOUNT_ID,
      Arn: `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${TENANT_ROLE_NAME}/${IDENTITY_POOL_SESSION_NAME}`,
    });
  });

  it('cognito-identity get_open_id_token without a login is refused with NotAuthorizedException', () => {
    // https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_GetOpenIdToken.html#API_GetOpenIdToken_Errors
    expect(answers['cognito_identity.get_open_id_token']?.error).toMatchObject({ code: 'NotAuthorizedException', status: 400 });
  });

  it('stepfunctions update_state_machine then start_sync_execution (inject_host_prefix=False) runs the new definition', () => {
    // https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateStateMachine.html, API_StartSyncExecution.html
    expect(response('sfn.update_state_machine')).toEqual({ updateDate: expect.any(String), revisionId: expect.any(String) });
    expect(response('sfn.start_sync_execution')).toMatchObject({ status: 'SUCCEEDED', input: '{"from":"boto3"}', output: JSON.stringify({ version: 2 }) });
  });

  it('stepfunctions validate_state_machine_definition and test_state answer OK and SUCCEEDED', () => {
    // https://docs.aws.amazon.com/step-functions/latest/apireference/API_ValidateStateMachineDefinition.html, API_TestState.html
    expect(response('sfn.validate_state_machine_definition')).toEqual({ result: 'OK', diagnostics: [], truncated: false });
    expect(response('sfn.test_state')).toMatchObject({ status: 'SUCCEEDED', output: '{"n":1}' });
  });

  it('stepfunctions start_execution with the name and input of a running execution answers the same execution (idempotent)', () => {
    // "If StartExecution is called with the same name and input as a running execution, the call
    // succeeds and return the same response as the original request":
    // https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
    const { first, second } = response('sfn.start_execution.twice_then_stop') as { first: Outcome; second: Outcome };

    expect(first.response).toEqual({ executionArn: expect.any(String), startDate: expect.any(String) });
    expect(second).toEqual(first);
  });

  it("stepfunctions stop_execution's error and cause are the ExecutionAborted event's details", () => {
    // HistoryEvent.executionAbortedEventDetails (error, cause):
    // https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionAbortedEventDetails.html
    const { aborted } = response('sfn.start_execution.twice_then_stop') as { aborted: unknown[] };

    expect(aborted).toEqual([
      expect.objectContaining({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Conformance.Stopped', cause: 'stopped by the conformance tier' } }),
    ]);
  });

  it('cognito-idp initiate_auth answers the tokens with ExpiresIn and TokenType Bearer', () => {
    // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AuthenticationResultType.html
    expect(response('cognito_idp.initiate_auth').AuthenticationResult).toEqual({
      AccessToken: expect.any(String),
      IdToken: expect.any(String),
      RefreshToken: expect.any(String),
      ExpiresIn: expect.any(Number),
      TokenType: 'Bearer',
    });
  });

  it('cognito-idp change_password with a wrong previous password fails with NotAuthorizedException', () => {
    // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ChangePassword.html#API_ChangePassword_Errors
    expect(answers['cognito_idp.change_password.wrong_previous']?.error).toMatchObject({ code: 'NotAuthorizedException', status: 400 });
  });

  it('cognito-idp get_user with an access token revoked by global_sign_out fails with NotAuthorizedException', () => {
    // GlobalSignOut "invalidates the identity, access and refresh tokens":
    // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GlobalSignOut.html
    expect(answers['cognito_idp.global_sign_out']).toEqual({ response: {} });
    expect(answers['cognito_idp.get_user.after_sign_out']?.error).toMatchObject({ code: 'NotAuthorizedException', status: 400 });
  });

  it("cognito-idp list_groups through boto3's paginator, one group a page, lists every group", () => {
    // Limit and NextToken: https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListGroups.html
    const total = (response('cognito_idp.list_groups.limit_60').Groups as unknown[]).length;
    const sizes = response('cognito_idp.list_groups.page_sizes').sizes as number[];

    expect(total).toBeGreaterThanOrEqual(2);
    expect(sizes.every((size) => size <= 1)).toBe(true);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(total);
  });

  it('cognito-idp admin_confirm_sign_up of an unknown user fails with UserNotFoundException', () => {
    // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminConfirmSignUp.html#API_AdminConfirmSignUp_Errors
    expect(answers['cognito_idp.admin_confirm_sign_up.unknown']?.error).toEqual({ code: 'UserNotFoundException', message: 'User does not exist.', status: 400 });
  });

  it('dynamodb describe_table answers TableArn in the local region; events list_archives the archive of the bus', () => {
    const tableArn = `arn:aws:dynamodb:${outputs().region}:${LOCAL_ACCOUNT_ID}:table/${outputs().tableName}`;

    // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html
    expect(response('dynamodb.describe_table').Table).toMatchObject({
      TableArn: tableArn,
      GlobalSecondaryIndexes: TABLE_DEFINITION.globalSecondaryIndexes.map(({ indexName }) => expect.objectContaining({ IndexArn: `${tableArn}/index/${indexName}` })),
    });
    // https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_ListArchives.html
    expect(response('events.list_archives').Archives).toEqual([
      expect.objectContaining({ EventSourceArn: `arn:aws:events:${outputs().region}:${LOCAL_ACCOUNT_ID}:event-bus/${outputs().eventBusName}`, State: 'ENABLED' }),
    ]);
  });

  it("lambda list_functions (paginated) names every function of the catalog; get_function of an unknown one is ResourceNotFoundException, 404", () => {
    expect((response('lambda.list_functions').names as string[]).sort()).toEqual(Object.values(FUNCTIONS).map((entry) => entry.name).sort());
    // https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#API_GetFunction_Errors
    expect(answers['lambda.get_function.unknown']?.error).toMatchObject({ code: 'ResourceNotFoundException', status: 404 });
  });

  it('an operation no local service handles (iam list_roles) is a ClientError botocore can read: InvalidAction', () => {
    // https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
    expect(answers['iam.list_roles']?.error).toMatchObject({ code: 'InvalidAction', status: 400 });
  });
});
