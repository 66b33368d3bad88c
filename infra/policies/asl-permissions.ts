/**
 * The IAM actions a state machine's Task states call, read from its ASL: the CDK app grants a
 * machine's role exactly these, so a step added to an ASL file cannot run with more than the
 * ASL says and a step removed leaves no stale permission behind.
 */

/** What a task acts on; the CDK app maps each to the deployed resource's ARN. */
export type TaskTarget = 'table' | 'tableIndex' | 'userPool' | 'eventBus';

export type TaskPermissions = Record<TaskTarget, string[]>;

export class InvalidStateMachineDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStateMachineDefinitionError';
  }
}

/** A Task whose service the control plane does not grant; add it here with its resource, or drop the step. */
export class UnsupportedTaskResourceError extends Error {
  constructor(
    readonly stateName: string,
    readonly resource: string,
    reason: string,
  ) {
    super(`State ${stateName}: ${resource} ${reason}`);
    this.name = 'UnsupportedTaskResourceError';
  }
}

// `aws-sdk` integration service names → IAM prefixes and the resource each acts on.
const SERVICES: Record<string, { prefix: string; target: TaskTarget }> = {
  dynamodb: { prefix: 'dynamodb', target: 'table' },
  cognitoidentityprovider: { prefix: 'cognito-idp', target: 'userPool' },
  eventbridge: { prefix: 'events', target: 'eventBus' },
  // The optimized integration's service name.
  events: { prefix: 'events', target: 'eventBus' },
};

// A transaction is authorized per item: IAM has no TransactWriteItems or TransactGetItems action.
const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

const AWS_SDK_RESOURCE = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([a-zA-Z0-9]+)$/;
const OPTIMIZED_RESOURCE = /^arn:aws:states:::(dynamodb|events):([a-zA-Z0-9]+)$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const pascal = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);

interface Grant {
  target: TaskTarget;
  action: string;
}

function transactionGrants(stateName: string, resource: string, parameters: Record<string, unknown>): Grant[] {
  const items = parameters.TransactItems;
  if (!Array.isArray(items)) {
    // `TransactItems.$` picks the items at run time: the actions cannot be known from the definition.
    throw new UnsupportedTaskResourceError(stateName, resource, 'needs a literal TransactItems array to derive its actions');
  }
  return items.flatMap((item: unknown) => {
    if (!isRecord(item)) throw new InvalidStateMachineDefinitionError(`State ${stateName}: a TransactItems entry is not an object`);
    return Object.keys(item).map((kind) => {
      const action = TRANSACT_ITEM_ACTIONS[kind];
      if (!action) throw new UnsupportedTaskResourceError(stateName, resource, `has an unknown transaction item ${kind}`);
      return { target: 'table' as const, action };
    });
  });
}

function taskGrants(stateName: string, state: Record<string, unknown>): Grant[] {
  const resource = state.Resource;
  if (typeof resource !== 'string') throw new InvalidStateMachineDefinitionError(`State ${stateName}: a Task needs a Resource`);
  const match = AWS_SDK_RESOURCE.exec(resource) ?? OPTIMIZED_RESOURCE.exec(resource);
  const [, serviceName = '', apiName = ''] = match ?? [];
  const service = SERVICES[serviceName];
  if (!service) throw new UnsupportedTaskResourceError(stateName, resource, 'is not a service the control plane grants');

  const parameters = isRecord(state.Parameters) ? state.Parameters : {};
  if (service.prefix === 'dynamodb' && apiName.startsWith('transact')) {
    return transactionGrants(stateName, resource, parameters);
  }
  const onIndex = service.target === 'table' && ('IndexName' in parameters || 'IndexName.$' in parameters);
  return [{ target: onIndex ? 'tableIndex' : service.target, action: `${service.prefix}:${pascal(apiName)}` }];
}

function machineGrants(machine: unknown, where: string): Grant[] {
  if (!isRecord(machine) || !isRecord(machine.States)) {
    throw new InvalidStateMachineDefinitionError(`${where} has no States object`);
  }
  return Object.entries(machine.States).flatMap(([name, state]) => {
    if (!isRecord(state)) throw new InvalidStateMachineDefinitionError(`State ${name} is not an object`);
    const nested = [
      ...(Array.isArray(state.Branches) ? state.Branches.map((branch, index) => machineGrants(branch, `${name} branch ${index}`)) : []),
      ...(state.ItemProcessor === undefined ? [] : [machineGrants(state.ItemProcessor, `${name} ItemProcessor`)]),
      ...(state.Iterator === undefined ? [] : [machineGrants(state.Iterator, `${name} Iterator`)]),
    ].flat();
    return state.Type === 'Task' ? [...taskGrants(name, state), ...nested] : nested;
  });
}

/** Every IAM action the definition's tasks call, by what they act on, sorted and without repeats. */
export function taskPermissions(definition: unknown): TaskPermissions {
  const permissions: TaskPermissions = { table: [], tableIndex: [], userPool: [], eventBus: [] };
  for (const { target, action } of machineGrants(definition, 'The definition')) {
    if (!permissions[target].includes(action)) permissions[target].push(action);
  }
  for (const actions of Object.values(permissions)) actions.sort();
  return permissions;
}
