/**
 * What the data-plane routes share: their dependencies, the page and id parameters, and a
 * refusal that a transaction proves before it is answered.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { ValidationError } from '../../domain/errors';
import { decodeListCursor, InvalidListCursorError, LIST_CURSOR_MAX_LENGTH, type ExpectedCursor } from '../../domain/list-cursor';
import { startOfEveryShard, type FanOutPosition } from '../../domain/sharding';
import { limitParameter } from '../api/http';
import { actorOf, type ReportDenied, type TenantCaller } from './access';
import type { PublishEvent } from './event-publisher';
import { SAME_WRITE, type GuardedWriter, type WriteOperation } from './guarded-write';
import type { GuardedAction } from '../../domain/guard';
import type { TenantSession } from './tenant-session';

export interface DataPlaneDeps {
  readonly sessionFor: (caller: TenantCaller) => TenantSession;
  readonly publish: PublishEvent;
  readonly reportDenied: ReportDenied;
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly newId?: () => string;
}

export const nowOf = (deps: Pick<DataPlaneDeps, 'now'>): Date => deps.now?.() ?? new Date();
export const newIdOf = (deps: Pick<DataPlaneDeps, 'newId'>): string => deps.newId?.() ?? randomUUID();

/**
 * Ids of the data plane are generated UUIDs (`randomUUID`, lower-case); anything else names nothing
 * (400, not a lookup), an upper-case spelling included: it would look up nothing, a 404 that says less.
 */
const GENERATED_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const dataIdSchema = z.string().regex(GENERATED_ID, 'must be an id this API gave out (a lower-case UUID)');

/** Page sizes of the data-plane lists: one Query per shard per page, each at most this many items. */
export const DATA_PAGE = { defaultLimit: 25, minLimit: 1, maxLimit: 100 } as const;

const NEXT_MESSAGE = 'must be the next value of a previous page of this list, with the same filters';

export const pageParameters = {
  limit: limitParameter(DATA_PAGE),
  next: z.string().min(1, NEXT_MESSAGE).max(LIST_CURSOR_MAX_LENGTH, NEXT_MESSAGE).optional(),
};

/** Where a list page starts: every partition from its start, or where `next` says; a bad `next` is a 400 naming it. */
export function listPosition(next: string | undefined, expected: ExpectedCursor, logger: Pick<Logger, 'warn'>): FanOutPosition {
  if (next === undefined) return startOfEveryShard(expected.partitions);
  try {
    return decodeListCursor(next, expected);
  } catch (error) {
    if (!(error instanceof InvalidListCursorError)) throw error;
    // The reason is for operators; the client learns only that the value is not one it was given.
    logger.warn('list cursor refused', { tenantId: expected.tenantId, list: expected.list, reason: error.reason });
    throw new ValidationError('The query string is not valid', [{ field: 'next', message: NEXT_MESSAGE }]);
  }
}

/**
 * A write the caller asked for that cannot be made (a future reservation, an overlap) is refused
 * only once a transaction proved both that the caller may make it (the guard) and that the refusal
 * still holds (`stillTrue`, conditions on what the decision read). 'changed': read again.
 */
export async function proveRefusal(
  writer: GuardedWriter,
  request: { readonly caller: TenantCaller; readonly action: GuardedAction; readonly stillTrue: readonly WriteOperation[] },
  refusal: Error,
): Promise<'changed'> {
  const outcome = await writer.write({
    tenantId: request.caller.tenantId,
    actor: actorOf(request.caller),
    action: request.action,
    operations: request.stillTrue,
    asRole: SAME_WRITE,
  });
  if (outcome.outcome === 'written') throw refusal;
  return 'changed';
}
