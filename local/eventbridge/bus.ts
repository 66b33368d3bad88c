import { randomUUID } from 'node:crypto';
import { TARGET_DELIVERY, type RuleDefinition, type RuleTarget } from '../../events/rule-definition';
import { AwsServiceError, jsonProtocolService, type JsonOperation } from '../server/aws-json';
import type { LocalService } from '../server/types';
import { listingOperations } from './listings';
import { compilePattern, InvalidEventPatternError, parseEventPattern, type CompiledPattern } from './pattern';

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

export interface EventBridgeDeliver {
  lambda(functionName: string, event: object): Promise<void>;
  stateMachine(stateMachineName: string, event: object): Promise<void>;
}

export interface EventBridgeServiceOptions {
  /** The bus the defined rules live on; the `default` bus exists as well. */
  busName: string;
  region: string;
  accountId: string;
  rules: readonly RuleDefinition[];
  deliver: EventBridgeDeliver;
  /** Attempts per target (first try included) and the first backoff; the delay doubles, with jitter. */
  retry?: { maxAttempts: number; baseDelayMs: number };
  /** Deliver every matched event twice, to prove consumers idempotent (the bus is at-least-once). */
  duplicateDelivery?: boolean;
  now?: () => Date;
  /** How many archived events, delivery attempts and dead letters are kept (oldest dropped first). */
  historyLimit?: number;
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
  readonly error: string;
  readonly attempts: number;
  readonly at: string;
}

export interface ArchivedEvent {
  readonly eventBusName: string;
  readonly event: EventEnvelope;
  readonly matchedRules: readonly string[];
}

export interface EventBridgeService extends LocalService {
  /** Every accepted event, newest last. */
  archive(): readonly ArchivedEvent[];
  deadLetters(): readonly DeadLetter[];
  deliveries(): readonly DeliveryAttempt[];
  /** Resolves once no delivery (including a pending retry) is in flight. */
  settled(): Promise<void>;
  setDuplicateDelivery(on: boolean): void;
}

export const EVENTBRIDGE_TARGET_PREFIX = 'AWSEvents';
export const DEFAULT_RETRY = { maxAttempts: TARGET_DELIVERY.retryAttempts + 1, baseDelayMs: 250 } as const;
export const DEFAULT_BUS = 'default';
const MAX_ENTRIES = 10;
/** PutEvents' limit on the summed entry sizes (eb-putevent-size). */
const MAX_REQUEST_BYTES = 256 * 1024;
const MAX_TARGETS_PER_RULE = 5;
const NAME_PATTERN = /^[.\-_A-Za-z0-9]{1,64}$/;

interface Target {
  readonly id: string;
  readonly arn: string;
  readonly destination: RuleTarget;
  /** Constant JSON object delivered instead of the event (PutTargets' `Input`). */
  readonly input?: Record<string, unknown>;
  readonly maxAttempts?: number;
}

interface Rule {
  readonly name: string;
  readonly busName: string;
  readonly arn: string;
  description: string | undefined;
  eventPattern: string;
  matcher: CompiledPattern;
  state: 'ENABLED' | 'DISABLED';
  readonly targets: Map<string, Target>;
}

interface Bus {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: Date;
  readonly rules: Map<string, Rule>;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

class EntryError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'EntryError';
  }
}

const validation = (message: string): AwsServiceError => new AwsServiceError('ValidationException', message);

function optionalString(input: Record<string, unknown>, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsServiceError('SerializationException', `${member} must be a string`);
  return value;
}

