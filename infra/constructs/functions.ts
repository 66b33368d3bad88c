import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { type IUserPoolClient, type UserPool, UserPoolOperation } from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, type FunctionProps, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ANY_USER_IDEMPOTENCY_PARTITION, KEY_PREFIX } from '../../domain/keys';
import { checkedInvitationTtlDays, INVITATION_LIMITS } from '../../domain/limits';
import { USER_INDEX } from '../../domain/table';
import { type EnvironmentName, type FunctionDefinition, type FunctionKey, FUNCTIONS } from '../../handlers/catalog';
import { serializeAllowedOrigins } from '../../handlers/api/cors';
import type { WorkflowKey } from '../../workflows/registry';
import { LAMBDA_BUNDLE } from '../bundling';
import { physicalName } from '../naming';
import { PROJECT_ROOT } from '../project';
import { allowedOriginsOf } from './api';

/**
 * `bundled` is what deploys: each entry bundled by the local esbuild. `placeholder` puts a stub
 * handler in the template instead, for tests that assert on everything but the code (bundling
 * eight functions costs seconds per synth).
 */
export type FunctionCodeMode = 'bundled' | 'placeholder';

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

/** Without esbuild, NodejsFunction silently falls back to Docker, which this project does not use. */
export class EsbuildNotFoundError extends Error {
  constructor(readonly projectRoot: string) {
    super(`esbuild is not installed under ${projectRoot}: run npm ci (bundling never uses Docker here)`);
    this.name = 'EsbuildNotFoundError';
  }
}

export class MissingFunctionEntryError extends Error {
  constructor(
    readonly functionName: string,
    readonly entry: string,
  ) {
    super(`${functionName}: entry ${entry} (handlers/catalog.ts) does not exist`);
    this.name = 'MissingFunctionEntryError';
  }
}

/** Identity resources a function may be bound to; withheld from user pool triggers (see `USER_POOL_TRIGGERS`). */
export interface IdentityResources {
  readonly userPool: UserPool;
  readonly userPoolClient: IUserPoolClient;
  readonly identityPoolId: string;
}

export interface BindingResources {
  readonly table: ITableV2;
  readonly eventBus: IEventBus;
  readonly stateMachines: Record<WorkflowKey, IStateMachine>;
  readonly identity?: IdentityResources;
  /** Settings the stack passes on (each defaults as domain/limits.ts says). */
  readonly settings?: { readonly invitationTtlDays?: number };
}

type DynamoDbAction = 'GetItem' | 'BatchGetItem' | 'Query' | 'Scan' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';
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

/**
 * Functions Cognito invokes as user pool triggers. The pool's LambdaConfig references such a
 * function, so the function must not reference the pool (or its client or identity pool) back:
 * CloudFormation would see a cycle. A trigger reads the pool id from `event.userPoolId` instead.
 */
export const USER_POOL_TRIGGERS: Partial<Record<FunctionKey, UserPoolOperation>> = {
  postConfirmation: UserPoolOperation.POST_CONFIRMATION,
};

const STATE_MACHINE_VARIABLES = {
  ONBOARDING_STATE_MACHINE_ARN: 'onboarding',
  SWITCHING_STATE_MACHINE_ARN: 'switching',
  ADD_MEMBER_STATE_MACHINE_ARN: 'addMember',
  REMOVE_MEMBER_STATE_MACHINE_ARN: 'removeMember',
} as const satisfies Partial<Record<EnvironmentName, WorkflowKey>>;

const dynamodb = (actions: readonly DynamoDbAction[]) => actions.map((action) => `dynamodb:${action}`);

function grantTable(fn: LambdaFunction, key: FunctionKey, table: ITableV2): void {
  const access: TableAccess | undefined = (TABLE_ACCESS as Partial<Record<FunctionKey, TableAccess>>)[key];
  if (!access) throw new UnboundEnvironmentError(fn.node.id, 'TABLE_NAME', 'no entry in TABLE_ACCESS says what it may do');
  if (access.items.length > 0) {
    fn.addToRolePolicy(new PolicyStatement({ actions: dynamodb(access.items), resources: [table.tableArn] }));
  }
  for (const grant of access.partitions ?? []) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: dynamodb(grant.actions),
        resources: [table.tableArn],
        // The Null guard: without it, a request naming no key would satisfy ForAllValues.
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...grant.leadingKeys] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
      }),
    );
  }
  if (access.userIndex && access.userIndex.length > 0) {
    fn.addToRolePolicy(
      new PolicyStatement({ actions: dynamodb(access.userIndex), resources: [`${table.tableArn}/index/${USER_INDEX.indexName}`] }),
    );
  }
}

