import { useState } from 'preact/hooks';
import type { SignedOutProps } from '../shell/SignedOut';
import { hrefOf } from '../routing/routes';
import { ConfirmSignUp } from './ConfirmSignUp';
import { RequestSignUp } from './RequestSignUp';

/** Two steps: SignUp (Cognito sends a code), then ConfirmSignUp with it, then sign-in with the same password. */
export function SignUp(props: SignedOutProps) {
  const [pending, setPending] = useState<{ email: string; password: string; destination?: string } | null>(null);
  return (
    <section class="card" aria-labelledby="sign-up-title">
      <h2 id="sign-up-title">Create an account</h2>
      {pending ? (
        <ConfirmSignUp {...props} pending={pending} onRestart={() => setPending(null)} />
      ) : (
        <RequestSignUp userPool={props.userPool} onRequested={setPending} />
      )}
      <p>
        Have an account? <a href={hrefOf('sign-in')}>Sign in</a>
      </p>
    </section>
  );
}
