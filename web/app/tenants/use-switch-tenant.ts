import type { Session } from '../auth/session';
import { useAction } from '../common/use-action';
import { navigate } from '../routing/use-page';
import { useWorkspace } from '../shell/workspace-context';

/**
 * One click: `PUT /tenants/active` runs the switching workflow and answers with tokens naming the
 * new tenant; the session adopts them and the workspace reloads, so every page shows that tenant.
 */
export function useSwitchTenant(session: Session) {
  const { api, refresh } = useWorkspace();
  return useAction(async (tenantId: string) => {
    const { tokens } = await api.switchTenant(tenantId, session.refreshToken);
    session.adopt(tokens);
    navigate('aircraft');
    await refresh();
  });
}
