import { USER_INDEX } from './table';

/**
 * Every key of the pooled table is built here and nowhere else.
 *
 * Partition layout (the tenant policy in `isolation.ts` depends on it):
 * - `TENANT#{tenantId}`: the tenant's control partition (tenant record, memberships, roles).
 *   Tenant credentials may read it, never write it.
 * - `TENANT#{tenantId}#{kind}#{shard}`: the tenant's data partitions, write-sharded.
 *   Tenant credentials may read and write them.
 * - `USER#{userId}`: a user's profile and limits counters (`LIMITS`, see `limits.ts`); the user
 *   index is keyed the same way. Tenant credentials can neither read nor write it, so no tenant
 *   admin can reset a user's counters.
 * - `AUDIT#{tenantId}`: the tenant's audit trail, one partition per tenant: records
 *   `EVENT#{recorded time, ms}#{dedupeKey}` (newest last, so `GET /audit` reads it backwards) and the writer's
 *   dedupe markers `DEDUPE#{dedupeKey}`. It does not start with `TENANT#`, so no tenant write
 *   statement can reach it; the tenant policy lets tenant credentials Query their own trail only
 *   (`ReadOwnAuditTrail`), so IAM keeps trails apart and no tenant credentials write or delete a
 *   record. `AUDIT#_platform` (PLATFORM_AUDIT_ID) holds what concerns no tenant.
 * - `EMAIL#{email}`: the user index's other use: a pending invitation carries
 *   `GSI1PK = EMAIL#{normalized email}`, `GSI1SK = TENANT#{tenantId}`, so the subscriber that
 *   claims invitations finds them by the confirmed address. Only the control plane writes index
 *   keys (the tenant policy denies them), and the reader of a user's tenants accepts only
 *   membership items (`isMembershipOf`).
 *
 * Control items in `TENANT#{tenantId}`: `TENANT` (the record, with the count of holders of each
 * role, `roleHolders`), `MEMBER#{userId}`, `ROLE#{roleId}`, `INVITE#{encoded email}`.
 */
export const KEY_PREFIX = {
  tenant: 'TENANT#',
  user: 'USER#',
  audit: 'AUDIT#',
  email: 'EMAIL#',
} as const;

const SEPARATOR = '#';

/** Ids become parts of keys: a separator inside one would let it reach another partition. */
export class InvalidKeyPartError extends Error {
  constructor(readonly part: string) {
    super(`A key part must be non-empty and must not contain '${SEPARATOR}': ${JSON.stringify(part)}`);
    this.name = 'InvalidKeyPartError';
  }
}

function part(value: string): string {
  if (value.length === 0 || value.includes(SEPARATOR)) throw new InvalidKeyPartError(value);
  return value;
}

export const tenantPartition = (tenantId: string): string => `${KEY_PREFIX.tenant}${part(tenantId)}`;

export const tenantDataPartition = (tenantId: string, kind: string, shard: number): string =>
  `${tenantPartition(tenantId)}${SEPARATOR}${part(kind)}${SEPARATOR}${shard}`;

export const userPartition = (userId: string): string => `${KEY_PREFIX.user}${part(userId)}`;

export const auditPartition = (tenantId: string): string => `${KEY_PREFIX.audit}${part(tenantId)}`;

/**
 * An email address as invitations key it: trimmed and its ASCII letters lower-cased (Cognito
 * compares addresses case-insensitively), then percent-encoded. ASCII only: Unicode case folding
 * maps other characters onto ASCII ones (the Kelvin sign K onto `k`), so a mailbox of another
 * spelling could claim an invitation; so that a `#` (legal in a local part) cannot reach
 * another key. Two spellings of one address give one key.
 */
export const normalizedEmail = (email: string): string => email.trim().replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
const emailPart = (email: string): string => part(encodeURIComponent(normalizedEmail(email)));

