import { ARNS } from '../../infra/policies/arns';
import { AwsServiceError } from '../server/aws-json';
import type { RuleDefinition, RuleTarget } from '../../events/rule-definition';
import { compilePattern, type CompiledPattern } from './pattern';

/**
 * What the local bus holds, as data: the buses with their rules and targets, and the history of
 * what happened to events (the archive of accepted events, every delivery attempt, the dead
 * letters). No I/O and no timers here; delivery.ts moves events, api.ts and rule-operations.ts
 * answer the API over this state.
 */

/** The event a target receives, in AWS's shape (`detail` as an object, `time` to the second). */
export interface EventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

export interface DeliveryTarget {
  readonly id: string;
  readonly arn: string;
}

export interface DeliveryAttempt {
  readonly eventId: string;
  readonly eventBusName: string;
  readonly rule: string;
  readonly target: DeliveryTarget;
  /** 1, or 2 for the second copy in duplicate mode. */
  readonly copy: number;
  readonly attempt: number;
  readonly outcome: 'delivered' | 'failed';
  readonly error?: string;
  readonly at: string;
}

export interface DeadLetter {
  readonly event: EventEnvelope;
  readonly rule: string;
  readonly target: DeliveryTarget;
  /** `<AWS error code>: <message>` for a service's answer, `<class>: <message>` otherwise. */
  readonly error: string;
  readonly attempts: number;
  readonly at: string;
}

export interface ArchivedEvent {
  readonly eventBusName: string;
  readonly event: EventEnvelope;
  readonly matchedRules: readonly string[];
}

export interface Target {
  readonly id: string;
  readonly arn: string;
  readonly destination: RuleTarget;
  /** Constant JSON object delivered instead of the event (PutTargets' `Input`). */
  readonly input?: Record<string, unknown>;
  /** PutTargets' `RetryPolicy.MaximumRetryAttempts` + 1; the bus's policy when absent. */
  readonly maxAttempts?: number;
}

export interface Rule {
  readonly name: string;
  readonly busName: string;
  readonly arn: string;
  description: string | undefined;
  eventPattern: string;
  matcher: CompiledPattern;
  state: 'ENABLED' | 'DISABLED';
  readonly targets: Map<string, Target>;
}

export interface Bus {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: Date;
  readonly rules: Map<string, Rule>;
}

export const DEFAULT_BUS = 'default';

/** Where the buses live: one account in one region, as the local cloud is. */
export interface BusScope {
  readonly region: string;
  readonly accountId: string;
}

export const busArn = (scope: BusScope, name: string): string => ARNS.eventBus(scope, name);

/** A rule on the default bus has no bus segment in its ARN; one on a custom bus has. */
export const ruleArn = (scope: BusScope, bus: string, rule: string): string => ARNS.eventRule(scope, bus === DEFAULT_BUS ? undefined : bus, rule);

export function targetArn(scope: BusScope, target: RuleTarget): string {
  return target.kind === 'lambda'
    ? ARNS.lambdaFunction(scope, target.functionName)
    : ARNS.stateMachine(scope, target.stateMachineName);
}

/** The destination a PutTargets ARN names, when it is one the local bus can deliver to. */
export function parseTargetArn(scope: BusScope, arn: string): RuleTarget | undefined {
  const lambda = new RegExp(`^arn:aws:lambda:${scope.region}:${scope.accountId}:function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$`).exec(arn);
  if (lambda?.[1]) return { kind: 'lambda', functionName: lambda[1] };
  const states = new RegExp(`^arn:aws:states:${scope.region}:${scope.accountId}:stateMachine:([A-Za-z0-9_-]+)$`).exec(arn);
  if (states?.[1]) return { kind: 'stateMachine', stateMachineName: states[1] };
  return undefined;
}

/** The buses of the account: `default` and the one the deployment defines. */
export class BusRegistry {
  private readonly buses = new Map<string, Bus>();

  constructor(
    readonly scope: BusScope,
    names: readonly string[],
    createdAt: Date,
  ) {
    for (const name of new Set([DEFAULT_BUS, ...names])) {
      this.buses.set(name, { name, arn: busArn(scope, name), createdAt, rules: new Map() });
    }
  }

  /** By name or ARN (of this account and region); the default bus when none is named. */
  find(nameOrArn: string | undefined): Bus | undefined {
    const reference = nameOrArn ?? DEFAULT_BUS;
    const arnPrefix = busArn(this.scope, '');
    if (!reference.startsWith('arn:')) return this.buses.get(reference);
    return reference.startsWith(arnPrefix) ? this.buses.get(reference.slice(arnPrefix.length)) : undefined;
  }

  require(nameOrArn: string | undefined): Bus {
    const bus = this.find(nameOrArn);
    if (!bus) throw new AwsServiceError('ResourceNotFoundException', `Event bus ${nameOrArn ?? DEFAULT_BUS} does not exist.`);
    return bus;
  }

  /** Sorted by name, as ListEventBuses answers. */
  list(): Bus[] {
    return [...this.buses.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

export function requireRule(bus: Bus, name: string): Rule {
  const rule = bus.rules.get(name);
  if (!rule) throw new AwsServiceError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus.name}.`);
  return rule;
}

export class DuplicateRuleDefinitionError extends Error {
  constructor(readonly rule: string) {
    super(`Rule ${rule} is defined twice`);
    this.name = 'DuplicateRuleDefinitionError';
  }
}

/**
 * The defined rules, created as a deployment creates them: an invalid pattern
 * (InvalidEventPatternError) or a rule defined twice stops the start.
 */
export function defineRules(bus: Bus, scope: BusScope, definitions: readonly RuleDefinition[]): void {
  for (const definition of definitions) {
    if (bus.rules.has(definition.name)) throw new DuplicateRuleDefinitionError(definition.name);
    const targets = new Map<string, Target>();
    definition.targets.forEach((destination, index) => {
      // CDK names a rule's targets Target0, Target1, …
      const id = `Target${index}`;
      targets.set(id, { id, arn: targetArn(scope, destination), destination });
    });
    bus.rules.set(definition.name, {
      name: definition.name,
      busName: bus.name,
      arn: ruleArn(scope, bus.name, definition.name),
      description: definition.description,
      eventPattern: JSON.stringify(definition.eventPattern),
      matcher: compilePattern(definition.eventPattern),
      state: 'ENABLED',
      targets,
    });
  }
}

/** The enabled rules of a bus whose pattern matches the event. */
export function matchingRules(bus: Bus, event: EventEnvelope): Rule[] {
  return [...bus.rules.values()].filter((rule) => rule.state === 'ENABLED' && rule.matcher(event));
}

/** What happened to events, each list bounded (oldest dropped first) so a long run stays small. */
export class EventHistory {
  private readonly archived: ArchivedEvent[] = [];
  private readonly attempts: DeliveryAttempt[] = [];
  private readonly dead: DeadLetter[] = [];

  constructor(private readonly limit: number) {}

  recordAccepted(entry: ArchivedEvent): void {
    this.push(this.archived, entry);
  }

  recordAttempt(attempt: DeliveryAttempt): void {
    this.push(this.attempts, attempt);
  }

  recordDeadLetter(letter: DeadLetter): void {
    this.push(this.dead, letter);
  }

  /** Copies, newest last. */
  archive(): ArchivedEvent[] {
    return [...this.archived];
  }

  deliveries(): DeliveryAttempt[] {
    return [...this.attempts];
  }

  deadLetters(): DeadLetter[] {
    return [...this.dead];
  }

  private push<T>(list: T[], item: T): void {
    list.push(item);
    if (list.length > this.limit) list.splice(0, list.length - this.limit);
  }
}
