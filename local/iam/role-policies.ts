/**
 * The local IAM's roles: each principal's identity policy, as the CDK app deploys it
 * (infra/policies/: the tenant role, one role per function, one per state machine), and the
 * refusals the caller gate and the DynamoDB gateway made, newest last, for the inspector and tests.
 */
import type { IdentityPolicy } from '../../infra/policies/statements';
import { ARNS, type ArnScope } from '../../infra/policies/arns';

/** The role names the local cloud gives its principals (deployed roles get CloudFormation's generated names). */
export const LOCAL_ROLE_NAMES = {
  tenant: 'TenantRole',
  function: (functionName: string) => `${functionName}FunctionRole`,
  stateMachine: (stateMachineName: string) => `${stateMachineName}StateMachineRole`,
} as const;

export const localRoleArn = (scope: ArnScope, roleName: string): string => ARNS.role(scope, roleName);

export interface Denial {
  readonly at: string;
  /** The assumed-role session ARN the refusal names. */
  readonly principal: string;
  readonly roleArn: string;
  readonly action: string;
  readonly resource: string;
  readonly explicit: boolean;
}

export class RoleAlreadyRegisteredError extends Error {
  constructor(readonly roleArn: string) {
    super(`Role ${roleArn} already has a policy`);
    this.name = 'RoleAlreadyRegisteredError';
  }
}

export class UnknownRoleError extends Error {
  constructor(readonly roleArn: string) {
    super(`No role ${roleArn} is registered`);
    this.name = 'UnknownRoleError';
  }
}

const DENIALS_KEPT = 500;

export class RolePolicies {
  private readonly policies = new Map<string, IdentityPolicy>();
  private readonly overrides = new Map<string, IdentityPolicy>();
  private readonly refusals: Denial[] = [];

  /** `onDenial` hears every refusal as it is recorded (the cloud prints a function's or a machine's). */
  constructor(private readonly onDenial: (denial: Denial) => void = () => undefined) {}

  register(roleArn: string, policy: IdentityPolicy): void {
    if (this.policies.has(roleArn)) throw new RoleAlreadyRegisteredError(roleArn);
    this.policies.set(roleArn, policy);
  }

  /** The policy IAM evaluates for the role; undefined for a role nobody registered, which is denied everything. */
  readonly policyFor = (roleArn: string): IdentityPolicy | undefined => this.overrides.get(roleArn) ?? this.policies.get(roleArn);

  /** The deployed policy of every registered role, whatever an override says. */
  registered(): ReadonlyMap<string, IdentityPolicy> {
    return this.policies;
  }

  /**
   * Evaluates `policy` instead of the role's own until the returned function restores it. In
   * process only (tests that remove one statement at a time): no HTTP path reaches it.
   */
  override(roleArn: string, policy: IdentityPolicy): () => void {
    if (!this.policies.has(roleArn)) throw new UnknownRoleError(roleArn);
    this.overrides.set(roleArn, policy);
    return () => void this.overrides.delete(roleArn);
  }

  readonly recordDenial = (denial: Omit<Denial, 'at'>): void => {
    const recorded = { at: new Date().toISOString(), ...denial };
    this.refusals.push(recorded);
    this.onDenial(recorded);
    if (this.refusals.length > DENIALS_KEPT) this.refusals.splice(0, this.refusals.length - DENIALS_KEPT);
  };

  denials(): readonly Denial[] {
    return this.refusals;
  }
}