function requiredString(input: Record<string, unknown>, member: string): string {
  const value = optionalString(input, member);
  if (value === undefined || value === '') {
    throw validation(`1 validation error detected: Value null at '${member.charAt(0).toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

function validName(value: string, member: string): string {
  if (!NAME_PATTERN.test(value)) {
    throw validation(
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
    );
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** AWS writes event times to the second: `2017-12-22T18:43:48Z`. */
function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The size AWS counts for one PutEvents entry (eb-putevent-size). */
function entrySize(entry: Record<string, unknown>): number {
  const text = (value: unknown): number => (typeof value === 'string' ? utf8Length(value) : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
  return (
    (entry.Time !== undefined && entry.Time !== null ? 14 : 0) +
    text(entry.Source) +
    text(entry.DetailType) +
    text(entry.Detail) +
    resources.reduce((sum: number, resource) => sum + text(resource), 0)
  );
}

function errorText(error: unknown): string {
  // A service's answer by its AWS error code (as a dead letter's ERROR_CODE attribute names it), not this code's class.
  if (error instanceof AwsServiceError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** JSON round trip: each target gets its own copy, and no object crosses a jest realm. */
function copyOf<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function bounded<T>(list: T[], item: T, limit: number): void {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
}

export function createEventBridgeService(options: EventBridgeServiceOptions): EventBridgeService {
  const { region, accountId, deliver } = options;
  const retry = options.retry ?? DEFAULT_RETRY;
  const now = options.now ?? (() => new Date());
  const historyLimit = options.historyLimit ?? 10_000;
  let duplicateDelivery = options.duplicateDelivery ?? false;
  let stopped = false;

  const archived: ArchivedEvent[] = [];
  const attempts: DeliveryAttempt[] = [];
  const dead: DeadLetter[] = [];
  const inFlight = new Set<Promise<void>>();
  const sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();

  const busArn = (name: string): string => `arn:aws:events:${region}:${accountId}:event-bus/${name}`;
  const ruleArn = (bus: string, rule: string): string =>
    `arn:aws:events:${region}:${accountId}:rule/${bus === DEFAULT_BUS ? rule : `${bus}/${rule}`}`;
  const targetArn = (target: RuleTarget): string =>
    target.kind === 'lambda'
      ? `arn:aws:lambda:${region}:${accountId}:function:${target.functionName}`
      : `arn:aws:states:${region}:${accountId}:stateMachine:${target.stateMachineName}`;

  const buses = new Map<string, Bus>();
  for (const name of new Set([DEFAULT_BUS, options.busName])) {
    buses.set(name, { name, arn: busArn(name), createdAt: now(), rules: new Map() });
  }

  function findBus(nameOrArn: string | undefined): Bus | undefined {
    const reference = nameOrArn ?? DEFAULT_BUS;
    const arnPrefix = `arn:aws:events:${region}:${accountId}:event-bus/`;
    const name = reference.startsWith('arn:') ? (reference.startsWith(arnPrefix) ? reference.slice(arnPrefix.length) : undefined) : reference;
    return name === undefined ? undefined : buses.get(name);
  }

  function requireBus(nameOrArn: string | undefined): Bus {
    const bus = findBus(nameOrArn);
    if (!bus) throw new AwsServiceError('ResourceNotFoundException', `Event bus ${nameOrArn ?? DEFAULT_BUS} does not exist.`);
    return bus;
  }

  function requireRule(bus: Bus, name: string): Rule {
    const rule = bus.rules.get(name);
    if (!rule) throw new AwsServiceError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus.name}.`);
    return rule;
  }

  function compileOrThrow(eventPattern: string): CompiledPattern {
    try {
      return compilePattern(parseEventPattern(eventPattern));
    } catch (error) {
      if (error instanceof InvalidEventPatternError) throw new AwsServiceError('InvalidEventPatternException', error.message);
      throw error;
    }
  }

  function parseTargetArn(arn: string): RuleTarget | undefined {
    const lambda = new RegExp(`^arn:aws:lambda:${region}:${accountId}:function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$`).exec(arn);
    if (lambda?.[1]) return { kind: 'lambda', functionName: lambda[1] };
    const states = new RegExp(`^arn:aws:states:${region}:${accountId}:stateMachine:([A-Za-z0-9_-]+)$`).exec(arn);
    if (states?.[1]) return { kind: 'stateMachine', stateMachineName: states[1] };
    return undefined;
  }

  // The defined rules are created as a deployment would create them: invalid ones stop the start.
  const definedBus = requireBus(options.busName);
  for (const definition of options.rules) {
    if (definedBus.rules.has(definition.name)) throw new Error(`Rule ${definition.name} is defined twice`);
    const eventPattern = JSON.stringify(definition.eventPattern);
    const targets = new Map<string, Target>();
    definition.targets.forEach((destination, index) => {
      // CDK names a rule's targets Target0, Target1, …
      const id = `Target${index}`;
      targets.set(id, { id, arn: targetArn(destination), destination });
    });
    definedBus.rules.set(definition.name, {
      name: definition.name,
      busName: definedBus.name,
      arn: ruleArn(definedBus.name, definition.name),
      description: definition.description,
      eventPattern,
      matcher: compilePattern(definition.eventPattern),
      state: 'ENABLED',
      targets,
    });
  }

  // ------------------------------------------------------------------------------------------
  // Delivery

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          sleepers.delete(sleeper);
          resolve();
        }, ms),
        wake: resolve,
      };
      sleeper.timer.unref();
      sleepers.add(sleeper);
    });
  }

  /** Exponential backoff with equal jitter, so retries of many events do not arrive in lockstep. */
  function backoff(attempt: number): number {
    const ceiling = retry.baseDelayMs * 2 ** (attempt - 1);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  async function send(target: Target, event: EventEnvelope): Promise<void> {
    const payload = copyOf(target.input ?? event);
    if (target.destination.kind === 'lambda') await deliver.lambda(target.destination.functionName, payload);
    else await deliver.stateMachine(target.destination.stateMachineName, payload);
  }

  async function deliverToTarget(busName: string, rule: string, target: Target, event: EventEnvelope, copy: number): Promise<void> {
    // PutEvents answers first; delivery starts on a later turn of the event loop, as on AWS.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const maxAttempts = target.maxAttempts ?? retry.maxAttempts;
    const where = { eventId: event.id, eventBusName: busName, rule, target: { id: target.id, arn: target.arn }, copy };
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await send(target, event);
        bounded(attempts, { ...where, attempt, outcome: 'delivered', at: now().toISOString() }, historyLimit);
        return;
      } catch (error) {
        const message = errorText(error);
        bounded(attempts, { ...where, attempt, outcome: 'failed', error: message, at: now().toISOString() }, historyLimit);
        if (attempt >= maxAttempts) {
          bounded(dead, { event, rule, target: where.target, error: message, attempts: attempt, at: now().toISOString() }, historyLimit);
          return;
        }
        await sleep(backoff(attempt));
      }
    }
  }

  function track(job: Promise<void>): void {
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  }

  function publish(bus: Bus, event: EventEnvelope): void {
    const matched = [...bus.rules.values()].filter((rule) => rule.state === 'ENABLED' && rule.matcher(event));
    bounded(archived, { eventBusName: bus.name, event, matchedRules: matched.map((rule) => rule.name) }, historyLimit);
    const copies = duplicateDelivery ? 2 : 1;
    for (const rule of matched) {
      for (const target of rule.targets.values()) {
        for (let copy = 1; copy <= copies; copy++) {
          track(
            deliverToTarget(bus.name, rule.name, target, event, copy).catch((error: unknown) => {
              // Only a bug in this file lands here; delivery failures are recorded above.
              console.error('[local] eventbridge delivery error:', error);
            }),
          );
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Operations

  function acceptEntry(entry: unknown): EventEnvelope & { readonly bus: Bus } {
    if (!isRecord(entry)) throw new EntryError('InvalidArgument', 'Entry is not valid.');
    const required = (member: string): string => {
      const value = entry[member];
      if (typeof value !== 'string' || value === '') {
        throw new EntryError('InvalidArgument', `Parameter ${member} is not valid. Reason: ${member} is a required argument.`);
      }
      return value;
    };
    const source = required('Source');
    const detailType = required('DetailType');
    const detailText = required('Detail');
    let detail: unknown;
    try {
      detail = JSON.parse(detailText);
    } catch {
      throw new EntryError('MalformedDetail', 'Detail is malformed.');
    }
    if (!isRecord(detail)) throw new EntryError('MalformedDetail', 'Detail is malformed.');
    if (source.startsWith('aws.')) throw new EntryError('NotAuthorizedForSourceException', 'Not authorized for the source.');
    const busReference = typeof entry.EventBusName === 'string' && entry.EventBusName !== '' ? entry.EventBusName : undefined;
    const bus = findBus(busReference);
    // AWS accepts and silently drops events for a bus that does not exist; locally that mistake
    // is reported on the entry instead, so a misnamed bus shows up in the first test run.
    if (!bus) throw new EntryError('ResourceNotFoundException', `Event bus ${busReference ?? DEFAULT_BUS} does not exist.`);
    const resources = entry.Resources ?? [];
    if (!Array.isArray(resources) || !resources.every((resource): resource is string => typeof resource === 'string')) {
      throw new EntryError('InvalidArgument', 'Parameter Resources is not valid. Reason: Resources must be a list of strings.');
    }
    const time = typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : typeof entry.Time === 'string' ? new Date(entry.Time) : now();
    if (Number.isNaN(time.getTime())) throw new EntryError('InvalidArgument', 'Parameter Time is not valid.');
    return {
      bus,
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account: accountId,
      time: eventTime(time),
      region,
      resources,
      detail,
    };
  }

  const PutEvents: JsonOperation = async (input) => {
    const entries = input.Entries;
    if (!Array.isArray(entries) || entries.length === 0) {
      throw validation(`1 validation error detected: Value ${Array.isArray(entries) ? '[]' : 'null'} at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1`);
    }
    if (entries.length > MAX_ENTRIES) {
      throw validation(`1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`);
    }
    const size = entries.reduce((sum: number, entry) => sum + (isRecord(entry) ? entrySize(entry) : 0), 0);
    if (size > MAX_REQUEST_BYTES) throw validation('Total size of the entries in the request is over the limit.');

    const results: EntryResult[] = [];
    const accepted: (EventEnvelope & { readonly bus: Bus })[] = [];
    for (const entry of entries) {
      try {
        const event = acceptEntry(entry);
        accepted.push(event);
        results.push({ EventId: event.id });
      } catch (error) {
        if (!(error instanceof EntryError)) throw error;
        results.push({ ErrorCode: error.code, ErrorMessage: error.message });
      }
    }
    for (const { bus, ...event } of accepted) publish(bus, event);
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  };

  const TestEventPattern: JsonOperation = async (input) => {
    const matcher = compileOrThrow(requiredString(input, 'EventPattern'));
    let event: unknown;
    try {
      event = JSON.parse(requiredString(input, 'Event'));
    } catch (error) {
      if (error instanceof AwsServiceError) throw error;
      throw validation('Parameter Event is not valid.');
    }
    // The API reference lists these as mandatory in a test event.
    const mandatory = ['id', 'account', 'source', 'time', 'region', 'detail-type'];
    if (!isRecord(event) || mandatory.some((field) => typeof event[field] !== 'string') || !Array.isArray(event.resources)) {
      throw validation('Parameter Event is not valid.');
    }
    return { Result: matcher(event) };
  };

  const describeRule = (rule: Rule): Record<string, unknown> => ({
    Name: rule.name,
    Arn: rule.arn,
    EventPattern: rule.eventPattern,
    State: rule.state,
    ...(rule.description !== undefined ? { Description: rule.description } : {}),
    EventBusName: rule.busName,
    CreatedBy: accountId,
  });

  const describeTarget = (target: Target): Record<string, unknown> => ({
    Id: target.id,
    Arn: target.arn,
    ...(target.input ? { Input: JSON.stringify(target.input) } : {}),
    ...(target.maxAttempts !== undefined ? { RetryPolicy: { MaximumRetryAttempts: target.maxAttempts - 1 } } : {}),
  });

  const describeBus = (bus: Bus): Record<string, unknown> => ({
    Name: bus.name,
    Arn: bus.arn,
    CreationTime: bus.createdAt.getTime() / 1000,
    LastModifiedTime: bus.createdAt.getTime() / 1000,
  });

  function page<T>(items: readonly T[], input: Record<string, unknown>): { items: T[]; nextToken?: string } {
    const start = Number(optionalString(input, 'NextToken') ?? '0');
    const limit = typeof input.Limit === 'number' && input.Limit > 0 ? input.Limit : 100;
    if (!Number.isInteger(start) || start < 0) throw validation('The NextToken is not valid.');
    const end = start + limit;
    return { items: items.slice(start, end), ...(end < items.length ? { nextToken: String(end) } : {}) };
  }

  function setState(state: Rule['state']): JsonOperation {
    return async (input) => {
      const bus = requireBus(optionalString(input, 'EventBusName'));
      requireRule(bus, requiredString(input, 'Name')).state = state;
      return {};
    };
  }

  const PutRule: JsonOperation = async (input) => {
    const name = validName(requiredString(input, 'Name'), 'name');
    const bus = requireBus(optionalString(input, 'EventBusName'));
    if (optionalString(input, 'ScheduleExpression') !== undefined) {
      throw validation('ScheduleExpression is not supported by the local EventBridge; use an event pattern.');
    }
    const eventPattern = optionalString(input, 'EventPattern');
    if (eventPattern === undefined) throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    const matcher = compileOrThrow(eventPattern);
    const stateInput = optionalString(input, 'State') ?? 'ENABLED';
    if (stateInput !== 'ENABLED' && stateInput !== 'DISABLED') throw validation(`State ${stateInput} is not supported locally.`);
    const description = optionalString(input, 'Description');
    const existing = bus.rules.get(name);
    if (existing) {
      Object.assign(existing, { eventPattern, matcher, state: stateInput, description });
      return { RuleArn: existing.arn };
    }
    const rule: Rule = { name, busName: bus.name, arn: ruleArn(bus.name, name), description, eventPattern, matcher, state: stateInput, targets: new Map() };
    bus.rules.set(name, rule);
    return { RuleArn: rule.arn };
  };

  const DeleteRule: JsonOperation = async (input) => {
    const bus = requireBus(optionalString(input, 'EventBusName'));
    const rule = bus.rules.get(requiredString(input, 'Name'));
    // Deleting a rule that is already gone succeeds, as on AWS.
    if (!rule) return {};
    if (rule.targets.size > 0) throw validation("Rule can't be deleted since it has targets.");
    bus.rules.delete(rule.name);
    return {};
  };

  const PutTargets: JsonOperation = async (input) => {
    const bus = requireBus(optionalString(input, 'EventBusName'));
    const rule = requireRule(bus, requiredString(input, 'Rule'));
    const targets = input.Targets;
    if (!Array.isArray(targets) || targets.length === 0 || targets.length > 10) {
      throw validation("1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and 10");
    }
    const parsed = targets.map((target): Target => {
      if (!isRecord(target)) throw validation('Each target must be an object.');
      const id = validName(requiredString(target, 'Id'), 'targets.member.id');
      const arn = requiredString(target, 'Arn');
      const destination = parseTargetArn(arn);
      if (!destination) {
        throw validation(`Parameter ${arn} is not valid. Reason: the local EventBridge delivers only to Lambda functions and state machines of account ${accountId} in ${region}.`);
      }
      if (target.InputPath !== undefined || target.InputTransformer !== undefined) {
        throw validation(`Target ${id}: InputPath and InputTransformer are not supported by the local EventBridge.`);
      }
      let constant: Record<string, unknown> | undefined;
      const inputText = optionalString(target, 'Input');
      if (inputText !== undefined) {
        try {
          constant = JSON.parse(inputText) as Record<string, unknown>;
        } catch {
          throw validation(`Target ${id}: Input is not valid JSON.`);
        }
        if (!isRecord(constant)) throw validation(`Target ${id}: the local EventBridge supports only a JSON object as Input.`);
      }
      const retryPolicy = isRecord(target.RetryPolicy) ? target.RetryPolicy : undefined;
      const maxRetries = typeof retryPolicy?.MaximumRetryAttempts === 'number' ? retryPolicy.MaximumRetryAttempts : undefined;
      return {
        id,
        arn,
        destination,
        ...(constant ? { input: constant } : {}),
        ...(maxRetries !== undefined ? { maxAttempts: maxRetries + 1 } : {}),
      };
    });
    const ids = new Set([...rule.targets.keys(), ...parsed.map((target) => target.id)]);
    if (ids.size > MAX_TARGETS_PER_RULE) throw new AwsServiceError('LimitExceededException', 'The requested resource exceeds the maximum number allowed.');
    for (const target of parsed) rule.targets.set(target.id, target);
    return { FailedEntryCount: 0, FailedEntries: [] };
  };

  const RemoveTargets: JsonOperation = async (input) => {
    const bus = requireBus(optionalString(input, 'EventBusName'));
    const rule = requireRule(bus, requiredString(input, 'Rule'));
    const ids = input.Ids;
    if (!Array.isArray(ids) || ids.length === 0) throw validation("1 validation error detected: Value null at 'ids' failed to satisfy constraint: Member must not be null");
    for (const id of ids) if (typeof id === 'string') rule.targets.delete(id);
    return { FailedEntryCount: 0, FailedEntries: [] };
  };

  const ListTargetsByRule: JsonOperation = async (input) => {
    const bus = requireBus(optionalString(input, 'EventBusName'));
    const rule = requireRule(bus, requiredString(input, 'Rule'));
    const { items, nextToken } = page([...rule.targets.values()], input);
    return { Targets: items.map(describeTarget), ...(nextToken ? { NextToken: nextToken } : {}) };
  };

  const ListRules: JsonOperation = async (input) => {
    const bus = requireBus(optionalString(input, 'EventBusName'));
    const prefix = optionalString(input, 'NamePrefix') ?? '';
    const rules = [...bus.rules.values()].filter((rule) => rule.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
    const { items, nextToken } = page(rules, input);
    return { Rules: items.map(describeRule), ...(nextToken ? { NextToken: nextToken } : {}) };
  };

  const ListEventBuses: JsonOperation = async (input) => {
    const prefix = optionalString(input, 'NamePrefix') ?? '';
    const list = [...buses.values()].filter((bus) => bus.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
    const { items, nextToken } = page(list, input);
    return { EventBuses: items.map(describeBus), ...(nextToken ? { NextToken: nextToken } : {}) };
  };

  const service = jsonProtocolService({
    name: 'eventbridge',
    targetPrefix: EVENTBRIDGE_TARGET_PREFIX,
    version: '1.1',
    operations: {
      PutEvents,
      TestEventPattern,
      PutRule,
      DeleteRule,
      DescribeRule: async (input) => {
        const bus = requireBus(optionalString(input, 'EventBusName'));
        return describeRule(requireRule(bus, requiredString(input, 'Name')));
      },
      EnableRule: setState('ENABLED'),
      DisableRule: setState('DISABLED'),
      ListRules,
      PutTargets,
      RemoveTargets,
      ListTargetsByRule,
      DescribeEventBus: async (input) => describeBus(requireBus(optionalString(input, 'Name'))),
      ListEventBuses,
      ...listingOperations({ busName: options.busName, region: options.region, accountId: options.accountId, createdAt: new Date(), archived: () => archived }),
    },
    stop: async () => {
      // Pending retries are abandoned: a stopped cloud must not keep the process alive.
      stopped = true;
      for (const sleeper of sleepers) {
        clearTimeout(sleeper.timer);
        sleeper.wake();
      }
      sleepers.clear();
    },
  });

  return {
    ...service,
    archive: () => [...archived],
    deadLetters: () => [...dead],
    deliveries: () => [...attempts],
    async settled() {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
    setDuplicateDelivery(on) {
      duplicateDelivery = on;
    },
  };
}
