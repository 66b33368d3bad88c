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
export const DEMO_ROLES: readonly { readonly name: string; readonly actions: readonly Action[] }[] = [
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
  { email: 'ben@blue-sky.example', description: 'maintenance chief', tenants: 'Blue Sky (maintenance-chief)' },
];

interface DemoAircraft {
  readonly registration: string;
  readonly model: string;
  readonly seats: number;
}

/** Each school's fleet, added by whoever may (`aircraft:write`): the maintenance chief. */
const DEMO_FLEET: { readonly blueSky: readonly DemoAircraft[]; readonly redRock: readonly DemoAircraft[] } = {
  blueSky: [
    { registration: 'G-BSKY', model: 'Cessna 172S Skyhawk', seats: 4 },
    { registration: 'G-BSPA', model: 'Piper PA-28 Warrior', seats: 4 },
    { registration: 'G-BSDA', model: 'Diamond DA40', seats: 4 },
  ],
  redRock: [
    { registration: 'N172RR', model: 'Cessna 172S', seats: 4 },
    { registration: 'N22RR', model: 'Cirrus SR22', seats: 4 },
    { registration: 'N152RR', model: 'Cessna 152', seats: 2 },
  ],
};

/** A time `days` after today at `hour`:00 UTC: the seeded bookings are always ahead of whoever starts the demo. */
const dayAt = (days: number, hour: number): string => {
  const time = new Date();
  time.setUTCDate(time.getUTCDate() + days);
  time.setUTCHours(hour, 0, 0, 0);
  return time.toISOString();
};

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
  /** Makes the tenant the user's active one; returns an ID token that names it. */
  const activate = async (email: string, tenantId: string): Promise<string> => {
    const { idToken, refreshToken } = await signIn(email);
    const switched = await call<{ tokens: { idToken: string } }>(idToken, 'PUT', '/tenants/active', { tenantId, refreshToken }, 200);
    return switched.tokens.idToken;
  };
  /** The fleet, added by its maintenance chief; returns the aircraft ids by registration. */
  const addFleet = async (chief: string, fleet: readonly DemoAircraft[]): Promise<Map<string, string>> => {
    const ids = new Map<string, string>();
    for (const aircraft of fleet) {
      const created = await call<{ aircraft: { aircraftId: string } }>(chief, 'POST', '/aircraft', aircraft, 201);
      ids.set(aircraft.registration, created.aircraft.aircraftId);
    }
    return ids;
  };
  const book = (member: string, aircraftId: string | undefined, start: string, end: string) => call(member, 'POST', '/reservations', { aircraftId, start, end }, 201);
  return { ensureUser, createTenant, addMember, activate, addFleet, book };
}

/** Both fleets, and a few bookings ahead: maya's at Blue Sky (a pilot), rex's at Red Rock (its admin). */
async function seedFleets(calls: ReturnType<typeof demoCalls>, tokens: { ben: string; sam: string; maya: string; rex: string }): Promise<void> {
  const blueSky = await calls.addFleet(tokens.ben, DEMO_FLEET.blueSky);
  const redRock = await calls.addFleet(tokens.sam, DEMO_FLEET.redRock);
  await calls.book(tokens.maya, blueSky.get('G-BSKY'), dayAt(1, 9), dayAt(1, 11));
  await calls.book(tokens.maya, blueSky.get('G-BSPA'), dayAt(2, 14), dayAt(2, 16));
  await calls.book(tokens.rex, redRock.get('N172RR'), dayAt(1, 10), dayAt(1, 12));
}

/**
 * Seeds the demo through the product's own front door: users sign up and are confirmed through
 * the user pool (firing the real trigger), tenants are created with `POST /tenants` (onboarding),
 * roles with `POST /roles`, members with `POST /members` (the add-member workflow) and the
 * invitation likewise; members make a tenant active with `PUT /tenants/active`; the maintenance
 * chiefs add the fleets (`POST /aircraft`) and members book (`POST /reservations`). Only the address
 * verification is a back office's: the demo users receive no email here.
 */
export async function seedDemo(outputs: LocalOutputs, log: (message: string) => void): Promise<DemoSummary> {
  const config = { endpoint: outputs.endpoint, region: outputs.region, credentials: LOCAL_ADMIN_CREDENTIALS };
  const cognito = new CognitoIdentityProviderClient(config);
  try {
    const calls = demoCalls(outputs, cognito);
    const { ensureUser, createTenant, addMember, activate } = calls;
    const ada = await ensureUser('ada@blue-sky.example');
    await ensureUser('rex@red-rock.example');
    await ensureUser('maya@pilots.example');
    await ensureUser('sam@red-rock.example');
    await ensureUser('ben@blue-sky.example');
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
    await addMember(blueSky.idToken, 'ben@blue-sky.example', 'maintenance-chief');
    await addMember(blueSky.idToken, DEMO_INVITEE, 'instructor', 202);
    const maya = await activate('maya@pilots.example', blueSky.tenantId);
    const sam = await activate('sam@red-rock.example', redRock.tenantId);
    const ben = await activate('ben@blue-sky.example', blueSky.tenantId);
    await seedFleets(calls, { ben, sam, maya, rex: redRock.idToken });
    log('demo fleets: 3 aircraft and 2 reservations at Blue Sky, 3 aircraft and 1 reservation at Red Rock');
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
