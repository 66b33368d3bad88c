import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EVENT_ARCHIVE } from '../../events/archive';
import { ASYNC_INVOCATION } from '../../events/async-invocation';
import { TARGET_DELIVERY as SHARED_TARGET_DELIVERY } from '../../events/rule-definition';
import { type Archive, EventBus, type EventPattern, type IRuleTarget, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import type { DestinationConfig, IDestination, IFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { RuleDefinition, RuleTarget } from '../../events/rule-definition';
import { physicalName } from '../naming';
import { onFailureDestinationStatement } from '../policies/function-policies';

export interface EventsProps {
  /** Keep the dead-letter queue's messages and the archive when the stack is deleted. */
  readonly retainData: boolean;
}

/** How rule targets, named by function or state machine name in events/rules.ts, become constructs. */
export interface RuleTargetResolver {
  lambda(functionName: string): IFunction | undefined;
  stateMachine(stateMachineName: string): IStateMachine | undefined;
}

/** A rule names a target that the stack does not have. */
export class UnknownRuleTargetError extends Error {
  constructor(
    readonly rule: string,
    readonly target: RuleTarget,
  ) {
    super(`Rule ${rule}: no ${target.kind} named ${target.kind === 'lambda' ? target.functionName : target.stateMachineName}`);
    this.name = 'UnknownRuleTargetError';
  }
}

/**
 * Delivery of every target. Few retries on purpose: subscribers are idempotent and fast, so an
 * event still failing after these is a bug to look at in the dead-letter queue, not to retry for
 * a day (EventBridge's default is 185 attempts over 24 hours).
 */
export const TARGET_DELIVERY = {
  retryAttempts: SHARED_TARGET_DELIVERY.retryAttempts,
  maxEventAge: Duration.seconds(SHARED_TARGET_DELIVERY.maxEventAgeSeconds),
} as const;

/** Patterns in events/rules.ts are AWS's JSON; CDK's type names `detail-type` as `detailType` and renders it back. */
export function toEventPattern(pattern: Readonly<Record<string, unknown>>): EventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...rest, ...(detailType === undefined ? {} : { detailType }) } as EventPattern;
}

/**
 * An on-failure destination that grants only `sqs:SendMessage`, the one permission Lambda's
 * execution role needs for an SQS destination (infra/policies/function-policies.ts, which the local
 * cloud enforces too). CDK's SqsDestination grants `grantSendMessages`, which adds
 * GetQueueAttributes and GetQueueUrl.
 */
export class SendOnlyQueueDestination implements IDestination {
  constructor(private readonly queue: Queue) {}

  bind(_scope: Construct, fn: IFunction): DestinationConfig {
    fn.addToRolePolicy(PolicyStatement.fromJson(onFailureDestinationStatement(this.queue.queueArn)));
    return { destination: this.queue.queueArn };
  }
}

/** The control plane's bus, its archive, and the rules of events/rules.ts with their dead-letter queue. */
export class ControlPlaneEvents extends Construct {
  readonly bus: EventBus;
  readonly archive: Archive;
  readonly deadLetterQueue: Queue;
  /**
   * Where Lambda puts an event its subscriber failed on after the retries (ASYNC_INVOCATION). The
   * bus's dead-letter queue never sees such an event: EventBridge invokes a function
   * asynchronously, so its delivery succeeded once Lambda queued the event.
   */
  readonly asyncFailureQueue: Queue;
  readonly asyncFailureAlarm: Alarm;
  private readonly asyncConfigured = new Set<IFunction>();
  readonly rules = new Map<string, Rule>();

  constructor(scope: Construct, id: string, props: EventsProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { description: 'Control-plane events (events/catalog.ts)' });
    this.archive = this.bus.archive('Archive', {
      description: EVENT_ARCHIVE.description,
      eventPattern: { source: [...EVENT_ARCHIVE.sources] },
      retention: Duration.days(EVENT_ARCHIVE.retentionDays),
    });
    // The archive is the only copy of past events once their subscribers ran: kept with the data.
    this.archive.applyRemovalPolicy(props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);

    /** A queue of failed deliveries: encrypted, TLS only, kept with the data (its messages are the only copy of a failed event). */
    const failureQueue = (queueId: string, whatItHolds: string): Queue => {
      const queue = new Queue(this, queueId, {
        enforceSSL: true,
        encryption: QueueEncryption.SQS_MANAGED,
        retentionPeriod: Duration.days(14),
        removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: `This queue is ${whatItHolds}, itself a dead-letter queue; it has none of its own.` });
      return queue;
    };
    this.deadLetterQueue = failureQueue('DeadLetters', 'the dead-letter queue of the rule targets');
    this.asyncFailureQueue = failureQueue('AsyncFailures', "the subscribers' on-failure destination");
    // One record is one lost event until someone redrives it: any visible message is worth a look.
    this.asyncFailureAlarm = new Alarm(this, 'AsyncFailuresAlarm', {
      alarmName: physicalName(this, 'alarm', 'AsyncFailures'),
      alarmDescription:
        'A subscriber (ProfileWriter, InvitationClaimer, AuditWriter) failed an event after its retries: the invocation record ' +
        "(the event and the error) is in the async-failure queue. Read the function's log for the error, fix the cause, then " +
        'redrive the queue so the event is applied; until then that profile, invitation claim or audit record is missing.',
      metric: this.asyncFailureQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** Once per function, however many rules target it: a function has one event-invoke config. */
  private configureAsyncInvoke(fn: IFunction): void {
    if (this.asyncConfigured.has(fn)) return;
    this.asyncConfigured.add(fn);
    fn.configureAsyncInvoke({
      retryAttempts: ASYNC_INVOCATION.retryAttempts,
      onFailure: new SendOnlyQueueDestination(this.asyncFailureQueue),
    });
  }

  /** Creates each rule with its targets, every one retried and dead-lettered alike. */
  addRules(rules: readonly RuleDefinition[], resolve: RuleTargetResolver): void {
    const delivery = { ...TARGET_DELIVERY, deadLetterQueue: this.deadLetterQueue };
    const target = (rule: RuleDefinition, definition: RuleTarget): IRuleTarget => {
      if (definition.kind === 'lambda') {
        const fn = resolve.lambda(definition.functionName);
        if (!fn) throw new UnknownRuleTargetError(rule.name, definition);
        this.configureAsyncInvoke(fn);
        return new LambdaFunction(fn, delivery);
      }
      const machine = resolve.stateMachine(definition.stateMachineName);
      if (!machine) throw new UnknownRuleTargetError(rule.name, definition);
      return new SfnStateMachine(machine, delivery);
    };

    for (const definition of rules) {
      const rule = new Rule(this, definition.name, {
        eventBus: this.bus,
        description: definition.description,
        eventPattern: toEventPattern(definition.eventPattern),
        targets: definition.targets.map((each) => target(definition, each)),
      });
      this.rules.set(definition.name, rule);
    }
  }
}
