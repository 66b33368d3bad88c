/**
 * What each function of handlers/catalog.ts may do, as identity-policy statements: one builder that
 * the CDK construct (infra/constructs/functions.ts, per variable it binds) and the local cloud (one
 * role per function, local/iam/role-policies.ts) both call. A variable of a function's catalog entry
 * brings its permission with it; a variable that is a setting brings none.
 */
import { ANY_USER_IDEMPOTENCY_PARTITION, KEY_PREFIX } from '../../domain/keys';
import { USER_INDEX } from '../../domain/table';
import { type EnvironmentName, type FunctionKey, FUNCTIONS } from '../../handlers/catalog';
import { RULES } from '../../events/rules';
import type { WorkflowKey } from '../../workflows/registry';
import { ARNS } from './arns';
import { allow, policyOf, type IdentityPolicy, type IdentityStatement } from './statements';

/** A variable of a function's catalog entry that cannot be set: synthesis stops rather than deploy a function that fails at its first call. */
export class UnboundEnvironmentError extends Error {
  constructor(
    readonly functionName: string,
    readonly variable: string,
    reason: string,
  ) {
    super(`${functionName}: cannot set ${variable}: ${reason}`);
    this.name = 'UnboundEnvironmentError';
  }
}

export type DynamoDbAction = 'GetItem' | 'BatchGetItem' | 'Query' | 'Scan' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';
/** Actions allowed only on items whose partition key matches one of `leadingKeys` (IAM's `dynamodb:LeadingKeys`). */
export interface PartitionGrant {
  readonly actions: readonly DynamoDbAction[];
  readonly leadingKeys: readonly string[];
}

export interface TableAccess {
  /** On the table's own items, any partition. */
  readonly items: readonly DynamoDbAction[];
  /** On the table's own items, only in the partitions named. */
  readonly partitions?: readonly PartitionGrant[];
  /** On the user index (memberships by user, invitations by address). */
  readonly userIndex?: readonly DynamoDbAction[];
}

/** The control partitions of every tenant, and nothing else: `TENANT#{id}` and `TENANT#{id}#…`. */
const ANY_TENANT_PARTITION = [`${KEY_PREFIX.tenant}*`];
/** Every user's partition (`USER#{id}`: profile and limits counters). */
const ANY_USER_PARTITION = [`${KEY_PREFIX.user}*`];
type TableUser = {
  [K in FunctionKey]: 'TABLE_NAME' extends (typeof FUNCTIONS)[K]['environment'][number] ? K : never;
}[FunctionKey];

/**
 * What each function with TABLE_NAME may do on the table, least privilege per function. Keyed by
 * the catalog, so a function that gains TABLE_NAME there fails to compile until it is listed here.
 * Transactions need no action of their own: IAM authorizes each item's Put/Update/Delete/ConditionCheck.
 */
