import { EVENT_SOURCE } from './catalog';

/**
 * The bus's archive, as the CDK app deploys it and the local bus reports it (ListArchives): every
 * control-plane event, kept for replay to a fixed or new subscriber.
 */
export const EVENT_ARCHIVE = {
  description: 'Every control-plane event, for replay to a fixed or new subscriber',
  sources: Object.values(EVENT_SOURCE),
  retentionDays: 30,
} as const;
