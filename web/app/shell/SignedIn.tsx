import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AppConfig } from '../../shared/app-config';
import { ApiClient } from '../api/client';
import type { Me, TenantList } from '../api/types';
import type { Session } from '../auth/session';
import type { UserPool } from '../auth/user-pool';
import { ErrorNotice } from '../common/ErrorNotice';
import { navigate } from '../routing/use-page';
import { Header } from './Header';
import { PageView } from './PageView';
import { WorkspaceContext, type Workspace } from './workspace-context';

interface SignedInProps {
  readonly config: AppConfig;
  readonly session: Session;
  readonly userPool: UserPool;
  readonly onSignedOut: () => void;
}

/** The signed-in frame: who the caller is (`GET /me`), its tenants (`GET /tenants`), then the page. */
export function SignedIn({ config, session, userPool, onSignedOut }: SignedInProps) {
  const api = useMemo(() => new ApiClient(config.apiUrl, session), [config, session]);
  const [state, setState] = useState<{ me: Me; tenants: TenantList } | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const refresh = async (): Promise<void> => {
    const [me, tenants] = await Promise.all([api.me(), api.tenants()]);
    setState({ me, tenants });
  };
  useEffect(() => {
    refresh().catch(setError);
    // Loaded once per session; a switch or a new tenant calls `refresh` itself.
  }, [api]);

  const signOut = async (): Promise<void> => {
    // Revokes the refresh token; a failure (the pool unreachable) still ends the session here.
    await userPool.signOut(session.accessToken).catch(() => undefined);
    session.end();
    navigate('sign-in');
    onSignedOut();
  };

  if (!state) {
    return (
      <main class="centered">
        {error ? <ErrorNotice error={error} /> : <p role="status">Loading your workspace…</p>}
        {error !== undefined && (
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        )}
      </main>
    );
  }
  const workspace: Workspace = { api, me: state.me, tenants: state.tenants, refresh };
  return (
    <WorkspaceContext.Provider value={workspace}>
      <Header session={session} onSignOut={() => void signOut()} />
      {/* Keyed by the active tenant: a switch mounts every page afresh, so nothing of the last tenant stays on screen. */}
      <PageView key={state.me.activeTenantId ?? 'none'} session={session} />
    </WorkspaceContext.Provider>
  );
}
