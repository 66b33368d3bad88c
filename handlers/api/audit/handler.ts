import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { decodeAuditCursor, encodeAuditCursor, InvalidAuditCursorError, AUDIT_CURSOR_MAX_LENGTH } from '../../../domain/audit-cursor';
import { ValidationError } from '../../../domain/errors';
import type { Action } from '../../../domain/permissions';
import { requireAction, requireTenant, type ReadRole, type ReportDenied } from '../../shared/access';
import type { ScopedCredentials } from '../../shared/scoped-clients';
import { callerOf, json, limitParameter, parseQuery, route } from '../http';
import type { AuditTrailReader } from './trail';

/**
 * Page sizes of `GET /audit`. A record is a few hundred bytes, so 100 fit well within DynamoDB's
 * 1 MB per Query; should a page of large records stop there, it is shorter and `next` continues it.
 */
export const AUDIT_PAGE = { defaultLimit: 25, minLimit: 1, maxLimit: 100 } as const;

const NEXT_MESSAGE = 'must be the next value of a previous page of this audit trail';

/**
 * The query string, strictly: digits only for `limit` (no sign, exponent, fraction or spaces), and
 * no parameter the route does not have. A misspelt `lmit=100` answered with 25 records would hide
 * the client's bug; and refusing what is unknown keeps it plain that nothing in the query can name
 * another tenant or widen the read.
 */
export const listAuditQuery = z.strictObject({
  limit: limitParameter(AUDIT_PAGE),
  next: z.string().min(1, NEXT_MESSAGE).max(AUDIT_CURSOR_MAX_LENGTH, NEXT_MESSAGE).optional(),
});

/** The position a `next` names in the caller's own trail, or a 400 naming `next`. */
function positionAfter(next: string | undefined, tenantId: string, logger: Logger): string | undefined {
  if (next === undefined) return undefined;
  try {
    return decodeAuditCursor(next, tenantId).lastKey;
  } catch (error) {
    if (!(error instanceof InvalidAuditCursorError)) throw error;
    // The reason is for operators; the client learns only that the value is not one it was given.
    logger.warn('audit cursor refused', { tenantId, reason: error.reason });
    throw new ValidationError('The query string is not valid', [{ field: 'next', message: NEXT_MESSAGE }]);
  }
}

export interface ListAuditDeps {
  /** The route's action (handlers/api/routes.ts), never retyped here. */
  readonly action: Action;
  /** Reads of the caller's role item, signed with the caller's tenant-scoped credentials. */
  readonly rolesFor: (credentials: ScopedCredentials) => ReadRole;
  /** The trail, read with the caller's tenant-scoped credentials: IAM confines it to the caller's own. */
  readonly trailFor: (credentials: ScopedCredentials) => AuditTrailReader;
  readonly reportDenied: ReportDenied;
  readonly logger: Logger;
}

/** `GET /audit?limit=&next=`: the active tenant's audit trail, newest first, one page at a time. */
export function createListAuditHandler(deps: ListAuditDeps) {
  return route(deps.logger, async (event) => {
    const caller = requireTenant(callerOf(event));
    const query = parseQuery(listAuditQuery, event);
    const after = positionAfter(query.next, caller.tenantId, deps.logger);
    await requireAction(caller, deps.action, { readRole: deps.rolesFor(caller.credentials), reportDenied: deps.reportDenied });
    const page = await deps.trailFor(caller.credentials).page(caller.tenantId, { limit: query.limit, ...(after === undefined ? {} : { after }) });
    return json(200, {
      events: page.events,
      ...(page.lastKey === undefined ? {} : { next: encodeAuditCursor({ tenantId: caller.tenantId, lastKey: page.lastKey }) }),
    });
  });
}
