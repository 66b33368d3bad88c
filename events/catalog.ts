import * as z from 'zod';
import { RECONCILIATION, REPAIRS, VIOLATION_KINDS } from '../domain/reconciliation';

/**
 * The event catalog: every source and detail-type exists once, here. Publishers (handlers and the
 * state machines' PutEvents steps), rules (CDK and local), subscribers and tests import them.
 * Detail-types carry their version, so a breaking change is a new type.
 *
 * No detail ever carries a token, a password or credentials: only ids, names and outcomes.
 */
export const EVENT_SOURCE = {
  identity: 'controlplane.identity',
  tenancy: 'controlplane.tenancy',
  security: 'controlplane.security',
  /** A tenant's administration: its members, invitations and roles. */
  administration: 'controlplane.administration',
  /** The sample data plane: a flight school's aircraft and reservations. */
  reservations: 'dataplane.reservations',
  /** The reconciler: repairs of the invariants (domain/reconciliation.ts). */
  reconciler: 'controlplane.reconciler',
} as const;

export const DETAIL_TYPE = {
  userConfirmed: 'user.confirmed.v1',
  tenantOnboarded: 'tenant.onboarded.v1',
  tenantOnboardingFailed: 'tenant.onboarding.failed.v1',
  tenantSwitched: 'tenant.switched.v1',
  tenantSwitchFailed: 'tenant.switch.failed.v1',
  accessDenied: 'access.denied.v1',
  memberAdded: 'member.added.v1',
  memberRemoved: 'member.removed.v1',
  memberRoleChanged: 'member.role.changed.v1',
  invitationCreated: 'invitation.created.v1',
  invitationClaimed: 'invitation.claimed.v1',
  invitationRevoked: 'invitation.revoked.v1',
  invitationExpired: 'invitation.expired.v1',
  roleCreated: 'role.created.v1',
  roleUpdated: 'role.updated.v1',
  roleDeleted: 'role.deleted.v1',
  aircraftCreated: 'aircraft.created.v1',
  aircraftUpdated: 'aircraft.updated.v1',
  aircraftDeleted: 'aircraft.deleted.v1',
  reservationCreated: 'reservation.created.v1',
  reservationCancelled: 'reservation.cancelled.v1',
  invariantRepaired: 'invariant.repaired.v1',
} as const;

export type EventSource = (typeof EVENT_SOURCE)[keyof typeof EVENT_SOURCE];
export type DetailType = (typeof DETAIL_TYPE)[keyof typeof DETAIL_TYPE];

const id = z.string().min(1).max(128);
const isoTime = z.iso.datetime();
/** Step Functions' `$$.Execution.Id`: the run that produced the event, and its dedupe key. */
const executionId = z.string().min(1);

export const userConfirmedDetail = z.strictObject({
  userId: id,
  email: z.email(),
  userPoolId: id,
  confirmedAt: isoTime,
});

export const tenantOnboardedDetail = z.strictObject({
  tenantId: id,
  tenantName: z.string().min(1).max(100),
  userId: id,
  roleId: id,
  executionId,
});

export const tenantOnboardingFailedDetail = z.strictObject({
  userId: id,
  tenantName: z.string().min(1).max(100),
  /** Absent when the run failed before a tenant id was drawn. */
  tenantId: id.optional(),
  failedStep: z.string().min(1),
  error: z.string().min(1),
  executionId,
});

export const tenantSwitchedDetail = z.strictObject({
  tenantId: id,
  previousTenantId: id.nullable(),
  userId: id,
  roleId: id,
  executionId,
});

export const tenantSwitchFailedDetail = z.strictObject({
  targetTenantId: id,
  previousTenantId: id.nullable(),
  userId: id,
  failedStep: z.string().min(1),
  error: z.string().min(1),
  executionId,
});

export const accessDeniedDetail = z.strictObject({
  /** The tenant whose data or membership the attempt reached for. */
  tenantId: id,
  userId: id,
  /** What was attempted: an API action (`member:manage`) or a control-plane step (`tenant:switch`). */
  action: z.string().min(1),
  reason: z.string().min(1),
  executionId: executionId.optional(),
  /** A refusal by an API function (not a workflow): drawn per refusal, so a re-sent event is recorded once. */
  operationId: z.uuid().optional(),
});

/** A handler's own write (not a workflow's): a UUID drawn per request, its events' dedupe key. */
const operationId = z.uuid();
const roleId = z.string().min(1).max(64);
const email = z.email().max(254);
const actions = z.array(z.string().min(1).max(64)).max(64);

