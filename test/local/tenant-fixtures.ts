import { AdminGetUserCommand, AdminListGroupsForUserCommand, AdminUpdateUserAttributesCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { ROLE_CLAIM, TENANT_ID_CLAIM } from '../../domain/identity';
import { membershipItem, roleItem } from '../../domain/items';
import { auditPartition, membershipKey, SORT_KEY, tenantRecordKey, type ItemKey } from '../../domain/keys';
import type { Action } from '../../domain/permissions';
import type { DetailType } from '../../events/catalog';
import { toAttributeMap } from '../../handlers/shared/write-once';
import { api, clients, outputs, setActiveTenant, signIn, signUpConfirmed, uniqueEmail, type ApiResponse } from './support';

/**
 * Users, tenants, members and roles for the local tests of the control plane, and the reads that
 * check them as the platform sees them (admin credentials). Tenants are created through
 * `POST /tenants` (the creator is admin); members either join through `POST /members` or are
 * written as a back office would, for the tests that need a member without the members API.
 */

// Built on first use, not when the module loads: a file that starts a cloud of its own (and points
// outputs() at it in its beforeAll) gets clients for that cloud.
let sdk: ReturnType<typeof clients> | undefined;
const sdkClients = (): ReturnType<typeof clients> => (sdk ??= clients());
const table = () => outputs().tableName;
const poolId = () => outputs().userPoolId;

/** A confirmed user of the pool, signed in. `username` is what the pool calls the user (cognito-local: the sub). */
export interface User {
  readonly userId: string;
  readonly username: string;
  readonly email: string;
  idToken: string;
  readonly refreshToken: string;
}

/** A tenant and its admin, whose `idToken` names the tenant as the active one. */
export interface Tenant {
  readonly tenantId: string;
  readonly name: string;
  readonly admin: User;
}

/** A new user, signed up, confirmed as a back office confirms, and signed in (no active tenant). */
export async function newUser(label: string, email = uniqueEmail(label)): Promise<User> {
  const userId = await signUpConfirmed(email);
  // cognito-local names users by their sub, which is also what AWS puts in `cognito:username` here.
  return { userId, username: userId, email, ...(await signIn(email)) };
}

/** Marks the address verified, as a back office would (the local pool verifies no address by itself). */
export async function verifyEmail(username: string, email: string): Promise<void> {
  // Cognito takes `email_verified` only together with `email` ("Email is required to verify/un-verify an email").
  await sdkClients().cognito.send(
    new AdminUpdateUserAttributesCommand({
      UserPoolId: poolId(),
      Username: username,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
      ],
    }),
  );
}

/** A confirmed user whose address a back office verified, signed in afterwards. */
export async function verifiedUser(label: string): Promise<User> {
  const email = uniqueEmail(label);
  const userId = await signUpConfirmed(email);
  await verifyEmail(userId, email);
  return { userId, username: userId, email, ...(await signIn(email)) };
}

/**
 * A tenant named `name` (default `{label} Flying Club`) created through `POST /tenants` by `admin`
 * (default a new user): its admin, whose ID token is replaced by the one naming the tenant.
 */
export async function newTenant(label: string, options: { admin?: User; name?: string } = {}): Promise<Tenant> {
  const admin = options.admin ?? (await newUser(label));
  const name = options.name ?? `${label} Flying Club`;
  const created = await api<{ tenant: { tenantId: string }; tokens: { idToken: string } }>('POST', '/tenants', admin.idToken, { name, refreshToken: admin.refreshToken });
  expect(created.status).toBe(201);
  admin.idToken = created.body.tokens.idToken;
  return { tenantId: created.body.tenant.tenantId, name, admin };
}

/** A custom role created through `POST /roles` by the tenant's admin; its id. */
export async function createRole(tenant: Tenant, name: string, actions: readonly Action[]): Promise<string> {
  const response = await api<{ role: { roleId: string } }>('POST', '/roles', tenant.admin.idToken, { name, actions });
  expect(response.status).toBe(201);
  return response.body.role.roleId;
}

/** A verified user added through `POST /members` with `roleId`, signed in again and switched to the tenant, as a member would. */
export async function joined(tenant: Tenant, roleId: string, label: string): Promise<User> {
  const user = await verifiedUser(label);
  const added = await api('POST', '/members', tenant.admin.idToken, { email: user.email, roleId });
  expect(added.status).toBe(201);
  return { ...user, ...(await switchedTo(user.email, tenant.tenantId)) };
}

/**
 * A member's new sign-in, then `PUT /tenants/active` to the tenant: the tokens of a member who
 * switched to it. The new sign-in matters: its tokens list the tenant's group, which switching checks.
 */
export async function switchedTo(email: string, tenantId: string): Promise<{ idToken: string; refreshToken: string }> {
  const tokens = await signIn(email);
  const switched = await api<{ tokens: { idToken: string } }>('PUT', '/tenants/active', tokens.idToken, { tenantId, refreshToken: tokens.refreshToken });
  expect(switched.status).toBe(200);
  return { idToken: switched.body.tokens.idToken, refreshToken: tokens.refreshToken };
}

/** Moves the tenant's count of `roleId` holders, as every membership change does in its transaction. */
export async function countHolder(tenantId: string, roleId: string, by: number): Promise<void> {
  const key = tenantRecordKey(tenantId);
  await sdkClients().dynamodb.send(
    new UpdateItemCommand({
      TableName: table(),
      Key: { PK: { S: key.PK }, SK: { S: key.SK } },
      UpdateExpression: 'SET roleHolders.#role = if_not_exists(roleHolders.#role, :zero) + :by',
      ExpressionAttributeNames: { '#role': roleId },
      ExpressionAttributeValues: { ':zero': { N: '0' }, ':by': { N: String(by) } },
    }),
  );
}

