import { AwsServiceError, type JsonOperation } from '../server/aws-json';
import { validationError } from './errors';
import { compileEventPattern, isRecord, optionalString, page, requiredString, validName } from './input';
import { parseTargetArn, requireRule, ruleArn, type BusRegistry, type BusScope, type Rule, type Target } from './model';

/**
 * Rules and their targets: PutRule, DeleteRule, DescribeRule, EnableRule, DisableRule, ListRules,
 * PutTargets, RemoveTargets, ListTargetsByRule, in AWS's shapes over the local buses. The local
 * bus delivers to Lambda functions and state machines of its own account, with a constant `Input`
 * at most; schedules, input paths and transformers are refused, naming the limitation.
 */

/** Targets per rule (the EventBridge quota). */
const MAX_TARGETS_PER_RULE = 5;
/** PutTargets' TargetList: 1 to 10 per call. */
const MAX_TARGETS_PER_CALL = 10;

export function describeRule(rule: Rule, accountId: string): Record<string, unknown> {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventPattern: rule.eventPattern,
    State: rule.state,
    ...(rule.description !== undefined ? { Description: rule.description } : {}),
    EventBusName: rule.busName,
    CreatedBy: accountId,
  };
}

function describeTarget(target: Target): Record<string, unknown> {
  return {
    Id: target.id,
    Arn: target.arn,
    ...(target.input ? { Input: JSON.stringify(target.input) } : {}),
    ...(target.maxAttempts !== undefined ? { RetryPolicy: { MaximumRetryAttempts: target.maxAttempts - 1 } } : {}),
  };
}

function ruleOf(buses: BusRegistry, input: Record<string, unknown>, member: 'Name' | 'Rule'): Rule {
  return requireRule(buses.require(optionalString(input, 'EventBusName')), requiredString(input, member));
}

function setState(buses: BusRegistry, state: Rule['state']): JsonOperation {
  return async (input) => {
    ruleOf(buses, input, 'Name').state = state;
    return {};
  };
}