export const TABLE_ACCESS: Record<TableUser, TableAccess> = {
  // Reads the caller's membership on a cache miss and never writes: a flaw in it cannot change data.
  authorizer: { items: ['GetItem'] },
  // These read with the caller's tenant-scoped credentials (from the authorizer's context), so the
  // tenant policy bounds what they see and their own role needs nothing on the table.
  getMe: { items: [] },
  listTenants: { items: [] },
  // Its callers' Idempotency-Key records only (USER#{userId}#IDEMPOTENCY): the conditional puts of
  // claim, answer and release, and the read of a record met; nothing on profiles or limits.
  createTenant: { items: [], partitions: [{ actions: ['GetItem', 'PutItem'], leadingKeys: [ANY_USER_IDEMPOTENCY_PARTITION] }] },
  // Write-once records: a conditional put, or a transaction of puts guarded by a marker item.
  profileWriter: { items: ['PutItem'] },
  auditWriter: { items: ['PutItem'] },
  // Guarded writes of control items (handlers/shared/guarded-write.ts) are signed with these
  // functions' own roles, as tenant credentials may not write control partitions. Each may touch
  // tenant partitions only; GetItem is the consistent read that explains a refusal.
  createRole: { items: [], partitions: [{ actions: ['GetItem', 'PutItem', 'ConditionCheckItem'], leadingKeys: ANY_TENANT_PARTITION }] },
  updateRole: { items: [], partitions: [{ actions: ['GetItem', 'UpdateItem', 'ConditionCheckItem'], leadingKeys: ANY_TENANT_PARTITION }] },
  deleteRole: { items: [], partitions: [{ actions: ['GetItem', 'DeleteItem', 'ConditionCheckItem'], leadingKeys: ANY_TENANT_PARTITION }] },
  changeMemberRole: { items: [], partitions: [{ actions: ['GetItem', 'UpdateItem', 'ConditionCheckItem'], leadingKeys: ANY_TENANT_PARTITION }] },
  revokeInvitation: { items: [], partitions: [{ actions: ['GetItem', 'DeleteItem', 'ConditionCheckItem'], leadingKeys: ANY_TENANT_PARTITION }] },
  // Invites with a guarded put; checks the invitee's limits before starting the workflow.
  addMember: {
    items: [],
    partitions: [
      { actions: ['GetItem', 'PutItem', 'ConditionCheckItem'], leadingKeys: ANY_TENANT_PARTITION },
      { actions: ['GetItem'], leadingKeys: ANY_USER_PARTITION },
    ],
  },
  // Reads the member's current role; the workflow does the writes.
  removeMember: { items: [], partitions: [{ actions: ['GetItem'], leadingKeys: ANY_TENANT_PARTITION }] },
  // Read with the caller's tenant-scoped credentials: nothing of their own.
  listRoles: { items: [] },
  listMembers: { items: [] },
  listInvitations: { items: [] },
  listAudit: { items: [] },
  // The data plane: every read and write is signed with the caller's tenant-scoped credentials
  // (the design's Figure 5), so IAM alone keeps it in the caller's tenant. Their roles hold no
  // DynamoDB permission at all (an infra test asserts it).
  listAircraft: { items: [] },
  createAircraft: { items: [] },
  getAircraft: { items: [] },
  updateAircraft: { items: [] },
  deleteAircraft: { items: [] },
  listReservations: { items: [] },
  createReservation: { items: [] },
  cancelReservation: { items: [] },
  // Finds an address's invitations on the user index; the workflow does the writes.
  invitationClaimer: { items: [], userIndex: ['Query'] },
  // Scans the control and limits items (a Scan names no key, so it cannot be held to partitions);
  // re-reads a tenant's control partition and repairs in it (deletes of leftovers, a promotion and
  // its counts, each behind a ConditionCheck), and moves a user's limits counters back.
  reconciler: {
    items: ['Scan'],
    partitions: [
      { actions: ['Query', 'GetItem', 'DeleteItem', 'UpdateItem', 'ConditionCheckItem'], leadingKeys: ANY_TENANT_PARTITION },
      { actions: ['GetItem', 'UpdateItem'], leadingKeys: ANY_USER_PARTITION },
    ],
  },
};

/**
 * What each function with USER_POOL_ID may do in the user pool. Keyed by the catalog like
 * TABLE_ACCESS, so a function that gains USER_POOL_ID fails to compile until it is listed here.
 */
type UserPoolUser = {
  [K in FunctionKey]: 'USER_POOL_ID' extends (typeof FUNCTIONS)[K]['environment'][number] ? K : never;
}[FunctionKey];

