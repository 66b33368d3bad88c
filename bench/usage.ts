/**
 * Everything AWS would bill for a window of API calls, as the local cloud saw it: the input of the
 * cost model (bench/cost-model.ts). Counted, never assumed: API requests made, Lambda invocations
 * and their durations (subscribers and the authorizer included), DynamoDB request units (metered,
 * bench/dynamodb-capacity.ts), Express executions and their durations, events put on the bus and
 * their size, and every request the AWS endpoint served, by operation.
 */
import { DynamoDBClient, ScanCommand, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { LOCAL_ADMIN_CREDENTIALS } from '../local/config';
import { renderDefinition } from '../workflows/render';
import { WORKFLOWS, type WorkflowKey } from '../workflows/registry';
import { FUNCTIONS } from '../handlers/catalog';
import type { LocalCloud } from '../local/cloud';
import { lambdaBilledMs } from './cost-model';
import { capacityBetween, ITEM_OPERATIONS, meterDynamoDbCapacity, meteredCapacity, relaysInFlight, type CapacityByOperation } from './dynamodb-capacity';

export interface LambdaUsage {
  readonly invocations: number;
  /** Sum of each invocation's duration rounded up to 1 ms, as Lambda bills it. */
  readonly billedMs: number;
  readonly memoryMb: number;
}

export interface ExpressUsage {
  readonly executions: number;
  /** Sum of each execution's duration (local), in ms, before Step Functions' 100 ms rounding. */
  readonly durationsMs: readonly number[];
  /** The largest definition among the runs, in bytes: Express bills memory from it (and the payload). */
  readonly definitionBytes: number;
}

export interface MeasuredUsage {
  /** How many operations (API calls of one kind) the window held: every other count is for all of them. */
  readonly operations: number;
  readonly apiRequests: number;
  readonly lambda: Record<string, LambdaUsage>;
  readonly dynamoDb: CapacityByOperation;
  readonly stepFunctions: ExpressUsage;
  /**
   * Events the bus accepted, with the size of each as the bus delivers it (EventBridge bills each
   * entry per 64 KB, the archive per GB): the envelope is a little larger than the entry put, so
   * this errs high.
   */
  readonly eventBridge: { readonly eventBytes: readonly number[] };
  /** Every request the AWS endpoint served, by operation (`AWSCognitoIdentityService.GetCredentialsForIdentity`, …). */
  readonly endpointRequests: Record<string, number>;
  /**
   * The largest item in the table after the window, as the JSON of its attribute values (more than
   * AWS's item size, which counts names and values only): transaction members are priced at 2 units
   * each only while this is at most 1 KB (bench/dynamodb-capacity.ts).
   */
  readonly largestItemBytes: number;
}

const MEMORY_BY_FUNCTION = new Map(Object.values(FUNCTIONS).map((definition) => [definition.name, definition.memoryMb]));
const DEFINITION_BYTES = new Map<string, number>(
  (Object.keys(WORKFLOWS) as WorkflowKey[]).map((key) => [WORKFLOWS[key].name, Buffer.byteLength(renderDefinition(key))]),
);

function lambdaUsage(invocations: ReturnType<LocalCloud['lambda']['invocations']>): Record<string, LambdaUsage> {
  const usage: Record<string, LambdaUsage> = {};
  for (const invocation of invocations) {
    const memoryMb = MEMORY_BY_FUNCTION.get(invocation.functionName);
    if (memoryMb === undefined) throw new Error(`no memory size in handlers/catalog.ts for ${invocation.functionName}`);
    const earlier = usage[invocation.functionName] ?? { invocations: 0, billedMs: 0, memoryMb };
    usage[invocation.functionName] = { invocations: earlier.invocations + 1, billedMs: earlier.billedMs + lambdaBilledMs(invocation.durationMs), memoryMb };
  }
  return usage;
}

function expressUsage(executions: ReturnType<LocalCloud['stepFunctions']['recentExecutions']>): ExpressUsage {
  const durationsMs = executions.map((execution) => {
    if (!execution.stopDate) throw new Error(`execution ${execution.executionArn} had not stopped when the window closed`);
    return Date.parse(execution.stopDate) - Date.parse(execution.startDate);
  });
  const definitionBytes = Math.max(0, ...executions.map((execution) => DEFINITION_BYTES.get(execution.stateMachine) ?? 0));
  return { executions: executions.length, durationsMs, definitionBytes };
}

/** The endpoint's request counts between two readings. */
function requestsBetween(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Record<string, number> {
  const requests: Record<string, number> = {};
  for (const [operation, count] of after) {
    const delta = count - (before.get(operation) ?? 0);
    if (delta > 0) requests[operation] = delta;
  }
  return requests;
}

/**
 * Every DynamoDB item operation the endpoint served must have been metered on its way to DynamoDB
 * Local: a shortfall (a relay the meter missed, or one the IAM gateway refused) would under-price,
 * and a Scan within an operation would not be metered at all.
 */
function assertEveryCallMetered(endpointRequests: Record<string, number>, dynamoDb: CapacityByOperation): void {
  for (const [operation, count] of Object.entries(endpointRequests)) {
    if (!operation.startsWith('DynamoDB_20120810.')) continue;
    const name = operation.slice('DynamoDB_20120810.'.length);
    const metered = dynamoDb[name]?.calls ?? 0;
    if (name === 'Scan' || (metered !== count && (metered > 0 || ITEM_OPERATIONS.has(name)))) throw new Error(`${name}: the endpoint served ${count}, the meter saw ${metered}`);
  }
}

/** Scans the table with the local administrator's credentials (after the window: its reads are not part of it). */
async function largestItemBytes(cloud: LocalCloud): Promise<number> {
  const { outputs } = cloud;
  const client = new DynamoDBClient({ endpoint: outputs.endpoint, region: outputs.region, credentials: LOCAL_ADMIN_CREDENTIALS });
  let largest = 0;
  try {
    let start: ScanCommandInput['ExclusiveStartKey'];
    do {
      const page = await client.send(new ScanCommand({ TableName: outputs.tableName, ...(start ? { ExclusiveStartKey: start } : {}) }));
      for (const item of page.Items ?? []) largest = Math.max(largest, Buffer.byteLength(JSON.stringify(item)));
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  return largest;
}

const QUIET_MS = 150;
const MAX_QUIET_CHECKS = 100;
const endpointTotal = (cloud: LocalCloud): number => [...cloud.endpoint.requestCounts().values()].reduce((sum, count) => sum + count, 0);

/**
 * Waits until the work an API call set off is done: the bus settled, no DynamoDB relay in flight,
 * and neither the endpoint nor Lambda saw anything new for 150 ms. The bus settles once Lambda has
 * queued an event (asynchronous invocation), so a subscriber may still be running then; the local
 * Lambda service has no hook for that, hence the quiet period.
 */
async function quiesce(cloud: LocalCloud): Promise<void> {
  for (let check = 0; check < MAX_QUIET_CHECKS; check += 1) {
    await cloud.eventBridge.settled();
    const seen = [endpointTotal(cloud), cloud.lambda.invocations().length];
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    if (relaysInFlight() === 0 && endpointTotal(cloud) === seen[0] && cloud.lambda.invocations().length === seen[1]) return;
  }
  throw new Error(`the local cloud did not come to rest within ${(MAX_QUIET_CHECKS * QUIET_MS) / 1000} s`);
}

/**
 * Runs `action`, which makes `operations` API calls, and measures what they cost, subscribers
 * included (the bus is settled before and after, so their work lands in the window).
 */
export async function usageOf(cloud: LocalCloud, operations: number, action: () => Promise<void>): Promise<MeasuredUsage> {
  meterDynamoDbCapacity(cloud.endpoint.port);
  await quiesce(cloud);
  const invocationsBefore = cloud.lambda.invocations().length;
  const executionsBefore = new Set(cloud.stepFunctions.recentExecutions(10_000).map((execution) => execution.executionArn));
  const eventsBefore = new Set(cloud.eventBridge.archive().map((archived) => archived.event.id));
  const requestsBefore = new Map(cloud.endpoint.requestCounts());
  const capacityBefore = meteredCapacity();

  await action();
  await quiesce(cloud);

  const endpointRequests = requestsBetween(requestsBefore, cloud.endpoint.requestCounts());
  const dynamoDb = capacityBetween(capacityBefore, meteredCapacity());
  assertEveryCallMetered(endpointRequests, dynamoDb);
  const executions = cloud.stepFunctions.recentExecutions(10_000).filter((execution) => !executionsBefore.has(execution.executionArn));
  const events = cloud.eventBridge.archive().filter((archived) => !eventsBefore.has(archived.event.id));
  return {
    operations,
    apiRequests: operations,
    lambda: lambdaUsage(cloud.lambda.invocations().slice(invocationsBefore)),
    dynamoDb,
    stepFunctions: expressUsage(executions),
    eventBridge: { eventBytes: events.map((archived) => Buffer.byteLength(JSON.stringify(archived.event))) },
    endpointRequests,
    largestItemBytes: await largestItemBytes(cloud),
  };
}
