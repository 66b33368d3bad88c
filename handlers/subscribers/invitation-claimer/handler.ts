import { invitationKey, normalizedEmail } from '../../../domain/keys';
import { DETAIL_TYPE, type EventDetail } from '../../../events/catalog';
import { WORKFLOW_ERROR, type AddMemberInput } from '../../../workflows/registry';
import type { PublishEvent } from '../../shared/event-publisher';
import { isPending, isVerifiedHolder, type DirectoryUser, type InvitationIndex, type InvitationView, type UserDirectory } from '../../shared/member-store';
import type { RunWorkflow } from '../../shared/workflow-runner';
import { eventOfType, type SubscriberLogger } from '../dropped-event';

/** What became of one invitation of the confirmed address. */
export type ClaimOutcome =
  | 'claimed'
  /** The membership exists: an earlier delivery of the same confirmation claimed it. */
  | 'already-member'
  /** Past its `expiresAt`: reported, and left for DynamoDB's TTL. */
  | 'expired'
  /** The transaction refused it and no membership exists: revoked, expired, its role deleted, or the user at its limit meanwhile. */
  | 'refused';

export type InvitationClaimerResult =
  | { readonly outcome: 'dropped' }
  | { readonly outcome: 'not-claimable'; readonly reason: 'unknown user' | 'address not verified, or not the confirmed one' }
  | { readonly outcome: 'processed'; readonly claims: readonly { readonly tenantId: string; readonly outcome: ClaimOutcome }[] };

export interface InvitationClaimerDeps {
  readonly directory: Pick<UserDirectory, 'user'>;
  readonly index: Pick<InvitationIndex, 'invitationsFor' | 'isMember'>;
  readonly run: RunWorkflow;
  readonly addMemberArn: string;
  readonly publish: PublishEvent;
  readonly now: () => Date;
  readonly logger: SubscriberLogger;
}

/** A run that failed for a reason a later attempt may not have: thrown, so that the bus retries. */
export class InvitationClaimError extends Error {
  constructor(
    readonly tenantId: string,
    readonly error: string | undefined,
  ) {
    super(`Claiming the invitation to tenant ${tenantId} failed: ${error ?? 'no error name'}`);
    this.name = 'InvitationClaimError';
  }
}

/** The claim's input: `invitation.sortKey` because the workflow cannot percent-encode the address itself. */
const claimInput = (user: DirectoryUser, invitation: InvitationView): AddMemberInput => ({
  tenantId: invitation.tenantId,
  tenantName: invitation.tenantName,
  userId: user.userId,
  username: user.username,
  email: normalizedEmail(user.email),
  roleId: invitation.roleId,
  actorUserId: user.userId,
  actorRoleId: null,
  invitation: {
    email: invitation.email,
    invitedBy: invitation.invitedBy,
    createdAt: invitation.createdAt,
    expiresAt: invitation.expiresAt,
    sortKey: invitationKey(invitation.tenantId, invitation.email).SK,
  },
});

/**
 * Runs cancelled by a concurrent transaction on the same items (the tenant record's counts) are
 * refused like failed conditions: the workflow cannot tell the two apart. One more run, while the
 * invitation is still pending, gives such a claim its chance; a second refusal is final.
 */
const CLAIM_ATTEMPTS = 2;

/**
 * The claim is the AddMember workflow with `invitation` set: its transaction deletes the invitation
 * on condition that it is still pending, unexpired and grants the role, so a second claim (a
 * redelivered event) is refused and finds the membership there.
 */
async function claim(deps: InvitationClaimerDeps, user: DirectoryUser, invitation: InvitationView): Promise<ClaimOutcome> {
  if (!isPending(invitation, deps.now())) {
    const { tenantId, email, roleId, expiresAt } = invitation;
    await deps.publish(DETAIL_TYPE.invitationExpired, { tenantId, email, roleId, expiresAt, userId: user.userId });
    return 'expired';
  }
  for (let attempt = 1; ; attempt += 1) {
    const result = await deps.run(deps.addMemberArn, claimInput(user, invitation));
    if (result.status === 'SUCCEEDED') return 'claimed';
    if (result.error !== WORKFLOW_ERROR.memberChangeRefused) throw new InvitationClaimError(invitation.tenantId, result.error ?? result.status);
    if (await deps.index.isMember(user.userId, invitation.tenantId)) return 'already-member';
    const stillPending = (await deps.index.invitationsFor(user.email)).some(
      (current) => current.tenantId === invitation.tenantId && current.createdAt === invitation.createdAt && isPending(current, deps.now()),
    );
    if (!stillPending || attempt >= CLAIM_ATTEMPTS) return 'refused';
  }
}

type NotClaimable = Extract<InvitationClaimerResult, { outcome: 'not-claimable' }>['reason'];

/** The event's address is trusted only as far as the user pool confirms it: this user's, verified. */
function whyNotClaimable(user: DirectoryUser | undefined, detail: EventDetail<typeof DETAIL_TYPE.userConfirmed>): NotClaimable | undefined {
  if (!user) return 'unknown user';
  if (user.userId !== detail.userId || !isVerifiedHolder(user, detail.email)) return 'address not verified, or not the confirmed one';
  return undefined;
}

/**
 * Claims the pending invitations of a confirmed address. The event's address is not trusted: the
 * user pool must say that this user is confirmed and holds that address, verified (anyone can
 * sign up with a colleague's address). Invitations are claimed one at a time: each run counts the
 * user's memberships on the same limits item, and concurrent runs would only conflict there.
 */
export function createInvitationClaimerHandler(deps: InvitationClaimerDeps) {
  return async (input: unknown): Promise<InvitationClaimerResult> => {
    const event = eventOfType(input, DETAIL_TYPE.userConfirmed, deps.logger);
    if (!event) return { outcome: 'dropped' };
    const user = await deps.directory.user(event.detail.userId);
    const reason = whyNotClaimable(user, event.detail);
    if (reason !== undefined || !user) {
      deps.logger.info('invitations not claimed', { eventId: event.id, userId: event.detail.userId, reason });
      return { outcome: 'not-claimable', reason: reason ?? 'unknown user' };
    }
    const claims: { tenantId: string; outcome: ClaimOutcome }[] = [];
    const failures: unknown[] = [];
    for (const invitation of await deps.index.invitationsFor(user.email)) {
      try {
        claims.push({ tenantId: invitation.tenantId, outcome: await claim(deps, user, invitation) });
      } catch (error) {
        // The others still get their go; the bus's retry finds the claimed ones done.
        failures.push(error);
      }
    }
    deps.logger.info(failures.length > 0 ? 'invitations partly processed: retrying' : 'invitations processed', { eventId: event.id, userId: user.userId, claims });
    if (failures.length > 0) throw failures[0];
    return { outcome: 'processed', claims };
  };
}