export const memberAddedDetail = z.strictObject({
  tenantId: id,
  /** The member added. */
  userId: id,
  email,
  roleId,
  /** Who added it: an admin, or the member itself when it claimed an invitation. */
  actorUserId: id,
  via: z.enum(['direct', 'invitation']),
  executionId,
});

export const memberRemovedDetail = z.strictObject({
  tenantId: id,
  userId: id,
  roleId,
  actorUserId: id,
  executionId,
});

export const memberRoleChangedDetail = z.strictObject({
  tenantId: id,
  userId: id,
  previousRoleId: roleId,
  roleId,
  actorUserId: id,
  operationId,
});

export const invitationCreatedDetail = z.strictObject({
  tenantId: id,
  email,
  roleId,
  expiresAt: isoTime,
  actorUserId: id,
  operationId,
});

export const invitationClaimedDetail = z.strictObject({
  tenantId: id,
  email,
  roleId,
  /** The user who claimed it by confirming that address. */
  userId: id,
  executionId,
});

export const invitationRevokedDetail = z.strictObject({
  tenantId: id,
  email,
  roleId,
  actorUserId: id,
  operationId,
});

export const invitationExpiredDetail = z.strictObject({
  tenantId: id,
  email,
  roleId,
  expiresAt: isoTime,
  /** The user whose confirmation found it expired. */
  userId: id,
});

export const roleCreatedDetail = z.strictObject({
  tenantId: id,
  roleId,
  name: z.string().min(1).max(400),
  actions,
  actorUserId: id,
  operationId,
});

export const roleUpdatedDetail = z.strictObject({
  tenantId: id,
  roleId,
  name: z.string().min(1).max(400),
  actions,
  previousName: z.string().min(1).max(400),
  previousActions: actions,
  actorUserId: id,
  operationId,
});

export const roleDeletedDetail = z.strictObject({
  tenantId: id,
  roleId,
  actorUserId: id,
  operationId,
});

const registration = z.string().min(1).max(20);
const aircraftState = { registration, model: z.string().min(1).max(400), seats: z.number().int().min(1).max(1000) };

export const aircraftCreatedDetail = z.strictObject({
  tenantId: id,
  aircraftId: id,
  ...aircraftState,
  actorUserId: id,
  operationId,
});

export const aircraftUpdatedDetail = z.strictObject({
  tenantId: id,
  aircraftId: id,
  ...aircraftState,
  /** The aircraft as the update found it: the condition of the write made it exact. */
  previous: z.strictObject(aircraftState),
  actorUserId: id,
  operationId,
});

export const aircraftDeletedDetail = z.strictObject({
  tenantId: id,
  aircraftId: id,
  registration,
  actorUserId: id,
  operationId,
});

const reservation = { reservationId: id, aircraftId: id, start: isoTime, end: isoTime };

export const reservationCreatedDetail = z.strictObject({
  tenantId: id,
  ...reservation,
  /** Who booked it, and so who may cancel it without `reservation:cancel`. */
  userId: id,
  operationId,
});

export const reservationCancelledDetail = z.strictObject({
  tenantId: id,
  ...reservation,
  /** Who had booked it. */
  userId: id,
  /** Who cancelled it: the booker, or a member whose role grants `reservation:cancel`. */
  actorUserId: id,
  operationId,
});

export const invariantRepairedDetail = z.strictObject({
  tenantId: id,
  /** The user the repair concerns: removed from or added to the group, promoted, or whose active tenant was cleared. */
  userId: id.optional(),
  violation: z.enum(VIOLATION_KINDS),
  repair: z.enum(REPAIRS),
  /** A promotion's: the role the new admin held before. */
  previousRoleId: roleId.optional(),
  /** The reconciler's run (a UUID drawn per invocation), shared by its repairs. */
  runId: z.uuid(),
  /** Drawn per repair: its event's dedupe key. */
  operationId,
});

interface CatalogEntry<S extends z.ZodType> {
  readonly source: EventSource;
  readonly schema: S;
  readonly sample: z.infer<S>;
  /**
   * Subscribers deduplicate on this key, not on the event id: the bus may deliver an event twice
   * (same id), and Cognito may run a trigger twice (two events, two ids, one confirmation).
   */
  readonly dedupeKey: (detail: z.infer<S>, eventId: string) => string;
  /** The tenants whose audit trails record the event (none: the platform trail). */
  readonly auditTenants: (detail: z.infer<S>) => string[];
  /** Who did it: the audit record's `actorUserId`. */
  readonly actor: (detail: z.infer<S>) => string;
}

const entry = <S extends z.ZodType>(value: CatalogEntry<S>): CatalogEntry<S> => value;

