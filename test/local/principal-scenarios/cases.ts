import { DEFAULT_TABLE_NAME } from '../../../domain/table';
import type { IdentityPolicy, IdentityStatement } from '../../../infra/policies/statements';
import { EVENT_BUS_NAME } from '../../../local/cloud';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../../local/config';
import type { Denial } from '../../../local/iam/role-policies';
import { functionRolePolicies, stateMachineRolePolicies, stateMachineRoleArn } from '../../../local/principals';
import { WORKFLOWS, type WorkflowKey } from '../../../workflows/registry';

/**
 * The case table of the principal-policy test: one case per (principal, statement) of the policies
 * the local cloud registers, derived from the same builders (local/principals.ts) before any test
 * runs, so that a statement added to a builder gets a case, which fails until a scenario needs it.
 * The ARNs in statements name the cloud's resources, known only once it runs: the table is built with
 * stand-ins for the pool's ids and machines' ARNs, and every case checks that the registered policy
 * has the same statements (actions and count) as the one the table was built from.
 */

export const LOCAL_SCOPE = { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID } as const;

/** Stand-ins for what only the running cloud names; the statements' actions do not depend on them. */
const STAND_INS = {
  tableName: DEFAULT_TABLE_NAME,
  eventBusName: EVENT_BUS_NAME,
  userPoolId: 'user-pool-of-the-running-cloud',
  identityPoolId: 'identity-pool-of-the-running-cloud',
  stateMachineArns: Object.fromEntries(Object.keys(WORKFLOWS).map((key) => [key, `state-machine-${key}`])) as Record<WorkflowKey, string>,
};

export interface StatementCase {
  /** The role's name (the ARN's last part), for the test's title. */
  readonly roleName: string;
  readonly roleArn: string;
  readonly index: number;
  readonly actions: readonly string[];
}

/** A statement no scenario can make necessary, kept out of the table with the reason (reported to the lead). */
export interface UnreachableStatement {
  readonly roleArn: string;
  readonly actions: readonly string[];
  readonly reason: string;
}

export const actionsOf = (statement: IdentityStatement): string[] => [statement.Action].flat().map(String);
const sameActions = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((action) => b.includes(action));

/** Every function's and every state machine's role, with its policy as the builders make it. */
export function principalPolicies(): ReadonlyMap<string, IdentityPolicy> {
  return new Map([...functionRolePolicies(LOCAL_SCOPE, STAND_INS), ...stateMachineRolePolicies(LOCAL_SCOPE, STAND_INS)]);
}

export function statementCases(unreachable: readonly UnreachableStatement[]): StatementCase[] {
  return [...principalPolicies()].flatMap(([roleArn, policy]) =>
    policy.Statement.map((statement, index) => ({ roleName: roleArn.split('/').pop() ?? roleArn, roleArn, index, actions: actionsOf(statement) })).filter(
      (entry) => !unreachable.some((excluded) => excluded.roleArn === entry.roleArn && sameActions(excluded.actions, entry.actions)),
    ),
  );
}

/** The policy the role holds, minus its statement `index`. */
export function withoutStatement(policy: IdentityPolicy, index: number): IdentityPolicy {
  return { ...policy, Statement: policy.Statement.filter((_statement, at) => at !== index) };
}

/** IAM's wildcard match of a Resource element (`*` any run of characters, `?` one). */
const resourceMatches = (pattern: string, resource: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(resource);

/** A refusal of `roleArn` on one of the statement's actions and resources: what removing it causes. */
export const refusedBy = (roleArn: string, statement: IdentityStatement) => (denial: Denial): boolean =>
  denial.roleArn === roleArn && actionsOf(statement).includes(denial.action) && [statement.Resource].flat().some((pattern) => resourceMatches(String(pattern), denial.resource));

/** The state machine whose role `roleArn` is, if it is one. */
export function machineOfRole(roleArn: string): WorkflowKey | undefined {
  return (Object.keys(WORKFLOWS) as WorkflowKey[]).find((key) => stateMachineRoleArn(LOCAL_SCOPE, key) === roleArn);
}

