import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { settingSubstitutions, WORKFLOWS, type WorkflowDefinition, type WorkflowKey, type WorkflowPlaceholder } from '../../workflows/registry';
import { renderDefinition } from '../../workflows/render';
import { stateMachinePolicy } from '../policies/state-machine-policies';
import { physicalName } from '../naming';

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

/**
 * The Express state machines of workflows/registry.ts, one per rendered definition. Each role gets
 * exactly the actions its ASL's tasks call (infra/policies/state-machine-policies.ts, which the local cloud enforces too).
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
    const policyResources = { tableArn: props.table.tableArn, userPoolArn: props.userPool.userPoolArn, eventBusArn: props.eventBus.eventBusArn };

    const machine = (key: WorkflowKey): StateMachine => {
      const workflow: WorkflowDefinition = WORKFLOWS[key];
      // The same rendering the local cloud runs: the registry's timeout is in it, since CDK applies
      // `timeout` only to definitions it builds itself. Placeholders stay for DefinitionSubstitutions.
      const asl = renderDefinition(key);
      const definition: unknown = JSON.parse(asl);

      const logGroup = new LogGroup(this, `${workflow.name}Logs`, {
        // The vendedlogs prefix keeps CloudWatch's resource policy for Step Functions under its size limit.
        logGroupName: `/aws/vendedlogs/states/${physicalName(this, 'logGroup', workflow.name)}`,
        retention: RetentionDays.ONE_MONTH,
        // A retained group with a fixed name would make re-creating the stack fail. These logs hold
        // execution data (ids, emails, tenant names: never a token) for 30 days; they are a debugging
        // aid, not the record: the audit trail is the table's.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const stateMachine = new StateMachine(this, workflow.name, {
        // `<stack>-<registry name>`: the stage's own machine; rules and the local cloud know it by the registry name.
        stateMachineName: physicalName(this, 'stateMachine', workflow.name),
        stateMachineType: StateMachineType.EXPRESS,
        // Inline (not fromFile, an S3 asset) so that the template carries the definition to assert on.
        definitionBody: DefinitionBody.fromString(asl),
        definitionSubstitutions: Object.fromEntries(workflow.placeholders.map((name) => [name, substitutions[name]])),
        // ALL with execution data: an Express run keeps no history of its own, so these logs are what
        // the Step Functions console shows as its steps' inputs and outputs. No token ever enters an
        // execution (the callers pass ids and names only: workflows/registry.ts's input types), which
        // test/local/control-plane-flows.test.ts proves against every run's history.
        logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
        tracingEnabled: true,
      });

      for (const statement of stateMachinePolicy(definition, policyResources).Statement) {
        stateMachine.addToRolePolicy(PolicyStatement.fromJson(statement));
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
