/**
 * What a data-plane request works with, all signed with the caller's tenant-scoped credentials
 * from the authorizer's context: its DynamoDB client, the guarded writer (whose transactions carry
 * the permission check) and the read of its role. The function's own role holds no DynamoDB
 * permission at all, so IAM keeps every read and write of these requests in the caller's tenant.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { ItemKey } from '../../domain/keys';
import type { ReadRole, ReportDenied, TenantCaller } from './access';
import { guardedWriter, type GuardedWriter, type ItemAttributes, type WriteOperation } from './guarded-write';
import type { ScopedCredentials } from './scoped-clients';
import { tenancyStore } from './tenancy-store';

export interface TenantSession {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly writer: GuardedWriter;
  readonly readRole: ReadRole;
}

export interface TenantSessionDeps {
  readonly tableName: string;
  /** The one factory of tenant-scoped clients (scoped-clients.ts), cached per credentials. */
  readonly clientFor: (credentials: ScopedCredentials) => DynamoDBClient;
  readonly reportDenied: ReportDenied;
}

export function tenantSessions(deps: TenantSessionDeps): (caller: TenantCaller) => TenantSession {
  return (caller) => {
    const client = deps.clientFor(caller.credentials);
    const roles = tenancyStore(client, deps.tableName);
    return {
      client,
      tableName: deps.tableName,
      writer: guardedWriter({ client, tableName: deps.tableName, onDenied: deps.reportDenied }),
      readRole: (tenantId, roleId) => roles.getRole(tenantId, roleId),
    };
  };
}

const KEY_NAMES = { '#pk': 'PK' } as const;

/** A put of a new item: refused (labelled) when an item of its key exists. */
export function putNew(label: string, item: ItemKey & Record<string, unknown>): WriteOperation {
  return {
    kind: 'Put',
    label,
    // marshall keeps every attribute, the keys included, as the strings they are.
    item: marshall(item, { removeUndefinedValues: true }) as ItemAttributes,
    condition: 'attribute_not_exists(#pk)',
    names: KEY_NAMES,
  };
}

/** A check that the item exists: a refusal that holds only while it does (a reservation that has ended). */
export const mustExist = (label: string, key: ItemKey): WriteOperation => ({ kind: 'ConditionCheck', label, key, condition: 'attribute_exists(#pk)', names: KEY_NAMES });

/** A check that the item does not exist: proves a 404 inside the guarded transaction that puts the 403 first. */
export const mustNotExist = (label: string, key: ItemKey): WriteOperation => ({ kind: 'ConditionCheck', label, key, condition: 'attribute_not_exists(#pk)', names: KEY_NAMES });
