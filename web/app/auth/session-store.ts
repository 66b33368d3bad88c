/**
 * The signed-in user's tokens: in sessionStorage (this tab only, gone when it closes), never in
 * localStorage, a URL or a log. A reload keeps the session; another tab signs in on its own.
 */
export interface SessionTokens {
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** The part of the Web Storage API used here (sessionStorage has it; a test hands in a map). */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEY = 'tenant-app.session';

export function loadSession(storage: TokenStorage): SessionTokens | null {
  const text = storage.getItem(KEY);
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<SessionTokens>;
    if (typeof value.idToken === 'string' && typeof value.accessToken === 'string' && typeof value.refreshToken === 'string') {
      return { idToken: value.idToken, accessToken: value.accessToken, refreshToken: value.refreshToken };
    }
  } catch {
    // A damaged entry is no session: the user signs in again.
  }
  storage.removeItem(KEY);
  return null;
}

export function saveSession(storage: TokenStorage, tokens: SessionTokens): void {
  storage.setItem(KEY, JSON.stringify(tokens));
}

export function clearSession(storage: TokenStorage): void {
  storage.removeItem(KEY);
}
