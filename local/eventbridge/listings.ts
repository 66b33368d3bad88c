import { EVENT_ARCHIVE } from '../../events/archive';
import { ARNS } from '../../infra/policies/arns';
import type { JsonOperation } from '../server/aws-json';
import type { ArchivedEvent } from './model';

/**
 * ListArchives, ListReplays and ListConnections, read-only, from what the local bus holds: the
 * deployed stack's one archive (events/archive.ts) over the local archive of accepted events;
 * replays and API-destination connections the local cloud has none of. The archive's name is the
 * local one (`<bus>-archive`); CloudFormation names the deployed one.
 */
export function listingOperations(options: {
  busName: string;
  region: string;
  accountId: string;
  createdAt: Date;
  archived: () => readonly ArchivedEvent[];
}): Record<string, JsonOperation> {
  const sources = new Set<string>(EVENT_ARCHIVE.sources);
  return {
    async ListArchives(input) {
      const events = options.archived().filter((entry) => entry.eventBusName === options.busName && sources.has(entry.event.source));
      const archive = {
        ArchiveName: `${options.busName}-archive`,
        EventSourceArn: ARNS.eventBus(options, options.busName),
        State: 'ENABLED',
        RetentionDays: EVENT_ARCHIVE.retentionDays,
        EventCount: events.length,
        SizeBytes: events.reduce((sum, entry) => sum + Buffer.byteLength(JSON.stringify(entry.event)), 0),
        CreationTime: options.createdAt.getTime() / 1000,
      };
      // ListArchives' three filters, each optional (EventBridge API Reference, ListArchives).
      const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
      const matches =
        archive.ArchiveName.startsWith(prefix) &&
        (typeof input.EventSourceArn !== 'string' || input.EventSourceArn === archive.EventSourceArn) &&
        (typeof input.State !== 'string' || input.State === archive.State);
      return { Archives: matches ? [archive] : [] };
    },
    async ListReplays() {
      return { Replays: [] };
    },
    async ListConnections() {
      return { Connections: [] };
    },
  };
}
