/**
 * The sessions of sign-in challenges. cognito-local answers a challenge (NEW_PASSWORD_REQUIRED,
 * SMS_MFA…) with a random `Session` that it never looks at again: its RespondToAuthChallenge takes
 * any non-empty Session and hands out tokens for whichever USERNAME the request names, so anyone
 * could set another user's password, or pass an MFA step with no code, and sign in as them. AWS
 * binds the session to the user, the app client and the challenge, and lets it live for the
 * client's auth session validity (3 minutes by default, AuthSessionValidity in the
 * CreateUserPoolClient API reference); an unknown, used or expired session is
 * NotAuthorizedException "Invalid session for the user." This registry does the same in front of
 * cognito-local.
 */

/** CreateUserPoolClient's default AuthSessionValidity. */
export const AUTH_SESSION_VALIDITY_MS = 3 * 60 * 1000;

export interface ChallengeSubject {
  readonly clientId: string;
  /** The user's `Username` as the pool stores it (cognito-local's USER_ID_FOR_SRP). */
  readonly username: string;
  readonly challengeName: string;
}

export class AuthSessions {
  private readonly open = new Map<string, ChallengeSubject & { readonly expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Remembers the session of a challenge that was just issued. */
  issue(session: string, subject: ChallengeSubject): void {
    this.evictExpired();
    this.open.set(session, { ...subject, expiresAt: this.now() + AUTH_SESSION_VALIDITY_MS });
  }

  /**
   * Whether `session` is an open session of exactly this client, user and challenge; it is used up
   * either way, so a session answers one response at most (the next step gets a session of its own).
   */
  consume(session: string, subject: ChallengeSubject): boolean {
    const open = this.open.get(session);
    this.open.delete(session);
    return (
      open !== undefined &&
      open.expiresAt > this.now() &&
      open.clientId === subject.clientId &&
      open.username === subject.username &&
      open.challengeName === subject.challengeName
    );
  }

  private evictExpired(): void {
    const now = this.now();
    for (const [session, open] of this.open) if (open.expiresAt <= now) this.open.delete(session);
  }
}
