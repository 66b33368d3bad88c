import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TABLE_DEFINITION } from '../../domain/table';
import { settingSubstitutions, WORKFLOWS, type WorkflowDefinition, type WorkflowKey, type WorkflowPlaceholder } from '../../workflows/registry';
import { taskPermissions, type TaskTarget } from '../asl-permissions';
import { PROJECT_ROOT } from '../project';

export interface WorkflowsProps {
  readonly table: ITableV2;
  readonly eventBus: IEventBus;
  readonly userPool: IUserPool;
  /**
   * Tenants one user may create, from 1 to the 100 a user may belong to.
   * @default TENANT_LIMITS.maxTenantsPerUser (domain/limits.ts)
   */
  readonly maxTenantsPerUser?: number;
}

/** `${Name}` in an ASL file that the registry does not list: it would deploy verbatim. */
export class UndeclaredPlaceholderError extends Error {
  constructor(
    readonly workflow: string,
    readonly placeholders: readonly string[],
  ) {
    super(`${workflow}: placeholders not declared in workflows/registry.ts: ${placeholders.map((name) => `\${${name}}`).join(', ')}`);
    this.name = 'UndeclaredPlaceholderError';
  }
}

/** An ASL file whose own TimeoutSeconds contradicts the registry, which both runtimes read. */
export class ConflictingTimeoutError extends Error {
  constructor(
    readonly workflow: string,
    readonly inFile: unknown,
    readonly inRegistry: number,
  ) {
    super(`${workflow}: the ASL sets TimeoutSeconds ${String(inFile)}, the registry ${inRegistry}`);
    this.name = 'ConflictingTimeoutError';
  }
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/**
 * The ASL as deployed: placeholders left for CloudFormation's DefinitionSubstitutions, and the
 * registry's timeout written in, since CDK applies `timeout` only to definitions it builds itself.
 */
export function deployedDefinition(workflow: WorkflowDefinition, asl: string): Record<string, unknown> {
  const declared: readonly string[] = workflow.placeholders;
  const undeclared = [...new Set([...asl.matchAll(PLACEHOLDER)].map(([, name = '']) => name))].filter(
    (name) => !declared.includes(name),
  );
  if (undeclared.length > 0) throw new UndeclaredPlaceholderError(workflow.name, undeclared);

  const definition = JSON.parse(asl) as Record<string, unknown>;
  if (definition.TimeoutSeconds !== undefined && definition.TimeoutSeconds !== workflow.timeoutSeconds) {
    throw new ConflictingTimeoutError(workflow.name, definition.TimeoutSeconds, workflow.timeoutSeconds);
  }
  return { ...definition, TimeoutSeconds: workflow.timeoutSeconds };
}

/**
 * The Express state machines of workflows/registry.ts, one per ASL file. Each role gets exactly
 * the actions its ASL's tasks call (infra/asl-permissions.ts), on the one table, pool and bus.
 */
export class ControlPlaneWorkflows extends Construct {
  readonly stateMachines: Record<WorkflowKey, StateMachine>;

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    const substitutions: Record<WorkflowPlaceholder, string> = {
      TableName: props.table.tableName,
      EventBusName: props.eventBus.eventBusName,
      UserPoolId: props.userPool.userPoolId,
      ...settingSubstitutions({ maxTenantsPerUser: props.maxTenantsPerUser }),
    };
    const arns: Record<TaskTarget, string[]> = {
      table: [props.table.tableArn],
      // Named, not `index/*`: a machine reads only the indexes the shared table definition has.
      tableIndex: TABLE_DEFINITION.globalSecondaryIndexes.map((index) => `${props.table.tableArn}/index/${index.indexName}`),
      userPool: [props.userPool.userPoolArn],
      eventBus: [props.eventBus.eventBusArn],
    };

    const machine = (key: WorkflowKey): StateMachine => {
      const workflow: WorkflowDefinition = WORKFLOWS[key];
      const definition = deployedDefinition(workflow, readFileSync(path.join(PROJECT_ROOT, workflow.aslFile), 'utf8'));

      const logGroup = new LogGroup(this, `${workflow.name}Logs`, {
        // The vendedlogs prefix keeps CloudWatch's resource policy for Step Functions under its size limit.
        logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${workflow.name}`,
        retention: RetentionDays.ONE_MONTH,
        // A retained group with a fixed name would make re-creating the stack fail; these logs hold no execution data.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const stateMachine = new StateMachine(this, workflow.name, {
        stateMachineType: StateMachineType.EXPRESS,
        // Inline (not fromFile, an S3 asset) so that the template carries the definition to assert on.
        definitionBody: DefinitionBody.fromString(JSON.stringify(definition)),
        definitionSubstitutions: Object.fromEntries(workflow.placeholders.map((name) => [name, substitutions[name]])),
        // ALL shows every step, and without execution data no token or email reaches the logs.
        logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
        tracingEnabled: true,
      });

      const permissions = taskPermissions(definition);
      for (const target of Object.keys(permissions) as TaskTarget[]) {
        if (permissions[target].length > 0) {
          stateMachine.addToRolePolicy(new PolicyStatement({ actions: permissions[target], resources: arns[target] }));
        }
      }
      Validations.of(stateMachine.role).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'Step Functions log delivery (logs:CreateLogDelivery and friends) and X-Ray (xray:PutTraceSegments) accept ' +
            'no resource narrower than *; every task action is scoped to the table, the user pool or the bus.',
        },
      );
      return stateMachine;
    };

    this.stateMachines = Object.fromEntries(
      (Object.keys(WORKFLOWS) as WorkflowKey[]).map((key) => [key, machine(key)]),
    ) as Record<WorkflowKey, StateMachine>;
  }

  /** The machine a rule target names (registry `name`), or undefined. */
  byName(name: string): StateMachine | undefined {
    const key = (Object.keys(WORKFLOWS) as WorkflowKey[]).find((candidate) => WORKFLOWS[candidate].name === name);
    return key === undefined ? undefined : this.stateMachines[key];
  }
}
