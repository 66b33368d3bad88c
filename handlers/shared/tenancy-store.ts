import { GetItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isMembershipOf, type MembershipItem, type RoleItem } from '../../domain/items';
import { roleKey, userPartition } from '../../domain/keys';
import { USER_INDEX } from '../../domain/table';

export interface MembershipView {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly roleId: string;
}

export interface RoleView {
  readonly roleId: string;
  readonly name: string;
  readonly actions: readonly string[];
  readonly builtIn: boolean;
}

type Stored = Record<string, AttributeValue>;
/** The item's string attributes, for the pure membership and invitation checks of domain/items.ts. */
export const stringAttributes = (item: Stored): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(item).map(([name, value]) => [name, value.S]));

/** A string attribute of a membership or role item, named as domain/items.ts names it. */
const str = (item: Stored, name: keyof MembershipItem | keyof RoleItem): string => item[name]?.S ?? '';

/**
 * Reads of the control items, made with whichever client the caller passes: the API passes one
 * signed with the caller's tenant-scoped credentials, so IAM, not this code, bounds what it sees.
 */
export function tenancyStore(client: DynamoDBClient, tableName: string) {
  return {
    async listMemberships(userId: string): Promise<MembershipView[]> {
      const memberships: MembershipView[] = [];
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: USER_INDEX.indexName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': USER_INDEX.partitionKey },
            ExpressionAttributeValues: { ':pk': { S: userPartition(userId) } },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          if (!isMembershipOf(userId, stringAttributes(item))) continue;
          memberships.push({ tenantId: str(item, 'tenantId'), tenantName: str(item, 'tenantName'), roleId: str(item, 'roleId') });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return memberships;
    },

    async getRole(tenantId: string, roleId: string): Promise<RoleView | undefined> {
      const key = roleKey(tenantId, roleId);
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } } }));
      if (!Item) return undefined;
      const actions: keyof RoleItem = 'actions';
      const builtIn: keyof RoleItem = 'builtIn';
      return {
        roleId,
        name: str(Item, 'name'),
        actions: (Item[actions]?.L ?? []).map((action) => action.S ?? '').filter(Boolean),
        builtIn: Item[builtIn]?.BOOL === true,
      };
    },
  };
}

export type TenancyStore = ReturnType<typeof tenancyStore>;
