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
  | 'SWITCHING_STATE_MACHINE_ARN';

export interface FunctionDefinition {
  /** The deployed function name's stem and the local function name. */
  readonly name: string;
  /** Path from the project root to the module exporting `handler`. */
  readonly entry: string;
  readonly environment: readonly EnvironmentName[];
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

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
  getMe: {
    name: 'GetMe',
    entry: 'handlers/api/me/index.ts',
    environment: ['TABLE_NAME'],
    timeoutSeconds: 10,
    memoryMb: 256,
  },
  listTenants: {
    name: 'ListTenants',
    entry: 'handlers/api/tenants/list.ts',
    environment: ['TABLE_NAME'],
    timeoutSeconds: 10,
    memoryMb: 256,
  },
  createTenant: {
    name: 'CreateTenant',
    entry: 'handlers/api/tenants/create.ts',
    environment: ['ONBOARDING_STATE_MACHINE_ARN', 'USER_POOL_CLIENT_ID'],
    timeoutSeconds: 29,
    memoryMb: 256,
  },
  switchTenant: {
    name: 'SwitchTenant',
    entry: 'handlers/api/tenants/switch.ts',
    environment: ['SWITCHING_STATE_MACHINE_ARN', 'USER_POOL_CLIENT_ID'],
    timeoutSeconds: 29,
    memoryMb: 256,
  },
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionKey = keyof typeof FUNCTIONS;
