import { ErrorNotice } from '../common/ErrorNotice';
import { PageHeading } from '../common/PageHeading';
import { useLoad } from '../common/use-load';
import { useWorkspace } from '../shell/workspace-context';
import { RoleFields } from './RoleFields';

/**
 * `PUT /roles/{roleId}`: a new name and actions; the id stays. API.md has no read of one role, so
 * the form is filled from `GET /roles`. Rendered for every role and for the built-in one too: the
 * API decides, and a refusal (no `role:manage`, a built-in role) is what the user reads.
 */
export function EditRoleForm({ roleId }: { readonly roleId: string }) {
  const { api } = useWorkspace();
  const list = useLoad(() => api.roles());
  const role = list.data?.roles.find((candidate) => candidate.roleId === roleId);
  return (
    <section aria-labelledby="page-title">
      <PageHeading title={role ? `Edit role ${role.name}` : 'Edit role'} />
      <ErrorNotice error={list.error} />
      {list.loading && <p role="status">Loading the role…</p>}
      {list.data && !role && (
        <p role="alert" class="notice notice-error">
          No role {roleId} in this tenant.
        </p>
      )}
      {role && <RoleFields initial={role} submitLabel="Save changes" save={(change) => api.updateRole(roleId, change)} />}
    </section>
  );
}
