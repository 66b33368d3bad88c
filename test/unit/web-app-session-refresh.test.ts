import { Session } from '../../web/app/auth/session';
import type { SessionTokens } from '../../web/app/auth/session-store';

const idTokenExpiringIn = (seconds: number, label: string): string =>
  `h.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + seconds, label })).toString('base64url')}.s`;

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem = (key: string): string | null => this.items.get(key) ?? null;
  setItem = (key: string, value: string): void => void this.items.set(key, value);
  removeItem = (key: string): void => void this.items.delete(key);
}

/** A user pool that answers REFRESH_TOKEN_AUTH with fresh tokens, counting the calls. */
function fakePool(): { refresh: (refreshToken: string) => Promise<SessionTokens>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    refresh: async (refreshToken) => {
      calls.push(refreshToken);
      return { idToken: idTokenExpiringIn(3600, `fresh-${calls.length}`), accessToken: `access-${calls.length}`, refreshToken };
    },
  };
}

describe('the signed-in session', () => {
  it('hands out its ID token while it is far from expiry, without asking the pool', async () => {
    // Prepare
    const pool = fakePool();
    const current = idTokenExpiringIn(3600, 'current');
    const session = new Session({ idToken: current, accessToken: 'a', refreshToken: 'r' }, pool, new MemoryStorage());
    // Act
    const token = await session.idToken();
    // Assess
    expect(token).toBe(current);
    expect(pool.calls).toEqual([]);
  });

  it('refreshes an ID token about to expire once, however many requests want it at that moment', async () => {
    // Prepare
    const pool = fakePool();
    const storage = new MemoryStorage();
    const session = new Session({ idToken: idTokenExpiringIn(10, 'old'), accessToken: 'a', refreshToken: 'r' }, pool, storage);
    // Act
    const tokens = await Promise.all([session.idToken(), session.idToken(), session.idToken()]);
    // Assess
    expect(pool.calls).toEqual(['r']);
    expect(new Set(tokens).size).toBe(1);
    expect([...storage.items.values()].join()).toContain(tokens[0]);
  });

  it('keeps its refresh token when it adopts the tokens a switch issued', async () => {
    // Prepare
    const pool = fakePool();
    const storage = new MemoryStorage();
    const session = new Session({ idToken: idTokenExpiringIn(3600, 'old'), accessToken: 'a', refreshToken: 'r' }, pool, storage);
    const issued = { idToken: idTokenExpiringIn(3600, 'switched'), accessToken: 'switched-access' };
    // Act
    session.adopt(issued);
    // Assess
    expect(await session.idToken()).toBe(issued.idToken);
    expect(session.accessToken).toBe('switched-access');
    expect(session.refreshToken).toBe('r');
    session.end();
    expect(storage.items.size).toBe(0);
  });
});
