import * as z from 'zod';
import { ConflictError, NotFoundError } from '../../../domain/errors';
import type { InvitationItem } from '../../../domain/items';
import { invitationKey } from '../../../domain/keys';
import { DETAIL_TYPE } from '../../../events/catalog';
import { FUNCTIONS } from '../../catalog';
import { actorOf, requireTenant } from '../../shared/access';
import { publishAfterChange, type PublishEvent } from '../../shared/event-publisher';
import { SAME_WRITE, type GuardedWriter, type WriteOperation } from '../../shared/guarded-write';
import { isPending, type ControlReads, type InvitationView } from '../../shared/member-store';
import { callerOf, json, parsePath, route } from '../http';
import { routeAction } from '../routes';
import { authorize, type AccessDeps } from '../members/shared';

const LIST_ACTION = routeAction(FUNCTIONS.listInvitations.name);
const REVOKE_ACTION = routeAction(FUNCTIONS.revokeInvitation.name);

/**
 * The address in `/invitations/{email}`, decoded once if it still holds percent-escapes (the local
 * REST API decodes path parameters; a valid address never holds a '%', so decoding cannot change
 * one that was decoded already).
 */
const decodedOnce = (value: string): string => {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // not an escape sequence: the address check below refuses it
  }
};
export const invitationPath = z.object({ email: z.string().transform(decodedOnce).pipe(z.email('must be an email address').max(254)) });

/** `GET /invitations`: the tenant's pending invitations, read with the caller's tenant-scoped credentials. */
export function createListInvitationsHandler(deps: AccessDeps<'listInvitations'> & { readonly now: () => Date }) {
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const reads = await authorize(deps, caller, LIST_ACTION);
    const now = deps.now();
    const invitations = (await reads.listInvitations(caller.tenantId)).filter((invitation) => isPending(invitation, now));
    return json(200, { invitations: invitations.map(({ email, roleId, invitedBy, expiresAt }) => ({ email, roleId, invitedBy, expiresAt })) });
  });
}

export interface RevokeInvitationDeps extends AccessDeps {
  readonly control: Pick<ControlReads, 'invitation'>;
  readonly writer: Pick<GuardedWriter, 'write'>;
  readonly publish: PublishEvent;
  readonly newOperationId: () => string;
  readonly now: () => Date;
}

const DELETE_LABEL = 'invitation';

/** Deletes exactly the invitation that was read (its `createdAt`), so the event names the role it granted. */
const invitationDelete = (tenantId: string, invitation: InvitationView): WriteOperation => ({
  kind: 'Delete',
  label: DELETE_LABEL,
  key: invitationKey(tenantId, invitation.email),
  condition: 'attribute_exists(PK) AND #createdAt = :createdAt',
  names: { '#createdAt': 'createdAt' satisfies keyof InvitationItem },
  values: { ':createdAt': { S: invitation.createdAt } },
});

const noneFor = (email: string): NotFoundError => new NotFoundError(`No pending invitation for ${email} in this tenant`);

/** `DELETE /invitations/{email}`: a guarded delete of the pending invitation. */
export function createRevokeInvitationHandler(deps: RevokeInvitationDeps) {
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const { email } = parsePath(invitationPath, event.pathParameters);
    await authorize(deps, caller, REVOKE_ACTION);
    const invitation = await deps.control.invitation(caller.tenantId, email);
    if (!invitation || !isPending(invitation, deps.now())) throw noneFor(email);
    const outcome = await deps.writer.write({ tenantId: caller.tenantId, actor: actorOf(caller), action: REVOKE_ACTION, operations: [invitationDelete(caller.tenantId, invitation)], asRole: SAME_WRITE });
    if (outcome.outcome === 'refused') {
      // Claimed or revoked meanwhile (gone), or replaced by a new invitation (another createdAt).
      const now = await deps.control.invitation(caller.tenantId, email);
      throw now ? new ConflictError(`The invitation for ${invitation.email} was replaced meanwhile: read it again`) : noneFor(email);
    }
    await publishAfterChange(deps, DETAIL_TYPE.invitationRevoked, {
      tenantId: caller.tenantId,
      email: invitation.email,
      roleId: invitation.roleId,
      actorUserId: caller.userId,
      operationId: deps.newOperationId(),
    });
    return json(204, undefined);
  });
}
