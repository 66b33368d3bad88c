import { useState } from 'preact/hooks';
import { ErrorNotice } from '../common/ErrorNotice';
import { useAction } from '../common/use-action';
import { navigate } from '../routing/use-page';
import type { SignedOutProps } from '../shell/SignedOut';

interface ConfirmProps extends SignedOutProps {
  readonly pending: { readonly email: string; readonly password: string; readonly destination?: string };
  readonly onRestart: () => void;
}

/** The code step; once confirmed the user is signed in with the password just chosen (kept in memory only). */
export function ConfirmSignUp({ config, userPool, onSignedIn, pending, onRestart }: ConfirmProps) {
  const [code, setCode] = useState('');
  const confirm = useAction(async () => {
    await userPool.confirmSignUp(pending.email, code.trim());
    const tokens = await userPool.signIn(pending.email, pending.password);
    navigate('aircraft');
    onSignedIn(tokens);
  });
  // SignUp sent the first code; this is for one that expired or never arrived.
  const [resentTo, setResentTo] = useState<string | null>(null);
  const resend = useAction(async () => setResentTo((await userPool.resendCode(pending.email)) ?? pending.email));
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void confirm.run();
      }}
    >
      <p>
        A confirmation code was sent to <strong>{pending.destination ?? pending.email}</strong>.
      </p>
      {resentTo && (
        <p role="status" class="notice notice-info">
          A new code was sent to {resentTo}: use the newest one.
        </p>
      )}
      <WhereIsTheCode consoleUrl={config.localConsoleUrl} />
      <label>
        Confirmation code
        <input name="code" inputMode="numeric" autocomplete="one-time-code" required value={code} onInput={(event) => setCode(event.currentTarget.value)} />
      </label>
      <ErrorNotice error={confirm.error ?? resend.error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={confirm.busy}>
          {confirm.busy ? 'Confirming…' : 'Confirm'}
        </button>
        <button type="button" disabled={resend.busy} onClick={() => void resend.run()}>
          Send a new code
        </button>
        <button type="button" class="link" onClick={onRestart}>
          Use another email
        </button>
      </div>
    </form>
  );
}

/** Locally no mail leaves the laptop: the code is in the inspector's Mail view and in `npm start`'s terminal. */
/** The inspector's Mail tab (web/inspector/common/hash.ts names its tabs in the fragment). */
const MAIL_VIEW = '#mail';

function WhereIsTheCode({ consoleUrl }: { readonly consoleUrl: string | null }) {
  if (!consoleUrl) return <p class="hint">Check your inbox.</p>;
  return (
    <p class="notice notice-info" role="note">
      This is the local cloud: no email is sent. The code is in the inspector's{' '}
      <a href={`${consoleUrl}${MAIL_VIEW}`} target="_blank" rel="noopener noreferrer">
        Mail view
      </a>{' '}
      and in the terminal running <code>npm start</code>.
    </p>
  );
}
