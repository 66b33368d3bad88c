import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { CfnRule } from 'aws-cdk-lib/aws-events';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { EVENT_SOURCE } from '../../events/catalog';
import type { RuleDefinition } from '../../events/rule-definition';
import { RULES } from '../../events/rules';
import { ControlPlaneEvents, TARGET_DELIVERY, UnknownRuleTargetError } from '../../infra/constructs/events';
import { ControlPlaneStack } from '../../infra/stack';
import { onlyResource, testApp } from './support';

const app = testApp();
const stack = new ControlPlaneStack(app, 'ControlPlane', { functionCode: 'placeholder' });
const template = Template.fromStack(stack);
const ref = (token: string): unknown => stack.resolve(token);

interface CfnTarget {
  Arn: unknown;
  Id: string;
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn: unknown };
  RoleArn?: unknown;
}
const ruleProperties = (rules: Template, scope: Stack, rule: CfnRule) =>
  (rules.findResources('AWS::Events::Rule')[scope.getLogicalId(rule)] as { Properties: Record<string, unknown> }).Properties;

const queueArn = ref(stack.events.deadLetterQueue.queueArn);
const deliveredAlike = (target: CfnTarget) => {
  expect(target.RetryPolicy).toEqual({
    MaximumRetryAttempts: TARGET_DELIVERY.retryAttempts,
    MaximumEventAgeInSeconds: TARGET_DELIVERY.maxEventAge.toSeconds(),
  });
  expect(target.DeadLetterConfig).toEqual({ Arn: queueArn });
};

describe('the event bus', () => {
  it('is named by the eventBusName output', () => {
    const bus = onlyResource(template, 'AWS::Events::EventBus');

    expect(template.findOutputs('eventBusName').eventBusName?.Value).toEqual({ Ref: bus.logicalId });
  });

  it('archives every control-plane source', () => {
    const archive = onlyResource(template, 'AWS::Events::Archive');

    expect(archive.Properties.SourceArn).toEqual(ref(stack.events.bus.eventBusArn));
    expect(archive.Properties.EventPattern).toEqual({ source: Object.values(EVENT_SOURCE) });
    expect(archive.Properties.RetentionDays).toBe(30);
  });
});

describe('the dead-letter queue', () => {
  const logicalId = stack.getLogicalId(stack.events.deadLetterQueue.node.defaultChild as CfnQueue);
  // The stack has a second queue, the subscribers' on-failure destination (async-failures.test.ts).
  const queuePolicy = () =>
    (Object.values(template.findResources('AWS::SQS::QueuePolicy')) as { Properties: Record<string, unknown> }[]).find(
      (policy) => JSON.stringify(policy.Properties.Queues) === JSON.stringify([{ Ref: logicalId }]),
    ) as { Properties: Record<string, unknown> };

  it('is encrypted at rest', () => {
    expect((template.findResources('AWS::SQS::Queue')[logicalId] as { Properties: Record<string, unknown> }).Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('refuses requests without TLS', () => {
    const policy = queuePolicy();
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;

    expect(policy.Properties.Queues).toEqual([{ Ref: logicalId }]);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sqs:*',
        Principal: { AWS: '*' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('accepts messages from each rule, and only from the rules', () => {
    const policy = queuePolicy();
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const sources = statements
      .filter((statement) => statement.Effect === 'Allow')
      .map((statement) => {
        expect(statement).toMatchObject({ Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' } });
        return (statement.Condition as { ArnEquals: Record<string, unknown> }).ArnEquals['aws:SourceArn'];
      });

    expect(sources).toEqual(RULES.map((rule) => ref((stack.events.rules.get(rule.name) as { ruleArn: string }).ruleArn)));
  });
});

describe('the rules of events/rules.ts', () => {
  it('are all on the bus, and no other', () => {
    expect(Object.keys(template.findResources('AWS::Events::Rule'))).toHaveLength(RULES.length);
    expect([...stack.events.rules.keys()]).toEqual(RULES.map((rule) => rule.name));
  });

  describe.each(RULES.map((rule) => [rule.name, rule] as const))('%s', (name, definition) => {
    const rule = stack.events.rules.get(name);
    const properties = () => ruleProperties(template, stack, rule?.node.defaultChild as CfnRule);
    const targets = () => properties().Targets as CfnTarget[];

    it('matches exactly the pattern of the shared definition', () => {
      expect(properties().EventPattern).toEqual(definition.eventPattern);
      expect(properties().EventBusName).toEqual(ref(stack.events.bus.eventBusName));
      expect(properties().State).toBe('ENABLED');
    });

    it('delivers to the named targets, retried and dead-lettered', () => {
      const expected = definition.targets.map((target) => {
        if (target.kind !== 'lambda') throw new Error(`Unexpected ${target.kind} target in ${name}`);
        const fn = stack.functions.byName(target.functionName);
        return { 'Fn::GetAtt': [stack.getLogicalId(fn?.node.defaultChild as CfnFunction), 'Arn'] };
      });

      expect(targets().map((target) => target.Arn)).toEqual(expected);
      for (const target of targets()) deliveredAlike(target);
    });
  });
});

describe('a rule with a state machine target', () => {
  const scope = new Stack(testApp(), 'Scratch');
  const events = new ControlPlaneEvents(scope, 'Events', { retainData: false });
  const machine = StateMachine.fromStateMachineArn(scope, 'Machine', 'arn:aws:states:us-east-1:111111111111:stateMachine:Onboarding');
  const rule: RuleDefinition = {
    name: 'StartOnboarding',
    description: 'test',
    eventPattern: { source: ['controlplane.tenancy'], 'detail-type': ['tenant.onboarded.v1'] },
    targets: [{ kind: 'stateMachine', stateMachineName: 'Onboarding' }],
  };
  events.addRules([rule], {
    lambda: () => undefined,
    stateMachine: (name) => (name === 'Onboarding' ? machine : undefined),
  });
  const scratch = Template.fromStack(scope);

  it('starts the machine with a role of its own, retried and dead-lettered', () => {
    const properties = ruleProperties(scratch, scope, events.rules.get(rule.name)?.node.defaultChild as CfnRule);
    const [target] = properties.Targets as [CfnTarget];

    expect(properties.EventPattern).toEqual(rule.eventPattern);
    expect(target.Arn).toBe(machine.stateMachineArn);
    expect(target.RoleArn).toBeDefined();
    expect(target.DeadLetterConfig).toEqual({ Arn: scope.resolve(events.deadLetterQueue.queueArn) });
    expect(target.RetryPolicy?.MaximumRetryAttempts).toBe(TARGET_DELIVERY.retryAttempts);
    scratch.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'states:StartExecution', Effect: 'Allow', Resource: machine.stateMachineArn }] },
    });
  });

  it('refuses a target the stack does not have', () => {
    const fn = LambdaFunction.fromFunctionName(scope, 'Other', 'other');
    const unknown: RuleDefinition = { ...rule, name: 'Unknown', targets: [{ kind: 'lambda', functionName: 'Missing' }] };

    expect(() => events.addRules([unknown], { lambda: (name) => (name === 'Other' ? fn : undefined), stateMachine: () => undefined })).toThrow(
      UnknownRuleTargetError,
    );
  });
});
