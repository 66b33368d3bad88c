/**
 * Each state machine's identity policy: exactly the actions its ASL's Task states call
 * (asl-permissions.ts), on the one table (and its named indexes), pool and bus. The CDK construct
 * (infra/constructs/workflows.ts) and the local cloud's Step Functions both build it here.
 */
import { TABLE_DEFINITION } from '../../domain/table';
import { ARNS } from './arns';
import { taskPermissions, type TaskTarget } from './asl-permissions';
import { allow, policyOf, type IdentityPolicy } from './statements';

export interface StateMachinePolicyResources {
  readonly tableArn: string;
  readonly userPoolArn: string;
  readonly eventBusArn: string;
}

/** The ARNs each kind of task target stands for. */
export function taskTargetArns(resources: StateMachinePolicyResources): Record<TaskTarget, string[]> {
  return {
    table: [resources.tableArn],
    // Named, not `index/*`: a machine reads only the indexes the shared table definition has.
    tableIndex: TABLE_DEFINITION.globalSecondaryIndexes.map((index) => ARNS.tableIndex(resources.tableArn, index.indexName)),
    userPool: [resources.userPoolArn],
    eventBus: [resources.eventBusArn],
  };
}

/** `definition` is the parsed ASL (placeholders may remain: only Resource and Parameters' keys are read). */
export function stateMachinePolicy(definition: unknown, resources: StateMachinePolicyResources): IdentityPolicy {
  const permissions = taskPermissions(definition);
  const arns = taskTargetArns(resources);
  return policyOf(
    (Object.keys(permissions) as TaskTarget[]).filter((target) => permissions[target].length > 0).map((target) => allow(permissions[target], arns[target])),
  );
}
