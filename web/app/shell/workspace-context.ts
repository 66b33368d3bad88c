import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { Me, TenantList } from '../api/types';

/** What every signed-in page reads: the API, who the caller is in the active tenant, its tenants. */
export interface Workspace {
  readonly api: ApiClient;
  readonly me: Me;
  readonly tenants: TenantList;
  /** Reads `/me` and `/tenants` again (after a switch, a new tenant, a role change). */
  readonly refresh: () => Promise<void>;
}

export const WorkspaceContext = createContext<Workspace | null>(null);

export function useWorkspace(): Workspace {
  const workspace = useContext(WorkspaceContext);
  if (!workspace) throw new Error('useWorkspace outside a signed-in page');
  return workspace;
}
