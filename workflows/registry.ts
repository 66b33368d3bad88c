import { checkedMaxTenantsPerUser, TENANT_LIMITS } from '../domain/limits';

/**
 * The state machines, defined once: each is a TypeScript module (`workflows/<name>/definition.ts`)
 * that builds its ASL (JSONPath) from the domain's and the event catalog's constants, with
 * `${Placeholder}` tokens for what each deployment names. Both runtimes deploy `renderDefinition`
 * (workflows/render.ts): the CDK app substitutes deployed names (DefinitionSubstitutions), the
 * local cloud its own before CreateStateMachine. Both read this table.
 */

/** Names of deployed resources, which each runtime knows once it has created them. */
export type ResourcePlaceholder = 'TableName' | 'EventBusName' | 'UserPoolId';
/** Settings, the same in both runtimes: `settingSubstitutions` gives their values. */
export type SettingPlaceholder = 'MaxTenantsPerUser' | 'MaxMembershipsPerUser';
export type WorkflowPlaceholder = ResourcePlaceholder | SettingPlaceholder;

/** What a deployment may set; anything left out takes its default from `domain/limits.ts`. */
export interface WorkflowSettings {
  readonly maxTenantsPerUser?: number;
}

/**
 * The values of the setting placeholders, as strings (the ASL reads them as DynamoDB numbers).
 * Throws InvalidTenantLimitError for a limit that could not work.
 */
export function settingSubstitutions(settings: WorkflowSettings = {}): Record<SettingPlaceholder, string> {
  return {
    MaxTenantsPerUser: String(checkedMaxTenantsPerUser(settings.maxTenantsPerUser ?? TENANT_LIMITS.maxTenantsPerUser)),
    MaxMembershipsPerUser: String(TENANT_LIMITS.maxMembershipsPerUser),
  };
}

export interface WorkflowDefinition {
  readonly name: string;
  /** Path from the project root of the committed rendering, for review; no runtime reads it. */
  readonly aslFile: string;
  readonly placeholders: readonly WorkflowPlaceholder[];
  /**
   * The whole run's limit: one second more than its longest designed run (every Task's every attempt
   * at its limit, through any step's failure and its whole undo), and with the calling function's
   * margin inside API Gateway's 29 s, as test/workflow/compensation-budget.test.ts derives from the ASL.
   */
  readonly timeoutSeconds: number;
}

export const WORKFLOWS = {
  onboarding: {
    name: 'Onboarding',
    aslFile: 'workflows/onboarding/onboarding.asl.json',
    placeholders: ['TableName', 'EventBusName', 'UserPoolId', 'MaxTenantsPerUser', 'MaxMembershipsPerUser'],
    timeoutSeconds: 25,
  },
  switching: {
    name: 'Switching',
    aslFile: 'workflows/switching/switching.asl.json',
    placeholders: ['TableName', 'EventBusName', 'UserPoolId'],
    timeoutSeconds: 16,
  },
  addMember: {
    name: 'AddMember',
    aslFile: 'workflows/add-member/add-member.asl.json',
    placeholders: ['TableName', 'EventBusName', 'UserPoolId', 'MaxMembershipsPerUser'],
    timeoutSeconds: 19,
  },
  removeMember: {
    name: 'RemoveMember',
    aslFile: 'workflows/remove-member/remove-member.asl.json',
    placeholders: ['TableName', 'EventBusName', 'UserPoolId'],
    timeoutSeconds: 22,
  },
} as const satisfies Record<string, WorkflowDefinition>;

export type WorkflowKey = keyof typeof WORKFLOWS;

/** The `Error` of each workflow's Fail states: the API maps them to HTTP answers. */
export const WORKFLOW_ERROR = {
  /** Onboarding failed and everything it did was compensated. */
  onboardingFailed: 'OnboardingFailed',
  /** Onboarding refused before writing anything: the caller has created or belongs to as many tenants as one user may. */
  tenantLimitReached: 'TenantLimitReached',
  /** The switch target has no membership item for the caller. */
  notAMember: 'NotAMember',
  /** The switch failed after checks passed; the previous tenant was restored. */
  switchFailed: 'SwitchFailed',
  /**
   * The guarded transaction that adds (or removes) the membership was refused: nothing was written.
   * Which of its conditions failed (the actor's permission, an existing membership, the role, a
   * limit, the invitation, the last admin) the API finds out by reading, to answer precisely.
   */
  memberChangeRefused: 'MemberChangeRefused',
  /** Adding failed after the membership was written; everything was undone. */
  addMemberFailed: 'AddMemberFailed',
  /** Removing failed after the membership was deleted; everything was put back. */
  removeMemberFailed: 'RemoveMemberFailed',
} as const;

/**
 * Execution input of Onboarding. `username` is the token's `cognito:username`. The previous
 * tenant and role are the token's `custom:tenant_id` and `custom:role` (null when absent or
 * empty): a run that fails after setting the new tenant puts them back.
 */
export interface OnboardingInput {
  readonly userId: string;
  readonly username: string;
  /** The token's `email`, copied onto the membership so that `GET /members` lists it. */
  readonly email: string;
  readonly tenantName: string;
  readonly previousTenantId: string | null;
  readonly previousRoleId: string | null;
}

/** Execution output of a successful Onboarding. */
export interface OnboardingOutput {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly roleId: string;
}

/**
 * Execution input of Switching. The previous tenant and role are null when the claim is absent or empty (never an empty string: events carry them).
 */
export interface SwitchingInput {
  readonly userId: string;
  readonly username: string;
  readonly targetTenantId: string;
  readonly previousTenantId: string | null;
  readonly previousRoleId: string | null;
}

export interface SwitchingOutput {
  readonly tenantId: string;
  readonly roleId: string;
}

/**
 * Execution input of AddMember. `actorUserId`/`actorRoleId` name who adds the member: the guarded
 * transaction checks, inside itself, that the actor's membership still holds `actorRoleId` and that
 * the role grants `member:manage`. When the member claims an invitation there is no actor's
 * permission to check (it was checked when the invitation was made): `invitation` is set,
 * `actorUserId` is the member and `actorRoleId` is null, and the transaction instead deletes the
 * invitation on condition that it is still pending, unexpired and grants `roleId`.
 */
export interface AddMemberInput {
  readonly tenantId: string;
  readonly tenantName: string;
  readonly userId: string;
  readonly username: string;
  readonly email: string;
  readonly roleId: string;
  readonly actorUserId: string;
  readonly actorRoleId: string | null;
  readonly invitation: {
    /** The invitation item's sort key, `invitationKey(tenantId, email).SK`: it percent-encodes the address, which no intrinsic function can. */
    readonly sortKey: string;
    readonly email: string;
    readonly invitedBy: string;
    readonly createdAt: string;
    readonly expiresAt: string;
  } | null;
}

export interface AddMemberOutput {
  readonly tenantId: string;
  readonly userId: string;
  readonly roleId: string;
}

/**
 * Execution input of RemoveMember. `roleId` is the member's role as the API read it: the
 * transaction deletes the membership only while it still holds that role (so the role's holder
 * count moves by the right one) and refuses to remove the last admin.
 */
export interface RemoveMemberInput {
  readonly tenantId: string;
  readonly userId: string;
  readonly username: string;
  readonly roleId: string;
  readonly actorUserId: string;
  readonly actorRoleId: string;
}

export interface RemoveMemberOutput {
  readonly tenantId: string;
  readonly userId: string;
}
