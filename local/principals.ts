/**
 * The local cloud's principals, as the CDK app deploys them: the tenant role, a role per function and
 * a role per state machine, each with the policy infra/policies/ builds for it (the same builders
 * the CDK constructs call), and the session credentials each runs with. A function or a machine
 * therefore has locally exactly the permissions it has when deployed, and a missing grant fails here
 * with the AccessDenied that AWS would answer.
 */
import { tenantPolicyDocument } from '../domain/isolation';
import { ASYNC_FAILURE_QUEUE } from '../events/async-invocation';
import { FUNCTIONS, isUserPoolTrigger, type FunctionDefinition, type FunctionKey } from '../handlers/catalog';
import { ARNS, type ArnScope } from '../infra/policies/arns';
import { functionPolicy, type FunctionPolicyResources } from '../infra/policies/function-policies';
import type { IdentityPolicy } from '../infra/policies/statements';
import { stateMachinePolicy } from '../infra/policies/state-machine-policies';
import { WORKFLOWS, type WorkflowKey } from '../workflows/registry';
import { renderDefinition } from '../workflows/render';
import type { CredentialStore, IssuedCredentials } from './iam/credential-store';
import { LOCAL_ROLE_NAMES, localRoleArn } from './iam/role-policies';

export interface PrincipalResources {
  readonly tableName: string;
  readonly eventBusName: string;
  readonly userPoolId: string;
  readonly identityPoolId: string;
  readonly stateMachineArns: Readonly<Record<WorkflowKey, string>>;
}

/**
 * How long a role session lasts. AWS documents neither Lambda's nor Step Functions' session length;
 * an hour is AssumeRole's default. A warm worker is retired before its credentials expire
 * (local/lambda/), and a machine's are reissued well before (ROLE_SESSION_REFRESH_SECONDS).
 */
export const ROLE_SESSION_SECONDS = 3600;
const ROLE_SESSION_REFRESH_SECONDS = 600;

export const functionRoleArn = (scope: ArnScope, definition: FunctionDefinition): string => localRoleArn(scope, LOCAL_ROLE_NAMES.function(definition.name));
export const stateMachineRoleArn = (scope: ArnScope, workflow: WorkflowKey): string =>
  localRoleArn(scope, LOCAL_ROLE_NAMES.stateMachine(WORKFLOWS[workflow].name));
export const tenantRoleArn = (scope: ArnScope): string => localRoleArn(scope, LOCAL_ROLE_NAMES.tenant);

export function tenantRolePolicy(scope: ArnScope, tableName: string): IdentityPolicy {
  return tenantPolicyDocument(ARNS.table(scope, tableName));
}

function policyResources(scope: ArnScope, resources: PrincipalResources): FunctionPolicyResources & { asyncFailureQueueArn: string } {
  return {
    asyncFailureQueueArn: ARNS.queue(scope, ASYNC_FAILURE_QUEUE.localName),
    tableArn: ARNS.table(scope, resources.tableName),
    eventBusArn: ARNS.eventBus(scope, resources.eventBusName),
    stateMachineArns: resources.stateMachineArns,
    identity: { userPoolArn: ARNS.userPool(scope, resources.userPoolId), identityPoolArn: ARNS.identityPool(scope, resources.identityPoolId) },
  };
}

/**
 * Every function's role and policy. A user pool trigger's policy is built without the identity
 * resources, as the CDK app builds it: a trigger that needed them would fail here as it fails to synthesize.
 */
export function functionRolePolicies(scope: ArnScope, resources: PrincipalResources): Map<string, IdentityPolicy> {
  const arns = policyResources(scope, resources);
  return new Map(
    (Object.keys(FUNCTIONS) as FunctionKey[]).map((key) => {
      const { identity: _identity, ...withoutIdentity } = arns;
      const policy = functionPolicy(key, isUserPoolTrigger(key) ? withoutIdentity : arns);
      return [functionRoleArn(scope, FUNCTIONS[key]), policy] as const;
    }),
  );
}

/** Every state machine's role and policy, from the same rendered ASL the machine runs. */
export function stateMachineRolePolicies(scope: ArnScope, resources: Pick<PrincipalResources, 'tableName' | 'eventBusName' | 'userPoolId'>): Map<string, IdentityPolicy> {
  const arns = {
    tableArn: ARNS.table(scope, resources.tableName),
    userPoolArn: ARNS.userPool(scope, resources.userPoolId),
    eventBusArn: ARNS.eventBus(scope, resources.eventBusName),
  };
  return new Map(
    (Object.keys(WORKFLOWS) as WorkflowKey[]).map((key) => [stateMachineRoleArn(scope, key), stateMachinePolicy(JSON.parse(renderDefinition(key)), arns)] as const),
  );
}

/** A role's session credentials, reissued once they come within the refresh margin of expiring. */
export function roleSessions(store: CredentialStore, now: () => Date = () => new Date()) {
  const sessions = new Map<string, IssuedCredentials>();
  return (roleArn: string, sessionName: string): IssuedCredentials => {
    const key = `${roleArn}\u0000${sessionName}`;
    const current = sessions.get(key);
    if (current && current.expiration.getTime() - now().getTime() > ROLE_SESSION_REFRESH_SECONDS * 1000) return current;
    const issued = store.issue({ roleArn, sessionName, principalTags: {}, ttlSeconds: ROLE_SESSION_SECONDS });
    sessions.set(key, issued);
    return issued;
  };
}