function requireIdentity(fn: LambdaFunction, name: EnvironmentName, resources: BindingResources): IdentityResources {
  if (!resources.identity) {
    throw new UnboundEnvironmentError(
      fn.node.id,
      name,
      'it is a user pool trigger, and a reference to the identity resources would make a dependency cycle (read event.userPoolId)',
    );
  }
  return resources.identity;
}

type Binding = (fn: LambdaFunction, key: FunctionKey, resources: BindingResources) => string;

const stateMachineBinding =
  (workflow: WorkflowKey): Binding =>
  (fn, _key, { stateMachines }) => {
    stateMachines[workflow].grantStartSyncExecution(fn);
    return stateMachines[workflow].stateMachineArn;
  };

/**
 * The identity pool's id comes with the one call that needs a signature: minting an OpenID token
 * for a developer identity. GetCredentialsForIdentity is an unauthenticated API and needs nothing.
 */
const identityPoolBinding: Binding = (fn, _key, resources) => {
  const { identityPoolId } = requireIdentity(fn, 'IDENTITY_POOL_ID', resources);
  const identityPoolArn = Stack.of(fn).formatArn({ service: 'cognito-identity', resource: 'identitypool', resourceName: identityPoolId });
  fn.addToRolePolicy(new PolicyStatement({ actions: ['cognito-identity:GetOpenIdTokenForDeveloperIdentity'], resources: [identityPoolArn] }));
  return identityPoolId;
};

// Each variable's value and the permission that goes with it. Cognito's InitiateAuth (refresh) is
// an unauthenticated API: the user pool variables grant nothing.
const BINDINGS: Record<EnvironmentName, Binding> = {
  TABLE_NAME: (fn, key, { table }) => {
    grantTable(fn, key, table);
    return table.tableName;
  },
  EVENT_BUS_NAME: (fn, _key, { eventBus }) => {
    eventBus.grantPutEventsTo(fn);
    return eventBus.eventBusName;
  },
  USER_POOL_ID: (fn, key, resources) => {
    const { userPool } = requireIdentity(fn, 'USER_POOL_ID', resources);
    const actions: readonly string[] | undefined = (USER_POOL_ACCESS as Partial<Record<FunctionKey, readonly string[]>>)[key];
    if (!actions) throw new UnboundEnvironmentError(fn.node.id, 'USER_POOL_ID', 'no entry in USER_POOL_ACCESS says what it may do');
    if (actions.length > 0) fn.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources: [userPool.userPoolArn] }));
    return userPool.userPoolId;
  },
  USER_POOL_ISSUER: (fn, _key, resources) => requireIdentity(fn, 'USER_POOL_ISSUER', resources).userPool.userPoolProviderUrl,
  USER_POOL_CLIENT_ID: (fn, _key, resources) =>
    requireIdentity(fn, 'USER_POOL_CLIENT_ID', resources).userPoolClient.userPoolClientId,
  IDENTITY_POOL_ID: identityPoolBinding,
  ONBOARDING_STATE_MACHINE_ARN: stateMachineBinding(STATE_MACHINE_VARIABLES.ONBOARDING_STATE_MACHINE_ARN),
  SWITCHING_STATE_MACHINE_ARN: stateMachineBinding(STATE_MACHINE_VARIABLES.SWITCHING_STATE_MACHINE_ARN),
  ADD_MEMBER_STATE_MACHINE_ARN: stateMachineBinding(STATE_MACHINE_VARIABLES.ADD_MEMBER_STATE_MACHINE_ARN),
  REMOVE_MEMBER_STATE_MACHINE_ARN: stateMachineBinding(STATE_MACHINE_VARIABLES.REMOVE_MEMBER_STATE_MACHINE_ARN),
  // A setting: no permission goes with it.
  INVITATION_TTL_DAYS: (_fn, _key, { settings }) => String(checkedInvitationTtlDays(settings?.invitationTtlDays ?? INVITATION_LIMITS.defaultTtlDays)),
  // A setting: no permission goes with it. The same context value the API's OPTIONS methods and
  // gateway responses are built from, so a function never allows an origin the gateway does not.
  CORS_ALLOWED_ORIGINS: (fn) => serializeAllowedOrigins(allowedOriginsOf(fn)),
};

/** Sets `name` on `fn` and grants the permission its value implies; the one way a catalog variable is set. */
export function bindEnvironment(fn: LambdaFunction, key: FunctionKey, name: EnvironmentName, resources: BindingResources): void {
  const binding: Binding | undefined = (BINDINGS as Partial<Record<string, Binding>>)[name];
  if (!binding) throw new UnboundEnvironmentError(fn.node.id, name, 'no binding exists for it in infra/constructs/functions.ts');
  fn.addEnvironment(name, binding(fn, key, resources));
}

