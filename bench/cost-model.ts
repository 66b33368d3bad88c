/**
 * `npx tsx bench/cost-model.ts [results.json]`: what 1,000 operations cost on AWS (us-east-1,
 * list prices of bench/pricing.ts, free tiers ignored), from the usage the benchmarks measured
 * (bench/usage.ts) and wrote to .local/bench-results.json. Everything above the command line is
 * pure: usage × prices → cost, with a line per billed item.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRICES, PRICES_READ_ON, REGION, type Price, type PriceKey } from './pricing';
import type { MeasuredUsage } from './usage';

const KB = 1024;
const MB = 1024 * KB;
const GB = 1024 * MB;

export class MissingPriceError extends Error {
  constructor(readonly what: string) {
    super(`no price for ${what}: add it to bench/pricing.ts (with its source) before costing it`);
    this.name = 'MissingPriceError';
  }
}

// ——— AWS's billing units ———

/** GB-seconds of `ms` at `memoryMb` (Lambda and Express: memory in GB = MB / 1024). */
export const gbSeconds = (ms: number, memoryMb: number): number => (memoryMb / KB) * (ms / 1000);

/** Lambda bills duration rounded up to the next 1 ms (aws.amazon.com/lambda/pricing). */
export const lambdaBilledMs = (ms: number): number => Math.max(1, Math.ceil(ms));

/** Express bills duration rounded up to the next 100 ms (aws.amazon.com/step-functions/pricing). */
export const expressBilledMs = (ms: number): number => Math.max(100, Math.ceil(ms / 100) * 100);

/** Express memory: 50 MB + definition + payload, billed in 64 MB chunks (ibid., example 4). */
export const expressBilledMemoryMb = (definitionBytes: number, payloadBytes = 0): number => Math.ceil((50 * MB + definitionBytes + payloadBytes) / (64 * MB)) * 64;

/** Write request units of one item write: 1 per 1 KB started, twice in a transaction (DynamoDB on-demand pricing). */
export const writeRequestUnits = (itemBytes: number, transactional = false): number => Math.ceil(Math.max(itemBytes, 1) / KB) * (transactional ? 2 : 1);

export type ReadConsistency = 'eventual' | 'strong' | 'transactional';
const READ_FACTOR: Record<ReadConsistency, number> = { eventual: 0.5, strong: 1, transactional: 2 };

/** Read request units of one read of `bytes` (an item, or a Query's whole result): per 4 KB started, eventual half, transactional double. */
export const readRequestUnits = (bytes: number, consistency: ReadConsistency): number => Math.ceil(Math.max(bytes, 1) / (4 * KB)) * READ_FACTOR[consistency];

/** EventBridge bills each 64 KB of an event as one event (aws.amazon.com/eventbridge/pricing). */
export const eventChunks = (bytes: number): number => Math.ceil(Math.max(bytes, 1) / (64 * KB));

// ——— Which service each endpoint request belongs to ———

type Service = 'dynamoDb' | 'cognitoUserPool' | 'cognitoIdentity' | 'eventBridge' | 'stepFunctions' | 'lambda' | 'sqs';

/**
 * Endpoint operations by service. DynamoDB, EventBridge, Step Functions and Lambda are billed from
 * their own measures (request units, events, executions, invocations), not per request here; a
 * request of any other service fails the model until its price is added.
 */
const ENDPOINT_SERVICES: readonly { readonly matches: (operation: string) => boolean; readonly service: Service }[] = [
  { matches: (operation) => operation.startsWith('DynamoDB_20120810.'), service: 'dynamoDb' },
  { matches: (operation) => operation.startsWith('AWSCognitoIdentityProviderService.') || operation.includes('/.well-known/'), service: 'cognitoUserPool' },
  { matches: (operation) => operation.startsWith('AWSCognitoIdentityService.'), service: 'cognitoIdentity' },
  { matches: (operation) => operation.startsWith('AWSEvents.'), service: 'eventBridge' },
  { matches: (operation) => operation.startsWith('AWSStepFunctions.'), service: 'stepFunctions' },
  { matches: (operation) => operation.startsWith('POST /2015-03-31/functions/'), service: 'lambda' },
  { matches: (operation) => operation.startsWith('AmazonSQS.'), service: 'sqs' },
];

