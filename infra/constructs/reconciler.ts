import { Stack } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { RECONCILIATION } from '../../domain/reconciliation';

export interface ReconcilerScheduleProps {
  /** The catalog's `reconciler` function (its grants come from its catalog bindings, infra/constructs/functions.ts). */
  readonly function: IFunction;
  /**
   * Minutes between runs.
   * @default RECONCILIATION.everyMinutes (domain/reconciliation.ts), the local cloud's default too
   */
  readonly everyMinutes?: number;
}

/** A schedule rate that EventBridge Scheduler could not take, or that would overlap runs. */
export class InvalidReconcileRateError extends Error {
  constructor(readonly minutes: number) {
    super(`reconcileEveryMinutes must be a whole number of minutes, at least 1: got ${minutes}`);
    this.name = 'InvalidReconcileRateError';
  }
}

/**
 * Runs the reconciler on a schedule with EventBridge Scheduler, not a scheduled rule: AWS calls
 * scheduled rules "a legacy feature of EventBridge" and recommends Scheduler (EventBridge User
 * Guide, "Creating a rule that runs on a schedule"). The schedule assumes a role of its own that
 * may invoke this function and nothing else: CDK's LambdaInvoke target would also grant every
 * version and alias (`…:*`), which nothing here uses.
 */
export class ReconcilerSchedule extends Construct {
  readonly schedule: CfnSchedule;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: ReconcilerScheduleProps) {
    super(scope, id);
    const minutes = props.everyMinutes ?? RECONCILIATION.everyMinutes;
    if (!Number.isInteger(minutes) || minutes < 1) throw new InvalidReconcileRateError(minutes);
    const stack = Stack.of(this);
    // Only schedules of this account's default group may assume it (the confused-deputy guard
    // EventBridge Scheduler's guide gives for execution roles).
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
          },
        },
      }),
      inlinePolicies: {
        InvokeReconciler: new PolicyDocument({ statements: [new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.function.functionArn] })] }),
      },
    });
    this.schedule = new CfnSchedule(this, 'Schedule', {
      description: 'Finds and repairs violations of the tenancy invariants (handlers/reconciler).',
      scheduleExpression: `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: props.function.functionArn,
        roleArn: this.role.roleArn,
        // The default grace, no scope: the function's strict request schema takes `{}`.
        input: '{}',
        // A run that cannot start is not worth a late one: the next comes within the rate. A run
        // that fails (its scan: a repair's failure is counted, not thrown) gets Lambda's own two
        // asynchronous retries, harmless since every repair is idempotent and re-checked.
        retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
      },
    });
  }
}
