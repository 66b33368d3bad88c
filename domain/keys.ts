import { DATA_SHARDS, shardOf } from './sharding';
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
 * - `USER#{userId}#IDEMPOTENCY`: the `Idempotency-Key` records of the user's own routes, those that
 *   need no tenant (`POST /tenants`): `KEY#{route}#{encoded key}`. Beside the user's partition
 *   rather than in it because IAM's `dynamodb:LeadingKeys` names partitions, not sort keys: the
 *   role that writes these records gets no write on profiles and limits counters. No tenant
 *   statement names it either.
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
 * role, `roleHolders`), `MEMBER#{userId}`, `ROLE#{roleId}`, `INVITE#{encoded email}`, and
 * `IDEMPOTENCY#{userId}#{route}#{encoded key}` (an `Idempotency-Key` of a control-plane creating POST).
 *
 * Data items (the sample data plane), each kind in DATA_SHARDS partitions, the shard derived from
 * an id (sharding.ts), so that a get reads one item and a hot tenant's writes spread:
 * - `TENANT#{t}#AIRCRAFT#{shardOf(aircraftId)}`: the aircraft `AIRCRAFT#{aircraftId}`, and beside
 *   it the aircraft's schedule, one item per reservation `SCHEDULE#{aircraftId}#{start}#{reservationId}`:
 *   the overlap check is one Query of one aircraft's reservations by start, in the partition whose
 *   aircraft item the booking's transaction conditions on.
 * - `TENANT#{t}#REGISTRATION#{shardOf(registration)}`: `REG#{registration}`, the claim that keeps
 *   registrations unique in the tenant (a conditional put in the aircraft's transaction).
 * - `TENANT#{t}#RESERVATION#{shardOf(reservationId)}`: `RES#{reservationId}` (a get by id) and
 *   `START#{start}#{reservationId}` (the tenant's reservations by start, merged over the shards).
 * - `TENANT#{t}#IDEMPOTENCY#{shardOf(key)}`: `KEY#{userId}#{route}#{encoded key}`, a creating POST's
 *   `Idempotency-Key` record (idempotency.ts), scoped to its caller and route so that two members'
 *   keys never meet; written with the caller's own tenant credentials, like the data it guards.
 * Times in keys are `Date.prototype.toISOString()` (fixed width, UTC), so they sort as they fall.
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

/** The kinds of a tenant's data partitions, `TENANT#{tenantId}#{kind}#{shard}`. */
export const DATA_KIND = {
  aircraft: 'AIRCRAFT',
  registration: 'REGISTRATION',
  reservation: 'RESERVATION',
} as const;

export type DataKind = (typeof DATA_KIND)[keyof typeof DATA_KIND];

const DATA_ITEM_PREFIX = { aircraft: 'AIRCRAFT#', schedule: 'SCHEDULE#', registration: 'REG#', reservation: 'RES#', start: 'START#' } as const;

/** The sort keys of the data items. */
export const DATA_SORT_KEY = {
  /** What every aircraft item's sort key starts with (its partition also holds schedules). */
  aircraftPrefix: DATA_ITEM_PREFIX.aircraft,
  aircraft: (aircraftId: string): string => `${DATA_ITEM_PREFIX.aircraft}${part(aircraftId)}`,
  /** What the schedule items of one aircraft start with, followed by the reservation's start. */
  schedulePrefix: (aircraftId: string): string => `${DATA_ITEM_PREFIX.schedule}${part(aircraftId)}#`,
  schedule: (aircraftId: string, start: string, reservationId: string): string =>
    `${DATA_SORT_KEY.schedulePrefix(aircraftId)}${part(start)}#${part(reservationId)}`,
  /** What every schedule item's sort key starts with, whatever its aircraft. */
  scheduleItemsPrefix: DATA_ITEM_PREFIX.schedule,
  registrationPrefix: DATA_ITEM_PREFIX.registration,
  registration: (registration: string): string => `${DATA_ITEM_PREFIX.registration}${part(registration)}`,
  reservationPrefix: DATA_ITEM_PREFIX.reservation,
  reservation: (reservationId: string): string => `${DATA_ITEM_PREFIX.reservation}${part(reservationId)}`,
  /** What the by-start items of a reservation shard start with, followed by the start. */
  startPrefix: DATA_ITEM_PREFIX.start,
  start: (start: string, reservationId: string): string => `${DATA_ITEM_PREFIX.start}${part(start)}#${part(reservationId)}`,
} as const;

/** Every partition of one kind of a tenant's data, by shard number: what a list reads. */
export const tenantDataPartitions = (tenantId: string, kind: DataKind): string[] =>
  Array.from({ length: DATA_SHARDS }, (_, shard) => tenantDataPartition(tenantId, kind, shard));

/** The partition of an aircraft and of its schedule. */
export const aircraftPartition = (tenantId: string, aircraftId: string): string => tenantDataPartition(tenantId, DATA_KIND.aircraft, shardOf(aircraftId));

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

export const aircraftKey = (tenantId: string, aircraftId: string): ItemKey => ({ PK: aircraftPartition(tenantId, aircraftId), SK: DATA_SORT_KEY.aircraft(aircraftId) });
export const registrationKey = (tenantId: string, registration: string): ItemKey => ({
  PK: tenantDataPartition(tenantId, DATA_KIND.registration, shardOf(registration)),
  SK: DATA_SORT_KEY.registration(registration),
});
export const scheduleKey = (tenantId: string, aircraftId: string, start: string, reservationId: string): ItemKey => ({
  PK: aircraftPartition(tenantId, aircraftId),
  SK: DATA_SORT_KEY.schedule(aircraftId, start, reservationId),
});
const reservationPartition = (tenantId: string, reservationId: string): string => tenantDataPartition(tenantId, DATA_KIND.reservation, shardOf(reservationId));
export const reservationKey = (tenantId: string, reservationId: string): ItemKey => ({ PK: reservationPartition(tenantId, reservationId), SK: DATA_SORT_KEY.reservation(reservationId) });
export const reservationStartKey = (tenantId: string, reservationId: string, start: string): ItemKey => ({
  PK: reservationPartition(tenantId, reservationId),
  SK: DATA_SORT_KEY.start(start, reservationId),
});

/** The kind of the data partitions that hold `Idempotency-Key` records; not a DATA_KIND, since no list reads them. */
export const IDEMPOTENCY_KIND = 'IDEMPOTENCY';

/**
 * The record of one caller's `Idempotency-Key` on one route. The key is the client's text
 * (printable ASCII, idempotency.ts), percent-encoded so that a `#` in it stays inside its part.
 */
export const idempotencyKey = (tenantId: string, userId: string, route: string, key: string): ItemKey => ({
  PK: tenantDataPartition(tenantId, IDEMPOTENCY_KIND, shardOf(key)),
  SK: `KEY#${part(userId)}#${part(route)}#${part(encodeURIComponent(key))}`,
});

/** The record of a control-plane creating POST's `Idempotency-Key`: written by the function's own role, in the control partition. */
export const controlIdempotencyKey = (tenantId: string, userId: string, route: string, key: string): ItemKey => ({
  PK: tenantPartition(tenantId),
  SK: `IDEMPOTENCY#${part(userId)}#${part(route)}#${part(encodeURIComponent(key))}`,
});

/** The partition of one user's `Idempotency-Key` records of routes that need no tenant. */
export const userIdempotencyPartition = (userId: string): string => `${userPartition(userId)}${SEPARATOR}${IDEMPOTENCY_KIND}`;

/**
 * Every user's idempotency partition and nothing else, as an IAM `StringLike` pattern: a user id
 * holds no `#`, so no `USER#{userId}` partition ends with `#IDEMPOTENCY`.
 */
export const ANY_USER_IDEMPOTENCY_PARTITION = `${KEY_PREFIX.user}*${SEPARATOR}${IDEMPOTENCY_KIND}`;

/** The record of one user's `Idempotency-Key` on a route that needs no tenant (POST /tenants), written by the function's own role. */
export const userIdempotencyKey = (userId: string, route: string, key: string): ItemKey => ({
  PK: userIdempotencyPartition(userId),
  SK: `KEY#${part(route)}#${part(encodeURIComponent(key))}`,
});

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