function requestsByService(endpointRequests: Record<string, number>): Record<Service, number> {
  const counts: Record<Service, number> = { dynamoDb: 0, cognitoUserPool: 0, cognitoIdentity: 0, eventBridge: 0, stepFunctions: 0, lambda: 0, sqs: 0 };
  for (const [operation, count] of Object.entries(endpointRequests)) {
    const match = ENDPOINT_SERVICES.find((entry) => entry.matches(operation));
    if (!match) throw new MissingPriceError(`endpoint operation ${operation}`);
    counts[match.service] += count;
  }
  return counts;
}

/** Transaction members were priced at 2 units each (bench/dynamodb-capacity.ts): only exact for items of up to 1 KB. */
export class ItemTooLargeForTransactionRuleError extends Error {
  constructor(readonly largestItemBytes: number) {
    super(`the table held an item of ${largestItemBytes} bytes: transaction members of more than 1 KB cost more than 2 units, which the meter does not count`);
    this.name = 'ItemTooLargeForTransactionRuleError';
  }
}

// ——— Usage × prices ———

export type Prices = Partial<Record<PriceKey, Price>>;

export interface CostLine {
  readonly item: string;
  /** Billed quantity for 1,000 operations, in the price's unit. */
  readonly quantity: number;
  readonly unit: string;
  readonly usd: number;
}

export interface OperationCost {
  readonly operation: string;
  /** USD for 1,000 operations, every line included. */
  readonly perThousandUsd: number;
  readonly lines: readonly CostLine[];
}

const sum = (values: Iterable<number>): number => [...values].reduce((total, value) => total + value, 0);

/** The billed quantities of `usage`, each with the price it is billed at, for all its operations. */
function quantities(usage: MeasuredUsage): { item: string; price: PriceKey; quantity: number }[] {
  const requests = requestsByService(usage.endpointRequests);
  const lambda = Object.values(usage.lambda);
  const dynamoDb = Object.values(usage.dynamoDb);
  const express = usage.stepFunctions;
  const expressMemoryMb = expressBilledMemoryMb(express.definitionBytes);
  return [
    { item: 'API Gateway REST requests', price: 'apiGatewayRestRequest', quantity: usage.apiRequests },
    { item: 'Lambda requests', price: 'lambdaRequest', quantity: sum(lambda.map((fn) => fn.invocations)) },
    { item: 'Lambda duration (arm64)', price: 'lambdaArmGbSecond', quantity: sum(lambda.map((fn) => gbSeconds(fn.billedMs, fn.memoryMb))) },
    { item: 'DynamoDB write request units', price: 'dynamoDbWriteRequestUnit', quantity: sum(dynamoDb.map((op) => op.writeUnits)) },
    { item: 'DynamoDB read request units', price: 'dynamoDbReadRequestUnit', quantity: sum(dynamoDb.map((op) => op.readUnits)) },
    { item: 'Step Functions Express executions', price: 'expressRequest', quantity: express.executions },
    { item: 'Step Functions Express duration', price: 'expressGbSecond', quantity: sum(express.durationsMs.map((ms) => gbSeconds(expressBilledMs(ms), expressMemoryMb))) },
    { item: 'EventBridge custom events', price: 'eventBridgeCustomEvent', quantity: sum(usage.eventBridge.eventBytes.map(eventChunks)) },
    { item: 'EventBridge archive', price: 'eventBridgeArchiveGb', quantity: sum(usage.eventBridge.eventBytes) / GB },
    { item: 'Cognito user-pool requests', price: 'cognitoUserPoolRequest', quantity: requests.cognitoUserPool },
    { item: 'Cognito identity-pool requests', price: 'cognitoIdentityRequest', quantity: requests.cognitoIdentity },
    { item: 'SQS requests', price: 'sqsRequest', quantity: requests.sqs },
  ];
}

