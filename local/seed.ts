import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { ROLE_CLAIM, TENANT_ID_CLAIM, tenantGroupName } from '../domain/identity';
import { membershipItem, roleItem } from '../domain/items';
import { toAttributeMap } from '../handlers/shared/write-once';
import type { Action } from '../domain/permissions';
import type { LocalOutputs } from './cloud';
import { LOCAL_ADMIN_CREDENTIALS } from './config';

/** The demo's one password, printed in the banner: these users exist only on this machine. */
export const DEMO_PASSWORD = 'Fly-safe-2026';

interface DemoRole {
  readonly roleId: string;
  readonly name: string;
  readonly actions: readonly Action[];
}

/** The flight school's crew roles, as a tenant admin would define them. */
const DEMO_ROLES: readonly DemoRole[] = [
  { roleId: 'pilot', name: 'Pilot', actions: ['aircraft:read', 'reservation:read', 'reservation:create'] },
  { roleId: 'instructor', name: 'Instructor', actions: ['aircraft:read', 'reservation:read', 'reservation:create', 'reservation:cancel', 'member:read'] },
  { roleId: 'maintenance-chief', name: 'Maintenance chief', actions: ['aircraft:read', 'aircraft:write', 'reservation:read'] },
];

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

/**
 * Seeds the demo through the product's own front door where one exists: users sign up and are
 * confirmed through the user pool (firing the real trigger), and tenants are created with
 * `POST /tenants` (the real onboarding workflow). Adding members has no API yet, so those
 * memberships are written as a back office would: group, membership item, attributes.
 */
export async function seedDemo(outputs: LocalOutputs, log: (message: string) => void): Promise<DemoSummary> {
  const config = { endpoint: outputs.endpoint, region: outputs.region, credentials: LOCAL_ADMIN_CREDENTIALS };
  const cognito = new CognitoIdentityProviderClient(config);
  const dynamodb = new DynamoDBClient(config);
  try {
    const ensureUser = async (email: string): Promise<{ sub: string; created: boolean }> => {
      try {
        const existing = await cognito.send(new AdminGetUserCommand({ UserPoolId: outputs.userPoolId, Username: email }));
        const sub = existing.UserAttributes?.find((attribute) => attribute.Name === 'sub')?.Value;
        if (sub) return { sub, created: false };
      } catch (error) {
        if (!(error instanceof UserNotFoundException)) throw error;
      }
      const signUp = await cognito.send(
        new SignUpCommand({ ClientId: outputs.userPoolClientId, Username: email, Password: DEMO_PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }),
      );
      await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: outputs.userPoolId, Username: email }));
      return { sub: signUp.UserSub ?? '', created: true };
    };

    const signIn = async (email: string) => {
      const result = await cognito.send(
        new InitiateAuthCommand({ ClientId: outputs.userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: DEMO_PASSWORD } }),
      );
      const tokens = result.AuthenticationResult;
      if (!tokens?.IdToken || !tokens.RefreshToken) throw new Error(`demo sign-in for ${email} returned no tokens`);
      return { idToken: tokens.IdToken, refreshToken: tokens.RefreshToken };
    };

    const createTenant = async (email: string, name: string): Promise<string> => {
      const { idToken, refreshToken } = await signIn(email);
      const response = await fetch(`${outputs.apiUrl}/tenants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, refreshToken }),
      });
      const body = (await response.json()) as { tenant?: { tenantId: string }; error?: { message: string } };
      if (response.status !== 201 || !body.tenant) throw new Error(`creating the demo tenant ${name} failed: ${response.status} ${body.error?.message ?? ''}`);
      return body.tenant.tenantId;
    };

    const addMember = async (tenantId: string, tenantName: string, email: string, sub: string, roleId: string): Promise<void> => {
      await dynamodb.send(
        new PutItemCommand({
          TableName: outputs.tableName,
          Item: toAttributeMap(membershipItem({ tenantId, tenantName, userId: sub, roleId, createdAt: new Date().toISOString() })),
        }),
      );
      await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: outputs.userPoolId, Username: email, GroupName: tenantGroupName(tenantId) }));
    };

    const putRoles = async (tenantId: string): Promise<void> => {
      const createdAt = new Date().toISOString();
      await dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: DEMO_ROLES.map((role) => ({
            Put: {
              TableName: outputs.tableName,
              Item: toAttributeMap(roleItem({ tenantId, ...role, actions: [...role.actions], builtIn: false, createdAt })),
            },
          })),
        }),
      );
    };

    const ada = await ensureUser('ada@blue-sky.example');
    await ensureUser('rex@red-rock.example');
    const maya = await ensureUser('maya@pilots.example');
    const sam = await ensureUser('sam@red-rock.example');
    if (!ada.created) {
      log('demo already seeded (persisted state): nothing to do');
      // The users are still there: the banner still lists them.
      return { tenants: [], users: DEMO_USERS };
    }
    const blueSky = await createTenant('ada@blue-sky.example', 'Blue Sky Flight School');
    log(`demo tenant Blue Sky Flight School: ${blueSky}`);
    const redRock = await createTenant('rex@red-rock.example', 'Red Rock Aviation');
    log(`demo tenant Red Rock Aviation: ${redRock}`);
    await putRoles(blueSky);
    await putRoles(redRock);
    await addMember(blueSky, 'Blue Sky Flight School', 'maya@pilots.example', maya.sub, 'pilot');
    await addMember(redRock, 'Red Rock Aviation', 'maya@pilots.example', maya.sub, 'instructor');
    await addMember(redRock, 'Red Rock Aviation', 'sam@red-rock.example', sam.sub, 'maintenance-chief');
    const activate = (email: string, tenantId: string, roleId: string) =>
      cognito.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: outputs.userPoolId,
          Username: email,
          UserAttributes: [
            { Name: TENANT_ID_CLAIM, Value: tenantId },
            { Name: ROLE_CLAIM, Value: roleId },
          ],
        }),
      );
    await activate('maya@pilots.example', blueSky, 'pilot');
    await activate('sam@red-rock.example', redRock, 'maintenance-chief');
    return {
      tenants: [
        { name: 'Blue Sky Flight School', tenantId: blueSky },
        { name: 'Red Rock Aviation', tenantId: redRock },
      ],
      users: DEMO_USERS,
    };
  } finally {
    cognito.destroy();
    dynamodb.destroy();
  }
}
