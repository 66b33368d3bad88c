import * as z from 'zod';

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
} as const;

export const DETAIL_TYPE = {
  userConfirmed: 'user.confirmed.v1',
  tenantOnboarded: 'tenant.onboarded.v1',
  tenantOnboardingFailed: 'tenant.onboarding.failed.v1',
  tenantSwitched: 'tenant.switched.v1',
  tenantSwitchFailed: 'tenant.switch.failed.v1',
  accessDenied: 'access.denied.v1',
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
}

const entry = <S extends z.ZodType>(value: CatalogEntry<S>): CatalogEntry<S> => value;

const SAMPLE_EXECUTION = 'arn:aws:states:us-east-1:000000000000:express:Onboarding:4b0c2a4e:9d3f';
const SAMPLE_USER = '6f1d7c1e-2b7a-4c55-9f0e-0c2b1b6a8e11';
const SAMPLE_TENANT = '0f4d9a53-3a53-4c6f-9a43-5d1f6f1b2c7e';
const SAMPLE_OTHER_TENANT = 'b7f2cbb0-18f4-4c8f-8d7e-2a4b36c6f0d1';

export const EVENT_CATALOG = {
  [DETAIL_TYPE.userConfirmed]: entry({
    source: EVENT_SOURCE.identity,
    schema: userConfirmedDetail,
    sample: { userId: SAMPLE_USER, email: 'ada@example.com', userPoolId: 'us-east-1_example', confirmedAt: '2026-11-28T09:00:00.000Z' },
    dedupeKey: (detail) => `user.confirmed:${detail.userId}`,
    auditTenants: () => [],
  }),
  [DETAIL_TYPE.tenantOnboarded]: entry({
    source: EVENT_SOURCE.tenancy,
    schema: tenantOnboardedDetail,
    sample: { tenantId: SAMPLE_TENANT, tenantName: 'Blue Sky Flight School', userId: SAMPLE_USER, roleId: 'admin', executionId: SAMPLE_EXECUTION },
    dedupeKey: (detail) => `tenant.onboarded:${detail.executionId}`,
    auditTenants: (detail) => [detail.tenantId],
  }),
  [DETAIL_TYPE.tenantOnboardingFailed]: entry({
    source: EVENT_SOURCE.tenancy,
    schema: tenantOnboardingFailedDetail,
    sample: { userId: SAMPLE_USER, tenantName: 'Blue Sky Flight School', tenantId: SAMPLE_TENANT, failedStep: 'CreateTenantGroup', error: 'CognitoIdentityProvider.TooManyRequestsException', executionId: SAMPLE_EXECUTION },
    dedupeKey: (detail) => `tenant.onboarding.failed:${detail.executionId}`,
    // The tenant was rolled back, so the failure is the platform's to remember.
    auditTenants: () => [],
  }),
  [DETAIL_TYPE.tenantSwitched]: entry({
    source: EVENT_SOURCE.tenancy,
    schema: tenantSwitchedDetail,
    sample: { tenantId: SAMPLE_TENANT, previousTenantId: SAMPLE_OTHER_TENANT, userId: SAMPLE_USER, roleId: 'pilot', executionId: SAMPLE_EXECUTION },
    dedupeKey: (detail) => `tenant.switched:${detail.executionId}`,
    // A switch is recorded in the tenant switched into and in the one switched out of.
    auditTenants: (detail) => [detail.tenantId, ...(detail.previousTenantId && detail.previousTenantId !== detail.tenantId ? [detail.previousTenantId] : [])],
  }),
  [DETAIL_TYPE.tenantSwitchFailed]: entry({
    source: EVENT_SOURCE.tenancy,
    schema: tenantSwitchFailedDetail,
    sample: { targetTenantId: SAMPLE_TENANT, previousTenantId: null, userId: SAMPLE_USER, failedStep: 'PublishSwitched', error: 'EventBridge.FailedEntry', executionId: SAMPLE_EXECUTION },
    dedupeKey: (detail) => `tenant.switch.failed:${detail.executionId}`,
    auditTenants: (detail) => [detail.targetTenantId],
  }),
  [DETAIL_TYPE.accessDenied]: entry({
    source: EVENT_SOURCE.security,
    schema: accessDeniedDetail,
    sample: { tenantId: SAMPLE_TENANT, userId: SAMPLE_USER, action: 'tenant:switch', reason: 'not a member', executionId: SAMPLE_EXECUTION },
    dedupeKey: (detail, eventId) => (detail.executionId ? `access.denied:${detail.executionId}` : `access.denied:${eventId}`),
    auditTenants: (detail) => [detail.tenantId],
  }),
} as const;

export type EventDetail<T extends DetailType> = z.infer<(typeof EVENT_CATALOG)[T]['schema']>;

export const isDetailType = (value: string): value is DetailType => Object.hasOwn(EVENT_CATALOG, value);
