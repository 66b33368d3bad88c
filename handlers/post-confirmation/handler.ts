import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
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

/** A forgotten-password confirmation also runs this trigger, and it is not a new user. */
const CONFIRM_SIGN_UP = 'PostConfirmation_ConfirmSignUp';

const confirmedSignUp = z.object({
  userPoolId: z.string().min(1),
  request: z.object({ userAttributes: z.object({ sub: z.string().min(1), email: z.string().min(1) }) }),
});

/**
 * Thrown, not swallowed: the confirmation call then fails where someone sees it, instead of leaving
 * a confirmed user without a `user.confirmed` event, and so without a profile, in silence.
 */
export class IncompleteConfirmationError extends Error {
  constructor() {
    super('PostConfirmation event has no sub or email attribute');
    this.name = 'IncompleteConfirmationError';
  }
}

/**
 * Emits `user.confirmed` and nothing else: persisting the profile and claiming invitations are the
 * subscribers' work, so the trigger stays far inside Cognito's 5-second budget. Cognito retries a
 * failed trigger, so subscribers key on the user id, not on the event id.
 */
export function createPostConfirmationHandler(deps: { publish: PublishEvent; logger: Logger; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return async (event: PostConfirmationEvent): Promise<PostConfirmationEvent> => {
    if (event.triggerSource !== CONFIRM_SIGN_UP) return event;
    const parsed = confirmedSignUp.safeParse(event);
    if (!parsed.success) {
      // The pool id only: the attributes are what must never be logged.
      deps.logger.error('post-confirmation event without sub or email', { userPoolId: event.userPoolId });
      throw new IncompleteConfirmationError();
    }
    const { userPoolId, request } = parsed.data;
    const eventId = await deps.publish(DETAIL_TYPE.userConfirmed, {
      userId: request.userAttributes.sub,
      email: request.userAttributes.email,
      userPoolId,
      confirmedAt: now().toISOString(),
    });
    deps.logger.info('user confirmed', { userId: request.userAttributes.sub, eventId });
    return event;
  };
}
