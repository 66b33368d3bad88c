import { useState } from 'preact/hooks';
import { newIdempotencyKey } from '../api/client';
import type { Session } from '../auth/session';
import { ErrorNotice } from '../common/ErrorNotice';
import { useAction } from '../common/use-action';
import { navigate } from '../routing/use-page';
import { useWorkspace } from '../shell/workspace-context';

/** `POST /tenants`: the onboarding workflow makes the caller its admin and the new tenant active. */
export function CreateTenant({ session }: { readonly session: Session }) {
  const { api, refresh } = useWorkspace();
  const [name, setName] = useState('');
  const create = useAction(async () => {
    // A key per attempt: the onboarding workflow runs once even if this request is sent twice.
    const { tokens } = await api.createTenant(name.trim(), session.refreshToken, newIdempotencyKey());
    session.adopt(tokens);
    navigate('aircraft');
    await refresh();
  });
  return (
    <section aria-labelledby="create-tenant-title" class="card">
      <h2 id="create-tenant-title">Create a tenant</h2>
      {/* The API checks the name (domain/tenant-name.ts, which needs zod: not bundled here) and says what is wrong. */}
      <p>You become its admin, and it becomes your active tenant.</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void create.run();
        }}
      >
        <label>
          Tenant name
          <input name="tenant-name" required value={name} onInput={(event) => setName(event.currentTarget.value)} />
        </label>
        <ErrorNotice error={create.error} />
        <button type="submit" class="primary" disabled={create.busy}>
          {create.busy ? 'Creating…' : 'Create tenant'}
        </button>
      </form>
    </section>
  );
}
