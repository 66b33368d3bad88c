import { z } from 'zod';

/**
 * The event catalog: every source and detail-type exists once, here. Publishers, rules (CDK and
 * local) and tests import them. Detail-types carry their version so a breaking change is a new type.
 */
export const EVENT_SOURCE = {
  identity: 'controlplane.identity',
} as const;

export const DETAIL_TYPE = {
  userConfirmed: 'user.confirmed.v1',
} as const;

export type EventSource = (typeof EVENT_SOURCE)[keyof typeof EVENT_SOURCE];
export type DetailType = (typeof DETAIL_TYPE)[keyof typeof DETAIL_TYPE];

const isoTime = z.iso.datetime();

/** A user confirmed sign-up. No token or password ever travels in an event. */
export const userConfirmedDetail = z.strictObject({
  userId: z.string().min(1),
  email: z.email(),
  userPoolId: z.string().min(1),
  confirmedAt: isoTime,
});

export const EVENT_CATALOG = {
  [DETAIL_TYPE.userConfirmed]: {
    source: EVENT_SOURCE.identity,
    schema: userConfirmedDetail,
    sample: {
      userId: '6f1d7c1e-2b7a-4c55-9f0e-0c2b1b6a8e11',
      email: 'ada@example.com',
      userPoolId: 'us-east-1_example',
      confirmedAt: '2026-11-28T09:00:00.000Z',
    },
  },
} as const satisfies Record<DetailType, { source: EventSource; schema: z.ZodType; sample: unknown }>;

export type EventDetail<T extends DetailType> = z.infer<(typeof EVENT_CATALOG)[T]['schema']>;
