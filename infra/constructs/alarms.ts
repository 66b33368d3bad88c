import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, type IMetric, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TABLE_DEFINITION } from '../../domain/table';
import { RULES } from '../../events/rules';
import { AUTHORIZER, ROUTES } from '../../handlers/api/routes';
import { type FunctionDefinition, type FunctionKey, FUNCTIONS } from '../../handlers/catalog';
import { WORKFLOWS, type WorkflowKey } from '../../workflows/registry';
import { physicalName } from '../naming';
import { USER_POOL_TRIGGERS } from './functions';

/**
 * When each alarm fires. One place, so the tests and the README read the same numbers.
 * Periods are 5 minutes unless said: Cognito publishes its metrics at 5-minute intervals
 * ("Tracking quotas and usage in CloudWatch and Service Quotas", Amazon Cognito Developer Guide).
 */
export const ALARM_THRESHOLDS = {
  /** A function's errors as a share of its invocations, once at least `minErrors` failed in the period. */
  functionErrors: { minErrors: 3, percent: 5 },
  /**
   * The authorizer answers every refused token (401) by throwing "Unauthorized", which Lambda
   * counts as an error: refusals are normal (expired tokens), so only a larger share is news.
   */
  authorizerErrors: { minErrors: 20, percent: 25 },
  /** Failed runs as a share of started ones, once at least `minFailed` failed. Refusals are failed runs too (see the description). */
  executionsFailed: { minFailed: 5, percent: 25 },
  /** API 5XXError's Average is the share of requests answered 5xx; over it in 3 of 5 one-minute periods. */
  apiServerErrors: { fraction: 0.05, datapointsToAlarm: 3, evaluationPeriods: 5 },
  /**
   * p99 Latency in ms, over it in 2 of 3 periods. API Gateway ends an integration at 29 s with a
   * 504 (its default integration timeout, "Amazon API Gateway quotas"); the slowest routes run a
   * workflow whose limit is up to 25 s (workflows/registry.ts), so a p99 of 20 s nears both.
   */
  apiLatencyP99: { milliseconds: 20_000, datapointsToAlarm: 2, evaluationPeriods: 3 },
  /** Throttled DynamoDB events in 3 of 5 one-minute periods: past what the SDK's retries absorb. */
  tableThrottles: { datapointsToAlarm: 3, evaluationPeriods: 5 },
} as const;

const PERIOD = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);

export interface AlarmsProps {
  readonly functions: Readonly<Record<FunctionKey, IFunction>>;
  readonly stateMachines: Readonly<Record<WorkflowKey, IStateMachine>>;
  readonly apiStage: Stage;
  readonly table: ITableV2;
  readonly userPool: IUserPool;
  readonly userPoolClient: IUserPoolClient;
  readonly deadLetterQueue: IQueue;
  /** Alarms made elsewhere (the async-failure queue's, infra/constructs/events.ts) that notify the topic too. */
  readonly existingAlarms: readonly Alarm[];
}

interface AlarmSpec {
  readonly metric: IMetric;
  readonly threshold: number;
  readonly description: string;
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
}

/** What a function's errors mean for its callers, from the catalogs that wire it (not a list kept by hand). */
function errorImpact(key: FunctionKey, definition: FunctionDefinition): string {
  if (definition.name === AUTHORIZER.functionName) {
    return 'A refused token counts as an error (401); a burst of refusals (a client looping on an expired token, or someone probing) raises this too. Other errors are 500s for every route.';
  }
  if (USER_POOL_TRIGGERS[key]) return "Cognito fails the user's sign-up confirmation while this trigger fails.";
  if (RULES.some((rule) => rule.targets.some((target) => target.kind === 'lambda' && target.functionName === definition.name))) {
    return 'Lambda retries each event twice, then its record goes to the async-failure queue (its own alarm).';
  }
  if (ROUTES.some((route) => route.functionName === definition.name)) return 'Each error is a 500 answer to a caller.';
  return 'Its callers see the failure.';
}

/**
 * The stage's alarms and the SNS topic they notify (output `alarmTopicArn`; subscribe to it, README
 * "Alarms"): the failure queues, every function of handlers/catalog.ts, every state machine of
 * workflows/registry.ts, the API stage, the table and the user pool. Each alarm's description says
 * what it means and where to look. Missing data is not breaching: these metrics are only published
 * while there is traffic, and no traffic is not a failure.
 */