function assertEsbuildInstalled(): void {
  try {
    createRequire(path.join(PROJECT_ROOT, 'package.json')).resolve('esbuild/package.json');
  } catch {
    throw new EsbuildNotFoundError(PROJECT_ROOT);
  }
}

export const ESM_REQUIRE_BANNER = LAMBDA_BUNDLE.banner;

export interface CatalogFunctionProps {
  readonly definition: FunctionDefinition;
  readonly code: FunctionCodeMode;
  readonly retainLogs: boolean;
}

/** One function of handlers/catalog.ts, with its own role and log group and nothing granted yet. */
export class CatalogFunction extends Construct {
  readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, props: CatalogFunctionProps) {
    super(scope, id);
    const { definition } = props;
    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // Its own role instead of the default one with AWSLambdaBasicExecutionRole, which may write any log group.
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);

    const common = {
      functionName: physicalName(this, 'lambdaFunction', definition.name),
      description: `${definition.name} (${definition.entry})`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: Duration.seconds(definition.timeoutSeconds),
      memorySize: definition.memoryMb,
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      // Stack traces point into the TypeScript sources, not the minified bundle.
      environment: { NODE_OPTIONS: '--enable-source-maps' },
    } satisfies Partial<FunctionProps>;

    if (props.code === 'placeholder') {
      this.function = new LambdaFunction(this, 'Function', {
        ...common,
        handler: 'index.handler',
        code: Code.fromInline(`exports.handler = async () => { throw new Error('${definition.name} is a placeholder'); };`),
      });
    } else {
      const entry = path.join(PROJECT_ROOT, definition.entry);
      if (!existsSync(entry)) throw new MissingFunctionEntryError(definition.name, definition.entry);
      assertEsbuildInstalled();
      this.function = new NodejsFunction(this, 'Function', {
        ...common,
        entry,
        handler: 'handler',
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
        bundling: {
          forceDockerBundling: false,
          format: OutputFormat.ESM,
          target: LAMBDA_BUNDLE.target,
          minify: LAMBDA_BUNDLE.minify,
          sourceMap: true,
          sourcesContent: false,
          mainFields: [...LAMBDA_BUNDLE.mainFields],
          banner: ESM_REQUIRE_BANNER,
          // The SDK is bundled, not taken from the runtime: the deployed code runs the versions
          // package-lock.json pins and the local cloud tests.
          externalModules: [],
          // esbuild's per-file size report drowns `cdk synth --quiet`; warnings and errors still show.
          logLevel: LogLevel.WARNING,
        },
      });
    }

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which X-Ray grants on * only.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the design fixes for every bundle (DESIGN.md §8, esbuild target node22); moving to a ' +
        'newer runtime is a deliberate change of that budget, not a drift cdk-nag should trigger.',
    });
  }
}

export interface FunctionsProps {
  readonly code: FunctionCodeMode;
  readonly retainLogs: boolean;
  readonly resources: Omit<BindingResources, 'identity'> & { readonly identity: IdentityResources };
}

/** Every function of handlers/catalog.ts, its variables bound, user pool triggers wired. */
export class ControlPlaneFunctions extends Construct {
  readonly functions: Record<FunctionKey, LambdaFunction>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const create = (key: FunctionKey): [FunctionKey, LambdaFunction] => {
      const definition: FunctionDefinition = FUNCTIONS[key];
      const fn = new CatalogFunction(this, definition.name, { definition, code: props.code, retainLogs: props.retainLogs }).function;
      const trigger = USER_POOL_TRIGGERS[key];
      const resources: BindingResources = trigger ? { ...props.resources, identity: undefined } : props.resources;
      for (const name of definition.environment) bindEnvironment(fn, key, name, resources);
      if (trigger) props.resources.identity.userPool.addTrigger(trigger, fn);
      return [key, fn];
    };
    this.functions = Object.fromEntries((Object.keys(FUNCTIONS) as FunctionKey[]).map(create)) as Record<FunctionKey, LambdaFunction>;
  }

  /** The function a route or rule target names (catalog `name`), or undefined. */
  byName(name: string): LambdaFunction | undefined {
    const key = (Object.keys(FUNCTIONS) as FunctionKey[]).find((candidate) => FUNCTIONS[candidate].name === name);
    return key === undefined ? undefined : this.functions[key];
  }
}
