import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  AdminListGroupsForUserCommand,
  ChangePasswordCommand,
  CreateGroupCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  ListGroupsCommand,
  NotAuthorizedException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { APP_CLIENT } from '../../../domain/identity';
import { LIST_GROUPS_MAX_LIMIT } from '../../../local/cognito/aws-answers';
import { PASSWORD, signUpAndSignIn, startCognitoFixture, uniqueEmail, type CognitoFixture } from './cognito-fixture';

/** Answers where cognito-local said something else than Cognito does (issue 11's list), each as AWS documents it. */
describe("the local user pool's answers, as Cognito gives them", () => {
  let fixture: CognitoFixture;
  const pool = (): { UserPoolId: string } => ({ UserPoolId: fixture.userPool.userPoolId });

  beforeAll(async () => {
    fixture = await startCognitoFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('says how long the tokens of a sign-in live and what kind they are (ExpiresIn, TokenType)', async () => {
    const email = (await signUpAndSignIn(fixture, 'lifetime')).email;

    const { AuthenticationResult } = await fixture.idp.send(
      new InitiateAuthCommand({ ClientId: fixture.userPool.userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD } }),
    );

    expect({ ExpiresIn: AuthenticationResult?.ExpiresIn, TokenType: AuthenticationResult?.TokenType }).toEqual({ ExpiresIn: APP_CLIENT.accessTokenValidityMinutes * 60, TokenType: 'Bearer' });
  });

  it('refuses an access token after GlobalSignOut, and takes the one of a new sign-in made the same second', async () => {
    const user = await signUpAndSignIn(fixture, 'revoked');
    await fixture.idp.send(new GlobalSignOutCommand({ AccessToken: user.accessToken }));

    const afterSignOut = fixture.idp.send(new GetUserCommand({ AccessToken: user.accessToken }));
    const again = await fixture.idp.send(
      new InitiateAuthCommand({ ClientId: fixture.userPool.userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.email, PASSWORD } }),
    );

    await expect(afterSignOut).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'Access Token has been revoked' });
    await expect(fixture.idp.send(new GetUserCommand({ AccessToken: again.AuthenticationResult?.AccessToken }))).resolves.toMatchObject({ Username: expect.any(String) });
  });

  it('answers a wrong previous password in ChangePassword as wrong credentials (NotAuthorizedException)', async () => {
    const user = await signUpAndSignIn(fixture, 'change-password');

    const attempt = fixture.idp.send(new ChangePasswordCommand({ AccessToken: user.accessToken, PreviousPassword: 'Not-the-password-1', ProposedPassword: 'Another-Horse-8' }));

    await expect(attempt).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    await expect(attempt).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  it('answers AdminConfirmSignUp of an unknown user with UserNotFoundException', async () => {
    const attempt = fixture.idp.send(new AdminConfirmSignUpCommand({ ...pool(), Username: uniqueEmail('nobody') }));

    await expect(attempt).rejects.toBeInstanceOf(UserNotFoundException);
    await expect(attempt).rejects.toMatchObject({ message: 'User does not exist.' });
  });

  it("lists a user's groups when the admin call names the user by email, the pool's sign-in alias", async () => {
    const user = await signUpAndSignIn(fixture, 'alias');
    const group = `g-${Date.now()}`;
    await fixture.idp.send(new CreateGroupCommand({ ...pool(), GroupName: group }));
    await fixture.idp.send(new AdminAddUserToGroupCommand({ ...pool(), GroupName: group, Username: user.email }));

    const byEmail = await fixture.idp.send(new AdminListGroupsForUserCommand({ ...pool(), Username: user.email }));

    expect(byEmail.Groups?.map((listed) => listed.GroupName)).toEqual([group]);
  });

  it('pages ListGroups by Limit and NextToken, every group once, and refuses a Limit over the maximum', async () => {
    const prefix = `page-${Date.now()}-`;
    for (const index of [0, 1, 2, 3, 4]) await fixture.idp.send(new CreateGroupCommand({ ...pool(), GroupName: `${prefix}${index}` }));

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await fixture.idp.send(new ListGroupsCommand({ ...pool(), Limit: 2, ...(token ? { NextToken: token } : {}) }));
      expect((page.Groups ?? []).length).toBeLessThanOrEqual(2);
      seen.push(...(page.Groups ?? []).map((listed) => listed.GroupName ?? ''));
      token = page.NextToken;
      pages += 1;
    } while (token);

    expect(seen.filter((name) => name.startsWith(prefix)).sort()).toEqual([0, 1, 2, 3, 4].map((index) => `${prefix}${index}`));
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBeGreaterThanOrEqual(3);
    await expect(fixture.idp.send(new ListGroupsCommand({ ...pool(), Limit: LIST_GROUPS_MAX_LIMIT + 1 }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('sign-outs kept with the pool', () => {
  it('still refuse a revoked access token after the pool restarts on its data directory', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cognito-revocations-'));
    try {
      const first = await startCognitoFixture({ dataDir });
      const port = first.endpoint.port;
      const signedOut = await signUpAndSignIn(first, 'revoked-restart');
      const stillIn = await signUpAndSignIn(first, 'kept-restart');
      await first.idp.send(new GlobalSignOutCommand({ AccessToken: signedOut.accessToken }));
      await first.stop();

      // The same port keeps the issuer, so only the revocation can refuse the old token.
      const second = await startCognitoFixture({ dataDir, port });
      try {
        await expect(second.idp.send(new GetUserCommand({ AccessToken: signedOut.accessToken }))).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'Access Token has been revoked' });
        await expect(second.idp.send(new GetUserCommand({ AccessToken: stillIn.accessToken }))).resolves.toMatchObject({ Username: expect.any(String) });
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
