import { AdminConfirmSignUpCommand, AdminUpdateUserAttributesCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { membershipItem, roleItem } from '../../../domain/items';
import { tenantRecordKey } from '../../../domain/keys';
import type { Action } from '../../../domain/permissions';
import { toAttributeMap } from '../../../handlers/shared/write-once';
import { api, clients, outputs, PASSWORD, setActiveTenant, signIn, signUpConfirmed, uniqueEmail, type ApiResponse } from '../support';

/**
 * Users, tenants and members for the principal-policy cases. Unlike test/local/tenant-fixtures.ts,
 * whose SDK clients are built when the module loads (against the tier's shared cloud), every call
 * here builds its clients from `outputs()` when it runs: this file's cloud is its own, started in
 * the test's beforeAll, after modules have loaded.
 */

export interface User {
  readonly userId: string;
  readonly email: string;
  idToken: string;
  readonly refreshToken: string;
}

export interface Tenant {
  readonly tenantId: string;
  readonly name: string;
  readonly admin: User;
}

async function withClients<T>(work: (sdk: ReturnType<typeof clients>) => Promise<T>): Promise<T> {
  const sdk = clients();
  try {
    return await work(sdk);
  } finally {
    for (const client of Object.values(sdk)) client.destroy();
  }
}

/** A confirmed user (the PostConfirmation trigger fires), signed in, with no active tenant. */
export async function newUser(label: string, email = uniqueEmail(label)): Promise<User> {
  const userId = await signUpConfirmed(email);
  return { userId, email, ...(await signIn(email)) };
}

/** Marks the address verified, as a back office would (the local pool verifies no address by itself). */
export function verifyEmail(username: string, email: string): Promise<void> {
  return withClients(async ({ cognito }) => {
    await cognito.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: outputs().userPoolId,
        Username: username,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
  });
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
  return { userId, email, ...(await signIn(email)) };
}

/** A tenant created through `POST /tenants` by a new user, whose ID token then names it. */
export async function newTenant(label: string): Promise<Tenant> {
  const admin = await newUser(label);
  const name = `${label} Flying Club`;
  const created = await api<{ tenant: { tenantId: string }; tokens: { idToken: string } }>('POST', '/tenants', admin.idToken, { name, refreshToken: admin.refreshToken });
  if (created.status !== 201) throw new Error(`POST /tenants answered ${created.status}: ${JSON.stringify(created.body)}`);
  admin.idToken = created.body.tokens.idToken;
  return { tenantId: created.body.tenant.tenantId, name, admin };
}

/** Writes an item with admin credentials, as the platform's own functions would. */
export function putItem(item: Parameters<typeof toAttributeMap>[0]): Promise<void> {
  return withClients(async ({ dynamodb }) => {
    await dynamodb.send(new PutItemCommand({ TableName: outputs().tableName, Item: toAttributeMap(item) }));
  });
}

/** A custom role item, written as the roles API writes it (the API refuses a role without actions; the back office may write one). */
export function putRole(tenantId: string, roleId: string, actions: readonly Action[]): Promise<void> {
  return putItem(roleItem({ tenantId, roleId, name: roleId, actions: [...actions], builtIn: false, createdAt: new Date().toISOString() }));
}

function countHolder(tenantId: string, roleId: string, by: number): Promise<void> {
  const key = tenantRecordKey(tenantId);
  return withClients(async ({ dynamodb }) => {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: outputs().tableName,
        Key: { PK: { S: key.PK }, SK: { S: key.SK } },
        UpdateExpression: 'SET roleHolders.#role = if_not_exists(roleHolders.#role, :zero) + :by',
        ExpressionAttributeNames: { '#role': roleId },
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':by': { N: String(by) } },
      }),
    );
  });
}

/**
 * A member holding `roleId`, written as a back office would (membership item, holders count, active
 * tenant), then signed in: a user the authorizer has never seen, so its caches miss.
 */
export async function backOfficeMember(tenant: Tenant, roleId: string, label: string): Promise<User> {
  const email = uniqueEmail(label);
  const userId = await signUpConfirmed(email);
  await putItem(membershipItem({ tenantId: tenant.tenantId, tenantName: tenant.name, userId, email, roleId, createdAt: new Date().toISOString() }));
  await countHolder(tenant.tenantId, roleId, 1);
  await setActiveTenant(email, tenant.tenantId);
  return { userId, email, ...(await signIn(email)) };
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
