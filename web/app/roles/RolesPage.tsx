import { ADMIN_ROLE_ID } from '../../../domain/permissions';
import { allows, ENDPOINTS } from '../api/endpoints';
import { ErrorNotice } from '../common/ErrorNotice';
import { PageHeading } from '../common/PageHeading';
import { useAction } from '../common/use-action';
import { useLoad } from '../common/use-load';
import { hrefOf, itemHrefOf } from '../routing/routes';
import { useWorkspace } from '../shell/workspace-context';

export function RolesPage() {
  const { api, me } = useWorkspace();
  const list = useLoad(() => api.roles());
  const remove = useAction(async (roleId: string) => {
    await api.deleteRole(roleId);
    list.reload();
  });
  // Each button follows its own endpoint's action (today all `role:manage`).
  const mayCreate = allows(me.permissions, ENDPOINTS.createRole);
  const mayEdit = allows(me.permissions, ENDPOINTS.updateRole);
  const mayDelete = allows(me.permissions, ENDPOINTS.deleteRole);
  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Roles">
        {mayCreate && (
          <a class="button primary" href={hrefOf('roles/new')}>
            New role
          </a>
        )}
      </PageHeading>
      <ErrorNotice error={list.error ?? remove.error} />
      {list.loading && <p role="status">Loading roles…</p>}
      {list.data && (
        <table aria-label="Roles">
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Actions allowed</th>
              {(mayEdit || mayDelete) && <th scope="col"><span class="visually-hidden">Manage</span></th>}
            </tr>
          </thead>
          <tbody>
            {list.data.roles.map((role) => (
              <tr key={role.roleId}>
                <td>
                  {role.name}
                  {role.roleId === me.roleId && <span class="badge">yours</span>}
                </td>
                <td>
                  {role.roleId === ADMIN_ROLE_ID ? 'every action (built in)' : role.actions.map((action) => <code key={action} class="action">{action}</code>)}
                </td>
                {(mayEdit || mayDelete) && (
                  <td>
                    {/* The API refuses to change the built-in role: no button offers it (the route still shows the refusal). */}
                    {role.roleId !== ADMIN_ROLE_ID && (
                      <div class="actions">
                        {mayEdit && (
                          <a class="button" href={itemHrefOf('roles/edit', role.roleId)} aria-label={`Edit role ${role.name}`}>
                            Edit
                          </a>
                        )}
                        {mayDelete && (
                          <button type="button" class="danger" disabled={remove.busy} aria-label={`Delete role ${role.name}`} onClick={() => void remove.run(role.roleId)}>
                            Delete
                          </button>
                        )}
                      </div>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
