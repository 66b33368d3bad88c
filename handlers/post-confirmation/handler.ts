import type { Logger } from '@aws-lambda-powertools/logger';
import { DETAIL_TYPE } from '../../events/catalog';
import type { PublishEvent } from '../shared/event-publisher';

/** The members of Cognito's PostConfirmation event that this trigger reads. */
export interface PostConfirmationEvent {
  triggerSource: string;
  userPoolId: string;
  userName: string;
  request: { userAttributes: Record<string, string | undefined> };
  response: Record<string, unknown>;
}

/**
 * Emits `user.confirmed` and nothing else: persisting the profile and claiming invitations are the
 * subscribers' work, so the trigger stays far inside Cognito's 5-second budget. Cognito retries a
 * failed trigger, so subscribers key on the user id, not on the event id.
 */
export function createPostConfirmationHandler(deps: { publish: PublishEvent; logger: Logger; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return async (event: PostConfirmationEvent): Promise<PostConfirmationEvent> => {
    // A forgotten-password confirmation is not a new user.
    if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event;
    const { sub, email } = event.request.userAttributes;
    if (!sub || !email) {
      deps.logger.error('post-confirmation event without sub or email', { userPoolId: event.userPoolId });
      throw new Error('PostConfirmation event has no sub or email attribute');
    }
    const eventId = await deps.publish(DETAIL_TYPE.userConfirmed, {
      userId: sub,
      email,
      userPoolId: event.userPoolId,
      confirmedAt: now().toISOString(),
    });
    deps.logger.info('user confirmed', { userId: sub, eventId });
    return event;
  };
}
