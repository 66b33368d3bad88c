import { InitiateAuthCommand, NotAuthorizedException, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { ValidationError } from '../../domain/errors';

export interface RefreshedTokens {
  readonly idToken: string;
  readonly accessToken: string;
  /** The new ID token's claims: the active tenant they name is what the API reports. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * Claims of a token that Cognito itself just returned over TLS: there is no one to forge it
 * between, so reading the payload without verifying the signature is safe here and nowhere else.
 */
function claimsOf(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1];
  if (!payload) return {};
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Cognito answered a refresh with no tokens: its fault, not the caller's, so the API answers 500. */
export class MissingRefreshedTokensError extends Error {
  constructor() {
    super('Cognito returned no tokens for a refresh');
    this.name = 'MissingRefreshedTokensError';
  }
}

export type RefreshTokens = (refreshToken: string, expectedUserId: string) => Promise<RefreshedTokens>;

export function cognitoTokenRefresher(client: CognitoIdentityProviderClient, clientId: string): RefreshTokens {
  return async (refreshToken, expectedUserId) => {
    let result;
    try {
      result = await client.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken } }));
    } catch (error) {
      if (error instanceof NotAuthorizedException) {
        throw new ValidationError('The refresh token was rejected; sign in again to get fresh tokens', [{ field: 'refreshToken', message: 'invalid or expired' }]);
      }
      throw error;
    }
    const idToken = result.AuthenticationResult?.IdToken;
    const accessToken = result.AuthenticationResult?.AccessToken;
    if (!idToken || !accessToken) throw new MissingRefreshedTokensError();
    const claims = claimsOf(idToken);
    // Someone else's refresh token would hand back someone else's tokens.
    if (claims.sub !== expectedUserId) {
      throw new ValidationError('The refresh token belongs to another user', [{ field: 'refreshToken', message: 'not the caller’s' }]);
    }
    return { idToken, accessToken, claims };
  };
}
