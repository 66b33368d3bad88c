import type { AppConfig } from '../../shared/app-config';
import type { SessionTokens } from '../auth/session-store';
import type { UserPool } from '../auth/user-pool';
import { usePage } from '../routing/use-page';
import { SignIn } from '../sign-in/SignIn';
import { SignUp } from '../sign-up/SignUp';

export interface SignedOutProps {
  readonly config: AppConfig;
  readonly userPool: UserPool;
  readonly onSignedIn: (tokens: SessionTokens) => void;
}

export function SignedOut(props: SignedOutProps) {
  const page = usePage('sign-in');
  return (
    <main class="centered">
      <h1 class="brand">Flight school</h1>
      {page === 'sign-up' ? <SignUp {...props} /> : <SignIn {...props} />}
    </main>
  );
}
