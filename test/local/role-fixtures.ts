import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { membershipItem } from '../../domain/items';
import { membershipKey, tenantRecordKey } from '../../domain/keys';
import { toAttributeMap } from '../../handlers/shared/write-once';
import { api, clients, outputs, setActiveTenant, signIn, signUpConfirmed, uniqueEmail } from './support';

/**
 * Tenants and members for the local tests of roles and permissions. Tenants are created through
 * the API (the creator is admin); other members are written as a back office would (until the
 * members API exists): the membership item the authorizer reads, the tenant's count of the role's
 * holders that every membership change moves, and the active tenant attribute.
 */

const { dynamodb } = clients();
const table = () => outputs().tableName;

export interface Member {
  readonly userId: string;
  readonly email: string;
  readonly idToken: string;
}

export interface Tenant {
  readonly tenantId: string;
  readonly name: string;
  readonly admin: Member;
}

/** A new user who creates a tenant through the API, and so is its admin, with the tokens that say so. */
export async function newTenant(label: string): Promise<Tenant> {
  const email = uniqueEmail(label);
  const userId = await signUpConfirmed(email);
  const { idToken, refreshToken } = await signIn(email);
  const name = `${label} Flying Club`;
  const created = await api<{ tenant: { tenantId: string }; tokens: { idToken: string } }>('POST', '/tenants', idToken, { name, refreshToken });
  expect(created.status).toBe(201);
  return { tenantId: created.body.tenant.tenantId, name, admin: { userId, email, idToken: created.body.tokens.idToken } };
}

/** Moves the tenant's count of `roleId` holders, as every membership change does in its transaction. */
export async function countHolder(tenantId: string, roleId: string, by: number): Promise<void> {
  const key = tenantRecordKey(tenantId);
  await dynamodb.send(
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
 * A member holding `roleId`, written as a back office would until the members API exists: the
 * membership item (which the authorizer reads), the holders count, the active tenant attribute.
 */
export async function addMember(tenant: Tenant, roleId: string, label: string): Promise<Member> {
  const email = uniqueEmail(label);
  const userId = await signUpConfirmed(email);
  const item = membershipItem({ tenantId: tenant.tenantId, tenantName: tenant.name, userId, email, roleId, createdAt: new Date().toISOString() });
  await dynamodb.send(new PutItemCommand({ TableName: table(), Item: toAttributeMap(item) }));
  await countHolder(tenant.tenantId, roleId, 1);
  await setActiveTenant(email, tenant.tenantId);
  const { idToken } = await signIn(email);
  return { userId, email, idToken };
}

/** Gives a member another role as a membership change would: item and both counts. */
export async function reassign(tenant: Tenant, member: Member, from: string, to: string): Promise<void> {
  const key = membershipKey(tenant.tenantId, member.userId);
  await dynamodb.send(
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