export const USER_POOL_ACCESS: Record<UserPoolUser, readonly string[]> = {
  // Finds whether the address belongs to a confirmed user with a verified email.
  addMember: ['cognito-idp:ListUsers'],
  // Updates the `custom:role` hint when the tenant is the member's active one.
  changeMemberRole: ['cognito-idp:AdminGetUser', 'cognito-idp:AdminUpdateUserAttributes'],
  // Reads the confirmed user's verified address: the event alone is not trusted with it.
  invitationClaimer: ['cognito-idp:AdminGetUser'],
  // Lists the tenant groups, their members and the users' active tenant; repairs groups and attributes.
  reconciler: [
    'cognito-idp:ListGroups',
    'cognito-idp:ListUsersInGroup',
    'cognito-idp:ListUsers',
    'cognito-idp:GetGroup',
    'cognito-idp:CreateGroup',
    'cognito-idp:DeleteGroup',
    'cognito-idp:AdminAddUserToGroup',
    'cognito-idp:AdminRemoveUserFromGroup',
    'cognito-idp:AdminGetUser',
    'cognito-idp:AdminUpdateUserAttributes',
  ],
};

/** The resources a function's statements name, as ARNs (CloudFormation tokens in the CDK app). */
export interface FunctionPolicyResources {
  readonly tableArn: string;
  readonly eventBusArn: string;
  readonly stateMachineArns: Readonly<Record<WorkflowKey, string>>;
  /** Absent for a user pool trigger, which must not reference the pool (handlers/catalog.ts USER_POOL_TRIGGERS). */
  readonly identity?: { readonly userPoolArn: string; readonly identityPoolArn: string };
}

export const STATE_MACHINE_VARIABLES = {
  ONBOARDING_STATE_MACHINE_ARN: 'onboarding',
  SWITCHING_STATE_MACHINE_ARN: 'switching',
  ADD_MEMBER_STATE_MACHINE_ARN: 'addMember',
  REMOVE_MEMBER_STATE_MACHINE_ARN: 'removeMember',
} as const satisfies Partial<Record<EnvironmentName, WorkflowKey>>;

const dynamodb = (actions: readonly DynamoDbAction[]) => actions.map((action) => `dynamodb:${action}`);

function tableStatements(key: FunctionKey, tableArn: string): IdentityStatement[] {
  const access: TableAccess | undefined = (TABLE_ACCESS as Partial<Record<FunctionKey, TableAccess>>)[key];
  if (!access) throw new UnboundEnvironmentError(FUNCTIONS[key].name, 'TABLE_NAME', 'no entry in TABLE_ACCESS says what it may do');
  const statements: IdentityStatement[] = [];
  if (access.items.length > 0) statements.push(allow(dynamodb(access.items), [tableArn]));
  for (const grant of access.partitions ?? []) {
    // The Null guard: without it, a request naming no key would satisfy ForAllValues.
    const condition = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...grant.leadingKeys] }, Null: { 'dynamodb:LeadingKeys': 'false' } };
    statements.push(allow(dynamodb(grant.actions), [tableArn], condition));
  }
  if (access.userIndex && access.userIndex.length > 0) {
    statements.push(allow(dynamodb(access.userIndex), [ARNS.tableIndex(tableArn, USER_INDEX.indexName)]));
  }
  return statements;
}

function identityOf(key: FunctionKey, variable: EnvironmentName, resources: FunctionPolicyResources) {
  if (!resources.identity) {
    throw new UnboundEnvironmentError(
      FUNCTIONS[key].name,
      variable,
      'it is a user pool trigger, and a reference to the identity resources would make a dependency cycle (read event.userPoolId)',
    );
  }
  return resources.identity;
}

function userPoolStatements(key: FunctionKey, resources: FunctionPolicyResources): IdentityStatement[] {
  const { userPoolArn } = identityOf(key, 'USER_POOL_ID', resources);
  const actions: readonly string[] | undefined = (USER_POOL_ACCESS as Partial<Record<FunctionKey, readonly string[]>>)[key];
  if (!actions) throw new UnboundEnvironmentError(FUNCTIONS[key].name, 'USER_POOL_ID', 'no entry in USER_POOL_ACCESS says what it may do');
  return actions.length > 0 ? [allow(actions, [userPoolArn])] : [];
}

type VariableStatements = (key: FunctionKey, resources: FunctionPolicyResources) => IdentityStatement[];