function putRule(buses: BusRegistry): JsonOperation {
  return async (input) => {
    const name = validName(requiredString(input, 'Name'), 'name');
    const bus = buses.require(optionalString(input, 'EventBusName'));
    if (optionalString(input, 'ScheduleExpression') !== undefined) {
      throw validationError('ScheduleExpression is not supported by the local EventBridge; use an event pattern.');
    }
    const eventPattern = optionalString(input, 'EventPattern');
    if (eventPattern === undefined) throw validationError('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    const matcher = compileEventPattern(eventPattern);
    const state = optionalString(input, 'State') ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED') throw validationError(`State ${state} is not supported locally.`);
    const description = optionalString(input, 'Description');
    const existing = bus.rules.get(name);
    if (existing) {
      Object.assign(existing, { eventPattern, matcher, state, description });
      return { RuleArn: existing.arn };
    }
    const rule: Rule = { name, busName: bus.name, arn: ruleArn(buses.scope, bus.name, name), description, eventPattern, matcher, state, targets: new Map() };
    bus.rules.set(name, rule);
    return { RuleArn: rule.arn };
  };
}

function deleteRule(buses: BusRegistry): JsonOperation {
  return async (input) => {
    const bus = buses.require(optionalString(input, 'EventBusName'));
    const rule = bus.rules.get(requiredString(input, 'Name'));
    // Deleting a rule that is already gone succeeds, as on AWS.
    if (!rule) return {};
    if (rule.targets.size > 0) throw validationError("Rule can't be deleted since it has targets.");
    bus.rules.delete(rule.name);
    return {};
  };
}

function constantInput(target: Record<string, unknown>, id: string): Record<string, unknown> | undefined {
  const inputText = optionalString(target, 'Input');
  if (inputText === undefined) return undefined;
  let constant: unknown;
  try {
    constant = JSON.parse(inputText);
  } catch {
    throw validationError(`Target ${id}: Input is not valid JSON.`);
  }
  if (!isRecord(constant)) throw validationError(`Target ${id}: the local EventBridge supports only a JSON object as Input.`);
  return constant;
}

function parseTarget(scope: BusScope, target: unknown): Target {
  if (!isRecord(target)) throw validationError('Each target must be an object.');
  const id = validName(requiredString(target, 'Id'), 'targets.member.id');
  const arn = requiredString(target, 'Arn');
  const destination = parseTargetArn(scope, arn);
  if (!destination) {
    throw validationError(`Parameter ${arn} is not valid. Reason: the local EventBridge delivers only to Lambda functions and state machines of account ${scope.accountId} in ${scope.region}.`);
  }
  if (target.InputPath !== undefined || target.InputTransformer !== undefined) {
    throw validationError(`Target ${id}: InputPath and InputTransformer are not supported by the local EventBridge.`);
  }
  const input = constantInput(target, id);
  const retryPolicy = isRecord(target.RetryPolicy) ? target.RetryPolicy : undefined;
  const maxRetries = typeof retryPolicy?.MaximumRetryAttempts === 'number' ? retryPolicy.MaximumRetryAttempts : undefined;
  return { id, arn, destination, ...(input ? { input } : {}), ...(maxRetries !== undefined ? { maxAttempts: maxRetries + 1 } : {}) };
}

function putTargets(buses: BusRegistry): JsonOperation {
  return async (input) => {
    const rule = ruleOf(buses, input, 'Rule');
    const targets = input.Targets;
    if (!Array.isArray(targets) || targets.length === 0 || targets.length > MAX_TARGETS_PER_CALL) {
      throw validationError(`1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and ${MAX_TARGETS_PER_CALL}`);
    }
    const parsed = targets.map((target) => parseTarget(buses.scope, target));
    const ids = new Set([...rule.targets.keys(), ...parsed.map((target) => target.id)]);
    if (ids.size > MAX_TARGETS_PER_RULE) throw new AwsServiceError('LimitExceededException', 'The requested resource exceeds the maximum number allowed.');
    for (const target of parsed) rule.targets.set(target.id, target);
    return { FailedEntryCount: 0, FailedEntries: [] };
  };
}

function removeTargets(buses: BusRegistry): JsonOperation {
  return async (input) => {
    const rule = ruleOf(buses, input, 'Rule');
    const ids = input.Ids;
    if (!Array.isArray(ids) || ids.length === 0) throw validationError("1 validation error detected: Value null at 'ids' failed to satisfy constraint: Member must not be null");
    for (const id of ids) if (typeof id === 'string') rule.targets.delete(id);
    return { FailedEntryCount: 0, FailedEntries: [] };
  };
}

function listRules(buses: BusRegistry): JsonOperation {
  return async (input) => {
    const bus = buses.require(optionalString(input, 'EventBusName'));
    const prefix = optionalString(input, 'NamePrefix') ?? '';
    const rules = [...bus.rules.values()].filter((rule) => rule.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
    const { items, nextToken } = page(rules, input);
    return { Rules: items.map((rule) => describeRule(rule, buses.scope.accountId)), ...(nextToken ? { NextToken: nextToken } : {}) };
  };
}

function listTargetsByRule(buses: BusRegistry): JsonOperation {
  return async (input) => {
    const rule = ruleOf(buses, input, 'Rule');
    const { items, nextToken } = page([...rule.targets.values()], input);
    return { Targets: items.map(describeTarget), ...(nextToken ? { NextToken: nextToken } : {}) };
  };
}

export function ruleOperations(buses: BusRegistry): Record<string, JsonOperation> {
  return {
    PutRule: putRule(buses),
    DeleteRule: deleteRule(buses),
    DescribeRule: async (input) => describeRule(ruleOf(buses, input, 'Name'), buses.scope.accountId),
    EnableRule: setState(buses, 'ENABLED'),
    DisableRule: setState(buses, 'DISABLED'),
    ListRules: listRules(buses),
    PutTargets: putTargets(buses),
    RemoveTargets: removeTargets(buses),
    ListTargetsByRule: listTargetsByRule(buses),
  };
}
