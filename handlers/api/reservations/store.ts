/**
 * Reads of a tenant's reservations, with the client of the caller's session (tenant-scoped
 * credentials): by id, one GetItem in the shard the id names; one aircraft's schedule, one Query
 * of the aircraft's partition; the tenant's list, every reservation shard merged by start.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { aircraftPartition, DATA_KIND, DATA_SORT_KEY, reservationKey, tenantDataPartitions } from '../../../domain/keys';
import { reservationView, startsOverlapping, type Interval, type Reservation } from '../../../domain/reservations';
import type { FanOutPosition, MergedPage } from '../../../domain/sharding';
import { fanOutQuery, type FanOutRequest, type ItemFilter, type KeyRange } from '../../shared/fan-out-query';

const storedReservation = z.object({
  reservationId: z.string(),
  aircraftId: z.string(),
  userId: z.string(),
  start: z.string(),
  end: z.string(),
});

export const parseReservation = (item: Record<string, unknown>): Reservation => reservationView(storedReservation.parse(item));

/** What `GET /reservations` may narrow the list to: one aircraft, and reservations overlapping `[from, to)`. */
export interface ReservationFilter {
  readonly aircraftId?: string;
  readonly from?: string;
  readonly to?: string;
}

/** The partitions and key range a list reads, and the filter that drops what ended before `from`. */
export function listPlan(tenantId: string, filter: ReservationFilter): { partitions: string[]; range: KeyRange; filter?: ItemFilter } {
  const starts = startsOverlapping({ ...(filter.from === undefined ? {} : { start: filter.from }), ...(filter.to === undefined ? {} : { end: filter.to }) });
  const prefix = filter.aircraftId === undefined ? DATA_SORT_KEY.startPrefix : DATA_SORT_KEY.schedulePrefix(filter.aircraftId);
  return {
    partitions: filter.aircraftId === undefined ? tenantDataPartitions(tenantId, DATA_KIND.reservation) : [aircraftPartition(tenantId, filter.aircraftId)],
    range: { prefix, ...starts },
    ...(filter.from === undefined ? {} : { filter: { expression: '#end > :from', names: { '#end': 'end' }, values: { ':from': { S: filter.from } } } }),
  };
}

export function reservationStore(client: Pick<DynamoDBClient, 'send'>, tableName: string) {
  const lists = fanOutQuery(client, tableName);
  return {
    /** Consistent: a cancel's decision follows from it. */
    async get(tenantId: string, reservationId: string): Promise<Reservation | undefined> {
      const key = reservationKey(tenantId, reservationId);
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } }, ConsistentRead: true }));
      return Item ? parseReservation(unmarshall(Item)) : undefined;
    },

    /** Every reservation of the aircraft overlapping `interval`, read consistently: a booking's decision follows. */
    async overlapping(tenantId: string, aircraftId: string, interval: Interval): Promise<Reservation[]> {
      const plan = listPlan(tenantId, { aircraftId, from: interval.start, to: interval.end });
      const request: Omit<FanOutRequest<Reservation>, 'position'> = { ...plan, limit: 100, consistent: true, parse: parseReservation };
      const found: Reservation[] = [];
      let position: FanOutPosition | null = [{ state: 'start' }];
      while (position !== null) {
        const page: MergedPage<Reservation> = await lists.page({ ...request, position });
        found.push(...page.items);
        position = page.next;
      }
      return found;
    },

    /** One page of the list, ordered by start. */
    page(tenantId: string, request: { readonly filter: ReservationFilter; readonly limit: number; readonly position: FanOutPosition }): Promise<MergedPage<Reservation>> {
      return lists.page({ ...listPlan(tenantId, request.filter), limit: request.limit, position: request.position, consistent: false, parse: parseReservation });
    },
  };
}

export type ReservationStore = ReturnType<typeof reservationStore>;
