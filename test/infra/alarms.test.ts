import { Template } from 'aws-cdk-lib/assertions';
import type { CfnStage } from 'aws-cdk-lib/aws-apigateway';
import type { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { CfnKey } from 'aws-cdk-lib/aws-kms';
import type { CfnTopic } from 'aws-cdk-lib/aws-sns';
import { USER_INDEX } from '../../domain/table';
import { FUNCTIONS, type FunctionKey } from '../../handlers/catalog';
import { ALARM_THRESHOLDS } from '../../infra/constructs/alarms';
import { STAGE_NAME } from '../../infra/constructs/api';
import { stackNameFor } from '../../infra/naming';
import { ControlPlaneStack } from '../../infra/stack';
import { WORKFLOWS, type WorkflowKey } from '../../workflows/registry';
import { asArray, testApp } from './support';

const app = testApp();
const stack = new ControlPlaneStack(app, stackNameFor('dev'), { functionCode: 'placeholder' });
const template = Template.fromStack(stack);
const ref = (token: string): unknown => stack.resolve(token);

interface MetricQuery {
  Id: string;
  Expression?: string;
  ReturnData?: boolean;
  MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] }; Period: number; Stat: string };
}
interface AlarmProperties {
  AlarmName: string;
  AlarmDescription: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
  TreatMissingData: string;
  ComparisonOperator: string;
  Threshold: number;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Statistic?: string;
  ExtendedStatistic?: string;
  Period?: number;
  Metrics?: MetricQuery[];
}

const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((resource) => (resource as { Properties: AlarmProperties }).Properties);
const alarmNamed = (suffix: string): AlarmProperties => {
  const found = alarms.filter((alarm) => alarm.AlarmName === `ControlPlane-dev-${suffix}`);
  if (found.length !== 1) throw new Error(`${found.length} alarms named ControlPlane-dev-${suffix}`);
  return found[0] as AlarmProperties;
};
/** The metrics a math alarm reads, by id: `metric name` and dimensions. */
const queries = (alarm: AlarmProperties) =>
  Object.fromEntries(
    (alarm.Metrics ?? []).filter((query) => query.MetricStat).map((query) => [query.Id, { ...query.MetricStat?.Metric, Period: query.MetricStat?.Period, Stat: query.MetricStat?.Stat }]),
  );
const expression = (alarm: AlarmProperties) => alarm.Metrics?.find((query) => query.Expression)?.Expression;

const topicId = stack.getLogicalId(stack.alarms.topic.node.defaultChild as CfnTopic);
const topicRef = { Ref: topicId };

describe('the alarm topic', () => {
  const topic = template.findResources('AWS::SNS::Topic')[topicId] as { Properties: Record<string, unknown> };
  const keyId = stack.getLogicalId(stack.alarms.topic.masterKey?.node.defaultChild as CfnKey);
  const key = template.findResources('AWS::KMS::Key')[keyId] as { Properties: { EnableKeyRotation: boolean; KeyPolicy: { Statement: Record<string, unknown>[] } } };
  const topicPolicy = () => {
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')) as { Properties: { Topics: unknown[]; PolicyDocument: { Statement: Record<string, unknown>[] } } }[];
    return policies.filter((policy) => JSON.stringify(policy.Properties.Topics) === JSON.stringify([topicRef])).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  };

  it('is the alarmTopicArn output', () => {
    expect(template.findOutputs('alarmTopicArn').alarmTopicArn?.Value).toEqual(topicRef);
  });

  it('is encrypted with a key of its own that rotates, since CloudWatch cannot use the AWS managed SNS key', () => {
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(key.Properties.EnableKeyRotation).toBe(true);
  });

  it('lets CloudWatch encrypt and decrypt with that key, and only that', () => {
    const forCloudWatch = key.Properties.KeyPolicy.Statement.filter((statement) => JSON.stringify(statement.Principal).includes('cloudwatch'));

    expect(forCloudWatch).toEqual([
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
    ]);
  });

  it('refuses publishing without TLS', () => {
    expect(topicPolicy()).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it("lets only this stage's alarms publish: CloudWatch, from this account, for alarms named ControlPlane-dev-*", () => {
    const allows = topicPolicy().filter((statement) => statement.Effect === 'Allow');

    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: topicRef,
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:ControlPlane-dev-*']],
            },
          },
        },
      }),
    ]);
  });
});

