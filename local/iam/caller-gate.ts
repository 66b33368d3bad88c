/**
 * The caller gate: one check in front of every service of the local endpoint that decides who
 * signed a request and whether that caller may make it, as AWS decides before any service runs.
 *
 * Local administrator rule: a request signed with an access key that the local identity pool did
 * not issue, and that does not start with ASIA, is the local administrator's. Its signature is not
 * verified and it may call every operation of every local service, as any key may against
 * DynamoDB Local itself; the local cloud signs its own calls this way (LOCAL_ADMIN_CREDENTIALS in
 * local/config.ts). Credentials the identity pool issued are verified in full and get their role's
 * identity policy on every service; an ASIA key it did not issue (one from before a restart, say)
 * is refused with UnrecognizedClientException, never promoted to administrator. An unsigned
 * request reaches only what AWS serves unsigned: the user pool's public and token-authorized
 * operations and its `.well-known` documents, the identity pool's GetId, GetCredentialsForIdentity,
 * GetOpenIdToken and UnlinkIdentity, and the read-only console (`GET /_local/console`). The
 * `/_local/*` control paths (fault injection) are IAM actions no role grants (`local:SetFaults`,
 * `local:ClearFaults`): the administrator's alone.
 *
 * What each request is (public, signing name, IAM action and resource) is operation-rules.ts;
 * the words of each refusal are gate-responses.ts. DynamoDB is left to its gateway
 * (local/dynamodb/gateway.ts), which applies the same rule with the table key schemas it needs.
 */
import type { PolicyDocument } from '../../domain/isolation';
import type { AwsRequest, AwsResponse } from '../server/types';
import type { CredentialStore } from './credential-store';
import type { Denial } from './role-policies';
import { accessDenied, authenticationFailure } from './gate-responses';
import { ruleFor } from './operation-rules';
import { accessDeniedMessage, evaluate, sessionPrincipalOf } from './policy-evaluator';
import { authenticate, parseAuthorization, SigV4AuthenticationError, type Caller } from './sigv4';

export interface CallerGateOptions {
  readonly credentialStore: CredentialStore;
  /** The identity policy attached to a role; undefined denies everything, as a role with no policy. */
  readonly policyForRole: (roleArn: string) => PolicyDocument | undefined;
  /** Told of every refusal by policy (the inspector lists them; tests read which call needed what). */
  readonly onDenied?: (denial: Omit<Denial, 'at'>) => void;
  readonly region: string;
  readonly accountId: string;
  /** The clock that signing times and credential expiry are checked against. */
  readonly now?: () => Date;
}

export interface CallerGate {
  /**
   * The refusal to answer instead of the service, or undefined when the request may proceed.
   * `claimedBy` is the name of the service that claimed the request: its rule is the one applied.
   */
  check(request: AwsRequest, claimedBy: string): AwsResponse | undefined;
}

/** Where no AWS signing name exists (`/_local/*`), the scope the client signed for is taken as meant. */
function scopeServiceOf(request: AwsRequest): string {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return '';
  try {
    return parseAuthorization(header).service;
  } catch {
    return ''; // authenticate reports the malformed header itself
  }
}

export function createCallerGate(options: CallerGateOptions): CallerGate {
  const now = options.now ?? ((): Date => new Date());
  return {
    check(request, claimedBy) {
      const rule = ruleFor(request, options, claimedBy);
      if (rule.access !== 'signed') return undefined;
      let caller: Caller;
      try {
        caller = authenticate(request, options.credentialStore, {
          region: options.region,
          service: rule.signingService ?? scopeServiceOf(request),
          now: now(),
        });
      } catch (error) {
        if (error instanceof SigV4AuthenticationError) return authenticationFailure(rule.protocol, error);
        throw error;
      }
      if (caller.kind === 'admin') return undefined;
      const principal = sessionPrincipalOf(caller.credentials, options.accountId);
      const decision = evaluate(options.policyForRole(principal.roleArn), principal, rule.authorizationRequests());
      if (decision.allowed) return undefined;
      options.onDenied?.({ principal: principal.sessionArn, roleArn: principal.roleArn, action: decision.denied.action, resource: decision.denied.resource, explicit: decision.explicit });
      return accessDenied(rule.protocol, accessDeniedMessage(principal, decision));
    },
  };
}
