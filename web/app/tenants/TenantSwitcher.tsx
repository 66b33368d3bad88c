import { useEffect, useRef, useState } from 'preact/hooks';
import type { Session } from '../auth/session';
import { ErrorNotice } from '../common/ErrorNotice';
import { navigate } from '../routing/use-page';
import { useWorkspace } from '../shell/workspace-context';
import { useSwitchTenant } from './use-switch-tenant';

/** The menu of the caller's tenants (`GET /tenants`); choosing one switches to it. */
export function TenantSwitcher({ session }: { readonly session: Session }) {
  const { tenants } = useWorkspace();
  const [open, setOpen] = useState(false);
  const switcher = useSwitchTenant(session);
  const root = useRef<HTMLDivElement>(null);
  useMenuFocus(root, open, () => setOpen(false));
  const active = tenants.tenants.find((tenant) => tenant.tenantId === tenants.activeTenantId);
  const choose = async (tenantId: string): Promise<void> => {
    setOpen(false);
    if (tenantId !== tenants.activeTenantId) await switcher.run(tenantId);
  };
  return (
    <div class="switcher" ref={root}>
      <button type="button" class="switcher-button" aria-haspopup="menu" aria-expanded={open} aria-controls="tenant-menu" disabled={switcher.busy} onClick={() => setOpen(!open)}>
        <span class="switcher-label">Tenant</span>
        <span class="switcher-name">{switcher.busy ? 'Switching…' : (active?.name ?? 'No tenant')}</span>
      </button>
      {open && (
        <ul id="tenant-menu" role="menu" aria-label="Your tenants" class="menu">
          {tenants.tenants.map((tenant) => (
            <li role="none" key={tenant.tenantId}>
              <button type="button" role="menuitemradio" aria-checked={tenant.tenantId === tenants.activeTenantId} onClick={() => void choose(tenant.tenantId)}>
                <span class="menu-name">{tenant.name}</span>
                <span class="badge">{tenant.roleId}</span>
              </button>
            </li>
          ))}
          <li role="separator" />
          <li role="none">
            <button
              type="button"
              role="menuitem"
              onClick={() => {
                setOpen(false);
                navigate('tenants/new');
              }}
            >
              Create a tenant…
            </button>
          </li>
        </ul>
      )}
      {switcher.error !== undefined && <ErrorNotice error={switcher.error} />}
    </div>
  );
}

/**
 * A menu's keyboard and pointer manners: focus on the current tenant when it opens; Escape or a
 * click outside closes it, Escape handing focus back to the button.
 */
function useMenuFocus(root: { current: HTMLElement | null }, open: boolean, close: () => void): void {
  useEffect(() => {
    if (!open) return undefined;
    root.current?.querySelector<HTMLElement>('[role="menuitemradio"][aria-checked="true"], [role="menuitemradio"]')?.focus();
    const onPointer = (event: MouseEvent): void => {
      if (root.current && !root.current.contains(event.target as Node)) close();
    };
    const onKey = (event: KeyboardEvent): void => {
      if (event.key !== 'Escape') return;
      close();
      root.current?.querySelector<HTMLElement>('[aria-haspopup="menu"]')?.focus();
    };
    document.addEventListener('mousedown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
}