describe("the topic's publish condition", () => {
  const [statement] = Object.values(template.findResources('AWS::SNS::TopicPolicy')).flatMap(
    (policy) => (policy as { Properties: { PolicyDocument: { Statement: { Effect: string; Condition?: { ArnLike?: Record<string, { 'Fn::Join': [string, unknown[]] }> } }[] } } }).Properties.PolicyDocument.Statement,
  ).filter((each) => each.Effect === 'Allow');
  const parts = statement?.Condition?.ArnLike?.['aws:SourceArn']?.['Fn::Join'][1] ?? [];
  const suffix = String(parts[parts.length - 1]).replace(/^:alarm:/, '');
  // IAM's ArnLike: `*` matches any run of characters, everything else itself.
  const matches = (alarmName: string) => new RegExp(`^${suffix.replace(/[.+?^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*')}$`).test(alarmName);

  it("matches every alarm of this stage, the async-failure queue's included", () => {
    expect(alarms.map((alarm) => alarm.AlarmName).filter((name) => !matches(name))).toEqual([]);
  });

  it("matches no alarm of another stage, even one whose name starts with this stage's", () => {
    expect(['ControlPlane-prod-Lambda-GetMe-Errors', 'ControlPlane-dev2-Lambda-GetMe-Errors', 'ControlPlane-devx-DeadLetters', 'Other-ControlPlane-dev-X'].filter(matches)).toEqual([]);
  });
});

describe('every alarm', () => {
  it('has one per function for errors and throttles, two per state machine, the two queues, the API twice, the table twice and the user pool', () => {
    expect(alarms).toHaveLength(2 * Object.keys(FUNCTIONS).length + 2 * Object.keys(WORKFLOWS).length + 2 + 2 + 2 + 1);
  });

  it("notifies the topic when it fires and when it recovers, the async-failure queue's included", () => {
    const asyncFailures = template.findResources('AWS::CloudWatch::Alarm')[stack.getLogicalId(stack.events.asyncFailureAlarm.node.defaultChild as CfnAlarm)] as {
      Properties: AlarmProperties;
    };

    expect(alarms.filter((alarm) => JSON.stringify([alarm.AlarmActions, alarm.OKActions]) !== JSON.stringify([[topicRef], [topicRef]]))).toEqual([]);
    expect(asyncFailures.Properties.AlarmActions).toEqual([topicRef]);
  });

  it('carries the stage in a name of its own, and says what to do', () => {
    const names = alarms.map((alarm) => alarm.AlarmName);

    expect(new Set(names).size).toBe(alarms.length);
    expect(names.filter((name) => !name.startsWith('ControlPlane-dev-'))).toEqual([]);
    expect(alarms.filter((alarm) => alarm.AlarmDescription.length < 80 || alarm.AlarmDescription.length > 1024)).toEqual([]);
  });

  it('treats missing data as not breaching: no traffic is not a failure', () => {
    expect(alarms.filter((alarm) => alarm.TreatMissingData !== 'notBreaching')).toEqual([]);
  });
});

describe('the failure queues', () => {
  it("fire on the first event in the bus's dead-letter queue", () => {
    expect(alarmNamed('DeadLetters')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: ref(stack.events.deadLetterQueue.queueName) }],
      Statistic: 'Maximum',
      Period: 60,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('fire on the first record in the async-failure queue, whose URL is an output for redriving it', () => {
    expect(alarmNamed('AsyncFailures')).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 });
    expect(template.findOutputs('asyncFailureQueueUrl').asyncFailureQueueUrl?.Value).toEqual(ref(stack.events.asyncFailureQueue.queueUrl));
  });
});

