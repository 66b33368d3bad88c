import type { JsonOperation } from '../server/aws-json';
import type { EventDelivery } from './delivery';
import { acceptEntry, checkPutEventsRequest, type AcceptedEntry, type EntryContext } from './entries';
import { PutEventsEntryError, validationError } from './errors';
import { compileEventPattern, isRecord, optionalString, page, requiredString } from './input';
import type { Bus } from './model';

/**
 * The event operations of the EventBridge API (AWS JSON 1.1, `X-Amz-Target: AWSEvents.<Operation>`):
 * PutEvents, TestEventPattern, DescribeEventBus and ListEventBuses. The rule and target operations
 * are in rule-operations.ts, the read-only archive/replay/connection listings in listings.ts.
 */

export interface EventOperationsContext extends EntryContext {
  readonly delivery: EventDelivery;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/**
 * Every entry is answered in request order; only the accepted ones are published, after all
 * entries are read, so a refused entry never leaves half a batch delivered.
 */
function putEvents(context: EventOperationsContext): JsonOperation {
  return async (input) => {
    const entries = checkPutEventsRequest(input.Entries);
    const results: EntryResult[] = [];
    const accepted: AcceptedEntry[] = [];
    for (const entry of entries) {
      try {
        const one = acceptEntry(entry, context);
        accepted.push(one);
        results.push({ EventId: one.event.id });
      } catch (error) {
        if (!(error instanceof PutEventsEntryError)) throw error;
        results.push({ ErrorCode: error.code, ErrorMessage: error.message });
      }
    }
    for (const { bus, event } of accepted) context.delivery.publish(bus, event);
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  };
}

/** The fields the API reference lists as mandatory in a TestEventPattern event. */
const TEST_EVENT_MANDATORY = ['id', 'account', 'source', 'time', 'region', 'detail-type'] as const;

const testEventPattern: JsonOperation = async (input) => {
  const matcher = compileEventPattern(requiredString(input, 'EventPattern'));
  const eventText = requiredString(input, 'Event');
  let event: unknown;
  try {
    event = JSON.parse(eventText);
  } catch {
    throw validationError('Parameter Event is not valid.');
  }
  if (!isRecord(event) || TEST_EVENT_MANDATORY.some((field) => typeof event[field] !== 'string') || !Array.isArray(event.resources)) {
    throw validationError('Parameter Event is not valid.');
  }
  return { Result: matcher(event) };
};

function describeBus(bus: Bus): Record<string, unknown> {
  return {
    Name: bus.name,
    Arn: bus.arn,
    CreationTime: bus.createdAt.getTime() / 1000,
    LastModifiedTime: bus.createdAt.getTime() / 1000,
  };
}

export function eventOperations(context: EventOperationsContext): Record<string, JsonOperation> {
  const { buses } = context;
  return {
    PutEvents: putEvents(context),
    TestEventPattern: testEventPattern,
    DescribeEventBus: async (input) => describeBus(buses.require(optionalString(input, 'Name'))),
    ListEventBuses: async (input) => {
      const prefix = optionalString(input, 'NamePrefix') ?? '';
      const { items, nextToken } = page(
        buses.list().filter((bus) => bus.name.startsWith(prefix)),
        input,
      );
      return { EventBuses: items.map(describeBus), ...(nextToken ? { NextToken: nextToken } : {}) };
    },
  };
}
