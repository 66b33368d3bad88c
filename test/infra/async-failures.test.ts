import { Template } from 'aws-cdk-lib/assertions';
import type { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { ASYNC_INVOCATION } from '../../events/async-invocation';
import { RULES } from '../../events/rules';
import { FUNCTIONS, type FunctionKey } from '../../handlers/catalog';
import { ControlPlaneStack } from '../../infra/stack';
import { rolePermissions, testApp } from './support';

const app = testApp();
const stack = new ControlPlaneStack(app, 'ControlPlane', { functionCode: 'placeholder' });
const template = Template.fromStack(stack);
const ref = (token: string): unknown => stack.resolve(token);

const queue = stack.events.asyncFailureQueue;
const queueLogicalId = stack.getLogicalId(queue.node.defaultChild as CfnQueue);
const queueResource = () => template.findResources('AWS::SQS::Queue')[queueLogicalId] as { Properties: Record<string, unknown>; DeletionPolicy?: string };

/** The functions EventBridge invokes (asynchronously): the Lambda targets of events/rules.ts. */
const subscriberNames = [...new Set(RULES.flatMap((rule) => rule.targets.flatMap((target) => (target.kind === 'lambda' ? [target.functionName] : []))))];
const keyOf = (name: string): FunctionKey => (Object.keys(FUNCTIONS) as FunctionKey[]).find((key) => FUNCTIONS[key].name === name) as FunctionKey;
const functionRef = (name: string) => ref(stack.functions.functions[keyOf(name)].functionName);
const invokeConfigs = () => Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')) as { Properties: Record<string, unknown> }[];

describe('asynchronous invocation of the subscribers', () => {
  it('is configured for the rule targets, and for no other function', () => {
    const configured = invokeConfigs().map((config) => config.Properties.FunctionName);

    expect(subscriberNames.sort()).toEqual([FUNCTIONS.auditWriter.name, FUNCTIONS.invitationClaimer.name, FUNCTIONS.profileWriter.name].sort());
    expect(configured).toHaveLength(subscriberNames.length);
    expect(configured).toEqual(expect.arrayContaining(subscriberNames.map(functionRef)));
  });

  it.each(subscriberNames)('%s is retried twice, then its event goes to the async-failure queue', (name) => {
    const config = invokeConfigs().find((each) => JSON.stringify(each.Properties.FunctionName) === JSON.stringify(functionRef(name)));

    expect(config?.Properties).toMatchObject({
      Qualifier: '$LATEST',
      MaximumRetryAttempts: ASYNC_INVOCATION.retryAttempts,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueLogicalId, 'Arn'] } } },
    });
    expect(ASYNC_INVOCATION.retryAttempts).toBe(2);
  });

  it.each(subscriberNames)('%s may only send messages to the async-failure queue', (name) => {
    const role = stack.functions.functions[keyOf(name)].role?.node.defaultChild as CfnRole;

    const onQueue = rolePermissions(template, stack.getLogicalId(role)).filter(({ action }) => action.startsWith('sqs:'));
    expect(onQueue).toEqual([{ action: 'sqs:SendMessage', resource: ref(queue.queueArn) }]);
  });
});

describe('the async-failure queue', () => {
  it('is encrypted with SQS-managed keys and keeps records 14 days', () => {
    expect(queueResource().Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  it('is kept when the stack is deleted, with the data', () => {
    expect(queueResource().DeletionPolicy).toBe('Retain');
  });

  it('refuses requests without TLS', () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as { Properties: Record<string, unknown> }[];
    const policy = policies.find((each) => JSON.stringify(each.Properties.Queues) === JSON.stringify([{ Ref: queueLogicalId }]));

    expect((policy?.Properties.PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('is watched by an alarm that fires on the first visible record', () => {
    const alarm = template.findResources('AWS::CloudWatch::Alarm')[stack.getLogicalId(stack.events.asyncFailureAlarm.node.defaultChild as CfnAlarm)] as {
      Properties: Record<string, unknown>;
    };

    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueLogicalId, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });
});
