import {
  AdminConfirmSignUpCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Action } from '../domain/permissions';
import type { LocalOutputs } from './cloud';
import { LOCAL_ADMIN_CREDENTIALS } from './config';

/** The demo's one password, printed in the banner: these users exist only on this machine. */
export const DEMO_PASSWORD = 'Fly-safe-2026';

/** The flight school's crew roles, as a tenant admin defines them (`POST /roles`; ids follow from the names). */
const DEMO_ROLES: readonly { readonly name: string; readonly actions: readonly Action[] }[] = [
  { name: 'Pilot', actions: ['aircraft:read', 'reservation:read', 'reservation:create'] },
  { name: 'Instructor', actions: ['aircraft:read', 'reservation:read', 'reservation:create', 'reservation:cancel', 'member:read'] },
  { name: 'Maintenance chief', actions: ['aircraft:read', 'aircraft:write', 'reservation:read'] },
];

/** Invited to Blue Sky as an instructor, not signed up yet: signing up with this address claims it. */
export const DEMO_INVITEE = 'lee@blue-sky.example';

export interface DemoUser {
  readonly email: string;
  readonly description: string;
}

export interface DemoSummary {
  readonly tenants: { name: string; tenantId: string }[];
  readonly users: (DemoUser & { tenants: string })[];
}

/** As seeded; a persisted cloud may have switched their active tenants since, so none is named here. */
const DEMO_USERS: DemoSummary['users'] = [
  { email: 'ada@blue-sky.example', description: 'admin', tenants: 'Blue Sky (admin)' },
  { email: 'rex@red-rock.example', description: 'admin', tenants: 'Red Rock (admin)' },
  { email: 'maya@pilots.example', description: 'pilot and instructor', tenants: 'Blue Sky (pilot), Red Rock (instructor)' },
  { email: 'sam@red-rock.example', description: 'maintenance chief', tenants: 'Red Rock (maintenance-chief)' },
];

/** The calls the seed makes, as a front end and a back office would: the user pool and the REST API. */
function demoCalls(outputs: LocalOutputs, cognito: CognitoIdentityProviderClient) {
  const ensureUser = async (email: string): Promise<{ created: boolean }> => {
    try {
      await cognito.send(new AdminGetUserCommand({ UserPoolId: outputs.userPoolId, Username: email }));
      return { created: false };
    } catch (error) {
      if (!(error instanceof UserNotFoundException)) throw error;
    }
    await cognito.send(
      new SignUpCommand({ ClientId: outputs.userPoolClientId, Username: email, Password: DEMO_PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }),
    );
    await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: outputs.userPoolId, Username: email }));
    // AdminConfirmSignUp confirms the account, not the address; POST /members adds only verified addresses.
    await cognito.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: outputs.userPoolId,
        Username: email,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    return { created: true };
  };

  const signIn = async (email: string) => {
    const result = await cognito.send(
      new InitiateAuthCommand({ ClientId: outputs.userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: DEMO_PASSWORD } }),
    );
    const tokens = result.AuthenticationResult;
    if (!tokens?.IdToken || !tokens.RefreshToken) throw new Error(`demo sign-in for ${email} returned no tokens`);
    return { idToken: tokens.IdToken, refreshToken: tokens.RefreshToken };
  };

  const call = async <T>(idToken: string, method: string, path: string, body: unknown, expected: number): Promise<T> => {
    const response = await fetch(`${outputs.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as T & { error?: { message: string } };
    if (response.status !== expected) throw new Error(`demo seed: ${method} ${path} answered ${response.status}: ${answer.error?.message ?? ''}`);
    return answer;
  };

  /** Signs the admin in, creates the tenant and its crew roles; returns the tenant and a token naming it. */
  const createTenant = async (email: string, name: string): Promise<{ tenantId: string; idToken: string }> => {
    const { idToken, refreshToken } = await signIn(email);
    const created = await call<{ tenant: { tenantId: string }; tokens: { idToken: string } }>(idToken, 'POST', '/tenants', { name, refreshToken }, 201);
    for (const role of DEMO_ROLES) await call(created.tokens.idToken, 'POST', '/roles', role, 201);
    return { tenantId: created.tenant.tenantId, idToken: created.tokens.idToken };
  };
  const addMember = (admin: string, email: string, roleId: string, expected = 201) => call(admin, 'POST', '/members', { email, roleId }, expected);
  const activate = async (email: string, tenantId: string) => {
    const { idToken, refreshToken } = await signIn(email);
    await call(idToken, 'PUT', '/tenants/active', { tenantId, refreshToken }, 200);
  };
  return { ensureUser, createTenant, addMember, activate };
}

/**
 * Seeds the demo through the product's own front door: users sign up and are confirmed through
 * the user pool (firing the real trigger), tenants are created with `POST /tenants` (onboarding),
 * roles with `POST /roles`, members with `POST /members` (the add-member workflow) and the
 * invitation likewise; members make a tenant active with `PUT /tenants/active`. Only the address
 * verification is a back office's: the demo users receive no email here.
 */
export async function seedDemo(outputs: LocalOutputs, log: (message: string) => void): Promise<DemoSummary> {
  const config = { endpoint: outputs.endpoint, region: outputs.region, credentials: LOCAL_ADMIN_CREDENTIALS };
  const cognito = new CognitoIdentityProviderClient(config);
  try {
    const { ensureUser, createTenant, addMember, activate } = demoCalls(outputs, cognito);
    const ada = await ensureUser('ada@blue-sky.example');
    await ensureUser('rex@red-rock.example');
    await ensureUser('maya@pilots.example');
    await ensureUser('sam@red-rock.example');
    if (!ada.created) {
      log('demo already seeded (persisted state): nothing to do');
      // The users are still there: the banner still lists them.
      return { tenants: [], users: DEMO_USERS };
    }
    const blueSky = await createTenant('ada@blue-sky.example', 'Blue Sky Flight School');
    log(`demo tenant Blue Sky Flight School: ${blueSky.tenantId}`);
    const redRock = await createTenant('rex@red-rock.example', 'Red Rock Aviation');
    log(`demo tenant Red Rock Aviation: ${redRock.tenantId}`);
    await addMember(blueSky.idToken, 'maya@pilots.example', 'pilot');
    await addMember(redRock.idToken, 'maya@pilots.example', 'instructor');
    await addMember(redRock.idToken, 'sam@red-rock.example', 'maintenance-chief');
    await addMember(blueSky.idToken, DEMO_INVITEE, 'instructor', 202);
    await activate('maya@pilots.example', blueSky.tenantId);
    await activate('sam@red-rock.example', redRock.tenantId);
    return {
      tenants: [
        { name: 'Blue Sky Flight School', tenantId: blueSky.tenantId },
        { name: 'Red Rock Aviation', tenantId: redRock.tenantId },
      ],
      users: DEMO_USERS,
    };
  } finally {
    cognito.destroy();
  }
}
