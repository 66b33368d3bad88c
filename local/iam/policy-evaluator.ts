/**
 * IAM policy evaluation for the local cloud, by @cloud-copilot/iam-simulate (AGPL-3.0: a
 * development dependency, used by the local cloud and tests only, never bundled into a Lambda).
 */
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from '../../domain/isolation';
import type { IssuedCredentials } from './credential-store';
import type { AuthorizationRequest } from './dynamodb-authorization';

/** The session name AWS gives credentials issued by a Cognito identity pool. */
export const IDENTITY_POOL_SESSION_NAME = 'CognitoIdentityCredentials';

/** `arn:aws:iam::A:role/path/R` → `arn:aws:sts::A:assumed-role/R/<session>` (the path is not part of it). */
export function assumedRoleArn(roleArn: string, sessionName: string = IDENTITY_POOL_SESSION_NAME): string {
  const match = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  if (!match) throw new InvalidRoleArnError(roleArn);
  const [, partition, accountId, roleName] = match;
  return `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
}

export class InvalidRoleArnError extends Error {
  constructor(readonly roleArn: string) {
    super(`Not an IAM role ARN: ${roleArn}`);
    this.name = 'InvalidRoleArnError';
  }
}

export interface SessionPrincipal {
  /** The role the session assumed. */
  readonly roleArn: string;
  /** The assumed-role session ARN: what AWS names in an AccessDeniedException. */
  readonly sessionArn: string;
  readonly accountId: string;
  /** Session tags: `aws:PrincipalTag/<name>` resolves to these. */
  readonly principalTags: Readonly<Record<string, string>>;
}

/** The principal of issued session credentials, as IAM sees it when it evaluates their role's policy. */
export function sessionPrincipalOf(credentials: IssuedCredentials, accountId: string): SessionPrincipal {
  return { roleArn: credentials.roleArn, sessionArn: assumedRoleArn(credentials.roleArn, credentials.sessionName), accountId, principalTags: credentials.principalTags };
}

export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly denied: AuthorizationRequest; readonly explicit: boolean };

/** The global context keys AWS adds to every request made by a role session. */
function principalContext(principal: SessionPrincipal): Record<string, string> {
  const context: Record<string, string> = {
    'aws:PrincipalArn': principal.roleArn,
    'aws:PrincipalAccount': principal.accountId,
    'aws:PrincipalType': 'AssumedRole',
  };
  for (const [name, value] of Object.entries(principal.principalTags)) context[`aws:PrincipalTag/${name}`] = value;
  return context;
}

/**
 * Evaluates one role's identity policy for a call's authorization requests. The call proceeds
 * only if every request is allowed; the first one that is not is reported, as AWS reports it.
 * A role with no policy is implicitly denied everything.
 */
export function evaluate(
  policy: PolicyDocument | undefined,
  principal: SessionPrincipal,
  requests: readonly AuthorizationRequest[],
): Decision {
  const baseContext = principalContext(principal);
  for (const request of requests) {
    // Validation is skipped (it triples the cost of every call): the policy is our own and its
    // matrix is checked by the tenant policy tests; the requests come from dynamodb-authorization.
    const result = policy
      ? runUnsafeSimulation(
          {
            request: {
              principal: principal.sessionArn,
              action: request.action,
              resource: { resource: request.resource, accountId: principal.accountId },
              contextVariables: { ...baseContext, ...request.context },
            },
            identityPolicies: [{ name: 'role', policy }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
          },
          {},
        )
      : 'ImplicitlyDenied';
    if (result !== 'Allowed') return { allowed: false, denied: request, explicit: result === 'ExplicitlyDenied' };
  }
  return { allowed: true };
}

/** AWS's AccessDeniedException message for an identity-policy denial of `request`. */
export function accessDeniedMessage(principal: SessionPrincipal, denial: { denied: AuthorizationRequest; explicit: boolean }): string {
  const { action, resource } = denial.denied;
  const reason = denial.explicit
    ? `with an explicit deny in an identity-based policy`
    : `because no identity-based policy allows the ${action} action`;
  return `User: ${principal.sessionArn} is not authorized to perform: ${action} on resource: ${resource} ${reason}`;
}
