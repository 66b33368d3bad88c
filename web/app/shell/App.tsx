import { useMemo, useState } from 'preact/hooks';
import type { AppConfig } from '../../shared/app-config';
import { Session } from '../auth/session';
import { loadSession, type SessionTokens } from '../auth/session-store';
import { UserPool } from '../auth/user-pool';
import { SignedOut } from './SignedOut';
import { SignedIn } from './SignedIn';

/** Signed out (sign-in, sign-up) or signed in (the workspace); a reload keeps this tab's session. */
export function App({ config }: { readonly config: AppConfig }) {
  const userPool = useMemo(() => new UserPool(config), [config]);
  const [session, setSession] = useState<Session | null>(() => {
    const tokens = loadSession(window.sessionStorage);
    return tokens ? new Session(tokens, userPool, window.sessionStorage) : null;
  });
  const signedIn = (tokens: SessionTokens): void => setSession(new Session(tokens, userPool, window.sessionStorage));
  if (!session) return <SignedOut config={config} userPool={userPool} onSignedIn={signedIn} />;
  return <SignedIn config={config} session={session} userPool={userPool} onSignedOut={() => setSession(null)} />;
}
