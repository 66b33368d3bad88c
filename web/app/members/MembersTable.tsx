import { mayGrantRole } from '../../../domain/permissions';
import { allows, ENDPOINTS } from '../api/endpoints';
import type { Member, Role } from '../api/types';
import { ErrorNotice } from '../common/ErrorNotice';
import { useAction } from '../common/use-action';
import { useLoad } from '../common/use-load';
import { useWorkspace } from '../shell/workspace-context';

export function MembersTable() {
  const { api, me, refresh } = useWorkspace();
  const list = useLoad(async () => {
    const [{ members }, { roles }] = await Promise.all([api.members(), api.roles()]);
    return { members, roles };
  });
  const change = useAction(async (member: Member, roleId: string) => {
    await api.changeMemberRole(member.userId, roleId);
    list.reload();
    // The caller may have changed its own role: its buttons follow.
    if (member.userId === me.userId) await refresh();
  });
  const remove = useAction(async (member: Member) => {
    await api.removeMember(member.userId);
    list.reload();
  });
  const mayAssign = allows(me.permissions, ENDPOINTS.changeMemberRole);
  const mayRemove = allows(me.permissions, ENDPOINTS.removeMember);
  return (
    <>
      <ErrorNotice error={list.error ?? change.error ?? remove.error} />
      {list.loading && <p role="status">Loading members…</p>}
      {list.data && (
        <table aria-label="Members">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              {mayRemove && <th scope="col"><span class="visually-hidden">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {list.data.members.map((member) => (
              <tr key={member.userId}>
                <td>{member.email}</td>
                <td>{mayAssign && me.roleId ? <RoleSelect member={member} roles={list.data?.roles ?? []} actorRoleId={me.roleId} onChange={(roleId) => void change.run(member, roleId)} /> : roleName(list.data?.roles ?? [], member.roleId)}</td>
                {mayRemove && (
                  <td>
                    {mayGrantRole(me.roleId ?? '', member.roleId) && (
                      <button type="button" class="danger" disabled={remove.busy} aria-label={`Remove ${member.email}`} onClick={() => void remove.run(member)}>
                        Remove
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const roleName = (roles: readonly Role[], roleId: string): string => roles.find((role) => role.roleId === roleId)?.name ?? roleId;

/** Only roles the caller may grant (domain/permissions.ts `mayGrantRole`: admin is the admins' to give). */
function RoleSelect({ member, roles, actorRoleId, onChange }: { readonly member: Member; readonly roles: readonly Role[]; readonly actorRoleId: string; readonly onChange: (roleId: string) => void }) {
  const grantable = roles.filter((role) => role.roleId === member.roleId || (mayGrantRole(actorRoleId, role.roleId) && mayGrantRole(actorRoleId, member.roleId)));
  return (
    <select aria-label={`Role of ${member.email}`} value={member.roleId} onChange={(event) => onChange(event.currentTarget.value)}>
      {grantable.map((role) => (
        <option key={role.roleId} value={role.roleId}>
          {role.name}
        </option>
      ))}
    </select>
  );
}
