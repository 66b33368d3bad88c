import {
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { AppConfig } from '../../shared/app-config';
import type { SessionTokens } from './session-store';

/** The user pool refused (wrong password, bad code, user exists…): Cognito's own words and name. */
export class AuthError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

/**
 * The user pool's public operations, as a deployed front end calls them: straight to Cognito with
 * the AWS SDK. They are unauthenticated (the SDK's auth scheme for each is `smithy.api#noAuth`),
 * so the client is given no credentials and signs nothing; the app client id is all it names.
 */
export class UserPool {
  private readonly client: CognitoIdentityProviderClient;
  private readonly clientId: string;

  constructor(config: AppConfig) {
    this.client = new CognitoIdentityProviderClient({ region: config.region, endpoint: config.userPoolEndpoint, maxAttempts: 2 });
    this.clientId = config.userPoolClientId;
  }

  async signIn(email: string, password: string): Promise<SessionTokens> {
    const result = await this.call(() => this.client.send(new InitiateAuthCommand({ ClientId: this.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } })),
    );
    const tokens = result.AuthenticationResult;
    if (!tokens?.IdToken || !tokens.AccessToken || !tokens.RefreshToken) {
      throw new AuthError('ChallengeRequired', `Sign-in needs a step this app does not offer (${result.ChallengeName ?? 'no tokens returned'}).`);
    }
    return { idToken: tokens.IdToken, accessToken: tokens.AccessToken, refreshToken: tokens.RefreshToken };
  }

  /** New ID and access tokens for a refresh token; they carry the user's current active tenant. */
  async refresh(refreshToken: string): Promise<SessionTokens> {
    const result = await this.call(() => this.client.send(new InitiateAuthCommand({ ClientId: this.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken } })));
    const tokens = result.AuthenticationResult;
    if (!tokens?.IdToken || !tokens.AccessToken) throw new AuthError('NotAuthorizedException', 'The session has ended: sign in again.');
    // Cognito hands back no new refresh token on this flow: the one given keeps serving.
    return { idToken: tokens.IdToken, accessToken: tokens.AccessToken, refreshToken: tokens.RefreshToken ?? refreshToken };
  }

  /**
   * The pool auto-verifies email (domain/identity.ts AUTO_VERIFIED_ATTRIBUTES, deployed and local
   * alike), so SignUp itself sends the code. Returns where it went (an address Cognito masks), for
   * the confirmation form to say.
   */
  async signUp(email: string, password: string): Promise<string | undefined> {
    const result = await this.call(() => this.client.send(new SignUpCommand({ ClientId: this.clientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] })));
    return result.CodeDeliveryDetails?.Destination;
  }

  async confirmSignUp(email: string, code: string): Promise<void> {
    await this.call(() => this.client.send(new ConfirmSignUpCommand({ ClientId: this.clientId, Username: email, ConfirmationCode: code })));
  }

  /** A new code for one that expired or was lost: the confirmation form's "Send a new code". */
  async resendCode(email: string): Promise<string | undefined> {
    const result = await this.call(() => this.client.send(new ResendConfirmationCodeCommand({ ClientId: this.clientId, Username: email })));
    return result.CodeDeliveryDetails?.Destination;
  }

  /** Revokes the user's refresh tokens; ID tokens stay valid until they expire, as on AWS (API.md). */
  async signOut(accessToken: string): Promise<void> {
    await this.call(() => this.client.send(new GlobalSignOutCommand({ AccessToken: accessToken })));
  }

  /** Every failure as an AuthError carrying Cognito's message (what the form shows). */
  private async call<Output>(send: () => Promise<Output>): Promise<Output> {
    try {
      return await send();
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error && error.message ? error.message : 'The user pool cannot be reached.';
      throw new AuthError(name, message);
    }
  }
}
