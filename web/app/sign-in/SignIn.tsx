import { useState } from 'preact/hooks';
import { useAction } from '../common/use-action';
import { ErrorNotice } from '../common/ErrorNotice';
import { hrefOf } from '../routing/routes';
import { navigate } from '../routing/use-page';
import type { SignedOutProps } from '../shell/SignedOut';
import { DemoPicker } from './DemoPicker';

export function SignIn({ config, userPool, onSignedIn }: SignedOutProps) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useAction(async () => {
    const tokens = await userPool.signIn(email.trim(), password);
    navigate('aircraft');
    onSignedIn(tokens);
  });
  const submit = (event: Event): void => {
    event.preventDefault();
    void signIn.run();
  };
  return (
    <section class="card" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      {config.demo && (
        <DemoPicker
          demo={config.demo}
          onPick={(picked) => {
            setEmail(picked);
            setPassword(config.demo?.password ?? '');
          }}
        />
      )}
      <form onSubmit={submit}>
        <label>
          Email
          <input type="email" name="email" autocomplete="username" required value={email} onInput={(event) => setEmail(event.currentTarget.value)} />
        </label>
        <label>
          Password
          <input type="password" name="password" autocomplete="current-password" required value={password} onInput={(event) => setPassword(event.currentTarget.value)} />
        </label>
        <ErrorNotice error={signIn.error} />
        <button type="submit" class="primary" disabled={signIn.busy}>
          {signIn.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        New here? <a href={hrefOf('sign-up')}>Create an account</a>
      </p>
    </section>
  );
}
