import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ASYNC_FAILURE_QUEUE } from '../events/async-invocation';
import { RULES } from '../events/rules';
import { ROUTES } from '../handlers/api/routes';
import type { SesEmailSettings } from './context';
import { ApiGatewayAccountSettings } from './constructs/account';
import { ControlPlaneAlarms } from './constructs/alarms';
import { ControlPlaneApi } from './constructs/api';
import { TenantData } from './constructs/data';
import { ControlPlaneEvents } from './constructs/events';
import { ControlPlaneFunctions, type FunctionCodeMode } from './constructs/functions';
import { TenantIdentity } from './constructs/identity';
import { ReconcilerSchedule } from './constructs/reconciler';
import { ControlPlaneWorkflows } from './constructs/workflows';

export interface ControlPlaneStackProps extends StackProps {
  /**
   * Retain and deletion-protect the table and the user pool, which hold every tenant's data and
   * users (and keep logs, archive and dead letters). Turn off only for throw-away stacks.
   * @default true
   */
  readonly retainData?: boolean;
  /**
   * `placeholder` skips bundling for tests that assert on the template, not on the code.
   * @default 'bundled'
   */
  readonly functionCode?: FunctionCodeMode;
  /**
   * Tenants one user may create (`cdk deploy -c maxTenantsPerUser=25`).
   * @default TENANT_LIMITS.maxTenantsPerUser (domain/limits.ts)
   */
  readonly maxTenantsPerUser?: number;
  /**
   * Days an invitation stays claimable (`cdk deploy -c invitationTtlDays=14`), 1 to 30.
   * @default INVITATION_LIMITS.defaultTtlDays (domain/limits.ts): 7
   */
  readonly invitationTtlDays?: number;
  /**
   * Set API Gateway's account-level CloudWatch Logs role in this stack (`-c apiGatewayAccountRole=true`),
   * for an account and Region that never had one: the API stage's access logging needs it. One
   * setting per account and Region, shared by every API there (infra/constructs/account.ts).
   * @default false
   */
  readonly apiGatewayAccountRole?: boolean;
  /**
   * Send the user pool's email through Amazon SES (`-c sesFromEmail=…`, infra/context.ts).
   * @default Cognito's own email sender
   */
  readonly sesEmail?: SesEmailSettings;
}

/** The deployed control plane. Output names are those of `.local/outputs.json` (API.md). */
export class ControlPlaneStack extends Stack {
  readonly data: TenantData;
  readonly identity: TenantIdentity;
  readonly events: ControlPlaneEvents;
  readonly workflows: ControlPlaneWorkflows;
  readonly functions: ControlPlaneFunctions;
  readonly api: ControlPlaneApi;
  readonly reconciler: ReconcilerSchedule;
  readonly accountSettings: ApiGatewayAccountSettings | undefined;
  readonly alarms: ControlPlaneAlarms;

  constructor(scope: Construct, id: string, props: ControlPlaneStackProps = {}) {
    super(scope, id, props);
    const retainData = props.retainData ?? true;

    this.data = new TenantData(this, 'Data', { retainData });
    this.identity = new TenantIdentity(this, 'Identity', {
      tableArn: this.data.table.tableArn,
      retainData,
      ...(props.sesEmail === undefined ? {} : { sesEmail: props.sesEmail }),
    });
    this.events = new ControlPlaneEvents(this, 'Events', { retainData });
    this.workflows = new ControlPlaneWorkflows(this, 'Workflows', {
      table: this.data.table,
      eventBus: this.events.bus,
      userPool: this.identity.userPool,
      ...(props.maxTenantsPerUser === undefined ? {} : { maxTenantsPerUser: props.maxTenantsPerUser }),
    });
    this.functions = new ControlPlaneFunctions(this, 'Functions', {
      code: props.functionCode ?? 'bundled',
      retainLogs: retainData,
      resources: {
        table: this.data.table,
        eventBus: this.events.bus,
        stateMachines: this.workflows.stateMachines,
        settings: { ...(props.invitationTtlDays === undefined ? {} : { invitationTtlDays: props.invitationTtlDays }) },
        identity: {
          userPool: this.identity.userPool,
          userPoolClient: this.identity.userPoolClient,
          identityPoolId: this.identity.identityPool.ref,
        },
      },
    });
    this.events.addRules(RULES, {
      lambda: (name) => this.functions.byName(name),
      stateMachine: (name) => this.workflows.byName(name),
    });
    this.api = new ControlPlaneApi(this, 'Api', {
      routes: ROUTES,
      functionNamed: (name) => this.functions.byName(name),
      retainLogs: retainData,
    });
    this.reconciler = new ReconcilerSchedule(this, 'Reconciler', { function: this.functions.functions.reconciler });

    this.accountSettings = props.apiGatewayAccountRole ? new ApiGatewayAccountSettings(this, 'AccountSettings') : undefined;
    // The stage turns access logging on: it must wait until the account has the role.
    if (this.accountSettings) this.api.restApi.deploymentStage.node.addDependency(this.accountSettings.account);

    this.alarms = new ControlPlaneAlarms(this, 'Alarms', {
      functions: this.functions.functions,
      stateMachines: this.workflows.stateMachines,
      apiStage: this.api.restApi.deploymentStage,
      table: this.data.table,
      userPool: this.identity.userPool,
      userPoolClient: this.identity.userPoolClient,
      deadLetterQueue: this.events.deadLetterQueue,
      existingAlarms: [this.events.asyncFailureAlarm],
    });

    const outputs: Record<string, string> = {
      region: this.region,
      apiUrl: this.api.url,
      userPoolId: this.identity.userPool.userPoolId,
      userPoolClientId: this.identity.userPoolClient.userPoolClientId,
      identityPoolId: this.identity.identityPool.ref,
      tableName: this.data.table.tableName,
      eventBusName: this.events.bus.eventBusName,
      // CloudFormation outputs are strings: API.md's `stateMachines` object is this output's JSON,
      // under the same name, so a client reads either runtime's outputs with one JSON.parse more.
      stateMachines: this.toJsonString(
        Object.fromEntries(Object.entries(this.workflows.stateMachines).map(([key, machine]) => [key, machine.stateMachineArn])),
      ),
      // What `npm run reconcile` invokes.
      reconcilerFunctionName: this.functions.functions.reconciler.functionName,
      // Deployed only: where the alarms notify (subscribe to it).
      alarmTopicArn: this.alarms.topic.topicArn,
      // In both runtimes' outputs: the subscribers' failed events, which `npm run redrive` re-delivers.
      [ASYNC_FAILURE_QUEUE.urlOutput]: this.events.asyncFailureQueue.queueUrl,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }
}
