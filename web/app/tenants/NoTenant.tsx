import type { Session } from '../auth/session';
import { ErrorNotice } from '../common/ErrorNotice';
import { useAction } from '../common/use-action';
import { useWorkspace } from '../shell/workspace-context';
import { CreateTenant } from './CreateTenant';
import { useSwitchTenant } from './use-switch-tenant';

/**
 * No active tenant (a new user, an invited user before activating, or a member just removed):
 * activate one the caller belongs to, or create one.
 */
export function NoTenant({ session }: { readonly session: Session }) {
  const { tenants, refresh } = useWorkspace();
  const switcher = useSwitchTenant(session);
  // An invitation is claimed by a subscriber of `user.confirmed`, moments after sign-up: look again.
  const recheck = useAction(refresh);
  return (
    <>
      <section class="card" aria-labelledby="no-tenant-title">
        <h2 id="no-tenant-title">No active tenant</h2>
        {tenants.tenants.length === 0 ? (
          <>
            <p>You belong to no tenant yet. Create one below, or ask an admin to add you.</p>
            <p>
              Invited? Your membership appears moments after you confirm.{' '}
              <button type="button" disabled={recheck.busy} onClick={() => void recheck.run()}>
                Check again
              </button>
            </p>
          </>
        ) : (
          <>
            <p>Choose the tenant to work in:</p>
            <ul class="plain">
              {tenants.tenants.map((tenant) => (
                <li key={tenant.tenantId}>
                  <button type="button" disabled={switcher.busy} onClick={() => void switcher.run(tenant.tenantId)}>
                    Open {tenant.name}
                  </button>{' '}
                  <span class="badge">{tenant.roleId}</span>
                </li>
              ))}
            </ul>
          </>
        )}
        <ErrorNotice error={switcher.error ?? recheck.error} />
      </section>
      <CreateTenant session={session} />
    </>
  );
}
