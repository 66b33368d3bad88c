import type { ComponentChildren } from 'preact';
import { useWorkspace } from '../shell/workspace-context';

/** A page's title with the active tenant's name beside it (as text), and the page's own actions. */
export function PageHeading({ title, children }: { readonly title: string; readonly children?: ComponentChildren }) {
  const { tenants } = useWorkspace();
  const active = tenants.tenants.find((tenant) => tenant.tenantId === tenants.activeTenantId);
  return (
    <div class="page-heading">
      <h1 id="page-title">
        {title}
        {active && <span class="tenant-of"> · {active.name}</span>}
      </h1>
      {children && <div class="actions">{children}</div>}
    </div>
  );
}