const SAMPLE_EXECUTION = 'arn:aws:states:us-east-1:000000000000:express:Onboarding:4b0c2a4e:9d3f';
const SAMPLE_USER = '6f1d7c1e-2b7a-4c55-9f0e-0c2b1b6a8e11';
const SAMPLE_TENANT = '0f4d9a53-3a53-4c6f-9a43-5d1f6f1b2c7e';
const SAMPLE_OTHER_TENANT = 'b7f2cbb0-18f4-4c8f-8d7e-2a4b36c6f0d1';
const SAMPLE_OTHER_USER = '2c9a41d0-7f3e-4b8a-a6d2-93e1f05b7c44';
const SAMPLE_OPERATION = '8e2f6a1c-5d4b-4f7e-9a3c-1b2d3e4f5a6b';
const SAMPLE_AIRCRAFT = 'c3a8e1f2-4b5d-4e6f-8a9b-0c1d2e3f4a5b';
const SAMPLE_RESERVATION = 'd4b9f2a3-5c6e-4f7a-9b0c-1d2e3f4a5b6c';
const SAMPLE_RUN = 'e5c0a3b4-6d7f-4a8b-9c1d-2e3f4a5b6c7d';

export const EVENT_CATALOG = {
  [DETAIL_TYPE.userConfirmed]: entry({
    source: EVENT_SOURCE.identity,
    schema: userConfirmedDetail,
    sample: { userId: SAMPLE_USER, email: 'ada@example.com', userPoolId: 'us-east-1_example', confirmedAt: '2026-11-28T09:00:00.000Z' },
    dedupeKey: (detail) => `user.confirmed:${detail.userId}`,
    auditTenants: () => [],
    actor: (detail) => detail.userId,
  }),
  [DETAIL_TYPE.tenantOnboarded]: entry({
    source: EVENT_SOURCE.tenancy,
    schema: tenantOnboardedDetail,
    sample: { tenantId: SAMPLE_TENANT, tenantName: 'Blue Sky Flight School', userId: SAMPLE_USER, roleId: 'admin', executionId: SAMPLE_EXECUTION },
    dedupeKey: (detail) => `tenant.onboarded:${detail.executionId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.userId,
  }),
  [DETAIL_TYPE.tenantOnboardingFailed]: entry({
    source: EVENT_SOURCE.tenancy,
    schema: tenantOnboardingFailedDetail,
    sample: { userId: SAMPLE_USER, tenantName: 'Blue Sky Flight School', tenantId: SAMPLE_TENANT, failedStep: 'CreateTenant', error: 'CognitoIdentityProvider.TooManyRequestsException', executionId: SAMPLE_EXECUTION },
    dedupeKey: (detail) => `tenant.onboarding.failed:${detail.executionId}`,
    // The tenant was rolled back, so the failure is the platform's to remember.
    auditTenants: () => [],
    actor: (detail) => detail.userId,
  }),
  [DETAIL_TYPE.tenantSwitched]: entry({
    source: EVENT_SOURCE.tenancy,
    schema: tenantSwitchedDetail,
    sample: { tenantId: SAMPLE_TENANT, previousTenantId: SAMPLE_OTHER_TENANT, userId: SAMPLE_USER, roleId: 'pilot', executionId: SAMPLE_EXECUTION },
    dedupeKey: (detail) => `tenant.switched:${detail.executionId}`,
    // A switch is recorded in the tenant switched into and in the one switched out of.
    auditTenants: (detail) => [detail.tenantId, ...(detail.previousTenantId && detail.previousTenantId !== detail.tenantId ? [detail.previousTenantId] : [])],
    actor: (detail) => detail.userId,
  }),
  [DETAIL_TYPE.tenantSwitchFailed]: entry({
    source: EVENT_SOURCE.tenancy,
    schema: tenantSwitchFailedDetail,
    sample: { targetTenantId: SAMPLE_TENANT, previousTenantId: null, userId: SAMPLE_USER, failedStep: 'PublishSwitched', error: 'EventBridge.FailedEntry', executionId: SAMPLE_EXECUTION },
    dedupeKey: (detail) => `tenant.switch.failed:${detail.executionId}`,
    auditTenants: (detail) => [detail.targetTenantId],
    actor: (detail) => detail.userId,
  }),
  [DETAIL_TYPE.accessDenied]: entry({
    source: EVENT_SOURCE.security,
    schema: accessDeniedDetail,
    sample: { tenantId: SAMPLE_TENANT, userId: SAMPLE_USER, action: 'tenant:switch', reason: 'not a member', executionId: SAMPLE_EXECUTION },
    dedupeKey: (detail, eventId) => `access.denied:${detail.executionId ?? detail.operationId ?? eventId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.userId,
  }),
  [DETAIL_TYPE.memberAdded]: entry({
    source: EVENT_SOURCE.administration,
    schema: memberAddedDetail,
    sample: { tenantId: SAMPLE_TENANT, userId: SAMPLE_OTHER_USER, email: 'maya@example.com', roleId: 'pilot', actorUserId: SAMPLE_USER, via: 'direct', executionId: SAMPLE_EXECUTION },
    dedupeKey: (detail) => `member.added:${detail.executionId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.actorUserId,
  }),
  [DETAIL_TYPE.memberRemoved]: entry({
    source: EVENT_SOURCE.administration,
    schema: memberRemovedDetail,
    sample: { tenantId: SAMPLE_TENANT, userId: SAMPLE_OTHER_USER, roleId: 'pilot', actorUserId: SAMPLE_USER, executionId: SAMPLE_EXECUTION },
    dedupeKey: (detail) => `member.removed:${detail.executionId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.actorUserId,
  }),
  [DETAIL_TYPE.memberRoleChanged]: entry({
    source: EVENT_SOURCE.administration,
    schema: memberRoleChangedDetail,
    sample: { tenantId: SAMPLE_TENANT, userId: SAMPLE_OTHER_USER, previousRoleId: 'pilot', roleId: 'instructor', actorUserId: SAMPLE_USER, operationId: SAMPLE_OPERATION },
    dedupeKey: (detail) => `member.role.changed:${detail.operationId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.actorUserId,
  }),
  [DETAIL_TYPE.invitationCreated]: entry({
    source: EVENT_SOURCE.administration,
    schema: invitationCreatedDetail,
    sample: { tenantId: SAMPLE_TENANT, email: 'lee@example.com', roleId: 'pilot', expiresAt: '2026-12-05T09:00:00.000Z', actorUserId: SAMPLE_USER, operationId: SAMPLE_OPERATION },
    dedupeKey: (detail) => `invitation.created:${detail.operationId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.actorUserId,
  }),
  [DETAIL_TYPE.invitationClaimed]: entry({
    source: EVENT_SOURCE.administration,
    schema: invitationClaimedDetail,
    sample: { tenantId: SAMPLE_TENANT, email: 'lee@example.com', roleId: 'pilot', userId: SAMPLE_OTHER_USER, executionId: SAMPLE_EXECUTION },
    dedupeKey: (detail) => `invitation.claimed:${detail.executionId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.userId,
  }),
  [DETAIL_TYPE.invitationRevoked]: entry({
    source: EVENT_SOURCE.administration,
    schema: invitationRevokedDetail,
    sample: { tenantId: SAMPLE_TENANT, email: 'lee@example.com', roleId: 'pilot', actorUserId: SAMPLE_USER, operationId: SAMPLE_OPERATION },
    dedupeKey: (detail) => `invitation.revoked:${detail.operationId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.actorUserId,
  }),
  [DETAIL_TYPE.invitationExpired]: entry({
    source: EVENT_SOURCE.administration,
    schema: invitationExpiredDetail,
    sample: { tenantId: SAMPLE_TENANT, email: 'lee@example.com', roleId: 'pilot', expiresAt: '2026-12-05T09:00:00.000Z', userId: SAMPLE_OTHER_USER },
    // One invitation expires once, however often its address is confirmed or the event delivered.
    dedupeKey: (detail) => `invitation.expired:${detail.tenantId}:${detail.email}:${detail.expiresAt}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.userId,
  }),
  [DETAIL_TYPE.roleCreated]: entry({
    source: EVENT_SOURCE.administration,
    schema: roleCreatedDetail,
    sample: { tenantId: SAMPLE_TENANT, roleId: 'pilot', name: 'Pilot', actions: ['aircraft:read', 'reservation:create'], actorUserId: SAMPLE_USER, operationId: SAMPLE_OPERATION },
    dedupeKey: (detail) => `role.created:${detail.operationId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.actorUserId,
  }),
  [DETAIL_TYPE.roleUpdated]: entry({
    source: EVENT_SOURCE.administration,
    schema: roleUpdatedDetail,
    sample: {
      tenantId: SAMPLE_TENANT,
      roleId: 'pilot',
      name: 'Pilot',
      actions: ['aircraft:read', 'reservation:read', 'reservation:create'],
      previousName: 'Pilot',
      previousActions: ['aircraft:read', 'reservation:create'],
      actorUserId: SAMPLE_USER,
      operationId: SAMPLE_OPERATION,
    },
    dedupeKey: (detail) => `role.updated:${detail.operationId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.actorUserId,
  }),
  [DETAIL_TYPE.roleDeleted]: entry({
    source: EVENT_SOURCE.administration,
    schema: roleDeletedDetail,
    sample: { tenantId: SAMPLE_TENANT, roleId: 'pilot', actorUserId: SAMPLE_USER, operationId: SAMPLE_OPERATION },
    dedupeKey: (detail) => `role.deleted:${detail.operationId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.actorUserId,
  }),
  [DETAIL_TYPE.aircraftCreated]: entry({
    source: EVENT_SOURCE.reservations,
    schema: aircraftCreatedDetail,
    sample: { tenantId: SAMPLE_TENANT, aircraftId: SAMPLE_AIRCRAFT, registration: 'G-ABCD', model: 'Cessna 172S', seats: 4, actorUserId: SAMPLE_USER, operationId: SAMPLE_OPERATION },
    dedupeKey: (detail) => `aircraft.created:${detail.operationId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.actorUserId,
  }),
  [DETAIL_TYPE.aircraftUpdated]: entry({
    source: EVENT_SOURCE.reservations,
    schema: aircraftUpdatedDetail,
    sample: {
      tenantId: SAMPLE_TENANT,
      aircraftId: SAMPLE_AIRCRAFT,
      registration: 'G-ABCD',
      model: 'Cessna 172S Skyhawk',
      seats: 4,
      previous: { registration: 'G-ABCD', model: 'Cessna 172S', seats: 4 },
      actorUserId: SAMPLE_USER,
      operationId: SAMPLE_OPERATION,
    },
    dedupeKey: (detail) => `aircraft.updated:${detail.operationId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.actorUserId,
  }),
  [DETAIL_TYPE.aircraftDeleted]: entry({
    source: EVENT_SOURCE.reservations,
    schema: aircraftDeletedDetail,
    sample: { tenantId: SAMPLE_TENANT, aircraftId: SAMPLE_AIRCRAFT, registration: 'G-ABCD', actorUserId: SAMPLE_USER, operationId: SAMPLE_OPERATION },
    dedupeKey: (detail) => `aircraft.deleted:${detail.operationId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.actorUserId,
  }),
  [DETAIL_TYPE.reservationCreated]: entry({
    source: EVENT_SOURCE.reservations,
    schema: reservationCreatedDetail,
    sample: {
      tenantId: SAMPLE_TENANT,
      reservationId: SAMPLE_RESERVATION,
      aircraftId: SAMPLE_AIRCRAFT,
      start: '2026-12-02T09:00:00.000Z',
      end: '2026-12-02T11:00:00.000Z',
      userId: SAMPLE_OTHER_USER,
      operationId: SAMPLE_OPERATION,
    },
    dedupeKey: (detail) => `reservation.created:${detail.operationId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.userId,
  }),
  [DETAIL_TYPE.reservationCancelled]: entry({
    source: EVENT_SOURCE.reservations,
    schema: reservationCancelledDetail,
    sample: {
      tenantId: SAMPLE_TENANT,
      reservationId: SAMPLE_RESERVATION,
      aircraftId: SAMPLE_AIRCRAFT,
      start: '2026-12-02T09:00:00.000Z',
      end: '2026-12-02T11:00:00.000Z',
      userId: SAMPLE_OTHER_USER,
      actorUserId: SAMPLE_USER,
      operationId: SAMPLE_OPERATION,
    },
    dedupeKey: (detail) => `reservation.cancelled:${detail.operationId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: (detail) => detail.actorUserId,
  }),
  [DETAIL_TYPE.invariantRepaired]: entry({
    source: EVENT_SOURCE.reconciler,
    schema: invariantRepairedDetail,
    sample: {
      tenantId: SAMPLE_TENANT,
      userId: SAMPLE_OTHER_USER,
      violation: 'tenant-without-admin',
      repair: 'promoted-admin',
      previousRoleId: 'pilot',
      runId: SAMPLE_RUN,
      operationId: SAMPLE_OPERATION,
    },
    dedupeKey: (detail) => `invariant.repaired:${detail.operationId}`,
    auditTenants: (detail) => [detail.tenantId],
    actor: () => RECONCILIATION.actor,
  }),
} as const;

export type EventDetail<T extends DetailType> = z.infer<(typeof EVENT_CATALOG)[T]['schema']>;

export const isDetailType = (value: string): value is DetailType => Object.hasOwn(EVENT_CATALOG, value);
