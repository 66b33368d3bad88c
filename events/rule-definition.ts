/**
 * A rule on the control plane's bus, written once and read by both runtimes: the CDK stack turns
 * it into an `AWS::Events::Rule` with its targets, the local bus matches and delivers with it.
 * Targets name functions and state machines, not ARNs, because the account and region differ
 * between the two runtimes and each builds its own ARNs.
 */
export type RuleTarget =
  | { kind: 'lambda'; functionName: string }
  | { kind: 'stateMachine'; stateMachineName: string };

export interface RuleDefinition {
  /** Stable and unique on the bus: the local bus uses it as the rule name, CDK as the construct id. */
  name: string;
  description: string;
  /** An EventBridge event pattern, as AWS takes it (leaf values are arrays). */
  eventPattern: Record<string, unknown>;
  targets: RuleTarget[];
}

/**
 * How every rule target is retried before its event goes to the dead letters: the CDK app sets it
 * on each target (`retryAttempts` = retries after the first attempt, `maxEventAge`), the local bus
 * delivers with the same number of attempts (with backoff far shorter than AWS's, so tests stay fast).
 */
export const TARGET_DELIVERY = {
  retryAttempts: 3,
  maxEventAgeSeconds: 3600,
} as const;