describe('the functions', () => {
  const keys = Object.keys(FUNCTIONS) as FunctionKey[];

  it.each(keys)('%s alarms on its share of failed invocations, once enough failed', (key) => {
    const alarm = alarmNamed(`Lambda-${FUNCTIONS[key].name}-Errors`);
    const rule = key === 'authorizer' ? ALARM_THRESHOLDS.authorizerErrors : ALARM_THRESHOLDS.functionErrors;
    const dimensions = [{ Name: 'FunctionName', Value: ref(stack.functions.functions[key].functionName) }];

    expect(expression(alarm)).toBe(`IF(errors >= ${rule.minErrors}, 100 * errors / invocations, 0)`);
    expect(queries(alarm)).toEqual({
      errors: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: dimensions, Period: 300, Stat: 'Sum' },
      invocations: { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: dimensions, Period: 300, Stat: 'Sum' },
    });
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: rule.percent, EvaluationPeriods: 1 });
  });

  it.each(keys)('%s alarms on the first throttle', (key) => {
    expect(alarmNamed(`Lambda-${FUNCTIONS[key].name}-Throttles`)).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: [{ Name: 'FunctionName', Value: ref(stack.functions.functions[key].functionName) }],
      Statistic: 'Sum',
      Threshold: 0,
    });
  });

  it("tolerates more of the authorizer's errors, since each refused token (401) is one, and says so", () => {
    const alarm = alarmNamed(`Lambda-${FUNCTIONS.authorizer.name}-Errors`);

    expect(ALARM_THRESHOLDS.authorizerErrors.percent).toBeGreaterThan(ALARM_THRESHOLDS.functionErrors.percent);
    expect(alarm.AlarmDescription).toContain('401');
  });
});

describe('the state machines', () => {
  const keys = Object.keys(WORKFLOWS) as WorkflowKey[];

  it.each(keys)('%s alarms on its share of failed runs, naming the refusals that end runs as failed too', (key) => {
    const alarm = alarmNamed(`States-${WORKFLOWS[key].name}-ExecutionsFailed`);
    const dimensions = [{ Name: 'StateMachineArn', Value: ref(stack.workflows.stateMachines[key].stateMachineArn) }];
    const { minFailed, percent } = ALARM_THRESHOLDS.executionsFailed;

    expect(expression(alarm)).toBe(`IF(failed >= ${minFailed}, 100 * failed / started, 0)`);
    expect(queries(alarm)).toEqual({
      failed: { Namespace: 'AWS/States', MetricName: 'ExecutionsFailed', Dimensions: dimensions, Period: 300, Stat: 'Sum' },
      started: { Namespace: 'AWS/States', MetricName: 'ExecutionsStarted', Dimensions: dimensions, Period: 300, Stat: 'Sum' },
    });
    expect(alarm.Threshold).toBe(percent);
    expect(alarm.AlarmDescription).toContain('NotAMember');
  });

  it.each(keys)('%s alarms on the first run that timed out', (key) => {
    expect(alarmNamed(`States-${WORKFLOWS[key].name}-ExecutionsTimedOut`)).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsTimedOut',
      Dimensions: [{ Name: 'StateMachineArn', Value: ref(stack.workflows.stateMachines[key].stateMachineArn) }],
      Threshold: 0,
    });
  });
});

