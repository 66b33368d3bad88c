/**
 * The reconciler's calls to the user pool, signed with its own role: the tenant groups and their
 * members, the users' active tenant, and the repairs. Every repair call is idempotent as Cognito
 * answers it (adding a member twice, removing one that is gone, deleting a missing group), and a
 * group is created only after GetGroup found none: CreateGroup over an existing group is refused
 * on AWS (GroupExistsException) but replaces the group, members and all, in cognito-local.
 */
import {
  AdminAddUserToGroupCommand,
  AdminGetUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUpdateUserAttributesCommand,
  CreateGroupCommand,
  DeleteGroupCommand,
  GetGroupCommand,
  GroupExistsException,
  ListGroupsCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
  ResourceNotFoundException,
  UserNotFoundException,
  type AttributeType,
  type CognitoIdentityProviderClient,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { ROLE_CLAIM, TENANT_ID_CLAIM, tenantGroupName } from '../../domain/identity';
import { ADMIN_ROLE_ID } from '../../domain/permissions';
import { isGeneratedTenantId, type GroupFact, type PoolUser, type UserFact } from '../../domain/reconciliation';

type Client = Pick<CognitoIdentityProviderClient, 'send'>;

/** The largest page ListGroups, ListUsersInGroup and ListUsers return (Cognito API reference: Limit, maximum 60). */
const PAGE = 60;

const attribute = (attributes: readonly AttributeType[] | undefined, name: string): string | undefined => attributes?.find((entry) => entry.Name === name)?.Value;

function poolUserOf(user: UserType): PoolUser | undefined {
  const userId = attribute(user.Attributes, 'sub');
  return user.Username && userId ? { userId, username: user.Username } : undefined;
}

const ignoring =
  (...missing: (new (...args: never[]) => Error)[]) =>
  (error: unknown): undefined => {
    if (missing.some((type) => error instanceof type)) return undefined;
    throw error;
  };

/** Runs `work` over `items` with at most `limit` calls at once, so a large pool is not met with a burst (Cognito's quotas are per second). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The snapshot's and the re-read's look-ups. */
function poolReads(client: Client, userPoolId: string, concurrency: number) {
  const pool = { UserPoolId: userPoolId };

  async function groupMembers(tenantId: string): Promise<PoolUser[] | undefined> {
    const members: PoolUser[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await client.send(new ListUsersInGroupCommand({ ...pool, GroupName: tenantGroupName(tenantId), Limit: PAGE, ...(token ? { NextToken: token } : {}) }));
        members.push(...(page.Users ?? []).flatMap((user) => poolUserOf(user) ?? []));
        token = page.NextToken;
      } while (token);
    } catch (error) {
      return ignoring(ResourceNotFoundException)(error);
    }
    return members;
  }

  /** Every tenant group (a UUID name) with its members. */
  async function groups(): Promise<GroupFact[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListGroupsCommand({ ...pool, Limit: PAGE, ...(token ? { NextToken: token } : {}) }));
      names.push(...(page.Groups ?? []).flatMap((group) => (group.GroupName && isGeneratedTenantId(group.GroupName) ? [group.GroupName] : [])));
      token = page.NextToken;
    } while (token);
    const listed = await mapLimit(names, concurrency, async (tenantId) => ({ tenantId, members: await groupMembers(tenantId) }));
    return listed.flatMap(({ tenantId, members }) => (members ? [{ tenantId, members }] : []));
  }

  /** Every user's id, username and active tenant; only those attributes are asked for, so no address is read. */
  async function users(): Promise<UserFact[]> {
    const found: UserFact[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListUsersCommand({ ...pool, Limit: PAGE, AttributesToGet: ['sub', TENANT_ID_CLAIM], ...(token ? { PaginationToken: token } : {}) }));
      for (const user of page.Users ?? []) {
        const poolUser = poolUserOf(user);
        if (poolUser) found.push({ ...poolUser, activeTenantId: attribute(user.Attributes, TENANT_ID_CLAIM) ?? '' });
      }
      token = page.PaginationToken;
    } while (token);
    return found;
  }

  async function user(poolUser: PoolUser): Promise<UserFact | undefined> {
    const found = await client.send(new AdminGetUserCommand({ ...pool, Username: poolUser.username })).catch(ignoring(UserNotFoundException));
    const userId = attribute(found?.UserAttributes, 'sub');
    return found && userId === poolUser.userId ? { ...poolUser, activeTenantId: attribute(found.UserAttributes, TENANT_ID_CLAIM) ?? '' } : undefined;
  }

  return { groups, groupMembers, users, user };
}

/** The repairs, each idempotent as Cognito answers it. */
function poolRepairs(client: Client, userPoolId: string) {
  const pool = { UserPoolId: userPoolId };

  async function addToGroup(tenantId: string, member: PoolUser): Promise<void> {
    const group = await client.send(new GetGroupCommand({ ...pool, GroupName: tenantGroupName(tenantId) })).catch(ignoring(ResourceNotFoundException));
    if (!group) await client.send(new CreateGroupCommand({ ...pool, GroupName: tenantGroupName(tenantId) })).catch(ignoring(GroupExistsException));
    await client.send(new AdminAddUserToGroupCommand({ ...pool, GroupName: tenantGroupName(tenantId), Username: member.username }));
  }

  const removeFromGroup = async (tenantId: string, member: PoolUser): Promise<void> => {
    await client
      .send(new AdminRemoveUserFromGroupCommand({ ...pool, GroupName: tenantGroupName(tenantId), Username: member.username }))
      .catch(ignoring(ResourceNotFoundException, UserNotFoundException));
  };

  /** DeleteGroup takes the members with it. */
  const deleteGroup = async (tenantId: string): Promise<void> => {
    await client.send(new DeleteGroupCommand({ ...pool, GroupName: tenantGroupName(tenantId) })).catch(ignoring(ResourceNotFoundException));
  };

  /** Both attributes in one call; Cognito takes an empty string to clear an attribute, as the workflows clear them. */
  const clearActiveTenant = async (member: PoolUser): Promise<void> => {
    const attributes = [
      { Name: TENANT_ID_CLAIM, Value: '' },
      { Name: ROLE_CLAIM, Value: '' },
    ];
    await client.send(new AdminUpdateUserAttributesCommand({ ...pool, Username: member.username, UserAttributes: attributes })).catch(ignoring(UserNotFoundException));
  };

  /** The `custom:role` hint of a member promoted in its active tenant. */
  const setAdminHint = async (member: PoolUser): Promise<void> => {
    const attributes = [{ Name: ROLE_CLAIM, Value: ADMIN_ROLE_ID }];
    await client.send(new AdminUpdateUserAttributesCommand({ ...pool, Username: member.username, UserAttributes: attributes })).catch(ignoring(UserNotFoundException));
  };

  return { addToGroup, removeFromGroup, deleteGroup, clearActiveTenant, setAdminHint };
}

export function reconcilerUserPool(client: Client, userPoolId: string, concurrency = 4) {
  return { ...poolReads(client, userPoolId, concurrency), ...poolRepairs(client, userPoolId) };
}

export type ReconcilerUserPool = ReturnType<typeof reconcilerUserPool>;
