import type { IssuedTokens } from '../api/types';
import { needsRefresh } from './jwt';
import { clearSession, saveSession, type SessionTokens, type TokenStorage } from './session-store';
import type { UserPool } from './user-pool';

/**
 * The signed-in session: hands out a current ID token (refreshing it shortly before it expires),
 * and takes the tokens the switching and onboarding workflows issue. One refresh at a time: pages
 * that load together share it.
 */
export class Session {
  private refreshing: Promise<SessionTokens> | undefined;

  constructor(
    private tokens: SessionTokens,
    private readonly userPool: Pick<UserPool, 'refresh'>,
    private readonly storage: TokenStorage,
  ) {
    saveSession(storage, tokens);
  }

  get refreshToken(): string {
    return this.tokens.refreshToken;
  }

  get accessToken(): string {
    return this.tokens.accessToken;
  }

  async idToken(): Promise<string> {
    if (needsRefresh(this.tokens.idToken, Date.now())) await this.refresh();
    return this.tokens.idToken;
  }

  /** After a 401: the token may have been fine by the clock and still refused (revoked, rotated key). */
  async refresh(): Promise<void> {
    this.refreshing ??= this.userPool.refresh(this.tokens.refreshToken).finally(() => {
      this.refreshing = undefined;
    });
    this.replace(await this.refreshing);
  }

  /** Tokens a workflow issued (`PUT /tenants/active`, `POST /tenants`): they name the new active tenant. */
  adopt(issued: IssuedTokens): void {
    this.replace({ ...issued, refreshToken: this.tokens.refreshToken });
  }

  end(): void {
    clearSession(this.storage);
  }

  private replace(tokens: SessionTokens): void {
    this.tokens = tokens;
    saveSession(this.storage, tokens);
  }
}
