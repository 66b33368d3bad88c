import { expiresAtMs, needsRefresh, REFRESH_MARGIN_MS } from '../../web/app/auth/jwt';
import { clearSession, loadSession, saveSession, type TokenStorage } from '../../web/app/auth/session-store';

const tokenExpiringAt = (seconds: number): string => `h.${Buffer.from(JSON.stringify({ exp: seconds, sub: 'é' })).toString('base64url')}.s`;

class MemoryStorage implements TokenStorage {
  private readonly items = new Map<string, string>();
  get length(): number {
    return this.items.size;
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

describe("the tenant app's session", () => {
  it("reads the token's expiry from its base64url payload", () => {
    // Act / Assess
    expect(expiresAtMs(tokenExpiringAt(1_800_000_000))).toBe(1_800_000_000_000);
  });

  it('refreshes shortly before expiry, and when the expiry cannot be read', () => {
    // Prepare
    const expiry = 1_800_000_000;
    // Act / Assess
    expect(needsRefresh(tokenExpiringAt(expiry), expiry * 1000 - REFRESH_MARGIN_MS - 1)).toBe(false);
    expect(needsRefresh(tokenExpiringAt(expiry), expiry * 1000 - REFRESH_MARGIN_MS)).toBe(true);
    expect(needsRefresh('not-a-jwt', 0)).toBe(true);
    expect(needsRefresh('a.!!!.b', 0)).toBe(true);
  });

  it('keeps the tokens in the storage it is given and forgets them on sign-out', () => {
    // Prepare
    const storage = new MemoryStorage();
    const tokens = { idToken: 'i', accessToken: 'a', refreshToken: 'r' };
    // Act
    saveSession(storage, tokens);
    const loaded = loadSession(storage);
    clearSession(storage);
    // Assess
    expect(loaded).toEqual(tokens);
    expect(loadSession(storage)).toBeNull();
    expect(storage.length).toBe(0);
  });

  it('drops a damaged entry instead of using it', () => {
    // Prepare
    const storage = new MemoryStorage();
    storage.setItem('tenant-app.session', JSON.stringify({ idToken: 'i' }));
    // Act / Assess
    expect(loadSession(storage)).toBeNull();
    expect(storage.length).toBe(0);
  });
});
