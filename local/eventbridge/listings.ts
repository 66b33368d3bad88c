import { EVENT_ARCHIVE } from '../../events/archive';
import type { JsonOperation } from '../server/aws-json';
import type { ArchivedEvent } from './bus';

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
        EventSourceArn: `arn:aws:events:${options.region}:${options.accountId}:event-bus/${options.busName}`,
        State: 'ENABLED',
        RetentionDays: EVENT_ARCHIVE.retentionDays,
        EventCount: events.length,
        SizeBytes: events.reduce((sum, entry) => sum + Buffer.byteLength(JSON.stringify(entry.event)), 0),
        CreationTime: options.createdAt.getTime() / 1000,
      };
      const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
      return { Archives: archive.ArchiveName.startsWith(prefix) ? [archive] : [] };
    },
    async ListReplays() {
      return { Replays: [] };
    },
    async ListConnections() {
      return { Connections: [] };
    },
  };
}
