import { RECONCILIATION } from '../domain/reconciliation';
import type { CORS_ENVIRONMENT_VARIABLE } from './api/cors';

/**
 * Every Lambda function of the control plane, defined once: the CDK app bundles each entry with
 * esbuild (ESM, Node 22, arm64) and the local cloud imports the same entry and runs its `handler`
 * export in process.
 *
 * `environment` names the variables a function reads. The CDK app sets each one with a helper that
 * also grants the permission that goes with it; the local cloud sets them from its own resources.
 */
export type EnvironmentName =
  | 'EVENT_BUS_NAME'
  | 'TABLE_NAME'
  | 'USER_POOL_ID'
  | 'USER_POOL_CLIENT_ID'
  | 'USER_POOL_ISSUER'
  | 'IDENTITY_POOL_ID'
  | 'ONBOARDING_STATE_MACHINE_ARN'
  | 'SWITCHING_STATE_MACHINE_ARN'
  | 'ADD_MEMBER_STATE_MACHINE_ARN'
  | 'REMOVE_MEMBER_STATE_MACHINE_ARN'
  /** A setting, not a resource: days an invitation stays claimable (domain/limits.ts INVITATION_LIMITS). */
  | 'INVITATION_TTL_DAYS'
  /** A setting: the origins whose browsers may read the API's answers (handlers/api/cors.ts); every function serving a route reads it. */
  | typeof CORS_ENVIRONMENT_VARIABLE;

