/**
 * The operations of the members routes' own transactions (the guard is added by guarded-write.ts).
 * Each carries a label, so that a refusal says which condition failed.
 */
import { TTL_ATTRIBUTE, MEMBERSHIP_ROLE_ATTRIBUTE, ROLE_HOLDERS_ATTRIBUTE, type InvitationItem } from '../../../domain/items';
import { membershipKey, roleKey, tenantRecordKey } from '../../../domain/keys';
import { ADMIN_ROLE_ID } from '../../../domain/permissions';
import type { WriteOperation } from '../../shared/guarded-write';
import type { MemberView } from '../../shared/member-store';
import { toAttributeMap } from '../../shared/write-once';

export const WRITE_LABEL = {
  invitation: 'invitation',
  role: 'role',
  membership: 'membership',
  holders: 'holders',
  adminActor: 'adminActor',
} as const;

/**
 * Granting or taking admin: the actor's membership must still hold admin when the write commits,
 * so that an admin demoted a moment ago cannot grant it. ANDed by the writer with the guard's own
 * check of the same item. Not for a change of the actor's own membership: that operation's
 * `roleId = old` condition already proves the role, and one item takes one operation.
 */
export const adminActorCheck = (tenantId: string, actorUserId: string): WriteOperation => ({
  kind: 'ConditionCheck',
  label: WRITE_LABEL.adminActor,
  key: membershipKey(tenantId, actorUserId),
  condition: '#actorRoleId = :adminRoleId',
  names: { '#actorRoleId': MEMBERSHIP_ROLE_ATTRIBUTE },
  values: { ':adminRoleId': { S: ADMIN_ROLE_ID } },
});

const epochSeconds = (time: Date): string => String(Math.floor(time.getTime() / 1000));

/** The role must still exist when the write commits (it may be deleted a moment before). */
export const roleExistsCheck = (tenantId: string, roleId: string): WriteOperation => ({
  kind: 'ConditionCheck',
  label: WRITE_LABEL.role,
  key: roleKey(tenantId, roleId),
  condition: 'attribute_exists(PK)',
});

/**
 * Puts the invitation unless one is pending for the address. An expired one is replaced: DynamoDB's
 * TTL removes it days late, and until then it must not block a new invitation.
 */
export function invitationPut(item: InvitationItem, now: Date): WriteOperation {
  return {
    kind: 'Put',
    label: WRITE_LABEL.invitation,
    item: { ...toAttributeMap(item), PK: { S: item.PK }, SK: { S: item.SK } },
    condition: 'attribute_not_exists(PK) OR #expiresAtEpoch <= :now',
    names: { '#expiresAtEpoch': TTL_ATTRIBUTE },
    values: { ':now': { N: epochSeconds(now) } },
  };
}

/**
 * A member's new role, and the holder counts moved with it, in one transaction:
 * - the membership still holds the role that was read (so the right count goes down);
 * - the tenant keeps an admin: demoting an admin needs another one (`roleHolders.admin > 1`);
 * - the new role exists (a role is deleted only while no count holds it, so the two cannot pass each other).
 * A count missing for the old role (members written before counts existed, as the local seed's)
 * is taken as 1, so that the update does not fail on it.
 */
export function roleChangeOperations(tenantId: string, member: MemberView, roleId: string): WriteOperation[] {
  const membership: WriteOperation = {
    kind: 'Update',
    label: WRITE_LABEL.membership,
    key: membershipKey(tenantId, member.userId),
    update: 'SET #roleId = :new',
    condition: 'attribute_exists(PK) AND #roleId = :old',
    names: { '#roleId': MEMBERSHIP_ROLE_ATTRIBUTE },
    values: { ':old': { S: member.roleId }, ':new': { S: roleId } },
  };
  const holders: WriteOperation = {
    kind: 'Update',
    label: WRITE_LABEL.holders,
    key: tenantRecordKey(tenantId),
    update: 'SET #holders.#old = if_not_exists(#holders.#old, :one) - :one, #holders.#new = if_not_exists(#holders.#new, :zero) + :one',
    condition: member.roleId === ADMIN_ROLE_ID ? 'attribute_exists(PK) AND #holders.#old > :one' : 'attribute_exists(PK)',
    names: { '#holders': ROLE_HOLDERS_ATTRIBUTE, '#old': member.roleId, '#new': roleId },
    values: { ':one': { N: '1' }, ':zero': { N: '0' } },
  };
  return [membership, holders, roleExistsCheck(tenantId, roleId)];
}
