/**
 * Reads of a tenant's role items. The API lists roles with the caller's tenant-scoped client, so
 * that IAM, not this code, bounds what a list can reach (`TENANT#{their tenant}` only); a handler
 * that must read a role before writing it passes the function's own client instead.
 */
import { GetItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RoleItem } from '../../domain/items';
import { roleKey, SORT_KEY, tenantPartition } from '../../domain/keys';
import { actionsOfRole, type Action } from '../../domain/permissions';
import { TABLE_KEYS } from '../../domain/table';

/** A role as the API shows it: the admin role holds every action, whatever its item says. */
export interface RoleView {
  readonly roleId: string;
  readonly name: string;
  readonly actions: readonly Action[];
}

/** A role item as stored: what a conditional write compares against, so nothing is filtered. */
export interface StoredRole {
  readonly roleId: string;
  readonly name: string;
  /** Exactly the stored strings, in their stored order (an equality condition needs them so). */
  readonly storedActions: readonly string[];
  readonly builtIn: boolean;
}

type Item = Record<string, AttributeValue>;


const attribute = <K extends keyof RoleItem>(name: K): K => name;

function storedRole(item: Item): StoredRole {
  return {
    roleId: item[attribute('roleId')]?.S ?? '',
    name: item[attribute('name')]?.S ?? '',
    storedActions: (item[attribute('actions')]?.L ?? []).map((value) => value.S ?? ''),
    builtIn: item[attribute('builtIn')]?.BOOL === true,
  };
}

export const roleView = (role: StoredRole): RoleView => ({ roleId: role.roleId, name: role.name, actions: actionsOfRole(role.roleId, role.storedActions) });

export function rolesStore(client: Pick<DynamoDBClient, 'send'>, tableName: string) {
  return {
    /**
     * Every role of the tenant, in role-id order (the sort key's). Read consistently: an admin who
     * has just created or changed a role expects the list to show it, and a tenant has few roles.
     */
    async listRoles(tenantId: string): Promise<RoleView[]> {
      const roles: RoleView[] = [];
      let startKey: Item | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :role)',
            ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey },
            ExpressionAttributeValues: { ':pk': { S: tenantPartition(tenantId) }, ':role': { S: SORT_KEY.rolePrefix } },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        roles.push(...(page.Items ?? []).map((item) => roleView(storedRole(item))));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return roles;
    },

    /** One role as stored; `consistent` when a conditional write on it follows. */
    async getRole(tenantId: string, roleId: string, options: { consistent: boolean }): Promise<StoredRole | undefined> {
      const key = roleKey(tenantId, roleId);
      const { Item } = await client.send(
        new GetItemCommand({ TableName: tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } }, ConsistentRead: options.consistent }),
      );
      return Item ? storedRole(Item) : undefined;
    },
  };
}

export type RolesStore = ReturnType<typeof rolesStore>;