const startSync =
  (workflow: WorkflowKey): VariableStatements =>
  (_key, { stateMachineArns }) => [allow(['states:StartSyncExecution'], [stateMachineArns[workflow]])];

const none: VariableStatements = () => [];

// Each variable's permission. Cognito's InitiateAuth (refresh) and the identity pool's
// GetCredentialsForIdentity are unauthenticated APIs: the client and issuer variables grant nothing.
const VARIABLE_STATEMENTS: Record<EnvironmentName, VariableStatements> = {
  TABLE_NAME: (key, { tableArn }) => tableStatements(key, tableArn),
  EVENT_BUS_NAME: (_key, { eventBusArn }) => [allow(['events:PutEvents'], [eventBusArn])],
  USER_POOL_ID: userPoolStatements,
  USER_POOL_ISSUER: none,
  USER_POOL_CLIENT_ID: none,
  // The one call that needs a signature: minting an OpenID token for a developer identity.
  IDENTITY_POOL_ID: (key, resources) => [
    allow(['cognito-identity:GetOpenIdTokenForDeveloperIdentity'], [identityOf(key, 'IDENTITY_POOL_ID', resources).identityPoolArn]),
  ],
  ONBOARDING_STATE_MACHINE_ARN: startSync(STATE_MACHINE_VARIABLES.ONBOARDING_STATE_MACHINE_ARN),
  SWITCHING_STATE_MACHINE_ARN: startSync(STATE_MACHINE_VARIABLES.SWITCHING_STATE_MACHINE_ARN),
  ADD_MEMBER_STATE_MACHINE_ARN: startSync(STATE_MACHINE_VARIABLES.ADD_MEMBER_STATE_MACHINE_ARN),
  REMOVE_MEMBER_STATE_MACHINE_ARN: startSync(STATE_MACHINE_VARIABLES.REMOVE_MEMBER_STATE_MACHINE_ARN),
  INVITATION_TTL_DAYS: none,
  CORS_ALLOWED_ORIGINS: none,
};

/** The statements that setting `variable` on function `key` grants. */
export function variableStatements(key: FunctionKey, variable: EnvironmentName, resources: FunctionPolicyResources): IdentityStatement[] {
  const statements: VariableStatements | undefined = (VARIABLE_STATEMENTS as Partial<Record<string, VariableStatements>>)[variable];
  if (!statements) throw new UnboundEnvironmentError(FUNCTIONS[key].name, variable, 'infra/policies/function-policies.ts grants nothing for it');
  return statements(key, resources);
}

/** Functions a rule of events/rules.ts invokes: asynchronously, with the on-failure destination. */
export const isAsyncSubscriber = (key: FunctionKey): boolean =>
  RULES.some((rule) => rule.targets.some((target) => target.kind === 'lambda' && target.functionName === FUNCTIONS[key].name));

/**
 * What Lambda needs of the execution role to send an invocation record to an SQS on-failure
 * destination: `sqs:SendMessage` alone (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
 */
export const onFailureDestinationStatement = (queueArn: string): IdentityStatement => allow(['sqs:SendMessage'], [queueArn]);

/**
 * A function's whole identity policy apart from its logs and traces (CloudWatch Logs and X-Ray,
 * which have no local service): the statements of every variable its catalog entry declares, and
 * for a subscriber its on-failure destination.
 */
export function functionPolicy(
  key: FunctionKey,
  resources: FunctionPolicyResources & {
    /** The subscribers' on-failure destination (events/async-invocation.ts ASYNC_FAILURE_QUEUE). */
    readonly asyncFailureQueueArn: string;
  },
): IdentityPolicy {
  const variables = FUNCTIONS[key].environment.flatMap((variable: EnvironmentName) => variableStatements(key, variable, resources));
  return policyOf(isAsyncSubscriber(key) ? [...variables, onFailureDestinationStatement(resources.asyncFailureQueueArn)] : variables);
}
