import type { DemoDirectory } from '../../shared/app-config';

/** The seeded demo's users: one click fills the form (the password is the demo's, shown in `npm start`'s banner). */
export function DemoPicker({ demo, onPick }: { readonly demo: DemoDirectory; readonly onPick: (email: string) => void }) {
  return (
    <fieldset class="demo-picker">
      <legend>Demo users (password {demo.password})</legend>
      <ul>
        {demo.users.map((user) => (
          <li key={user.email}>
            <button type="button" class="link" onClick={() => onPick(user.email)} aria-label={`Use demo user ${user.email}`}>
              <span class="demo-email">{user.email}</span>
              <span class="demo-tenants">{user.tenants}</span>
            </button>
          </li>
        ))}
      </ul>
      <p class="hint">
        {demo.invitee} is invited but has not signed up: <a href="#/sign-up">create that account</a> and the invitation is claimed.
      </p>
    </fieldset>
  );
}
