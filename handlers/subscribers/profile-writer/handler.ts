import { DETAIL_TYPE, type EventDetail } from '../../../events/catalog';
import { profileKey } from '../../../domain/keys';
import type { TableItem, WriteOncePort } from '../../shared/write-once';
import { eventOfType, type SubscriberLogger } from '../dropped-event';

export interface ProfileWriterResult {
  readonly outcome: 'created' | 'duplicate' | 'dropped';
}

/**
 * The profile is the user as confirmed, so `createdAt` is the confirmation's time: a second
 * delivery, or a second event from a retried trigger, describes the same profile.
 */
export function profileItem(detail: EventDetail<typeof DETAIL_TYPE.userConfirmed>): TableItem {
  return { ...profileKey(detail.userId), userId: detail.userId, email: detail.email, createdAt: detail.confirmedAt };
}

/**
 * Turns `user.confirmed` into the user's profile, once: the bus delivers at least once and Cognito
 * may run the trigger twice, so the write is conditional on the profile not existing yet.
 */
export function createProfileWriterHandler(deps: { table: WriteOncePort; logger: SubscriberLogger }) {
  return async (input: unknown): Promise<ProfileWriterResult> => {
    const event = eventOfType(input, DETAIL_TYPE.userConfirmed, deps.logger);
    if (!event) return { outcome: 'dropped' };
    const outcome = await deps.table.putIfAbsent(profileItem(event.detail));
    if (outcome === 'duplicate') {
      deps.logger.info('profile exists already: duplicate delivery', { eventId: event.id, userId: event.detail.userId });
      return { outcome: 'duplicate' };
    }
    deps.logger.info('profile created', { eventId: event.id, userId: event.detail.userId });
    return { outcome: 'created' };
  };
}
