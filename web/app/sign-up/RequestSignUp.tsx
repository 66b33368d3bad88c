import { useState } from 'preact/hooks';
import { PASSWORD_POLICY } from '../../../domain/identity';
import type { UserPool } from '../auth/user-pool';
import { ErrorNotice } from '../common/ErrorNotice';
import { useAction } from '../common/use-action';

const POLICY_HINT = `At least ${PASSWORD_POLICY.minLength} characters, with a lower-case letter, an upper-case letter and a digit.`;

export function RequestSignUp({ userPool, onRequested }: { readonly userPool: UserPool; readonly onRequested: (pending: { email: string; password: string; destination?: string }) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const request = useAction(async () => {
    const destination = await userPool.signUp(email.trim(), password);
    onRequested({ email: email.trim(), password, destination });
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void request.run();
      }}
    >
      <label>
        Email
        <input type="email" name="email" autocomplete="username" required value={email} onInput={(event) => setEmail(event.currentTarget.value)} />
      </label>
      <label>
        Password
        <input type="password" name="new-password" autocomplete="new-password" required minLength={PASSWORD_POLICY.minLength} aria-describedby="password-policy" value={password} onInput={(event) => setPassword(event.currentTarget.value)} />
      </label>
      <p id="password-policy" class="hint">
        {POLICY_HINT}
      </p>
      <ErrorNotice error={request.error} />
      <button type="submit" class="primary" disabled={request.busy}>
        {request.busy ? 'Sending the code…' : 'Sign up'}
      </button>
    </form>
  );
}