export class ControlPlaneAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms = new Map<string, Alarm>();
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = this.encryptedTopic();
    this.action = new SnsAction(this.topic);
    for (const alarm of props.existingAlarms) this.notify(alarm);

    this.add('DeadLetters', ['DeadLetters'], {
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: 'Maximum' }),
      threshold: 0,
      description:
        'EventBridge could not hand an event to a rule target (a state machine or a function) after its retries: the event is ' +
        "in the bus's dead-letter queue with the error in its attributes. Fix the target (permissions, a deleted resource), then resend the event.",
    });
    this.addFunctionAlarms(props.functions);
    this.addWorkflowAlarms(props.stateMachines);
    this.addApiAlarms(props.apiStage);
    this.addTableAlarms(props.table);
    this.addUserPoolAlarm(props.userPool, props.userPoolClient);
  }

  /**
   * A customer managed key, since CloudWatch alarms cannot publish to a topic encrypted with the
   * AWS managed `alias/aws/sns` key, whose policy cannot grant them kms:GenerateDataKey* and
   * kms:Decrypt (AWS Knowledge Center, "cloudwatch-configure-alarm-sns"). The topic policy lets
   * only this stage's alarms publish (AWS Knowledge Center, "cloudwatch-receive-sns-for-alarm-trigger").
   */
  private encryptedTopic(): Topic {
    const stack = Stack.of(this);
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    const key = new Key(this, 'TopicKey', {
      description: `Encrypts the alarm topic of ${stack.stackName}`,
      enableKeyRotation: true,
      // The key encrypts nothing but the topic's messages in transit through SNS: it goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // As AWS's example has it, without conditions: the key serves only this topic, and the topic
    // policy below is what refuses another account's or another stage's alarms.
    key.addToResourcePolicy(new PolicyStatement({ principals: [cloudWatch], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'] }));

    const topic = new Topic(this, 'Topic', { displayName: `${stack.stackName} alarms`, masterKey: key, enforceSSL: true });
    topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${stack.stackName}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    return topic;
  }

  private notify(alarm: Alarm): void {
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
  }

  private add(id: string, nameParts: readonly string[], spec: AlarmSpec): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: physicalName(this, 'alarm', ...nameParts),
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods ?? 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.notify(alarm);
    this.alarms.set(id, alarm);
    return alarm;
  }

  private addFunctionAlarms(functions: Readonly<Record<FunctionKey, IFunction>>): void {
    for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
      const definition: FunctionDefinition = FUNCTIONS[key];
      const fn = functions[key];
      const rule = definition.name === AUTHORIZER.functionName ? ALARM_THRESHOLDS.authorizerErrors : ALARM_THRESHOLDS.functionErrors;
      this.add(`${definition.name}Errors`, ['Lambda', definition.name, 'Errors'], {
        metric: new MathExpression({
          expression: `IF(errors >= ${rule.minErrors}, 100 * errors / invocations, 0)`,
          usingMetrics: { errors: fn.metricErrors({ period: PERIOD }), invocations: fn.metricInvocations({ period: PERIOD }) },
          label: `${definition.name} errors (% of invocations)`,
          period: PERIOD,
        }),
        threshold: rule.percent,
        description:
          `Over ${rule.percent}% of ${definition.name}'s invocations failed in 5 minutes (at least ${rule.minErrors}). ` +
          `${errorImpact(key, definition)} Read its log group for the error; X-Ray traces show the failing call.`,
      });
      this.add(`${definition.name}Throttles`, ['Lambda', definition.name, 'Throttles'], {
        metric: fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        threshold: 0,
        description:
          `Lambda refused to run ${definition.name} (no concurrency left: the account's Regional limit is shared by every function). ` +
          'Check ConcurrentExecutions for the account; ask for a higher limit or reserve concurrency for the functions that must not wait.',
      });
    }
  }

  /**
   * Step Functions' execution metrics (ExecutionsStarted, ExecutionsFailed, ExecutionsTimedOut in
   * AWS/States by StateMachineArn; "Monitoring Step Functions metrics using Amazon CloudWatch",
   * AWS Step Functions Developer Guide), which Express machines publish too.
   */
  private addWorkflowAlarms(stateMachines: Readonly<Record<WorkflowKey, IStateMachine>>): void {
    const { minFailed, percent } = ALARM_THRESHOLDS.executionsFailed;
    for (const key of Object.keys(WORKFLOWS) as WorkflowKey[]) {
      const { name } = WORKFLOWS[key];
      const machine = stateMachines[key];
      this.add(`${name}ExecutionsFailed`, ['States', name, 'ExecutionsFailed'], {
        metric: new MathExpression({
          expression: `IF(failed >= ${minFailed}, 100 * failed / started, 0)`,
          usingMetrics: { failed: machine.metricFailed({ period: PERIOD }), started: machine.metricStarted({ period: PERIOD }) },
          label: `${name} failed runs (% of started)`,
          period: PERIOD,
        }),
        threshold: percent,
        description:
          `Over ${percent}% of ${name} runs failed in 5 minutes (at least ${minFailed}). A refusal ends a run as failed too ` +
          '(TenantLimitReached, NotAMember, MemberChangeRefused): look at the Fail error of the runs in the state machine\'s log group. ' +
          `A compensated failure (${name}Failed) means a step kept failing: its TaskFailed event names the service error.`,
      });
      this.add(`${name}ExecutionsTimedOut`, ['States', name, 'ExecutionsTimedOut'], {
        metric: machine.metricTimedOut({ period: PERIOD, statistic: 'Sum' }),
        threshold: 0,
        description:
          `A ${name} run hit its ${WORKFLOWS[key].timeoutSeconds} s limit: the caller got 503 and the run may have stopped before ` +
          'its compensation finished. Find the run in the state machine\'s log group and check what its steps wrote.',
      });
    }
  }

  private addApiAlarms(stage: Stage): void {
    const errors = ALARM_THRESHOLDS.apiServerErrors;
    this.add('Api5XXError', ['Api', '5XXError'], {
      metric: stage.metricServerError({ period: ONE_MINUTE, statistic: 'Average' }),
      threshold: errors.fraction,
      evaluationPeriods: errors.evaluationPeriods,
      datapointsToAlarm: errors.datapointsToAlarm,
      description:
        `Over ${errors.fraction * 100}% of the API's requests were answered 5xx in ${errors.datapointsToAlarm} of the last ` +
        `${errors.evaluationPeriods} minutes. The access log's errorResponseType, authorizerError and integrationError fields say ` +
        'whether the gateway, the authorizer or a function failed; the functions\' own error alarms name which.',
    });
    const latency = ALARM_THRESHOLDS.apiLatencyP99;
    this.add('ApiLatency', ['Api', 'LatencyP99'], {
      metric: stage.metricLatency({ period: PERIOD, statistic: 'p99' }),
      threshold: latency.milliseconds,
      evaluationPeriods: latency.evaluationPeriods,
      datapointsToAlarm: latency.datapointsToAlarm,
      description:
        `The API's p99 latency was over ${latency.milliseconds / 1000} s, near API Gateway's 29 s integration limit (504). ` +
        'Compare the access log\'s integrationLatency and authorizerLatency, then the slow function\'s or workflow\'s X-Ray traces.',
    });
  }

  /**
   * ReadThrottleEvents and WriteThrottleEvents of the table and each index, summed: they count
   * every throttled event on an on-demand table whatever the cause (a hot partition's key range,
   * a burst over twice the previous peak, the account's limit), where ThrottledRequests counts a
   * request once and only per operation ("CloudWatch throttling metrics", Amazon DynamoDB Developer Guide).
   */
  private addTableAlarms(table: ITableV2): void {
    const { datapointsToAlarm, evaluationPeriods } = ALARM_THRESHOLDS.tableThrottles;
    for (const kind of ['Read', 'Write'] as const) {
      const metricName = `${kind}ThrottleEvents`;
      const options = { period: ONE_MINUTE, statistic: 'Sum' } as const;
      const indexes = TABLE_DEFINITION.globalSecondaryIndexes.map(
        (index) => new Metric({ namespace: 'AWS/DynamoDB', metricName, dimensionsMap: { TableName: table.tableName, GlobalSecondaryIndexName: index.indexName }, ...options }),
      );
      const usingMetrics: Record<string, IMetric> = { table: table.metric(metricName, options), ...Object.fromEntries(indexes.map((metric, i) => [`index${i}`, metric])) };
      this.add(`Table${metricName}`, ['DynamoDB', metricName], {
        metric: new MathExpression({
          expression: Object.keys(usingMetrics).map((id) => `FILL(${id}, 0)`).join(' + '),
          usingMetrics,
          label: `${kind} throttle events (table and indexes)`,
          period: ONE_MINUTE,
        }),
        threshold: 0,
        evaluationPeriods,
        datapointsToAlarm,
        description:
          `DynamoDB throttled ${kind.toLowerCase()}s of the table or its index in ${datapointsToAlarm} of the last ${evaluationPeriods} minutes. ` +
          'On demand, that is a hot partition (the tenant control partition the guarded writes read, README "Known limits") or a burst over ' +
          'twice the previous peak. The cause-specific metrics (…KeyRangeThroughputThrottleEvents, …MaxOnDemandThroughputThrottleEvents) tell which.',
      });
    }
  }

  /**
   * The user pool's own throttling metrics in AWS/Cognito, per pool and app client ("User pool
   * metrics in CloudWatch", Amazon Cognito Developer Guide). ThrottleCount is not used: it is in
   * AWS/Usage, per account and API category across every user pool of the Region, so it would
   * fire for another stage's traffic too; the workflows' throttled Cognito calls show as their
   * failed runs instead.
   */
  private addUserPoolAlarm(userPool: IUserPool, client: IUserPoolClient): void {
    const dimensionsMap = { UserPool: userPool.userPoolId, UserPoolClient: client.userPoolClientId };
    const names = ['SignUpThrottles', 'SignInThrottles', 'TokenRefreshThrottles'] as const;
    const usingMetrics = Object.fromEntries(
      names.map((metricName, i) => [`m${i}`, new Metric({ namespace: 'AWS/Cognito', metricName, dimensionsMap, period: PERIOD, statistic: 'Sum' })]),
    );
    this.add('UserPoolThrottles', ['Cognito', 'Throttles'], {
      metric: new MathExpression({
        expression: Object.keys(usingMetrics).map((id) => `FILL(${id}, 0)`).join(' + '),
        usingMetrics,
        label: 'Sign-up, sign-in and token refresh throttles',
        period: PERIOD,
      }),
      threshold: 0,
      description:
        'Cognito throttled sign-ups, sign-ins or token refreshes of the app client: users saw TooManyRequestsException. The quotas are per ' +
        'account and Region, shared by every user pool there (Service Quotas, Amazon Cognito User Pools): check which category is at its ' +
        'limit and ask for more.',
    });
  }
}