export const emailPartition = (email: string): string => `${KEY_PREFIX.email}${emailPart(email)}`;

const AUDIT_RECORD_PREFIX = 'EVENT#';
/** The sort-key prefix of each kind of control item, so that a list reads one kind with begins_with. */
const CONTROL_ITEM_PREFIX = { member: 'MEMBER#', role: 'ROLE#', invitation: 'INVITE#' } as const;

/** The sort keys of the items the control plane keeps. */
export const SORT_KEY = {
  tenant: 'TENANT',
  profile: 'PROFILE',
  /** The counters of `limits.ts`: one item per user, written only by the control plane. */
  limits: 'LIMITS',
  memberPrefix: CONTROL_ITEM_PREFIX.member,
  member: (userId: string): string => `${CONTROL_ITEM_PREFIX.member}${part(userId)}`,
  /** What every role item's sort key starts with, so that `GET /roles` reads them all. */
  rolePrefix: CONTROL_ITEM_PREFIX.role,
  role: (roleId: string): string => `${CONTROL_ITEM_PREFIX.role}${part(roleId)}`,
  invitationPrefix: CONTROL_ITEM_PREFIX.invitation,
  invitation: (email: string): string => `${CONTROL_ITEM_PREFIX.invitation}${emailPart(email)}`,
  /** What every audit record's sort key starts with, so that a trail is read without its dedupe markers. */
  auditRecordPrefix: AUDIT_RECORD_PREFIX,
  /** Audit records sort by the time they were recorded (ms), newest last; the event's dedupe key keeps each one unique. */
  auditRecord: (time: string, dedupeKey: string): string => `${AUDIT_RECORD_PREFIX}${time}#${dedupeKey}`,
  auditDedupe: (dedupeKey: string): string => `DEDUPE#${dedupeKey}`,
} as const;

export interface ItemKey {
  readonly PK: string;
  readonly SK: string;
}

export const tenantRecordKey = (tenantId: string): ItemKey => ({ PK: tenantPartition(tenantId), SK: SORT_KEY.tenant });
export const membershipKey = (tenantId: string, userId: string): ItemKey => ({ PK: tenantPartition(tenantId), SK: SORT_KEY.member(userId) });
export const roleKey = (tenantId: string, roleId: string): ItemKey => ({ PK: tenantPartition(tenantId), SK: SORT_KEY.role(roleId) });
export const invitationKey = (tenantId: string, email: string): ItemKey => ({ PK: tenantPartition(tenantId), SK: SORT_KEY.invitation(email) });
export const profileKey = (userId: string): ItemKey => ({ PK: userPartition(userId), SK: SORT_KEY.profile });
export const userLimitsKey = (userId: string): ItemKey => ({ PK: userPartition(userId), SK: SORT_KEY.limits });

/** The user index keys a membership item carries, so that `USER#{userId}` lists the user's tenants. */
export const membershipIndexKeys = (tenantId: string, userId: string) =>
  ({
    [USER_INDEX.partitionKey]: userPartition(userId),
    [USER_INDEX.sortKey]: tenantPartition(tenantId),
  }) as const;

/** The user index keys a pending invitation carries, so that `EMAIL#{email}` lists the invitations of an address. */
export const invitationIndexKeys = (tenantId: string, email: string) =>
  ({
    [USER_INDEX.partitionKey]: emailPartition(email),
    [USER_INDEX.sortKey]: tenantPartition(tenantId),
  }) as const;

/**
 * Events that concern no tenant yet (a user confirming sign-up) are audited here. Tenant ids are
 * generated UUIDs, so this name can never be a tenant's.
 */
export const PLATFORM_AUDIT_ID = '_platform';

/**
 * What a tenant id a caller names may look like: the characters generated ids use, no separator,
 * and no leading '_' (reserved for ids like PLATFORM_AUDIT_ID that can never be a tenant's).
 */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9-][A-Za-z0-9_-]{0,127}$/;
