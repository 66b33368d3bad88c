import { newIdempotencyKey } from '../api/client';
import { PageHeading } from '../common/PageHeading';
import { useWorkspace } from '../shell/workspace-context';
import { RoleFields } from './RoleFields';

/** A custom role: a name and any of the catalogue's actions (domain/permissions.ts ACTIONS). */
export function RoleForm() {
  const { api } = useWorkspace();
  return (
    <section aria-labelledby="page-title">
      <PageHeading title="New role" />
      <RoleFields submitLabel="Create role" save={(input) => api.createRole(input.name, input.actions, newIdempotencyKey())} />
    </section>
  );
}
