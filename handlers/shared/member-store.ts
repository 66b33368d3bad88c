/**
 * Reads for the members and invitations routes and for the invitation claimer, and the user pool
 * look-ups they need. Three kinds, by whose credentials sign them:
 *
 * - `tenantReads`: the caller's tenant-scoped credentials, so that IAM bounds what a listing sees.
 * - `controlReads`: the function's own role, consistent reads, to explain a refused write precisely
 *   (a refusal is decided inside a transaction; the answer is found by reading what is there now).
 * - `invitationIndex`: the function's own role, Query on the user index only (the claimer's grant).
 *
 * Every write goes through guarded-write.ts or a workflow, never through this module.
 */
import {
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  ListUsersCommand,
  UserNotFoundException,
  type AttributeType,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { ROLE_CLAIM, TENANT_ID_CLAIM } from '../../domain/identity';
import { isInvitationFor, isMembershipOf, ROLE_HOLDERS_ATTRIBUTE, type InvitationItem, type MembershipItem, type TenantRecord } from '../../domain/items';
import {
  emailPartition,
  invitationKey,
  membershipKey,
  normalizedEmail,
  roleKey,
  SORT_KEY,
  tenantPartition,
  tenantRecordKey,
  userLimitsKey,
  userPartition,
  type ItemKey,
} from '../../domain/keys';
import { USER_LIMITS_ATTRIBUTE } from '../../domain/limits';
import { ROLE_GRANT_ATTRIBUTE, type RoleGrant } from '../../domain/permissions';
import { USER_INDEX } from '../../domain/table';
import { stringAttributes, tenancyStore } from './tenancy-store';

type Stored = Record<string, AttributeValue>;

export interface MemberView {
  readonly userId: string;
  readonly email: string;
  readonly roleId: string;
}

/** An invitation as the routes and the claimer use it: the item without its keys and TTL. */
export type InvitationView = Omit<InvitationItem, 'PK' | 'SK' | 'GSI1PK' | 'GSI1SK' | 'expiresAtEpoch'>;

/** A user of the pool as the control plane needs it: the sub is the id, the username what admin calls take. */
export interface DirectoryUser {
  readonly username: string;
  readonly userId: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly status: string;
  /** `custom:tenant_id`, or null when unset or empty. */
  readonly activeTenantId: string | null;
}

/** An invitation is claimable until `expiresAt` (exclusive); DynamoDB's TTL removes it days later, so readers check. */
export const isPending = (invitation: Pick<InvitationView, 'expiresAt'>, now: Date): boolean => Date.parse(invitation.expiresAt) > now.getTime();

const dynamoKey = (key: ItemKey): Stored => ({ PK: { S: key.PK }, SK: { S: key.SK } });
const str = <T>(item: Stored, name: keyof T & string): string => item[name]?.S ?? '';


const memberView = (item: Stored): MemberView => ({
  userId: str<MembershipItem>(item, 'userId'),
  email: str<MembershipItem>(item, 'email'),
  roleId: str<MembershipItem>(item, 'roleId'),
});

const invitationView = (item: Stored): InvitationView => ({
  tenantId: str<InvitationItem>(item, 'tenantId'),
  tenantName: str<InvitationItem>(item, 'tenantName'),
  email: str<InvitationItem>(item, 'email'),
  roleId: str<InvitationItem>(item, 'roleId'),
  invitedBy: str<InvitationItem>(item, 'invitedBy'),
  createdAt: str<InvitationItem>(item, 'createdAt'),
  expiresAt: str<InvitationItem>(item, 'expiresAt'),
});

async function queryAll(client: Pick<DynamoDBClient, 'send'>, input: QueryCommandInput): Promise<Stored[]> {
  const items: Stored[] = [];
  let startKey: Stored | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Reads signed with the caller's tenant-scoped credentials: the tenant policy confines them to the caller's tenant. */
export function tenantReads(client: DynamoDBClient, tableName: string) {
  const controlItems = (tenantId: string, prefix: string) =>
    queryAll(client, {
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': { S: tenantPartition(tenantId) }, ':prefix': { S: prefix } },
    });
  const roles = tenancyStore(client, tableName);
  return {
    getRole: (tenantId: string, roleId: string): Promise<RoleGrant | undefined> => roles.getRole(tenantId, roleId),
    listMembers: async (tenantId: string): Promise<MemberView[]> => (await controlItems(tenantId, SORT_KEY.memberPrefix)).map(memberView),
    /** Every invitation item, expired ones included: DynamoDB's TTL removes them days late. */
    listInvitations: async (tenantId: string): Promise<InvitationView[]> => (await controlItems(tenantId, SORT_KEY.invitationPrefix)).map(invitationView),
  };
}

export type TenantReads = ReturnType<typeof tenantReads>;

/** What a member's role grants right now, or undefined when it is not a member. */
export interface CurrentGrant {
  readonly roleId: string;
  readonly grant: RoleGrant | undefined;
}

/** Consistent reads with the function's own role, to explain a refused transaction. */
export function controlReads(client: Pick<DynamoDBClient, 'send'>, tableName: string) {
  const get = async (key: ItemKey): Promise<Stored | undefined> =>
    (await client.send(new GetItemCommand({ TableName: tableName, Key: dynamoKey(key), ConsistentRead: true }))).Item;

  async function membership(tenantId: string, userId: string): Promise<MemberView | undefined> {
    const item = await get(membershipKey(tenantId, userId));
    return item ? memberView(item) : undefined;
  }

  async function currentGrant(tenantId: string, userId: string): Promise<CurrentGrant | undefined> {
    const member = await membership(tenantId, userId);
    if (!member) return undefined;
    const role = await get(roleKey(tenantId, member.roleId));
    if (!role) return { roleId: member.roleId, grant: undefined };
    const actions = (role[ROLE_GRANT_ATTRIBUTE.actions]?.L ?? []).map((value) => value.S ?? '');
    return { roleId: member.roleId, grant: { roleId: member.roleId, builtIn: role[ROLE_GRANT_ATTRIBUTE.builtIn]?.BOOL === true, actions } };
  }

  async function tenant(tenantId: string): Promise<{ name: string; roleHolders: Record<string, number> } | undefined> {
    const item = await get(tenantRecordKey(tenantId));
    if (!item) return undefined;
    const holders = item[ROLE_HOLDERS_ATTRIBUTE]?.M ?? {};
    return { name: str<TenantRecord>(item, 'name'), roleHolders: Object.fromEntries(Object.entries(holders).map(([roleId, count]) => [roleId, Number(count.N ?? 0)])) };
  }

  return {
    membership,
    currentGrant,
    tenant,
    roleExists: async (tenantId: string, roleId: string): Promise<boolean> => (await get(roleKey(tenantId, roleId))) !== undefined,
    /** The tenants the user belongs to, as the limits counter has it (0 before the user's first count). */
    membershipCount: async (userId: string): Promise<number> => Number((await get(userLimitsKey(userId)))?.[USER_LIMITS_ATTRIBUTE.memberships]?.N ?? 0),
    invitation: async (tenantId: string, email: string): Promise<InvitationView | undefined> => {
      const item = await get(invitationKey(tenantId, email));
      return item ? invitationView(item) : undefined;
    },
  };
}

export type ControlReads = ReturnType<typeof controlReads>;


/** The claimer's reads: Query on the user index, the one table grant it has. */
export function invitationIndex(client: Pick<DynamoDBClient, 'send'>, tableName: string) {
  const indexItems = (partition: string, sortKey?: string) =>
    queryAll(client, {
      TableName: tableName,
      IndexName: USER_INDEX.indexName,
      KeyConditionExpression: sortKey === undefined ? '#pk = :pk' : '#pk = :pk AND #sk = :sk',
      ExpressionAttributeNames: { '#pk': USER_INDEX.partitionKey, ...(sortKey === undefined ? {} : { '#sk': USER_INDEX.sortKey }) },
      ExpressionAttributeValues: { ':pk': { S: partition }, ...(sortKey === undefined ? {} : { ':sk': { S: sortKey } }) },
    });
  return {
    /** The address's invitations, expired ones included (the index is eventually consistent). */
    invitationsFor: async (email: string): Promise<InvitationView[]> =>
      (await indexItems(emailPartition(email))).filter((item) => isInvitationFor(email, stringAttributes(item))).map(invitationView),
    isMember: async (userId: string, tenantId: string): Promise<boolean> =>
      (await indexItems(userPartition(userId), tenantPartition(tenantId))).some((item) => isMembershipOf(userId, stringAttributes(item))),
  };
}

export type InvitationIndex = ReturnType<typeof invitationIndex>;

const attribute = (attributes: readonly AttributeType[] | undefined, name: string): string | undefined =>
  attributes?.find((entry) => entry.Name === name)?.Value;

function directoryUser(username: string | undefined, attributes: readonly AttributeType[] | undefined, status: string | undefined): DirectoryUser | undefined {
  const userId = attribute(attributes, 'sub');
  const email = attribute(attributes, 'email');
  if (!username || !userId || !email) return undefined;
  return {
    username,
    userId,
    email,
    emailVerified: attribute(attributes, 'email_verified') === 'true',
    status: status ?? '',
    activeTenantId: attribute(attributes, TENANT_ID_CLAIM) || null,
  };
}

/** A filter value in ListUsers' quoted syntax; validated addresses hold neither character, this keeps it so. */
const quoted = (value: string): string => `"${value.replace(/[\\"]/g, (character) => `\\${character}`)}"`;

/**
 * Who holds an address: the one user whose email is it, confirmed, with the address verified.
 * Only that user may be added at once: anyone can sign up with a colleague's address, unverified.
 */
export const isVerifiedHolder = (user: DirectoryUser, email: string): boolean =>
  user.status === 'CONFIRMED' && user.emailVerified && normalizedEmail(user.email) === normalizedEmail(email);

/** The user pool, through the function's own role. */
export function userDirectory(client: Pick<CognitoIdentityProviderClient, 'send'>, userPoolId: string) {
  async function listWithEmail(email: string): Promise<DirectoryUser[]> {
    const users: DirectoryUser[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListUsersCommand({ UserPoolId: userPoolId, Filter: `email = ${quoted(email)}`, ...(token ? { PaginationToken: token } : {}) }));
      for (const user of page.Users ?? []) {
        const found = directoryUser(user.Username, user.Attributes, user.UserStatus);
        if (found) users.push(found);
      }
      token = page.PaginationToken;
    } while (token);
    return users;
  }

  return {
    /**
     * The users whose address is `email`, compared without regard to case. ListUsers' `email =`
     * filter compares exactly (cognito-local compares case-sensitively, and AWS's ListUsers
     * reference promises case-insensitivity for no attribute but `cognito:user_status`), so both
     * the normalized spelling and the one given are asked for. An address stored in a third
     * spelling is not found: the caller then invites, which never grants access by mistake.
     */
    async usersWithEmail(email: string): Promise<DirectoryUser[]> {
      const spellings = [...new Set([normalizedEmail(email), email.trim()])];
      const found = (await Promise.all(spellings.map(listWithEmail))).flat();
      const unique = new Map(found.map((user) => [user.userId, user]));
      return [...unique.values()].filter((user) => normalizedEmail(user.email) === normalizedEmail(email));
    },
    /** A user by username or sub (cognito-local takes the sub, and so does AWS when email is the username attribute). */
    async user(username: string): Promise<DirectoryUser | undefined> {
      try {
        const found = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }));
        return directoryUser(found.Username, found.UserAttributes, found.UserStatus);
      } catch (error) {
        if (error instanceof UserNotFoundException) return undefined;
        throw error;
      }
    },
    /** The `custom:role` hint of the user's active tenant (the authorizer reads the membership instead). */
    async setRoleHint(username: string, roleId: string): Promise<void> {
      await client.send(new AdminUpdateUserAttributesCommand({ UserPoolId: userPoolId, Username: username, UserAttributes: [{ Name: ROLE_CLAIM, Value: roleId }] }));
    },
  };
}

export type UserDirectory = ReturnType<typeof userDirectory>;
