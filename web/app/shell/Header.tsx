import type { Session } from '../auth/session';
import { TenantSwitcher } from '../tenants/TenantSwitcher';
import { Nav } from './Nav';
import { useWorkspace } from './workspace-context';

export function Header({ session, onSignOut }: { readonly session: Session; readonly onSignOut: () => void }) {
  const { me } = useWorkspace();
  return (
    <header class="top">
      <div class="top-row">
        <span class="brand">Flight school</span>
        <TenantSwitcher session={session} />
        <span class="who" aria-label="Signed in as">
          {me.email}
          {me.roleId && <span class="badge">{me.roleId}</span>}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </div>
      <Nav />
    </header>
  );
}