export interface FunctionDefinition {
  /** The deployed function name's stem and the local function name. */
  readonly name: string;
  /** Path from the project root to the module exporting `handler`. */
  readonly entry: string;
  readonly environment: readonly EnvironmentName[];
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

/**
 * An API function answering within API Gateway's 29 s, with the size every API function has, and
 * the CORS origins its answers are for.
 */
function apiFunction<const E extends readonly EnvironmentName[]>(name: string, entry: string, environment: E) {
  return { name, entry, environment: [...environment, 'CORS_ALLOWED_ORIGINS'] as const, timeoutSeconds: 10, memoryMb: 256 } as const;
}

/**
 * A data-plane function: it reads and writes the table only with the caller's tenant-scoped
 * credentials, so `TABLE_NAME` grants its own role nothing (TABLE_ACCESS); it publishes its events
 * with its own role.
 */
const dataPlaneFunction = (name: string, entry: string) => apiFunction(name, entry, ['TABLE_NAME', 'EVENT_BUS_NAME']);

export const FUNCTIONS = {
  postConfirmation: {
    name: 'PostConfirmation',
    entry: 'handlers/post-confirmation/index.ts',
    environment: ['EVENT_BUS_NAME'],
    // Cognito gives a trigger 5 seconds in all; the function publishes one event and returns.
    timeoutSeconds: 5,
    memoryMb: 256,
  },
  profileWriter: {
    name: 'ProfileWriter',
    entry: 'handlers/subscribers/profile-writer/index.ts',
    environment: ['TABLE_NAME'],
    timeoutSeconds: 10,
    memoryMb: 256,
  },
  auditWriter: {
    name: 'AuditWriter',
    entry: 'handlers/subscribers/audit-writer/index.ts',
    environment: ['TABLE_NAME'],
    timeoutSeconds: 10,
    memoryMb: 256,
  },
  authorizer: {
    name: 'Authorizer',
    entry: 'handlers/authorizer/index.ts',
    environment: ['USER_POOL_CLIENT_ID', 'USER_POOL_ISSUER', 'IDENTITY_POOL_ID', 'TABLE_NAME'],
    timeoutSeconds: 10,
    memoryMb: 512,
  },
  getMe: apiFunction('GetMe', 'handlers/api/me/index.ts', ['TABLE_NAME']),
  listTenants: apiFunction('ListTenants', 'handlers/api/tenants/list.ts', ['TABLE_NAME']),
  createTenant: {
    ...apiFunction('CreateTenant', 'handlers/api/tenants/create.ts', ['ONBOARDING_STATE_MACHINE_ARN', 'USER_POOL_CLIENT_ID', 'TABLE_NAME']),
    // Runs a synchronous workflow: as long as API Gateway waits.
    timeoutSeconds: 29,
  },
  switchTenant: {
    ...apiFunction('SwitchTenant', 'handlers/api/tenants/switch.ts', ['SWITCHING_STATE_MACHINE_ARN', 'USER_POOL_CLIENT_ID']),
    // Runs a synchronous workflow: as long as API Gateway waits.
    timeoutSeconds: 29,
  },
  invitationClaimer: {
    name: 'InvitationClaimer',
    entry: 'handlers/subscribers/invitation-claimer/index.ts',
    environment: ['TABLE_NAME', 'USER_POOL_ID', 'ADD_MEMBER_STATE_MACHINE_ARN', 'EVENT_BUS_NAME'],
    // Runs the add-member workflow once per pending invitation of the address, synchronously.
    timeoutSeconds: 60,
    memoryMb: 256,
  },
  listRoles: apiFunction('ListRoles', 'handlers/api/roles/list.ts', ['TABLE_NAME']),
  createRole: apiFunction('CreateRole', 'handlers/api/roles/create.ts', ['TABLE_NAME', 'EVENT_BUS_NAME']),
  updateRole: apiFunction('UpdateRole', 'handlers/api/roles/update.ts', ['TABLE_NAME', 'EVENT_BUS_NAME']),
  deleteRole: apiFunction('DeleteRole', 'handlers/api/roles/delete.ts', ['TABLE_NAME', 'EVENT_BUS_NAME']),
  listMembers: apiFunction('ListMembers', 'handlers/api/members/list.ts', ['TABLE_NAME', 'EVENT_BUS_NAME']),
  addMember: {
    ...apiFunction('AddMember', 'handlers/api/members/add.ts', ['TABLE_NAME', 'EVENT_BUS_NAME', 'USER_POOL_ID', 'ADD_MEMBER_STATE_MACHINE_ARN', 'INVITATION_TTL_DAYS']),
    // Runs a synchronous workflow: as long as API Gateway waits.
    timeoutSeconds: 29,
  },
  changeMemberRole: apiFunction('ChangeMemberRole', 'handlers/api/members/change-role.ts', ['TABLE_NAME', 'EVENT_BUS_NAME', 'USER_POOL_ID']),
  removeMember: {
    ...apiFunction('RemoveMember', 'handlers/api/members/remove.ts', ['TABLE_NAME', 'EVENT_BUS_NAME', 'REMOVE_MEMBER_STATE_MACHINE_ARN']),
    timeoutSeconds: 29,
  },
  listInvitations: apiFunction('ListInvitations', 'handlers/api/invitations/list.ts', ['TABLE_NAME', 'EVENT_BUS_NAME']),
  revokeInvitation: apiFunction('RevokeInvitation', 'handlers/api/invitations/revoke.ts', ['TABLE_NAME', 'EVENT_BUS_NAME']),
  listAudit: apiFunction('ListAudit', 'handlers/api/audit/list.ts', ['TABLE_NAME', 'EVENT_BUS_NAME']),
  listAircraft: dataPlaneFunction('ListAircraft', 'handlers/api/aircraft/list.ts'),
  createAircraft: dataPlaneFunction('CreateAircraft', 'handlers/api/aircraft/create.ts'),
  getAircraft: dataPlaneFunction('GetAircraft', 'handlers/api/aircraft/get.ts'),
  updateAircraft: dataPlaneFunction('UpdateAircraft', 'handlers/api/aircraft/update.ts'),
  deleteAircraft: dataPlaneFunction('DeleteAircraft', 'handlers/api/aircraft/delete.ts'),
  listReservations: dataPlaneFunction('ListReservations', 'handlers/api/reservations/list.ts'),
  createReservation: {
    ...dataPlaneFunction('CreateReservation', 'handlers/api/reservations/create.ts'),
    // A burst of bookings of one aircraft commits one per round: the last may wait its turn (BOOKING_RETRY).
    timeoutSeconds: 29,
  },
  cancelReservation: dataPlaneFunction('CancelReservation', 'handlers/api/reservations/cancel.ts'),
  reconciler: {
    name: 'Reconciler',
    entry: 'handlers/reconciler/index.ts',
    environment: ['TABLE_NAME', 'USER_POOL_ID', 'EVENT_BUS_NAME'],
    // The scan and the listing of every group, the longest grace an operator may ask for, then the repairs one by one.
    timeoutSeconds: RECONCILIATION.maxGraceSeconds + 300,
    memoryMb: 512,
  },
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionKey = keyof typeof FUNCTIONS;

/**
 * Functions Cognito invokes as user pool triggers, by the LambdaConfig member that names each. The
 * pool's LambdaConfig references such a function, so the function must not reference the pool (or
 * its client or identity pool) back: CloudFormation would see a cycle. A trigger reads the pool id
 * from `event.userPoolId` instead, and its policy is built without the identity resources.
 */
export const USER_POOL_TRIGGERS = { postConfirmation: 'PostConfirmation' } as const satisfies Partial<Record<FunctionKey, string>>;

export type UserPoolTrigger = (typeof USER_POOL_TRIGGERS)[keyof typeof USER_POOL_TRIGGERS];

export const isUserPoolTrigger = (key: FunctionKey): boolean => key in USER_POOL_TRIGGERS;
