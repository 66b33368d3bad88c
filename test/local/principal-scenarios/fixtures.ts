import { AdminConfirmSignUpCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { clients, outputs, PASSWORD, signIn, uniqueEmail, type ApiResponse } from '../support';
import { verifyEmail, type User } from '../tenant-fixtures';

/**
 * Users, tenants and members for the principal-policy cases: test/local/tenant-fixtures.ts's (its
 * clients are built on first use, so they reach this file's own cloud), and the two these cases add.
 */
export { backOfficeMember, newTenant, newUser, putItem, putRole, verifyEmail, type Tenant, type User } from '../tenant-fixtures';

async function withClients<T>(work: (sdk: ReturnType<typeof clients>) => Promise<T>): Promise<T> {
  const sdk = clients();
  try {
    return await work(sdk);
  } finally {
    for (const client of Object.values(sdk)) client.destroy();
  }
}

/**
 * Sign-up, the address verified, then confirmation: the trigger fires for a verified holder of the
 * address, so the invitation claimer claims what is pending for it. Returns the user's sub.
 */
export function signUpVerified(email: string): Promise<string> {
  return withClients(async ({ cognito }) => {
    const { userPoolId, userPoolClientId } = outputs();
    const signUp = await cognito.send(new SignUpCommand({ ClientId: userPoolClientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
    const userId = signUp.UserSub ?? '';
    await verifyEmail(userId, email);
    await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: userPoolId, Username: email }));
    return userId;
  });
}

/** A verified, confirmed, signed-in user: `POST /members` adds such a user at once (the AddMember workflow). */
export async function verifiedUser(label: string): Promise<User> {
  const email = uniqueEmail(label);
  const userId = await signUpVerified(email);
  return { userId, username: userId, email, ...(await signIn(email)) };
}

/** A call to the REST API with extra headers (`Idempotency-Key`), as a front end makes it. */
export async function apiWith(method: string, path: string, idToken: string, body: unknown, headers: Record<string, string>): Promise<ApiResponse> {
  const response = await fetch(`${outputs().apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}
