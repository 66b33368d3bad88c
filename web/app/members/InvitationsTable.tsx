import { allows, ENDPOINTS } from '../api/endpoints';
import { ErrorNotice } from '../common/ErrorNotice';
import { formatTime } from '../common/format';
import { useAction } from '../common/use-action';
import { useLoad } from '../common/use-load';
import { useWorkspace } from '../shell/workspace-context';

/** Pending invitations: claimed when that email confirms its sign-up, until they expire. */
export function InvitationsTable() {
  const { api, me } = useWorkspace();
  const list = useLoad(() => api.invitations());
  const revoke = useAction(async (email: string) => {
    await api.revokeInvitation(email);
    list.reload();
  });
  const mayRevoke = allows(me.permissions, ENDPOINTS.revokeInvitation);
  return (
    <section aria-labelledby="invitations-title">
      <h2 id="invitations-title">Invitations</h2>
      <ErrorNotice error={list.error ?? revoke.error} />
      {list.data && list.data.invitations.length === 0 && <p>No pending invitations.</p>}
      {list.data && list.data.invitations.length > 0 && (
        <table aria-label="Invitations">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Expires</th>
              {mayRevoke && <th scope="col"><span class="visually-hidden">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {list.data.invitations.map((invitation) => (
              <tr key={invitation.email}>
                <td>{invitation.email}</td>
                <td>{invitation.roleId}</td>
                <td><time dateTime={invitation.expiresAt}>{formatTime(invitation.expiresAt)}</time></td>
                {mayRevoke && (
                  <td>
                    <button type="button" class="danger" disabled={revoke.busy} aria-label={`Revoke the invitation of ${invitation.email}`} onClick={() => void revoke.run(invitation.email)}>
                      Revoke
                    </button>
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
