/**
 * Any tenant's audit trail, read as the local administrator (the inspector is the developer's
 * view of the whole laptop cloud; a tenant reads only its own through `GET /audit`). The trail is
 * read by the API's own reader, so both show a record the same way.
 */
import { paginateScan, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDbAuditTrail, type AuditPage } from '../../handlers/api/audit/trail';
import { PLATFORM_AUDIT_ID, SORT_KEY } from '../../domain/keys';
import type { TenantRecord } from '../../domain/items';
import type { TenantListing } from '../../web/inspector/api-types';
import { TABLE_KEYS } from '../../domain/table';

const TENANT_FIELDS = { id: 'tenantId', name: 'name', created: 'createdAt' } as const satisfies Record<string, keyof TenantRecord>;

/** Every tenant record (a Scan: fine for a laptop's table, never what a deployed reader would do), newest first, then the platform trail. */
export async function listTenants(client: DynamoDBClient, tableName: string): Promise<TenantListing[]> {
  const tenants: TenantListing[] = [];
  const pages = paginateScan(
    { client },
    {
      TableName: tableName,
      FilterExpression: '#sk = :tenant',
      ExpressionAttributeNames: { '#sk': TABLE_KEYS.sortKey, '#id': TENANT_FIELDS.id, '#name': TENANT_FIELDS.name, '#created': TENANT_FIELDS.created },
      ExpressionAttributeValues: { ':tenant': { S: SORT_KEY.tenant } },
      ProjectionExpression: '#id, #name, #created',
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const tenantId = item[TENANT_FIELDS.id]?.S;
      const createdAt = item[TENANT_FIELDS.created]?.S;
      if (tenantId) tenants.push({ tenantId, name: item[TENANT_FIELDS.name]?.S ?? '', ...(createdAt ? { createdAt } : {}) });
    }
  }
  tenants.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  return [...tenants, { tenantId: PLATFORM_AUDIT_ID, name: 'Platform (events of no tenant)' }];
}

export function readAuditPage(client: DynamoDBClient, tableName: string, tenantId: string, request: { limit: number; after?: string }): Promise<AuditPage> {
  return dynamoDbAuditTrail(client, tableName).page(tenantId, request);
}