describe('the API', () => {
  const dimensions = [
    { Name: 'ApiName', Value: 'ControlPlane-dev-Api' },
    { Name: 'Stage', Value: ref(stack.api.restApi.deploymentStage.stageName) },
  ];

  it("watches this stage's API by its name, which carries the stage: API Gateway's metrics know an API only by name and stage (v1 everywhere)", () => {
    const [api] = Object.values(template.findResources('AWS::ApiGateway::RestApi')) as [{ Properties: { Name: string } }];
    const [stage] = Object.values(template.findResources('AWS::ApiGateway::Stage')) as [{ Properties: { StageName: string } }];

    expect(api.Properties.Name).toBe(dimensions[0]?.Value);
    expect(stage.Properties.StageName).toBe(STAGE_NAME);
    expect(dimensions[1]?.Value).toEqual({ Ref: stack.getLogicalId(stack.api.restApi.deploymentStage.node.defaultChild as CfnStage) });
  });

  it('alarms when over 5% of requests are answered 5xx in 3 of 5 minutes', () => {
    expect(alarmNamed('Api-5XXError')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Dimensions: dimensions,
      Statistic: 'Average',
      Period: 60,
      Threshold: 0.05,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
    });
  });

  it("alarms when the p99 latency nears API Gateway's 29 s integration limit", () => {
    const alarm = alarmNamed('Api-LatencyP99');

    expect(alarm).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: 'Latency', Dimensions: dimensions, ExtendedStatistic: 'p99', Period: 300 });
    expect(alarm.Threshold).toBe(ALARM_THRESHOLDS.apiLatencyP99.milliseconds);
    expect(alarm.Threshold).toBeLessThan(29_000);
    expect(Math.max(...Object.values(WORKFLOWS).map((workflow) => workflow.timeoutSeconds * 1000))).toBeGreaterThan(alarm.Threshold);
  });
});

describe('the table', () => {
  it.each(['Read', 'Write'])('sums %s throttle events of the table and its user index, alarming in 3 of 5 minutes', (kind) => {
    const alarm = alarmNamed(`DynamoDB-${kind}ThrottleEvents`);
    const tableName = ref(stack.data.table.tableName);

    expect(expression(alarm)).toBe('FILL(table, 0) + FILL(index0, 0)');
    expect(queries(alarm)).toEqual({
      table: { Namespace: 'AWS/DynamoDB', MetricName: `${kind}ThrottleEvents`, Dimensions: [{ Name: 'TableName', Value: tableName }], Period: 60, Stat: 'Sum' },
      index0: {
        Namespace: 'AWS/DynamoDB',
        MetricName: `${kind}ThrottleEvents`,
        Dimensions: [
          { Name: 'GlobalSecondaryIndexName', Value: USER_INDEX.indexName },
          { Name: 'TableName', Value: tableName },
        ],
        Period: 60,
        Stat: 'Sum',
      },
    });
    expect(alarm).toMatchObject({ Threshold: 0, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
  });
});

describe('the user pool', () => {
  it("sums the app client's sign-up, sign-in and token-refresh throttles", () => {
    const alarm = alarmNamed('Cognito-Throttles');
    const dimensions = [
      { Name: 'UserPool', Value: ref(stack.identity.userPool.userPoolId) },
      { Name: 'UserPoolClient', Value: ref(stack.identity.userPoolClient.userPoolClientId) },
    ];

    expect(expression(alarm)).toBe('FILL(m0, 0) + FILL(m1, 0) + FILL(m2, 0)');
    expect(Object.values(queries(alarm)).map((query) => [query.Namespace, query.MetricName, query.Dimensions, query.Period, query.Stat])).toEqual(
      ['SignUpThrottles', 'SignInThrottles', 'TokenRefreshThrottles'].map((name) => ['AWS/Cognito', name, dimensions, 300, 'Sum']),
    );
    expect(alarm.Threshold).toBe(0);
  });

  it('does not watch the account-wide ThrottleCount, which other stages and pools share', () => {
    const metricNames = alarms.flatMap((alarm) => [alarm.MetricName, ...asArray(alarm.Metrics ?? []).map((query) => query.MetricStat?.Metric.MetricName)]);

    expect(metricNames).not.toContain('ThrottleCount');
  });
});
