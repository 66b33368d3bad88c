import { Logger } from '@aws-lambda-powertools/logger';
import { DETAIL_TYPE, EVENT_CATALOG, type DetailType } from '../../events/catalog';
import type { PublishEvent } from '../../handlers/shared/event-publisher';
import { createPostConfirmationHandler, IncompleteConfirmationError, type PostConfirmationEvent } from '../../handlers/post-confirmation/handler';

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const CONFIRMED_AT = new Date('2026-11-28T09:00:00.000Z');

function trigger(triggerSource: string, userAttributes: Record<string, string | undefined>): PostConfirmationEvent {
  return { triggerSource, userPoolId: 'us-east-1_example', userName: 'ada', request: { userAttributes }, response: {} };
}

/** A publisher that keeps what it was given, checked against the catalog as the real one checks it. */
function recordingPublisher() {
  const published: { detailType: DetailType; detail: unknown }[] = [];
  const publish: PublishEvent = async (detailType, detail) => {
    EVENT_CATALOG[detailType].schema.parse(detail);
    published.push({ detailType, detail });
    return `event-${published.length}`;
  };
  return { publish, published };
}

describe('the post-confirmation trigger', () => {
  it('publishes user.confirmed for a confirmed sign-up and hands Cognito its event back', async () => {
    const { publish, published } = recordingPublisher();
    const handler = createPostConfirmationHandler({ publish, logger, now: () => CONFIRMED_AT });
    const event = trigger('PostConfirmation_ConfirmSignUp', { sub: 'u-1', email: 'ada@example.com', email_verified: 'true' });

    const answer = await handler(event);

    expect(answer).toBe(event);
    expect(published).toEqual([
      {
        detailType: DETAIL_TYPE.userConfirmed,
        detail: { userId: 'u-1', email: 'ada@example.com', userPoolId: 'us-east-1_example', confirmedAt: CONFIRMED_AT.toISOString() },
      },
    ]);
  });

  it('publishes nothing for a forgotten-password confirmation', async () => {
    const { publish, published } = recordingPublisher();
    const handler = createPostConfirmationHandler({ publish, logger });

    const answer = await handler(trigger('PostConfirmation_ConfirmForgotPassword', { sub: 'u-1', email: 'ada@example.com' }));

    expect(answer.triggerSource).toBe('PostConfirmation_ConfirmForgotPassword');
    expect(published).toEqual([]);
  });

  it.each([
    ['no sub', { email: 'ada@example.com' }],
    ['no email', { sub: 'u-1' }],
    ['an empty sub', { sub: '', email: 'ada@example.com' }],
  ])('fails with a typed error and publishes nothing for a sign-up with %s', async (_case, attributes) => {
    const { publish, published } = recordingPublisher();
    const handler = createPostConfirmationHandler({ publish, logger });

    const attempt = handler(trigger('PostConfirmation_ConfirmSignUp', attributes));

    await expect(attempt).rejects.toThrow(IncompleteConfirmationError);
    expect(published).toEqual([]);
  });

  it('lets a failed publish escape, so that Cognito retries the trigger', async () => {
    const unavailable = new Error('EventBridge unavailable');
    const publish: PublishEvent = async () => {
      throw unavailable;
    };
    const handler = createPostConfirmationHandler({ publish, logger });

    const attempt = handler(trigger('PostConfirmation_ConfirmSignUp', { sub: 'u-1', email: 'ada@example.com' }));

    await expect(attempt).rejects.toBe(unavailable);
  });
});
