import { createHash, createPublicKey, createVerify, type JsonWebKey } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminConfirmSignUpCommand,
  AdminCreateUserCommand,
  DeleteUserAttributesCommand,
  RespondToAuthChallengeCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  AliasExistsException,
  CodeMismatchException,
  CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  DescribeUserPoolClientCommand,
  ExpiredCodeException,
  ForgotPasswordCommand,
  GetUserAttributeVerificationCodeCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  InvalidPasswordException,
  LimitExceededException,
  NotAuthorizedException,
  ResendConfirmationCodeCommand,
  ResourceNotFoundException,
  SignUpCommand,
  UnsupportedOperationException,
  UpdateUserAttributesCommand,
  UserLambdaValidationException,
  UsernameExistsException,
  VerifyUserAttributeCommand,
  type CodeDeliveryDetailsType,
} from '@aws-sdk/client-cognito-identity-provider';
import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { APP_CLIENT, TENANT_ID_CLAIM } from '../../../domain/identity';
import { LoopbackFetcher } from '../../../local/cognito/loopback-fetcher';
import { SIGNING_KEY_FILE } from '../../../local/cognito/signing-key';
import { ATTEMPT_LIMIT_MESSAGE, CODE_ATTEMPT_LIMIT } from '../../../local/cognito/verification-codes';
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_REGION } from '../../../local/config';
import {
  decodeClaims,
  PASSWORD,
  POST_CONFIRMATION_FUNCTION,
  signAsUserPool,
  SHIPPED_KEY_ID,
  signUpAndSignIn,
  signWithForeignKey,
  signWithShippedKey,
  startCognitoFixture,
  uniqueEmail,
  watchSentCodes,
  type CognitoFixture,
  type SentCodes,
} from './cognito-fixture';

/** The pool's JWKS as any verifier fetches it. */
async function servedJwks(fixture: CognitoFixture): Promise<JsonWebKey[]> {
  const response = await fetch(`${fixture.userPool.issuer}/.well-known/jwks.json`);
  return ((await response.json()) as { keys: JsonWebKey[] }).keys;
}

/** Verifies through the served JWKS, as the authorizer and the identity pool do. */
const jwksVerifier = (fixture: CognitoFixture, tokenUse: 'id' | 'access') =>
  JwtVerifier.create(
    {
      issuer: fixture.userPool.issuer,
      audience: tokenUse === 'id' ? fixture.userPool.userPoolClientId : null,
      jwksUri: `${fixture.userPool.issuer}/.well-known/jwks.json`,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== tokenUse) throw new Error(`not an ${tokenUse} token`);
      },
    },
    { jwksCache: new SimpleJwksCache({ fetcher: new LoopbackFetcher() }) },
  );

const decodeHeader = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

/** A refresh token carries no kid, so it is checked against the served key itself. */
function signedWithServedKey(jwt: string, jwk: JsonWebKey): boolean {
  const [header, payload, signature] = jwt.split('.');
  return createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(createPublicKey({ key: jwk, format: 'jwk' }), signature ?? '', 'base64url');
}

const refreshWith = (fixture: CognitoFixture, refreshToken: string) =>
  fixture.idp.send(
    new InitiateAuthCommand({ ClientId: fixture.userPool.userPoolClientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken } }),
  );

