/**
 * The DynamoDB operations of the roles API, as the guarded writer takes them: each labelled, so
 * that a refusal says which condition failed. The guard (domain/guard.ts) is added by the writer.
 * Placeholders here never start with `#guard`/`:guard`, so a guard check ANDed into one of these
 * (a caller changing its own role) cannot collide with them.
 */
import { roleItem, ROLE_HOLDERS_ATTRIBUTE, type RoleItem } from '../../../domain/items';
import { roleKey, tenantRecordKey } from '../../../domain/keys';
import { ROLE_GRANT_ATTRIBUTE, type Action } from '../../../domain/permissions';
import { TABLE_KEYS } from '../../../domain/table';
import type { StoredRole } from '../../shared/roles-store';
import type { WriteOperation } from '../../shared/guarded-write';
import { toAttributeMap, toAttributeValue } from '../../shared/write-once';

/** Which operation a refusal names. */
export const ROLE_WRITE_LABEL = {
  role: 'role',
  holders: 'holders',
} as const;

const names = {
  '#pk': TABLE_KEYS.partitionKey,
  '#name': 'name' satisfies keyof RoleItem,
  '#actions': ROLE_GRANT_ATTRIBUTE.actions,
  '#builtIn': ROLE_GRANT_ATTRIBUTE.builtIn,
} as const;

const dynamoKey = (key: { PK: string; SK: string }) => ({ PK: key.PK, SK: key.SK });
const actionList = (actions: readonly string[]) => toAttributeValue([...actions]);

/** `POST /roles`: a new custom role, refused when one with its id exists (`attribute_not_exists`). */
export function putNewRole(role: { tenantId: string; roleId: string; name: string; actions: readonly Action[]; createdAt: string }): WriteOperation {
  const item = roleItem({ ...role, actions: [...role.actions], builtIn: false });
  return {
    kind: 'Put',
    label: ROLE_WRITE_LABEL.role,
    item: { ...toAttributeMap(item), PK: { S: item.PK }, SK: { S: item.SK } },
    condition: 'attribute_not_exists(#pk)',
    names: { '#pk': names['#pk'] },
  };
}

/**
 * `PUT /roles/{roleId}`: what the caller changes (name, actions or both), only if the item is
 * still exactly `previous` (as read a moment ago) and is no built-in role. The event then says
 * truthfully what was replaced.
 */
/** At least one of the two: the body schema of `PUT /roles/{roleId}` demands it. */
export type RoleChange = { readonly name: string; readonly actions?: readonly Action[] } | { readonly name?: string; readonly actions: readonly Action[] };

export function updateRole(tenantId: string, previous: StoredRole, change: RoleChange): WriteOperation {
  const sets = [...(change.name === undefined ? [] : ['#name = :name']), ...(change.actions === undefined ? [] : ['#actions = :actions'])];
  return {
    kind: 'Update',
    label: ROLE_WRITE_LABEL.role,
    key: dynamoKey(roleKey(tenantId, previous.roleId)),
    update: `SET ${sets.join(', ')}`,
    condition: 'attribute_exists(#pk) AND #builtIn = :false AND #name = :previousName AND #actions = :previousActions',
    names,
    values: {
      ...(change.name === undefined ? {} : { ':name': { S: change.name } }),
      ...(change.actions === undefined ? {} : { ':actions': actionList(change.actions) }),
      ':false': { BOOL: false },
      ':previousName': { S: previous.name },
      ':previousActions': actionList(previous.storedActions),
    },
  };
}

/** A role the caller names but that was not there when read: the write checks it still is not. */
export function roleStillMissing(tenantId: string, roleId: string): WriteOperation {
  return { kind: 'ConditionCheck', label: ROLE_WRITE_LABEL.role, key: dynamoKey(roleKey(tenantId, roleId)), condition: 'attribute_exists(#pk)', names: { '#pk': names['#pk'] } };
}

/**
 * `DELETE /roles/{roleId}`: the role item, if it exists and is not built in, and only while nobody
 * holds it. Every membership change moves `roleHolders` in its own transaction, so a concurrent
 * assignment of this role either commits first (and this check fails) or fails on the deleted role.
 */
export function deleteRole(tenantId: string, roleId: string): WriteOperation[] {
  return [
    {
      kind: 'Delete',
      label: ROLE_WRITE_LABEL.role,
      key: dynamoKey(roleKey(tenantId, roleId)),
      condition: 'attribute_exists(#pk) AND #builtIn = :false',
      names: { '#pk': names['#pk'], '#builtIn': names['#builtIn'] },
      values: { ':false': { BOOL: false } },
    },
    {
      kind: 'ConditionCheck',
      label: ROLE_WRITE_LABEL.holders,
      key: dynamoKey(tenantRecordKey(tenantId)),
      condition: 'attribute_not_exists(#holders.#role) OR #holders.#role = :zero',
      names: { '#holders': ROLE_HOLDERS_ATTRIBUTE, '#role': roleId },
      values: { ':zero': { N: '0' } },
    },
  ];
}
