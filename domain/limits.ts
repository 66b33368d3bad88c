/**
 * The limits that protect every tenant from one user, defined once. The onboarding workflow
 * enforces them (its first write is a conditional counter on the user's limits item, `userLimitsKey`
 * in `keys.ts`), both runtimes substitute them into its definition (`workflows/registry.ts`), and
 * the API answers 409 past either.
 */

export const TENANT_LIMITS = {
  /**
   * Tenants one user may create. Each costs a Cognito group, of which a user pool holds 10,000, so
   * a deployment sets its own number (the CDK prop `maxTenantsPerUser` of the workflows construct).
   */
  maxTenantsPerUser: 10,
  /**
   * Tenants one user may belong to: Cognito's limit of groups per user, which cannot be raised.
   * Refused here, with a clear answer, before AdminAddUserToGroup would fail halfway through a run.
   */
  maxMembershipsPerUser: 100,
} as const;

/**
 * The attributes of the limits item (`USER#{userId}` / `LIMITS`). Whoever adds or removes a
 * membership or a created tenant outside onboarding must move these counters the same way.
 */
export const USER_LIMITS_ATTRIBUTE = {
  /** Tenants this user has created. */
  tenantsCreated: 'tenantsCreated',
  /** Tenants this user belongs to. */
  memberships: 'memberships',
  /**
   * The ids of the tenants whose creation onboarding counted (in both counters). Its undo takes the
   * counts back only while its tenant is in this set, and removes it in the same write, so a retried
   * or needless undo cannot lower the counters. At most `maxTenantsPerUser` ids of 36 characters.
   */
  countedTenantIds: 'countedTenantIds',
} as const;

/** A configured `maxTenantsPerUser` that could not work as one. */
export class InvalidTenantLimitError extends Error {
  constructor(readonly value: number) {
    super(
      `maxTenantsPerUser must be an integer from 1 to ${TENANT_LIMITS.maxMembershipsPerUser} ` +
        `(a creator is a member, and a user belongs to at most ${TENANT_LIMITS.maxMembershipsPerUser} tenants): got ${value}`,
    );
    this.name = 'InvalidTenantLimitError';
  }
}

/** The deployment's limit on tenants created per user, checked: returns it, or throws InvalidTenantLimitError. */
export function checkedMaxTenantsPerUser(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > TENANT_LIMITS.maxMembershipsPerUser) throw new InvalidTenantLimitError(value);
  return value;
}

/** Invitations (API.md "Invitations"): how long one stays claimable, and what a deployment may set. */
export const INVITATION_LIMITS = {
  defaultTtlDays: 7,
  minTtlDays: 1,
  maxTtlDays: 30,
} as const;

/** A configured invitation lifetime that could not work as one. */
export class InvalidInvitationTtlError extends Error {
  constructor(readonly value: number) {
    super(`invitationTtlDays must be an integer from ${INVITATION_LIMITS.minTtlDays} to ${INVITATION_LIMITS.maxTtlDays}: got ${value}`);
    this.name = 'InvalidInvitationTtlError';
  }
}

/** The deployment's invitation lifetime in days, checked: returns it, or throws InvalidInvitationTtlError. */
export function checkedInvitationTtlDays(value: number): number {
  if (!Number.isInteger(value) || value < INVITATION_LIMITS.minTtlDays || value > INVITATION_LIMITS.maxTtlDays) throw new InvalidInvitationTtlError(value);
  return value;
}