describe('local user pool (cognito-local behind the endpoint)', () => {
  let fixture: CognitoFixture;

  beforeAll(async () => {
    fixture = await startCognitoFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  const clientId = (): string => fixture.userPool.userPoolClientId;
  const signIn = (email: string, password = PASSWORD) =>
    fixture.idp.send(new InitiateAuthCommand({ ClientId: clientId(), AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }));
  const refresh = (refreshToken: string) =>
    fixture.idp.send(new InitiateAuthCommand({ ClientId: clientId(), AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken } }));

  it('names the pool and provider in AWS shapes', () => {
    expect(fixture.userPool.userPoolId).toMatch(new RegExp(`^${LOCAL_REGION}_[0-9A-Za-z]{9}$`));
    expect(fixture.userPool.userPoolClientId).toMatch(/^[0-9a-z]{26}$/);
    expect(fixture.userPool.issuer).toBe(`${fixture.endpoint.url}/${fixture.userPool.userPoolId}`);
    expect(fixture.userPool.providerName).toBe(`cognito-idp.${LOCAL_REGION}.amazonaws.com/${fixture.userPool.userPoolId}`);
  });

  it('creates the app client from domain/identity.ts', async () => {
    const { UserPoolClient } = await fixture.idp.send(
      new DescribeUserPoolClientCommand({ UserPoolId: fixture.userPool.userPoolId, ClientId: clientId() }),
    );

    expect(UserPoolClient?.ExplicitAuthFlows).toEqual(APP_CLIENT.authFlows);
    expect(UserPoolClient?.WriteAttributes).toEqual(APP_CLIENT.writeAttributes);
    expect(UserPoolClient?.ReadAttributes).toEqual(APP_CLIENT.readAttributes);
    expect(UserPoolClient?.IdTokenValidity).toBe(APP_CLIENT.idTokenValidityMinutes);
  });

  it('fires PostConfirmation through the Lambda API with the event Cognito sends', async () => {
    const email = uniqueEmail('confirm');
    const { UserSub } = await fixture.idp.send(new SignUpCommand({ ClientId: clientId(), Username: email, Password: PASSWORD }));
    const before = fixture.lambda.invocations.length;

    await fixture.idp.send(new AdminConfirmSignUpCommand({ UserPoolId: fixture.userPool.userPoolId, Username: email }));

    const invocations = fixture.lambda.invocations.slice(before);
    expect(invocations).toHaveLength(1);
    expect(invocations[0]).toMatchObject({
      functionName: POST_CONFIRMATION_FUNCTION,
      event: {
        triggerSource: 'PostConfirmation_ConfirmSignUp',
        region: LOCAL_REGION,
        userPoolId: fixture.userPool.userPoolId,
        userName: UserSub,
        callerContext: { clientId: 'CLIENT_ID_NOT_APPLICABLE' },
        request: { userAttributes: { sub: UserSub, email, 'cognito:user_status': 'CONFIRMED' } },
      },
    });
  });

  it('answers a failing PostConfirmation with UserLambdaValidationException and keeps the user confirmed', async () => {
    const email = uniqueEmail('trigger-fails');
    await fixture.idp.send(new SignUpCommand({ ClientId: clientId(), Username: email, Password: PASSWORD }));
    fixture.lambda.failWith = 'bus unavailable';

    const confirming = fixture.idp.send(new AdminConfirmSignUpCommand({ UserPoolId: fixture.userPool.userPoolId, Username: email }));

    try {
      await expect(confirming).rejects.toBeInstanceOf(UserLambdaValidationException);
    } finally {
      fixture.lambda.failWith = undefined;
    }
    const user = await fixture.idp.send(new AdminGetUserCommand({ UserPoolId: fixture.userPool.userPoolId, Username: email }));
    expect(user.UserStatus).toBe('CONFIRMED');
  });

  it('issues tokens whose issuer is the endpoint and whose keys the endpoint serves', async () => {
    const user = await signUpAndSignIn(fixture, 'issuer');
    const verifier = JwtVerifier.create(
      { issuer: fixture.userPool.issuer, audience: clientId(), jwksUri: `${fixture.userPool.issuer}/.well-known/jwks.json` },
      { jwksCache: new SimpleJwksCache({ fetcher: new LoopbackFetcher() }) },
    );

    const claims = await verifier.verify(user.idToken);

    expect(claims).toMatchObject({ iss: `${fixture.endpoint.url}/${fixture.userPool.userPoolId}`, sub: user.sub, token_use: 'id' });
    expect(decodeClaims(user.accessToken)).toMatchObject({ iss: fixture.userPool.issuer, client_id: clientId(), token_use: 'access' });
  });

  it('signs ID, access and refresh tokens with the one key its JWKS serves, not the key cognito-local ships', async () => {
    const user = await signUpAndSignIn(fixture, 'own-key');

    const keys = await servedJwks(fixture);

    expect(keys).toHaveLength(1);
    const [served] = keys as [JsonWebKey];
    expect(served).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: fixture.signingKey.kid });
    expect(served.kid).not.toBe(SHIPPED_KEY_ID);
    expect(createPublicKey({ key: served, format: 'jwk' }).asymmetricKeyDetails?.modulusLength).toBe(2048);
    await expect(jwksVerifier(fixture, 'id').verify(user.idToken)).resolves.toMatchObject({ sub: user.sub });
    await expect(jwksVerifier(fixture, 'access').verify(user.accessToken)).resolves.toMatchObject({ sub: user.sub });
    expect(signedWithServedKey(user.refreshToken, served)).toBe(true);
    expect([user.idToken, user.accessToken].map(decodeHeader)).toEqual([
      { alg: 'RS256', typ: 'JWT', kid: served.kid },
      { alg: 'RS256', typ: 'JWT', kid: served.kid },
    ]);
    expect(decodeHeader(user.refreshToken)).toEqual({ alg: 'RS256', typ: 'JWT' });
  });

  it('names its key by the RFC 7638 thumbprint of the public key', async () => {
    const [served] = (await servedJwks(fixture)) as [JsonWebKey];

    const thumbprint = createHash('sha256').update(`{"e":"${served.e}","kty":"RSA","n":"${served.n}"}`).digest('base64url');

    expect(served.kid).toBe(thumbprint);
  });

  it('keeps its private key in the data directory, readable by its owner only', async () => {
    const file = await stat(join(fixture.dataDir, SIGNING_KEY_FILE));

    expect(file.mode & 0o777).toBe(0o600);
  });

  it('refuses an access token forged with the key cognito-local ships', async () => {
    const user = await signUpAndSignIn(fixture, 'shipped-key-access');
    const forged = signWithShippedKey(decodeClaims(user.accessToken));

    const genuine = await fixture.idp.send(new GetUserCommand({ AccessToken: user.accessToken }));

    expect(genuine.Username).toBe(user.sub);
    await expect(fixture.idp.send(new GetUserCommand({ AccessToken: forged }))).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  it('refuses a refresh token forged with the key cognito-local ships, before cognito-local looks it up', async () => {
    const user = await signUpAndSignIn(fixture, 'shipped-key-refresh');
    // cognito-local's refresh tokens carry no kid.
    const forged = signWithShippedKey(decodeClaims(user.refreshToken), null);

    const refreshing = refresh(forged);

    await expect(refreshing).rejects.toBeInstanceOf(NotAuthorizedException);
    // The proxy's signature check answers, not cognito-local's "User not authorized" for an unknown token.
    await expect(refreshing).rejects.toThrow('Invalid Refresh Token');
    await expect(refresh(user.refreshToken)).resolves.toMatchObject({ AuthenticationResult: { IdToken: expect.any(String) } });
  });

  it('publishes an OpenID configuration naming the endpoint issuer', async () => {
    const response = await fetch(`${fixture.userPool.issuer}/.well-known/openid-configuration`);

    expect(await response.json()).toMatchObject({
      issuer: fixture.userPool.issuer,
      jwks_uri: `${fixture.userPool.issuer}/.well-known/jwks.json`,
    });
  });

  it('shows an admin-set tenant in the ID token after a refresh', async () => {
    const user = await signUpAndSignIn(fixture, 'tenant');
    expect(decodeClaims(user.idToken)[TENANT_ID_CLAIM]).toBeUndefined();

    await fixture.idp.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: fixture.userPool.userPoolId,
        Username: user.sub,
        UserAttributes: [{ Name: TENANT_ID_CLAIM, Value: 't-42' }],
      }),
    );
    const refreshed = await refresh(user.refreshToken);

    expect(decodeClaims(refreshed.AuthenticationResult?.IdToken ?? '')[TENANT_ID_CLAIM]).toBe('t-42');
  });

  it('lets a user write a writable attribute but not the tenant', async () => {
    const user = await signUpAndSignIn(fixture, 'writer');

    await fixture.idp.send(new UpdateUserAttributesCommand({ AccessToken: user.accessToken, UserAttributes: [{ Name: 'name', Value: 'Ada' }] }));
    const writingTenant = fixture.idp.send(
      new UpdateUserAttributesCommand({ AccessToken: user.accessToken, UserAttributes: [{ Name: TENANT_ID_CLAIM, Value: 'someone-else' }] }),
    );

    await expect(writingTenant).rejects.toBeInstanceOf(NotAuthorizedException);
    const stored = await fixture.idp.send(new AdminGetUserCommand({ UserPoolId: fixture.userPool.userPoolId, Username: user.sub }));
    expect(stored.UserAttributes).toEqual(expect.arrayContaining([{ Name: 'name', Value: 'Ada' }]));
    expect(stored.UserAttributes?.find((attribute) => attribute.Name === TENANT_ID_CLAIM)).toBeUndefined();
  });

  it('refuses to let a user clear the tenant by deleting the attribute', async () => {
    const user = await signUpAndSignIn(fixture, 'deleter');
    await fixture.idp.send(
      new AdminUpdateUserAttributesCommand({ UserPoolId: fixture.userPool.userPoolId, Username: user.sub, UserAttributes: [{ Name: TENANT_ID_CLAIM, Value: 't-1' }] }),
    );

    const deleting = fixture.idp.send(new DeleteUserAttributesCommand({ AccessToken: user.accessToken, UserAttributeNames: [TENANT_ID_CLAIM] }));

    await expect(deleting).rejects.toBeInstanceOf(NotAuthorizedException);
    const stored = await fixture.idp.send(new AdminGetUserCommand({ UserPoolId: fixture.userPool.userPoolId, Username: user.sub }));
    expect(stored.UserAttributes).toEqual(expect.arrayContaining([{ Name: TENANT_ID_CLAIM, Value: 't-1' }]));
  });

  describe('challenge responses', () => {
    /** A user made by an administrator with a temporary password: signing in answers NEW_PASSWORD_REQUIRED. */
    async function invitedUser(label: string): Promise<{ email: string; session: string; username: string }> {
      const email = uniqueEmail(label);
      await fixture.idp.send(
        new AdminCreateUserCommand({
          UserPoolId: fixture.userPool.userPoolId,
          Username: email,
          TemporaryPassword: 'Temporary-Pass-1',
          MessageAction: 'SUPPRESS',
          UserAttributes: [{ Name: 'email', Value: email }],
        }),
      );
      const started = await fixture.idp.send(
        new InitiateAuthCommand({ ClientId: clientId(), AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: 'Temporary-Pass-1' } }),
      );
      expect(started.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
      return { email, session: started.Session ?? '', username: started.ChallengeParameters?.USER_ID_FOR_SRP ?? '' };
    }

    const respond = (challengeName: 'NEW_PASSWORD_REQUIRED' | 'SMS_MFA', session: string, responses: Record<string, string>) =>
      fixture.idp.send(new RespondToAuthChallengeCommand({ ClientId: clientId(), ChallengeName: challengeName, Session: session, ChallengeResponses: responses }));

    it('answers the session it issued, once', async () => {
      const invited = await invitedUser('challenge-ok');

      const answered = await respond('NEW_PASSWORD_REQUIRED', invited.session, { USERNAME: invited.email, NEW_PASSWORD: 'Chosen-Pass-1' });
      const again = respond('NEW_PASSWORD_REQUIRED', invited.session, { USERNAME: invited.email, NEW_PASSWORD: 'Another-Pass-1' });

      expect(answered.AuthenticationResult?.IdToken).toEqual(expect.any(String));
      await expect(again).rejects.toThrow(expect.objectContaining({ name: 'NotAuthorizedException', message: 'Invalid session for the user.' }));
      await expect(signIn(invited.email, 'Chosen-Pass-1')).resolves.toBeDefined();
    });

    it("refuses a session issued to one user for another user's account, and changes nothing", async () => {
      const attacker = await invitedUser('challenge-attacker');
      const victim = await signUpAndSignIn(fixture, 'challenge-victim');

      const takeover = respond('NEW_PASSWORD_REQUIRED', attacker.session, { USERNAME: victim.email, NEW_PASSWORD: 'Stolen-Pass-1' });

      await expect(takeover).rejects.toThrow(expect.objectContaining({ name: 'NotAuthorizedException', message: 'Invalid session for the user.' }));
      await expect(signIn(victim.email)).resolves.toBeDefined();
      await expect(signIn(victim.email, 'Stolen-Pass-1')).rejects.toBeInstanceOf(NotAuthorizedException);
    });

    it('refuses a made-up session, for MFA with no code as for a new password', async () => {
      const victim = await signUpAndSignIn(fixture, 'challenge-made-up');

      const mfa = respond('SMS_MFA', 'x', { USERNAME: victim.email });
      const newPassword = respond('NEW_PASSWORD_REQUIRED', 'x', { USERNAME: victim.email, NEW_PASSWORD: 'Stolen-Pass-1' });

      await expect(mfa).rejects.toBeInstanceOf(NotAuthorizedException);
      await expect(newPassword).rejects.toBeInstanceOf(NotAuthorizedException);
      await expect(signIn(victim.email)).resolves.toBeDefined();
    });

    it('refuses a session answered as another challenge than the one it was issued for', async () => {
      const invited = await invitedUser('challenge-kind');

      await expect(respond('SMS_MFA', invited.session, { USERNAME: invited.email })).rejects.toBeInstanceOf(NotAuthorizedException);
    });
  });

  it('refuses a sign-up that sets the tenant', async () => {
    const email = uniqueEmail('tenant-at-signup');

    const signingUp = fixture.idp.send(
      new SignUpCommand({ ClientId: clientId(), Username: email, Password: PASSWORD, UserAttributes: [{ Name: TENANT_ID_CLAIM, Value: 't-1' }] }),
    );

    await expect(signingUp).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  it('refuses a sign-up whose password breaks the policy', async () => {
    const signingUp = fixture.idp.send(new SignUpCommand({ ClientId: clientId(), Username: uniqueEmail('weak'), Password: 'alllowercase1' }));

    await expect(signingUp).rejects.toBeInstanceOf(InvalidPasswordException);
  });

  it('answers a wrong password with NotAuthorizedException, as AWS does', async () => {
    const user = await signUpAndSignIn(fixture, 'wrong-password');

    await expect(signIn(user.email, 'Wrong-Password-1')).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  it('stops a disabled user from signing in or refreshing', async () => {
    const user = await signUpAndSignIn(fixture, 'disabled');

    await fixture.idp.send(new AdminDisableUserCommand({ UserPoolId: fixture.userPool.userPoolId, Username: user.sub }));

    await expect(signIn(user.email)).rejects.toThrow('User is disabled.');
    await expect(refresh(user.refreshToken)).rejects.toThrow('User is disabled.');
  });

  it('rejects an access token that the pool did not sign', async () => {
    const user = await signUpAndSignIn(fixture, 'forged-access');
    const forged = signWithForeignKey(decodeClaims(user.accessToken), fixture.signingKey.kid);

    await expect(fixture.idp.send(new GetUserCommand({ AccessToken: forged }))).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  it('rejects an expired access token', async () => {
    const user = await signUpAndSignIn(fixture, 'expired-access');
    const expired = signAsUserPool({ ...decodeClaims(user.accessToken), exp: Math.floor(Date.now() / 1000) - 60 }, fixture.signingKey);

    await expect(fixture.idp.send(new GetUserCommand({ AccessToken: expired }))).rejects.toThrow('Access Token has expired');
  });

  it('answers AWS error codes for an unknown client and for what cognito-local lacks', async () => {
    const unknownClient = fixture.idp.send(
      new InitiateAuthCommand({ ClientId: 'nosuchclient', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'a@b.c', PASSWORD } }),
    );
    const srp = fixture.idp.send(new InitiateAuthCommand({ ClientId: clientId(), AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'a@b.c' } }));

    await expect(unknownClient).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(srp).rejects.toBeInstanceOf(UnsupportedOperationException);
  });

  it('revokes refresh tokens on GlobalSignOut', async () => {
    const user = await signUpAndSignIn(fixture, 'sign-out');

    await fixture.idp.send(new GlobalSignOutCommand({ AccessToken: user.accessToken }));

    await expect(refresh(user.refreshToken)).rejects.toBeInstanceOf(NotAuthorizedException);
  });
});

/** `count` six-digit codes that are not `right`. */
const wrongCodes = (right: string, count: number): string[] =>
  Array.from({ length: count }, (_, index) => String((Number(right) + index + 1) % 1_000_000).padStart(6, '0'));

/** What a caller can tell from a CodeDeliveryDetails: its fields, and the shape of the masked destination. */
const deliveryShape = (details: CodeDeliveryDetailsType | undefined) => ({
  AttributeName: details?.AttributeName,
  DeliveryMedium: details?.DeliveryMedium,
  Destination: details?.Destination?.replace(/[^*@]/g, 'x'),
});

describe('local user pool codes, user existence and email changes, as AWS answers them', () => {
  let fixture: CognitoFixture;
  let codes: SentCodes;
  // The SDK retries LimitExceededException as throttling; one attempt per call keeps the count exact.
  let oneAttempt: CognitoIdentityProviderClient;

  beforeAll(async () => {
    fixture = await startCognitoFixture();
    codes = watchSentCodes();
    oneAttempt = new CognitoIdentityProviderClient({ endpoint: fixture.endpoint.url, region: LOCAL_REGION, credentials: LOCAL_ADMIN_CREDENTIALS, maxAttempts: 1 });
  });
  afterAll(async () => {
    oneAttempt.destroy();
    codes.stop();
    await fixture.stop();
  });

  const clientId = (): string => fixture.userPool.userPoolClientId;
  const poolId = (): string => fixture.userPool.userPoolId;
  const signIn = (email: string, password = PASSWORD) =>
    fixture.idp.send(new InitiateAuthCommand({ ClientId: clientId(), AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }));
  const refreshedIdClaims = async (refreshToken: string): Promise<Record<string, unknown>> => {
    const refreshed = await refreshWith(fixture, refreshToken);
    return decodeClaims(refreshed.AuthenticationResult?.IdToken ?? '');
  };
  const forgotPassword = (username: string) => fixture.idp.send(new ForgotPasswordCommand({ ClientId: clientId(), Username: username }));
  const confirmForgotPassword = (username: string, code: string, password: string) =>
    oneAttempt.send(new ConfirmForgotPasswordCommand({ ClientId: clientId(), Username: username, ConfirmationCode: code, Password: password }));
  /** As a verification would (cognito-local wants the email in the same request as email_verified). */
  const markEmailVerified = (user: { sub: string; email: string }) =>
    fixture.idp.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: poolId(),
        Username: user.sub,
        UserAttributes: [
          { Name: 'email', Value: user.email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
  const storedAttribute = async (username: string, name: string): Promise<string | undefined> => {
    const user = await fixture.idp.send(new AdminGetUserCommand({ UserPoolId: poolId(), Username: username }));
    return user.UserAttributes?.find((attribute) => attribute.Name === name)?.Value;
  };

  it(`refuses even the right reset code after ${CODE_ATTEMPT_LIMIT} wrong ones, and keeps the password`, async () => {
    const user = await signUpAndSignIn(fixture, 'brute-force');
    await forgotPassword(user.email);
    const rightCode = codes.codeSentTo(user.email);

    for (const wrong of wrongCodes(rightCode, CODE_ATTEMPT_LIMIT)) {
      await expect(confirmForgotPassword(user.email, wrong, 'Taken-Over-1')).rejects.toBeInstanceOf(CodeMismatchException);
    }
    const withRightCode = confirmForgotPassword(user.email, rightCode, 'Taken-Over-1');

    await expect(withRightCode).rejects.toBeInstanceOf(LimitExceededException);
    await expect(withRightCode).rejects.toThrow(ATTEMPT_LIMIT_MESSAGE);
    await expect(signIn(user.email)).resolves.toMatchObject({ AuthenticationResult: { IdToken: expect.any(String) } });
    await expect(signIn(user.email, 'Taken-Over-1')).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  it('counts wrong codes from zero again after a right one', async () => {
    const user = await signUpAndSignIn(fixture, 'reset-twice');
    await forgotPassword(user.email);
    for (const wrong of wrongCodes(codes.codeSentTo(user.email), CODE_ATTEMPT_LIMIT - 1)) {
      await expect(confirmForgotPassword(user.email, wrong, 'First-Reset-1')).rejects.toBeInstanceOf(CodeMismatchException);
    }
    await confirmForgotPassword(user.email, codes.codeSentTo(user.email), 'First-Reset-1');
    await forgotPassword(user.email);
    for (const wrong of wrongCodes(codes.codeSentTo(user.email), CODE_ATTEMPT_LIMIT - 1)) {
      await expect(confirmForgotPassword(user.email, wrong, 'Second-Reset-1')).rejects.toBeInstanceOf(CodeMismatchException);
    }

    const secondReset = confirmForgotPassword(user.email, codes.codeSentTo(user.email), 'Second-Reset-1');

    await expect(secondReset).resolves.toBeDefined();
    await expect(signIn(user.email, 'Second-Reset-1')).resolves.toMatchObject({ AuthenticationResult: { IdToken: expect.any(String) } });
  });

  it(`limits wrong attribute-verification codes to ${CODE_ATTEMPT_LIMIT} too`, async () => {
    const user = await signUpAndSignIn(fixture, 'verify-attribute');
    // Stores a code; the local pool has no AutoVerifiedAttributes to send it to, so the call itself fails.
    await fixture.idp.send(new GetUserAttributeVerificationCodeCommand({ AccessToken: user.accessToken, AttributeName: 'email' })).catch(() => undefined);
    const verify = (code: string) => oneAttempt.send(new VerifyUserAttributeCommand({ AccessToken: user.accessToken, AttributeName: 'email', Code: code }));

    for (const wrong of wrongCodes('000000', CODE_ATTEMPT_LIMIT)) await expect(verify(wrong)).rejects.toBeInstanceOf(CodeMismatchException);

    await expect(verify('000000')).rejects.toBeInstanceOf(LimitExceededException);
  });

  it('answers a reset that no ForgotPassword asked for with ExpiredCodeException, also right after sign-up', async () => {
    // SignUp stores a confirmation code (sent nowhere: no AutoVerifiedAttributes); the admin confirmation must consume it.
    const user = await signUpAndSignIn(fixture, 'no-reset-requested');

    await expect(confirmForgotPassword(user.email, '123456', 'Never-Asked-1')).rejects.toBeInstanceOf(ExpiredCodeException);
  });

  it('refuses to confirm a user who is confirmed already, without looking at the code', async () => {
    const user = await signUpAndSignIn(fixture, 'confirmed-twice');

    const confirming = fixture.idp.send(new ConfirmSignUpCommand({ ClientId: clientId(), Username: user.email, ConfirmationCode: '123456' }));

    await expect(confirming).rejects.toThrow('User cannot be confirmed. Current status is CONFIRMED');
  });

  it('answers ForgotPassword for an unknown or disabled user as for a known one, and sends them nothing', async () => {
    const known = await signUpAndSignIn(fixture, 'forgot-known');
    const disabled = await signUpAndSignIn(fixture, 'forgot-disabled');
    await fixture.idp.send(new AdminDisableUserCommand({ UserPoolId: poolId(), Username: disabled.sub }));
    const unknownEmail = uniqueEmail('forgot-unknown');
    // Their sign-up codes (the pool verifies email at sign-up, as deployed) are not this test's.
    const sentBefore = [codes.countSentTo(known.email), 0, codes.countSentTo(disabled.email)];

    const [forKnown, forUnknown, forDisabled] = await Promise.all([forgotPassword(known.email), forgotPassword(unknownEmail), forgotPassword(disabled.email)]);

    expect(forKnown.CodeDeliveryDetails).toEqual({ AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: `${known.email[0]}***@e***` });
    expect(deliveryShape(forUnknown.CodeDeliveryDetails)).toEqual(deliveryShape(forKnown.CodeDeliveryDetails));
    expect(deliveryShape(forDisabled.CodeDeliveryDetails)).toEqual(deliveryShape(forKnown.CodeDeliveryDetails));
    const sent = [codes.countSentTo(known.email), codes.countSentTo(unknownEmail), codes.countSentTo(disabled.email)];
    expect(sent.map((count, index) => count - (sentBefore[index] ?? 0))).toEqual([1, 0, 0]);
  });

  it('answers a reset for an unknown user as a wrong code', async () => {
    const resetting = confirmForgotPassword(uniqueEmail('reset-unknown'), '123456', 'New-Password-1');

    await expect(resetting).rejects.toBeInstanceOf(CodeMismatchException);
  });

  it('answers ResendConfirmationCode for an unknown user as for an unconfirmed one, whose new code confirms them', async () => {
    const email = uniqueEmail('resend-known');
    await fixture.idp.send(new SignUpCommand({ ClientId: clientId(), Username: email, Password: PASSWORD }));
    const unknownEmail = uniqueEmail('resend-unknown');

    const forKnown = await fixture.idp.send(new ResendConfirmationCodeCommand({ ClientId: clientId(), Username: email }));
    const forUnknown = await fixture.idp.send(new ResendConfirmationCodeCommand({ ClientId: clientId(), Username: unknownEmail }));

    expect(forKnown.CodeDeliveryDetails).toEqual({ AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: `${email[0]}***@e***` });
    expect(deliveryShape(forUnknown.CodeDeliveryDetails)).toEqual(deliveryShape(forKnown.CodeDeliveryDetails));
    expect(codes.countSentTo(unknownEmail)).toBe(0);
    await fixture.idp.send(new ConfirmSignUpCommand({ ClientId: clientId(), Username: email, ConfirmationCode: codes.codeSentTo(email) }));
    await expect(signIn(email)).resolves.toMatchObject({ AuthenticationResult: { IdToken: expect.any(String) } });
  });

  it('verifies the address when sign-up is confirmed with the code sent to it, and not on a wrong code or an admin confirmation', async () => {
    const byCode = uniqueEmail('verified-by-code');
    const byAdmin = uniqueEmail('confirmed-by-admin');
    for (const email of [byCode, byAdmin]) {
      await fixture.idp.send(new SignUpCommand({ ClientId: clientId(), Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
    }
    // The code as the pool sends it to the address (this fixture captures resent codes).
    await fixture.idp.send(new ResendConfirmationCodeCommand({ ClientId: clientId(), Username: byCode }));
    const wrongCode = codes.codeSentTo(byCode) === '000000' ? '111111' : '000000';

    await expect(fixture.idp.send(new ConfirmSignUpCommand({ ClientId: clientId(), Username: byCode, ConfirmationCode: wrongCode }))).rejects.toBeInstanceOf(CodeMismatchException);
    const afterWrongCode = await fixture.idp.send(new AdminGetUserCommand({ UserPoolId: fixture.userPool.userPoolId, Username: byCode }));
    await fixture.idp.send(new ConfirmSignUpCommand({ ClientId: clientId(), Username: byCode, ConfirmationCode: codes.codeSentTo(byCode) }));
    await fixture.idp.send(new AdminConfirmSignUpCommand({ UserPoolId: fixture.userPool.userPoolId, Username: byAdmin }));

    const claims = async (email: string) => JSON.parse(Buffer.from((await signIn(email)).AuthenticationResult?.IdToken?.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(afterWrongCode.UserAttributes?.find((attribute) => attribute.Name === 'email_verified')?.Value).not.toBe('true');
    expect(await claims(byCode)).toMatchObject({ email: byCode, email_verified: true });
    expect((await claims(byAdmin)).email_verified).not.toBe(true);
  });

  it('answers a password sign-in of an unknown user as a wrong password', async () => {
    const signingIn = signIn(uniqueEmail('nobody'));

    await expect(signingIn).rejects.toBeInstanceOf(NotAuthorizedException);
    await expect(signingIn).rejects.toThrow('Incorrect username or password.');
  });

  it("refuses a user another user's email, whatever its case, and changes nothing", async () => {
    const victim = await signUpAndSignIn(fixture, 'victim');
    const attacker = await signUpAndSignIn(fixture, 'attacker');

    const taking = fixture.idp.send(
      new UpdateUserAttributesCommand({ AccessToken: attacker.accessToken, UserAttributes: [{ Name: 'email', Value: victim.email.toUpperCase() }] }),
    );

    await expect(taking).rejects.toBeInstanceOf(AliasExistsException);
    await expect(taking).rejects.toThrow('An account with the given email already exists.');
    expect(await storedAttribute(attacker.sub, 'email')).toBe(attacker.email);
    expect(await refreshedIdClaims(attacker.refreshToken)).toMatchObject({ email: attacker.email });
    await expect(signIn(victim.email)).resolves.toMatchObject({ AuthenticationResult: { IdToken: expect.any(String) } });
  });

  it('marks a changed email unverified: the ID token after a refresh says so', async () => {
    const user = await signUpAndSignIn(fixture, 'changes-email');
    await markEmailVerified(user);
    expect(await refreshedIdClaims(user.refreshToken)).toMatchObject({ email: user.email, email_verified: true });
    const newEmail = uniqueEmail('changed');

    await fixture.idp.send(new UpdateUserAttributesCommand({ AccessToken: user.accessToken, UserAttributes: [{ Name: 'email', Value: newEmail }] }));

    expect(await refreshedIdClaims(user.refreshToken)).toMatchObject({ email: newEmail, email_verified: false });
  });

  it("refuses an admin another user's email, and unverifies a changed email unless told it is verified", async () => {
    const other = await signUpAndSignIn(fixture, 'admin-other');
    const user = await signUpAndSignIn(fixture, 'admin-target');
    const setAttributes = (attributes: { Name: string; Value: string }[]) =>
      fixture.idp.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId(), Username: user.sub, UserAttributes: attributes }));
    await markEmailVerified(user);

    await expect(setAttributes([{ Name: 'email', Value: other.email }])).rejects.toBeInstanceOf(AliasExistsException);
    expect(await refreshedIdClaims(user.refreshToken)).toMatchObject({ email: user.email, email_verified: true });
    const unverified = uniqueEmail('admin-unverified');
    await setAttributes([{ Name: 'email', Value: unverified }]);
    expect(await refreshedIdClaims(user.refreshToken)).toMatchObject({ email: unverified, email_verified: false });
    const verified = uniqueEmail('admin-verified');
    await setAttributes([
      { Name: 'email', Value: verified },
      { Name: 'email_verified', Value: 'true' },
    ]);
    expect(await refreshedIdClaims(user.refreshToken)).toMatchObject({ email: verified, email_verified: true });
  });

  it('refuses a sign-up with an email another user has, whatever its case', async () => {
    const existing = await signUpAndSignIn(fixture, 'taken');

    const signingUp = fixture.idp.send(new SignUpCommand({ ClientId: clientId(), Username: existing.email.toUpperCase(), Password: PASSWORD }));
    const signingUpWithAttribute = fixture.idp.send(
      new SignUpCommand({ ClientId: clientId(), Username: uniqueEmail('other-name'), Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: existing.email }] }),
    );

    await expect(signingUp).rejects.toBeInstanceOf(UsernameExistsException);
    await expect(signingUpWithAttribute).rejects.toBeInstanceOf(UsernameExistsException);
  });
});

describe('local user pool restarted on the same data directory', () => {
  it('keeps the pool, the client and the users, and issues tokens for the new endpoint', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cognito-restart-'));
    try {
      const first = await startCognitoFixture({ dataDir });
      const user = await signUpAndSignIn(first, 'persisted').finally(() => first.stop());

      const second = await startCognitoFixture({ dataDir });
      try {
        const auth = await second.idp.send(
          new InitiateAuthCommand({
            ClientId: second.userPool.userPoolClientId,
            AuthFlow: 'USER_PASSWORD_AUTH',
            AuthParameters: { USERNAME: user.email, PASSWORD },
          }),
        );

        expect({ pool: second.userPool.userPoolId, client: second.userPool.userPoolClientId }).toEqual({
          pool: first.userPool.userPoolId,
          client: first.userPool.userPoolClientId,
        });
        expect(decodeClaims(auth.AuthenticationResult?.IdToken ?? '')).toMatchObject({ sub: user.sub, iss: second.userPool.issuer });
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('local user pool signing key across restarts', () => {
  const dataDirs: string[] = [];
  const newDataDir = async (): Promise<string> => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cognito-key-'));
    dataDirs.push(dataDir);
    return dataDir;
  };
  afterAll(async () => {
    await Promise.all(dataDirs.map((dataDir) => rm(dataDir, { recursive: true, force: true })));
  });

  it('keeps the key on the same data directory, so tokens issued before the restart still verify and refresh', async () => {
    const dataDir = await newDataDir();
    const first = await startCognitoFixture({ dataDir });
    const user = await signUpAndSignIn(first, 'key-kept');
    const keysBefore = await servedJwks(first).finally(() => first.stop());

    // The same port keeps the issuer (`<endpoint>/<poolId>`) that the earlier tokens name.
    const second = await startCognitoFixture({ dataDir, port: first.endpoint.port });
    try {
      const refreshed = await refreshWith(second, user.refreshToken);

      expect(await servedJwks(second)).toEqual(keysBefore);
      await expect(jwksVerifier(second, 'id').verify(user.idToken)).resolves.toMatchObject({ sub: user.sub });
      await expect(jwksVerifier(second, 'id').verify(refreshed.AuthenticationResult?.IdToken ?? '')).resolves.toMatchObject({ sub: user.sub });
    } finally {
      await second.stop();
    }
  });

  it('generates a new key, with a new kid, for a new data directory', async () => {
    const first = await startCognitoFixture({ dataDir: await newDataDir() });
    const keysOfFirst = await servedJwks(first).finally(() => first.stop());
    const second = await startCognitoFixture({ dataDir: await newDataDir() });
    const keysOfSecond = await servedJwks(second).finally(() => second.stop());

    const [firstKey, secondKey] = [keysOfFirst[0], keysOfSecond[0]];

    expect(secondKey?.kid).not.toBe(firstKey?.kid);
    expect(secondKey?.n).not.toBe(firstKey?.n);
  });
});
