/**
 * Reads of a tenant's aircraft, with the client of the caller's session (tenant-scoped
 * credentials): an aircraft is one GetItem in the shard its id names; the list reads every shard.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { aircraftView, type Aircraft } from '../../../domain/aircraft';
import { aircraftKey, aircraftPartition, DATA_KIND, DATA_SORT_KEY, tenantDataPartitions } from '../../../domain/keys';
import { MAX_DURATION_MS, canonicalTime } from '../../../domain/reservations';
import type { FanOutPosition, MergedPage } from '../../../domain/sharding';
import { fanOutQuery, type KeyRange } from '../../shared/fan-out-query';

/** An aircraft as its item holds it, with the schedule version a booking or a delete conditions on. */
export interface StoredAircraft extends Aircraft {
  readonly scheduleVersion: number;
}

const storedAircraft = z.object({
  aircraftId: z.string(),
  registration: z.string(),
  model: z.string(),
  seats: z.number(),
  scheduleVersion: z.number(),
});

/** An item read as an aircraft: one of another shape in its place is a fault, not an aircraft (500). */
export const parseAircraft = (item: Record<string, unknown>): StoredAircraft => storedAircraft.parse(item);

/** The key range of `GET /aircraft` in every aircraft shard: the aircraft items, not the schedules beside them. */
export const AIRCRAFT_RANGE: KeyRange = { prefix: DATA_SORT_KEY.aircraftPrefix };

export function aircraftStore(client: Pick<DynamoDBClient, 'send'>, tableName: string) {
  const lists = fanOutQuery(client, tableName);
  return {
    /** Consistent: a write's conditions follow from it. */
    async get(tenantId: string, aircraftId: string): Promise<StoredAircraft | undefined> {
      const key = aircraftKey(tenantId, aircraftId);
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } }, ConsistentRead: true }));
      return Item ? parseAircraft(unmarshall(Item)) : undefined;
    },

    /** One page of the tenant's aircraft, by id, over every shard. */
    page(tenantId: string, request: { readonly limit: number; readonly position: FanOutPosition }): Promise<MergedPage<Aircraft>> {
      return lists.page({
        partitions: tenantDataPartitions(tenantId, DATA_KIND.aircraft),
        range: AIRCRAFT_RANGE,
        limit: request.limit,
        position: request.position,
        consistent: false,
        parse: (item) => aircraftView(parseAircraft(item)),
      });
    },

    /** Whether a reservation of the aircraft has not ended by `now` (read consistently: a delete follows). */
    async hasReservationsAfter(tenantId: string, aircraftId: string, now: Date): Promise<boolean> {
      const request = {
        partitions: [aircraftPartition(tenantId, aircraftId)],
        range: { prefix: DATA_SORT_KEY.schedulePrefix(aircraftId), from: canonicalTime(new Date(now.getTime() - MAX_DURATION_MS)) },
        filter: { expression: '#end > :now', names: { '#end': 'end' }, values: { ':now': { S: canonicalTime(now) } } },
        limit: 100,
        consistent: true,
        parse: (item: Record<string, unknown>) => item,
      };
      let position: FanOutPosition | null = [{ state: 'start' }];
      while (position !== null) {
        const page: MergedPage<unknown> = await lists.page({ ...request, position });
        if (page.items.length > 0) return true;
        position = page.next;
      }
      return false;
    },
  };
}

export type AircraftStore = ReturnType<typeof aircraftStore>;
