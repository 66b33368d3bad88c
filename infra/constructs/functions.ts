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
import { checkedInvitationTtlDays, INVITATION_LIMITS } from '../../domain/limits';
import { type EnvironmentName, type FunctionDefinition, type FunctionKey, FUNCTIONS, USER_POOL_TRIGGERS as CATALOG_TRIGGERS, type UserPoolTrigger } from '../../handlers/catalog';
import { serializeAllowedOrigins } from '../../handlers/api/cors';
import type { WorkflowKey } from '../../workflows/registry';
import { LAMBDA_BUNDLE, LAMBDA_ENVIRONMENT } from '../bundling';
import { type FunctionPolicyResources, STATE_MACHINE_VARIABLES, UnboundEnvironmentError, variableStatements } from '../policies/function-policies';
import { physicalName } from '../naming';
import { PROJECT_ROOT } from '../project';
import { allowedOriginsOf } from './api';

/**
 * `bundled` is what deploys: each entry bundled by the local esbuild. `placeholder` puts a stub
 * handler in the template instead, for tests that assert on everything but the code (bundling
 * eight functions costs seconds per synth).
 */
export type FunctionCodeMode = 'bundled' | 'placeholder';

export { TABLE_ACCESS, UnboundEnvironmentError, USER_POOL_ACCESS } from '../policies/function-policies';

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

const TRIGGER_OPERATIONS: Record<UserPoolTrigger, UserPoolOperation> = { PostConfirmation: UserPoolOperation.POST_CONFIRMATION };

/** The user pool operation each trigger of handlers/catalog.ts's USER_POOL_TRIGGERS is wired to. */
export const USER_POOL_TRIGGERS: Partial<Record<FunctionKey, UserPoolOperation>> = Object.fromEntries(
  Object.entries(CATALOG_TRIGGERS).map(([key, trigger]) => [key, TRIGGER_OPERATIONS[trigger]]),
);

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

/** The ARNs the pure builder's statements name, as this stack's tokens. */
function policyResources(fn: LambdaFunction, resources: BindingResources): FunctionPolicyResources {
  const { table, eventBus, stateMachines, identity } = resources;
  const stateMachineArns = Object.fromEntries(Object.entries(stateMachines).map(([key, machine]) => [key, machine.stateMachineArn])) as Record<WorkflowKey, string>;
  return {
    tableArn: table.tableArn,
    eventBusArn: eventBus.eventBusArn,
    stateMachineArns,
    ...(identity
      ? {
          identity: {
            userPoolArn: identity.userPool.userPoolArn,
            identityPoolArn: Stack.of(fn).formatArn({ service: 'cognito-identity', resource: 'identitypool', resourceName: identity.identityPoolId }),
          },
        }
      : {}),
  };
}

type Binding = (fn: LambdaFunction, resources: BindingResources) => string;

// Each variable's value; its permission is infra/policies/function-policies.ts's, which the local cloud enforces too.
const BINDINGS: Record<EnvironmentName, Binding> = {
  TABLE_NAME: (_fn, { table }) => table.tableName,
  EVENT_BUS_NAME: (_fn, { eventBus }) => eventBus.eventBusName,
  USER_POOL_ID: (fn, resources) => requireIdentity(fn, 'USER_POOL_ID', resources).userPool.userPoolId,
  USER_POOL_ISSUER: (fn, resources) => requireIdentity(fn, 'USER_POOL_ISSUER', resources).userPool.userPoolProviderUrl,
  USER_POOL_CLIENT_ID: (fn, resources) => requireIdentity(fn, 'USER_POOL_CLIENT_ID', resources).userPoolClient.userPoolClientId,
  IDENTITY_POOL_ID: (fn, resources) => requireIdentity(fn, 'IDENTITY_POOL_ID', resources).identityPoolId,
  ONBOARDING_STATE_MACHINE_ARN: (_fn, { stateMachines }) => stateMachines[STATE_MACHINE_VARIABLES.ONBOARDING_STATE_MACHINE_ARN].stateMachineArn,
  SWITCHING_STATE_MACHINE_ARN: (_fn, { stateMachines }) => stateMachines[STATE_MACHINE_VARIABLES.SWITCHING_STATE_MACHINE_ARN].stateMachineArn,
  ADD_MEMBER_STATE_MACHINE_ARN: (_fn, { stateMachines }) => stateMachines[STATE_MACHINE_VARIABLES.ADD_MEMBER_STATE_MACHINE_ARN].stateMachineArn,
  REMOVE_MEMBER_STATE_MACHINE_ARN: (_fn, { stateMachines }) => stateMachines[STATE_MACHINE_VARIABLES.REMOVE_MEMBER_STATE_MACHINE_ARN].stateMachineArn,
  // A setting: no permission goes with it.
  INVITATION_TTL_DAYS: (_fn, { settings }) => String(checkedInvitationTtlDays(settings?.invitationTtlDays ?? INVITATION_LIMITS.defaultTtlDays)),
  // A setting: no permission goes with it. The same context value the API's OPTIONS methods and
  // gateway responses are built from, so a function never allows an origin the gateway does not.
  CORS_ALLOWED_ORIGINS: (fn) => serializeAllowedOrigins(allowedOriginsOf(fn)),
};

/** Sets `name` on `fn` and grants the permission its value implies; the one way a catalog variable is set. */
export function bindEnvironment(fn: LambdaFunction, key: FunctionKey, name: EnvironmentName, resources: BindingResources): void {
  const binding: Binding | undefined = (BINDINGS as Partial<Record<string, Binding>>)[name];
  if (!binding) throw new UnboundEnvironmentError(fn.node.id, name, 'no binding exists for it in infra/constructs/functions.ts');
  fn.addEnvironment(name, binding(fn, resources));
  for (const statement of variableStatements(key, name, policyResources(fn, resources))) fn.addToRolePolicy(PolicyStatement.fromJson(statement));
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
      environment: { ...LAMBDA_ENVIRONMENT },
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
