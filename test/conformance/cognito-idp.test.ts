import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { aws, awsJson, outputs, SERVICE_ERROR_EXIT_CODES } from './environment';
import { uniqueName } from './support';

// API Reference pages cited below: https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_<Operation>.html
interface Group {
  GroupName: string;
  UserPoolId: string;
}

const names = (groups: readonly Group[]): string[] => groups.map((group) => group.GroupName).sort();
const pool = (): string[] => ['--user-pool-id', outputs().userPoolId];

let email: string;
let memberOf: string[];

/**
 * A user created by email (the pool's username attribute) by an administrator, in two of three new
 * groups. AdminCreateUser rather than SignUp: it runs no PostConfirmation trigger, so this file
 * depends on no function of the control plane.
 */
beforeAll(async () => {
  const cognito = new CognitoIdentityProviderClient({ endpoint: outputs().endpoint, region: outputs().region, credentials: LOCAL_ADMIN_CREDENTIALS });
  email = `${uniqueName('conformance')}@example.com`;
  const attributes = [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }];
  await cognito.send(new AdminCreateUserCommand({ UserPoolId: outputs().userPoolId, Username: email, UserAttributes: attributes, MessageAction: 'SUPPRESS' }));
  const groups = [uniqueName('conformance-a'), uniqueName('conformance-b'), uniqueName('conformance-c')];
  for (const group of groups) await cognito.send(new CreateGroupCommand({ UserPoolId: outputs().userPoolId, GroupName: group }));
  memberOf = groups.slice(0, 2).sort();
  for (const group of memberOf) await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: outputs().userPoolId, Username: email, GroupName: group }));
  cognito.destroy();
});

describe('aws cognito-idp', () => {
  it("admin-list-groups-for-user by the user's email lists the user's groups (AWS resolves the alias to the user)", async () => {
    const { Groups } = await awsJson<{ Groups: Group[] }>(['cognito-idp', 'admin-list-groups-for-user', ...pool(), '--username', email]);

    expect(names(Groups)).toEqual(memberOf);
    expect(Groups.every((group) => group.UserPoolId === outputs().userPoolId)).toBe(true);
  });

  it('admin-confirm-sign-up of an unknown user fails with UserNotFoundException', async () => {
    const result = await aws(['cognito-idp', 'admin-confirm-sign-up', ...pool(), '--username', 'nobody-conformance@example.com']);

    expect(SERVICE_ERROR_EXIT_CODES).toContain(result.exitCode);
    expect(result.error).toEqual({ code: 'UserNotFoundException', operation: 'AdminConfirmSignUp', message: 'User does not exist.' });
  });

  it('list-groups --limit answers at most that many groups and a NextToken that continues after them', async () => {
    const first = await awsJson<{ Groups: Group[]; NextToken?: string }>(['cognito-idp', 'list-groups', ...pool(), '--limit', '2']);
    const second = await awsJson<{ Groups: Group[] }>(['cognito-idp', 'list-groups', ...pool(), '--limit', '2', '--next-token', first.NextToken ?? 'missing']);

    expect(first.Groups).toHaveLength(2);
    expect(first.NextToken).toEqual(expect.any(String));
    expect(second.Groups.length).toBeGreaterThan(0);
    expect(names(second.Groups).filter((name) => names(first.Groups).includes(name))).toEqual([]);
  });

  it('list-groups --page-size 1 (the CLI following NextToken one group at a time) lists every group exactly once', async () => {
    const [everyGroup, paged] = await Promise.all([
      awsJson<{ Groups: Group[] }>(['cognito-idp', 'list-groups', ...pool(), '--limit', '60']),
      awsJson<{ Groups: Group[] }>(['cognito-idp', 'list-groups', ...pool(), '--page-size', '1']),
    ]);

    expect(names(paged.Groups)).toEqual(names(everyGroup.Groups));
    expect(names(everyGroup.Groups)).toEqual(expect.arrayContaining(memberOf));
  });
});
