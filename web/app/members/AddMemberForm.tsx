import { useState } from 'preact/hooks';
import { ADMIN_ROLE_ID } from '../../../domain/permissions';
import { newIdempotencyKey } from '../api/client';
import { ErrorNotice } from '../common/ErrorNotice';
import { PageHeading } from '../common/PageHeading';
import { useAction } from '../common/use-action';
import { useLoad } from '../common/use-load';
import { navigate } from '../routing/use-page';
import { useWorkspace } from '../shell/workspace-context';

/** `POST /members`: adds a signed-up user at once (201), or invites an email not yet signed up (202). */
export function AddMemberForm() {
  const { api } = useWorkspace();
  const roles = useLoad(() => api.roles());
  const [email, setEmail] = useState('');
  const [roleId, setRoleId] = useState('');
  const [invited, setInvited] = useState<string | null>(null);
  // The least-privileged choice first: the first custom role, not admin.
  const selected = roleId || (roles.data?.roles.find((role) => role.roleId !== ADMIN_ROLE_ID) ?? roles.data?.roles[0])?.roleId || '';
  const add = useAction(async () => {
    const result = await api.addMember(email.trim(), selected, newIdempotencyKey());
    if ('invitation' in result) setInvited(result.invitation.email);
    else navigate('members');
  });
  return (
    <section aria-labelledby="page-title">
      <PageHeading title="Add member" />
      {invited && (
        <p role="status" class="notice notice-info">
          {invited} has no account yet: an invitation is waiting, claimed when that address signs up.
        </p>
      )}
      <ErrorNotice error={roles.error} />
      <form
        class="card"
        onSubmit={(event) => {
          event.preventDefault();
          void add.run();
        }}
      >
        <label>
          Email
          <input type="email" name="email" required value={email} onInput={(event) => setEmail(event.currentTarget.value)} />
        </label>
        <label>
          Role
          <select name="role" value={selected} onChange={(event) => setRoleId(event.currentTarget.value)}>
            {(roles.data?.roles ?? []).map((role) => (
              <option key={role.roleId} value={role.roleId}>
                {role.name}
              </option>
            ))}
          </select>
        </label>
        <ErrorNotice error={add.error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={add.busy}>
            {add.busy ? 'Adding…' : 'Add member'}
          </button>
          <a href="#/members">Back to members</a>
        </div>
      </form>
    </section>
  );
}
