import { InitiateAuthCommand, NotAuthorizedException, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { ValidationError } from '../../domain/errors';
import { TENANT_ID_CLAIM } from '../../domain/identity';
import { cognitoTokenRefresher, MissingRefreshedTokensError } from '../../handlers/shared/tokens';

const CLIENT_ID = 'web-client';
const jwtWith = (claims: Record<string, unknown>): string => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;

/** A client whose `send` records the commands and answers with `answer` (mocks only here, at the adapter). */
function stubClient(answer: () => unknown) {
  const sent: unknown[] = [];
  const client = {
    send: (command: unknown) => {
      sent.push(command);
      return Promise.resolve().then(answer);
    },
  } as unknown as CognitoIdentityProviderClient;
  return { client, sent };
}

describe('the refresh-token exchange', () => {
  it("answers the caller's new tokens and the claims they carry", async () => {
    const idToken = jwtWith({ sub: 'u1', [TENANT_ID_CLAIM]: 't2' });
    const { client, sent } = stubClient(() => ({ AuthenticationResult: { IdToken: idToken, AccessToken: 'access' } }));

    const tokens = await cognitoTokenRefresher(client, CLIENT_ID)('refresh', 'u1');

    expect(tokens).toEqual({ idToken, accessToken: 'access', claims: { sub: 'u1', [TENANT_ID_CLAIM]: 't2' } });
    expect(sent).toHaveLength(1);
    expect((sent[0] as InitiateAuthCommand).input).toEqual({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: 'refresh' } });
  });

  it("refuses someone else's refresh token as a bad refreshToken field", async () => {
    const { client } = stubClient(() => ({ AuthenticationResult: { IdToken: jwtWith({ sub: 'someone-else' }), AccessToken: 'access' } }));

    const attempt = cognitoTokenRefresher(client, CLIENT_ID)('refresh', 'u1');

    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toMatchObject({ details: [{ field: 'refreshToken' }] });
  });

  it('turns a refresh token Cognito rejects into a bad refreshToken field', async () => {
    const { client } = stubClient(() => {
      throw new NotAuthorizedException({ message: 'Invalid Refresh Token', $metadata: {} });
    });

    const attempt = cognitoTokenRefresher(client, CLIENT_ID)('expired', 'u1');

    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError', details: [{ field: 'refreshToken', message: 'invalid or expired' }] });
  });

  it("fails with a typed error, not the caller's fault, when Cognito answers without tokens", async () => {
    const { client } = stubClient(() => ({ AuthenticationResult: { AccessToken: 'access' } }));

    const attempt = cognitoTokenRefresher(client, CLIENT_ID)('refresh', 'u1');

    await expect(attempt).rejects.toThrow(MissingRefreshedTokensError);
  });

  it('lets any other Cognito failure escape unchanged', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    const { client } = stubClient(() => {
      throw throttled;
    });

    const attempt = cognitoTokenRefresher(client, CLIENT_ID)('refresh', 'u1');

    await expect(attempt).rejects.toBe(throttled);
  });
});