/**
 * A member holding `roleId`, written as a back office would, without the members API: the
 * membership item (which the authorizer reads), the holders count, the active tenant attribute,
 * then signed in so that the tokens name the tenant.
 */
export async function backOfficeMember(tenant: Tenant, roleId: string, label: string): Promise<User> {
  const email = uniqueEmail(label);
  const userId = await signUpConfirmed(email);
  await putItem(membershipItem({ tenantId: tenant.tenantId, tenantName: tenant.name, userId, email, roleId, createdAt: new Date().toISOString() }));
  await countHolder(tenant.tenantId, roleId, 1);
  await setActiveTenant(email, tenant.tenantId);
  return { userId, username: userId, email, ...(await signIn(email)) };
}

/** Gives a member another role as a membership change would: item and both counts. */
export async function reassign(tenant: Tenant, member: User, from: string, to: string): Promise<void> {
  const key = membershipKey(tenant.tenantId, member.userId);
  await sdkClients().dynamodb.send(
    new UpdateItemCommand({
      TableName: table(),
      Key: { PK: { S: key.PK }, SK: { S: key.SK } },
      UpdateExpression: 'SET roleId = :to',
      ExpressionAttributeValues: { ':to': { S: to } },
    }),
  );
  await countHolder(tenant.tenantId, from, -1);
  await countHolder(tenant.tenantId, to, 1);
}

/** Writes an item with admin credentials, as the platform's own functions would. */
export async function putItem(item: Parameters<typeof toAttributeMap>[0]): Promise<void> {
  await sdkClients().dynamodb.send(new PutItemCommand({ TableName: table(), Item: toAttributeMap(item) }));
}

/** A custom role item written with the domain's builder, as the roles API writes it, without going through the API. */
export async function putRole(tenantId: string, roleId: string, actions: readonly Action[]): Promise<void> {
  await putItem(roleItem({ tenantId, roleId, name: roleId, actions: [...actions], builtIn: false, createdAt: new Date().toISOString() }));
}

/** Reads an item (consistently) with admin credentials; undefined when there is none. */
export async function getItem(key: ItemKey): Promise<Record<string, AttributeValue> | undefined> {
  const { Item } = await sdkClients().dynamodb.send(new GetItemCommand({ TableName: table(), Key: { PK: { S: key.PK }, SK: { S: key.SK } }, ConsistentRead: true }));
  return Item;
}

/** The names of the user pool groups `username` is in, sorted. */
export async function groupsOf(username: string): Promise<string[]> {
  const { Groups = [] } = await sdkClients().cognito.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId(), Username: username }));
  return Groups.flatMap((group) => (group.GroupName ? [group.GroupName] : [])).sort();
}

/** One attribute of the user as the pool holds it. */
export async function userAttribute(username: string, name: string): Promise<string | undefined> {
  const { UserAttributes = [] } = await sdkClients().cognito.send(new AdminGetUserCommand({ UserPoolId: poolId(), Username: username }));
  return UserAttributes.find((attribute) => attribute.Name === name)?.Value;
}

/** The user's active tenant and role attributes ('' when unset). */
export async function activeAttributes(username: string): Promise<{ tenantId: string; roleId: string }> {
  const { UserAttributes = [] } = await sdkClients().cognito.send(new AdminGetUserCommand({ UserPoolId: poolId(), Username: username }));
  const value = (name: string) => UserAttributes.find((attribute) => attribute.Name === name)?.Value ?? '';
  return { tenantId: value(TENANT_ID_CLAIM), roleId: value(ROLE_CLAIM) };
}

/** Sets the user's active tenant and role attributes, as switching does. */
export async function setActiveAttributes(username: string, tenantId: string, roleId: string): Promise<void> {
  await sdkClients().cognito.send(
    new AdminUpdateUserAttributesCommand({
      UserPoolId: poolId(),
      Username: username,
      UserAttributes: [
        { Name: TENANT_ID_CLAIM, Value: tenantId },
        { Name: ROLE_CLAIM, Value: roleId },
      ],
    }),
  );
}

/** A stored audit record: its type, who acted, and the event's detail. */
export interface AuditRecord {
  readonly type: string;
  readonly actorUserId: string;
  readonly detail: Record<string, AttributeValue>;
}

/** The tenant's audit records of one type, read as the platform reads them (admin credentials, consistently). */
export async function auditRecords(tenantId: string, type: DetailType): Promise<AuditRecord[]> {
  const { Items = [] } = await sdkClients().dynamodb.send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :records)',
      FilterExpression: '#type = :type',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':pk': { S: auditPartition(tenantId) }, ':records': { S: SORT_KEY.auditRecordPrefix }, ':type': { S: type } },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => ({ type: item.type?.S ?? '', actorUserId: item.actorUserId?.S ?? '', detail: item.detail?.M ?? {} }));
}

/** The details of the tenant's audit records of one type. */
export async function auditDetails(tenantId: string, type: DetailType): Promise<Record<string, AttributeValue>[]> {
  return (await auditRecords(tenantId, type)).map((record) => record.detail);
}

/** The API's error body. */
export interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; message: string }[] };
}

/** The error of an API answer. */
export const errorOf = (response: ApiResponse<unknown>): ErrorBody['error'] => (response.body as ErrorBody).error;

/** The fields a 400 names. */
export const fieldsOf = (response: ApiResponse<unknown>): string[] => (errorOf(response).details ?? []).map((detail) => detail.field);
