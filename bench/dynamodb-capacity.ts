/**
 * What DynamoDB would bill for the requests the local cloud relays to DynamoDB Local: every item
 * operation the IAM gateway forwards is sent with `ReturnConsumedCapacity: TOTAL`, and the
 * capacity DynamoDB Local answers is added up by operation.
 *
 * Why DynamoDB Local's numbers: for single-item requests and Queries it applies AWS's request-unit
 * rules itself (checked by hand against the on-demand pricing page's: a 2.5 KB put is 3 units, an
 * overwrite the larger of the two images, a 5 KB strongly consistent read 2 and an eventually
 * consistent one 1, a missing item 0.5), so no item size has to be guessed for them. Not for
 * transactions: it answers 2 units for a TransactWriteItems of one Put and for one of two Puts and
 * two ConditionChecks alike (tried by hand, 2026-12-01). Those are counted from the request by AWS's
 * rule instead, 2 units per member of up to 1 KB (writes) or 4 KB (checks): the write units of its
 * Puts, Updates and Deletes, the read units of its ConditionChecks. That holds while every item is
 * at most 1 KB, which bench/usage.ts measures (`largestItemBytes`) and the cost model requires.
 * DynamoDB Local also answers 0 units for a Query that finds nothing, where AWS may bill its minimum.
 *
 * Why at `http.request`: the gateway (local/dynamodb/gateway.ts) relays with node's http client and
 * has no hook; this module only observes its relays (requests to a port other than the endpoint's
 * carrying a DynamoDB target), in the benchmark's process only. Callers see one more response member
 * (`ConsumedCapacity`), which every DynamoDB client already accepts.
 */
import http, { type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';

const TARGET_PREFIX = 'DynamoDB_20120810.';

/**
 * The operations that consume request units and are metered; the rest (DescribeTable, …) are free
 * and untouched. Scan is left out: no function scans (the tenant policy denies it), and the
 * benchmark's own Scan of the table (bench/usage.ts) is no part of any operation's cost.
 */
export const ITEM_OPERATIONS: ReadonlySet<string> = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchGetItem', 'BatchWriteItem', 'TransactGetItems', 'TransactWriteItems']);
const READ_OPERATIONS = new Set(['GetItem', 'Query', 'BatchGetItem', 'TransactGetItems']);

/** A transaction member of an item up to 1 KB (write) or 4 KB (read): 2 units (on-demand pricing page). */
export const TRANSACTION_MEMBER_UNITS = 2;

export interface OperationCapacity {
  calls: number;
  readUnits: number;
  writeUnits: number;
  /** Calls answered without capacity (errors: a refused condition or transaction is still billed on AWS). */
  unmeasuredCalls: number;
}

export type CapacityByOperation = Record<string, OperationCapacity>;

const totals = new Map<string, OperationCapacity>();
let installedFor: number | undefined;
let inFlight = 0;

function unitsOf(consumed: unknown): number {
  const entries = Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed];
  return entries.reduce((sum: number, entry) => sum + Number((entry as { CapacityUnits?: number }).CapacityUnits ?? 0), 0);
}

/** A transaction's members, counted from its request. */
interface Members {
  readonly writes: number;
  readonly checks: number;
}

function record(operation: string, members: Members, responseBody: string): void {
  const entry = totals.get(operation) ?? { calls: 0, readUnits: 0, writeUnits: 0, unmeasuredCalls: 0 };
  entry.calls += 1;
  let consumed: unknown;
  try {
    consumed = (JSON.parse(responseBody) as { ConsumedCapacity?: unknown }).ConsumedCapacity;
  } catch {
    consumed = undefined;
  }
  if (consumed === undefined) {
    entry.unmeasuredCalls += 1;
  } else if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    entry.readUnits += members.checks * TRANSACTION_MEMBER_UNITS;
    entry.writeUnits += members.writes * TRANSACTION_MEMBER_UNITS;
  } else if (READ_OPERATIONS.has(operation)) {
    entry.readUnits += unitsOf(consumed);
  } else {
    entry.writeUnits += unitsOf(consumed);
  }
  totals.set(operation, entry);
}

/** The request body with ReturnConsumedCapacity asked for, and a transaction's members (reads: its ConditionChecks or Gets). */
function withCapacity(body: Buffer): { body: Buffer; members: Members } {
  const input = JSON.parse(body.toString('utf8')) as { ReturnConsumedCapacity?: string; TransactItems?: Record<string, unknown>[] };
  const items = input.TransactItems ?? [];
  const checks = items.filter((item) => item.ConditionCheck !== undefined || item.Get !== undefined).length;
  return { body: Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' })), members: { writes: items.length - checks, checks } };
}

function meter(request: ClientRequest, operation: string): void {
  const end = request.end.bind(request) as (chunk?: unknown) => ClientRequest;
  let members: Members = { writes: 0, checks: 0 };
  request.end = ((chunk?: unknown) => {
    if (Buffer.isBuffer(chunk)) {
      const metered = withCapacity(chunk);
      members = metered.members;
      request.setHeader('content-length', String(metered.body.length));
      return end(metered.body);
    }
    return end(chunk);
  }) as ClientRequest['end'];
  inFlight += 1;
  let settled = false;
  const done = (): void => {
    if (!settled) inFlight -= 1;
    settled = true;
  };
  request.on('error', done);
  request.on('response', (response: IncomingMessage) => {
    const chunks: Buffer[] = [];
    response.on('data', (data: Buffer) => chunks.push(data));
    response.on('error', done);
    response.on('end', () => {
      record(operation, members, Buffer.concat(chunks).toString('utf8'));
      done();
    });
  });
}

/** Relays sent whose answer has not been read yet. */
export const relaysInFlight = (): number => inFlight;

/** Starts metering the relays of the endpoint on `endpointPort` (once per process; the benchmarks run one cloud each). */
export function meterDynamoDbCapacity(endpointPort: number): void {
  if (installedFor !== undefined) {
    if (installedFor !== endpointPort) throw new Error(`DynamoDB capacity is already metered for the endpoint on port ${installedFor}`);
    return;
  }
  installedFor = endpointPort;
  const original = http.request.bind(http) as (...args: unknown[]) => ClientRequest;
  http.request = ((...args: unknown[]) => {
    const request = original(...args);
    const options = args[0] as RequestOptions | undefined;
    const target = String((options?.headers as Record<string, string> | undefined)?.['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    if (ITEM_OPERATIONS.has(operation) && Number(options?.port) !== endpointPort) meter(request, operation);
    return request;
  }) as typeof http.request;
}

/** Capacity metered so far, by operation (a copy). */
export function meteredCapacity(): CapacityByOperation {
  return Object.fromEntries([...totals].map(([operation, entry]) => [operation, { ...entry }]));
}

/** What was metered between two readings. */
export function capacityBetween(before: CapacityByOperation, after: CapacityByOperation): CapacityByOperation {
  const delta: CapacityByOperation = {};
  for (const [operation, entry] of Object.entries(after)) {
    const earlier = before[operation] ?? { calls: 0, readUnits: 0, writeUnits: 0, unmeasuredCalls: 0 };
    if (entry.calls === earlier.calls) continue;
    delta[operation] = {
      calls: entry.calls - earlier.calls,
      readUnits: entry.readUnits - earlier.readUnits,
      writeUnits: entry.writeUnits - earlier.writeUnits,
      unmeasuredCalls: entry.unmeasuredCalls - earlier.unmeasuredCalls,
    };
  }
  return delta;
}
