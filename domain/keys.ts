/**
 * Every key of the pooled table is built here and nowhere else.
 *
 * Partition layout (the tenant policy in `isolation.ts` depends on it):
 * - `TENANT#{tenantId}`: the tenant's control partition (tenant record, memberships, roles).
 *   Tenant credentials may read it, never write it.
 * - `TENANT#{tenantId}#{kind}#{shard}`: the tenant's data partitions, write-sharded.
 *   Tenant credentials may read and write them.
 * - `USER#{userId}`: a user's profile; the user index is keyed the same way.
 * - `AUDIT#{tenantId}`: the audit trail. It does not start with `TENANT#`, so tenant credentials
 *   can neither read nor write it.
 */
export const KEY_PREFIX = {
  tenant: 'TENANT#',
  user: 'USER#',
  audit: 'AUDIT#',
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