/** What 1,000 operations like the measured ones cost, line by line. */
export function costPerThousand(operation: string, usage: MeasuredUsage, prices: Prices = PRICES): OperationCost {
  if (!(usage.operations > 0)) throw new RangeError(`${operation}: a usage must cover at least one operation`);
  const transactions = Object.keys(usage.dynamoDb).some((name) => name.startsWith('Transact'));
  if (transactions && usage.largestItemBytes > KB) throw new ItemTooLargeForTransactionRuleError(usage.largestItemBytes);
  const scale = 1000 / usage.operations;
  const lines = quantities(usage).map(({ item, price, quantity }) => {
    const rate = prices[price];
    if (!rate) throw new MissingPriceError(`${item} (${price})`);
    return { item, quantity: quantity * scale, unit: rate.unit, usd: quantity * scale * rate.usd };
  });
  return { operation, perThousandUsd: sum(lines.map((line) => line.usd)), lines };
}

/** Cognito's bill is per monthly active user, whatever the number of calls: 1,000 MAUs above the free tier. */
export function mauCostPerThousandUsers(prices: Prices = PRICES): { essentialsUsd: number; liteUsd: number } {
  const essentials = prices.cognitoEssentialsMau;
  const lite = prices.cognitoLiteMau;
  if (!essentials || !lite) throw new MissingPriceError('Cognito MAUs');
  return { essentialsUsd: 1000 * essentials.usd, liteUsd: 1000 * lite.usd };
}

/** What each 1 KB logged per operation adds to 1,000 operations (CloudWatch Logs ingestion; no log volume is measured). */
export function logCostPerKbPerThousand(prices: Prices = PRICES): number {
  const ingest = prices.cloudWatchLogsIngestGb;
  if (!ingest) throw new MissingPriceError('CloudWatch Logs ingestion');
  return ((1000 * KB) / GB) * ingest.usd;
}

// ——— The command ———

/** The measured usages in a results file of `npm run bench`, by the operation's name in the README. */
export function usagesIn(results: Record<string, unknown>): Record<string, MeasuredUsage> {
  const controlPlane = results.controlPlane as { onboarding?: { usage?: MeasuredUsage }; switching?: { usage?: MeasuredUsage } } | undefined;
  const dataPlane = results.dataPlane as { usage?: Record<string, MeasuredUsage> } | undefined;
  const usages: Record<string, MeasuredUsage> = {};
  if (controlPlane?.onboarding?.usage) usages['Onboarding (POST /tenants)'] = controlPlane.onboarding.usage;
  if (controlPlane?.switching?.usage) usages['Switch tenant (PUT /tenants/active)'] = controlPlane.switching.usage;
  for (const [route, usage] of Object.entries(dataPlane?.usage ?? {})) usages[route] = usage;
  return usages;
}

const usd = (value: number): string => `$${value.toFixed(value < 0.01 ? 5 : 4)}`;

function main(): void {
  const file = process.argv[2] ?? join(__dirname, '..', '.local', 'bench-results.json');
  const usages = usagesIn(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
  if (Object.keys(usages).length === 0) throw new Error(`${file} holds no measured usage: run \`npx tsx bench/run.ts controlPlane dataPlane\` first`);
  const costs = Object.entries(usages).map(([operation, usage]) => costPerThousand(operation, usage));
  console.log(`AWS cost per 1,000 operations, ${REGION}, list prices read ${PRICES_READ_ON}, free tiers ignored (${file}):`);
  console.table(Object.fromEntries(costs.map((cost) => [cost.operation, { 'USD / 1,000': usd(cost.perThousandUsd), ...Object.fromEntries(cost.lines.filter((line) => line.usd > 0).map((line) => [line.item, usd(line.usd)])) }])));
  const mau = mauCostPerThousandUsers();
  console.log(`Cognito, per 1,000 monthly active users above the free tier: Essentials ${usd(mau.essentialsUsd)}, Lite ${usd(mau.liteUsd)} (per user and month, not per call).`);
  console.log(`CloudWatch Logs (not measured, not in the totals): each 1 KB logged per operation adds ${usd(logCostPerKbPerThousand())} per 1,000.`);
  console.log(JSON.stringify(costs, null, 2));
}

if (require.main === module) main();
