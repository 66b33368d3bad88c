/**
 * `npx tsx bench/data-plane.ts`: the sample data plane (issue 8) through the real API of an
 * in-process local cloud, with tenants of its own (no seed):
 * 1. throughput and latency of `GET /aircraft`, `POST /reservations` (201, and the 409 of a taken
 *    slot), `GET /reservations` under a few concurrent clients, with the DynamoDB calls per request;
 * 2. the share of items each shard of a hot tenant holds after its bookings, against 1/N;
 * 3. a full list page over the 8 reservation shards against the same page from one partition
 *    (one aircraft's schedule), through the API and as bare Queries on tenant-scoped credentials;
 * 4. everything AWS would bill for 20 sequential requests of each route (`usage`, priced by
 *    bench/cost-model.ts).
 */
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { AdminConfirmSignUpCommand, CognitoIdentityProviderClient, InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { principalTagsFor } from '../domain/isolation';
import { aircraftPartition, DATA_KIND, DATA_SORT_KEY, tenantDataPartitions, type DataKind } from '../domain/keys';
import { DATA_SHARDS, shardOf } from '../domain/sharding';
import { cognitoIdentityPool } from '../handlers/authorizer/adapters';
import { startLocalCloud, type LocalCloud } from '../local/cloud';
import { LOCAL_ADMIN_CREDENTIALS } from '../local/config';
import { endpointRequestsOf, latency, timedApiCall } from './run-cost';
import { usageOf, type MeasuredUsage } from './usage';
import { runStandalone } from './standalone';

// Run on its own, the handlers' info logs would bury the table; `npm run bench` sets the same.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

const HOUR_MS = 3_600_000;
/** The goal: every shard within ±20 % of an even share. */
const SHARE_TOLERANCE = 0.2;

interface Answer {
  readonly status: number;
  readonly ms: number;
  readonly json: Record<string, unknown>;
}
type Call = (method: string, path: string, body?: unknown) => Promise<Answer>;

/** A fresh user who creates a tenant through the API and calls it as its admin (the built-in role holds every action). */
async function tenantAdmin(outputs: LocalCloud['outputs'], idp: CognitoIdentityProviderClient, label: string) {
  const email = `bench-data-${label}-${Date.now()}@example.com`;
  const password = 'Bench-pass-1';
  await idp.send(new SignUpCommand({ ClientId: outputs.userPoolClientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] }));
  await idp.send(new AdminConfirmSignUpCommand({ UserPoolId: outputs.userPoolId, Username: email }));
  const auth = await idp.send(new InitiateAuthCommand({ ClientId: outputs.userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }));
  let idToken = auth.AuthenticationResult?.IdToken ?? '';
  const call: Call = timedApiCall(outputs.apiUrl, () => idToken);
  const created = expect(await call('POST', '/tenants', { name: `Bench ${label}`, refreshToken: auth.AuthenticationResult?.RefreshToken ?? '' }), 201, 'POST /tenants');
  idToken = (created.json.tokens as { idToken: string }).idToken;
  const tenantId = (created.json.tenant as { tenantId: string }).tenantId;
  const userId = String((JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub: string }).sub);
  return { call, tenantId, userId };
}

/** Every answer the bench relies on must be the one it measures: anything else stops it. */
function expect(answer: Answer, status: number, what: string): Answer {
  if (answer.status !== status) throw new Error(`${what} answered ${answer.status} (expected ${status}): ${JSON.stringify(answer.json)}`);
  return answer;
}

/** `total` requests from `clients` concurrent callers, each taking the next index: every latency, and the wall time of all. */
async function concurrently(total: number, clients: number, request: (index: number) => Promise<number>) {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  const client = async () => {
    while (next < total) times.push(await request(next++));
  };
  await Promise.all(Array.from({ length: clients }, client));
  return { times, wallMs: performance.now() - started };
}

const DYNAMODB = 'DynamoDB_20120810.';

/** DynamoDB requests the endpoint served per API request, in all and by operation (subscribers included). */
function dynamoDbPerRequest(requests: Record<string, number>, served: number) {
  const dynamoDb = Object.entries(requests).filter(([operation]) => operation.startsWith(DYNAMODB));
  const others = Object.entries(requests).filter(([operation]) => !operation.startsWith(DYNAMODB));
  return {
    dynamoDbCallsPerRequest: +(dynamoDb.reduce((sum, [, count]) => sum + count, 0) / served).toFixed(2),
    dynamoDbByOperation: Object.fromEntries(dynamoDb.map(([operation, count]) => [operation.slice(DYNAMODB.length), +(count / served).toFixed(2)])),
    ...(others.length > 0 ? { otherCallsPerRequest: Object.fromEntries(others.map(([operation, count]) => [operation, +(count / served).toFixed(2)])) } : {}),
  };
}

export type Throughput = ReturnType<typeof latency> & { requestsPerSecond: number; clients: number } & ReturnType<typeof dynamoDbPerRequest>;

/** Throughput, latency and DynamoDB cost of one route, measured over one window of `total` requests. */
async function throughput(cloud: LocalCloud, total: number, clients: number, request: (index: number) => Promise<number>): Promise<Throughput> {
  let run = { times: [] as number[], wallMs: 0 };
  const requests = await endpointRequestsOf(cloud, async () => void (run = await concurrently(total, clients, request)));
  return { ...latency(run.times), requestsPerSecond: +((total / run.wallMs) * 1000).toFixed(1), clients, ...dynamoDbPerRequest(requests, total) };
}

/** Slots 2 h apart from midnight UTC at least a day ahead (no clock check can find one past): slot `k` is [start, start + 1 h). */
function slots() {
  const base = Math.ceil(Date.now() / (24 * HOUR_MS)) * 24 * HOUR_MS + 24 * HOUR_MS;
  return (slot: number, shiftMs = 0) => ({ start: new Date(base + slot * 2 * HOUR_MS + shiftMs).toISOString(), end: new Date(base + slot * 2 * HOUR_MS + HOUR_MS + shiftMs).toISOString() });
}

const idOf = (answer: Answer, kind: 'aircraft' | 'reservation', field: 'aircraftId' | 'reservationId'): string => (answer.json[kind] as Record<string, string>)[field] ?? '';

/**
 * The hot tenant: `aircraft` creations, then `bookings` bookings spread over every aircraft (booking
 * i: aircraft i mod A, slot ⌊i / A⌋), so that concurrent clients book different aircraft and every
 * booking is a 201; then `refusals` bookings of taken slots (each overlapping one of those by half
 * an hour, on different aircraft in turn), every one a 409.
 */
async function routeThroughput(cloud: LocalCloud, call: Call, options: Required<DataPlaneBenchOptions>) {
  const slot = slots();
  const aircraftIds: string[] = [];
  const createAircraft = await throughput(cloud, options.aircraft, options.clients, async (i) => {
    const answer = expect(await call('POST', '/aircraft', { registration: `HB-${i}`, model: 'Cessna 172', seats: 4 }), 201, 'POST /aircraft');
    aircraftIds[i] = idOf(answer, 'aircraft', 'aircraftId');
    return answer.ms;
  });
  const listAircraft = await throughput(cloud, options.reads, options.clients, async () => expect(await call('GET', '/aircraft'), 200, 'GET /aircraft').ms);
  const booking = (i: number, shiftMs = 0) => ({ aircraftId: aircraftIds[i % options.aircraft] ?? '', ...slot(Math.floor(i / options.aircraft), shiftMs) });
  const book = await throughput(cloud, options.bookings, options.clients, async (i) => expect(await call('POST', '/reservations', booking(i)), 201, 'POST /reservations').ms);
  const refuse = await throughput(cloud, options.refusals, options.clients, async (i) => expect(await call('POST', '/reservations', booking(i, HOUR_MS / 2)), 409, 'POST /reservations (taken)').ms);
  const listReservations = await throughput(cloud, options.reads, options.clients, async () => expect(await call('GET', '/reservations'), 200, 'GET /reservations').ms);
  return {
    'POST /aircraft': createAircraft,
    'GET /aircraft (limit 25, 8 shards)': listAircraft,
    'POST /reservations (201)': book,
    'POST /reservations (409, slot taken)': refuse,
    'GET /reservations (limit 25, 8 shards)': listReservations,
  };
}

/**
 * What the cost model prices (bench/cost-model.ts): `runs` requests of each data-plane route, one
 * after another, as the hot tenant's admin once its lists hold full pages, with everything each
 * request costs at AWS (bench/usage.ts). New aircraft and slots far from part 1's, so every
 * booking is a 201.
 */
async function routeUsage(cloud: LocalCloud, call: Call, runs: number): Promise<Record<string, MeasuredUsage>> {
  const slot = slots();
  const aircraftIds: string[] = [];
  const repeat = (request: (index: number) => Promise<unknown>) => usageOf(cloud, runs, async () => {
    for (let i = 0; i < runs; i += 1) await request(i);
  });
  const createAircraft = await repeat(async (i) => aircraftIds.push(idOf(expect(await call('POST', '/aircraft', { registration: `HB-U${i}`, model: 'Cessna 152', seats: 2 }), 201, 'POST /aircraft'), 'aircraft', 'aircraftId')));
  const listAircraft = await repeat(async () => expect(await call('GET', '/aircraft'), 200, 'GET /aircraft'));
  const book = await repeat(async (i) => expect(await call('POST', '/reservations', { aircraftId: aircraftIds[i] ?? '', ...slot(1000 + i) }), 201, 'POST /reservations'));
  const listReservations = await repeat(async () => expect(await call('GET', '/reservations'), 200, 'GET /reservations'));
  return {
    'POST /aircraft': createAircraft,
    'GET /aircraft (limit 25, 8 shards)': listAircraft,
    'POST /reservations (201)': book,
    'GET /reservations (limit 25, 8 shards)': listReservations,
  };
}

/** Items of one kind per shard partition whose sort key starts with `prefix`, read with the local admin credentials. */
async function itemsPerShard(dynamodb: DynamoDBClient, tableName: string, tenantId: string, kind: DataKind, prefix: string): Promise<number[]> {
  return Promise.all(
    tenantDataPartitions(tenantId, kind).map(async (partition) => {
      let count = 0;
      let start: QueryCommandInput['ExclusiveStartKey'];
      do {
        const page = await dynamodb.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
            ExpressionAttributeValues: { ':pk': { S: partition }, ':prefix': { S: prefix } },
            Select: 'COUNT',
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        count += page.Count ?? 0;
        start = page.LastEvaluatedKey;
      } while (start);
      return count;
    }),
  );
}

/** Each shard's share of `counts` against 1/N, and whether every one is within the goal's tolerance. */
function shares(counts: readonly number[]) {
  const total = counts.reduce((sum, count) => sum + count, 0);
  const even = total / counts.length;
  const deviations = counts.map((count) => (count - even) / even);
  return {
    items: total,
    perShard: counts,
    sharePct: counts.map((count) => +((count / total) * 100).toFixed(1)),
    evenSharePct: +(100 / counts.length).toFixed(1),
    maxDeviationPct: +(Math.max(...deviations.map(Math.abs)) * 100).toFixed(1),
    withinGoal: deviations.every((deviation) => Math.abs(deviation) <= SHARE_TOLERANCE),
  };
}

/**
 * How often `items` random ids (UUIDs, as the handlers generate) put every shard within the goal,
 * through the same `shardOf`: what a sample of that size can show of a uniform hash.
 */
function chanceWithinGoal(items: number, trials: number): number {
  let within = 0;
  for (let trial = 0; trial < trials; trial += 1) {
    const counts = new Array<number>(DATA_SHARDS).fill(0);
    for (let item = 0; item < items; item += 1) {
      const shard = shardOf(randomUUID());
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    if (shares(counts).withinGoal) within += 1;
  }
  return +((within / trials) * 100).toFixed(1);
}

/** The hot tenant's items per shard, for each kind the writes of its aircraft and bookings land in. */
async function shardShares(dynamodb: DynamoDBClient, tableName: string, tenantId: string, trials: number) {
  // The item prefixes of the layout keys.ts documents (it exports builders of whole keys for these).
  const kinds = {
    'RESERVATION (RES# by id)': await itemsPerShard(dynamodb, tableName, tenantId, DATA_KIND.reservation, DATA_SORT_KEY.reservationPrefix),
    'RESERVATION (START# by start)': await itemsPerShard(dynamodb, tableName, tenantId, DATA_KIND.reservation, DATA_SORT_KEY.startPrefix),
    'AIRCRAFT (AIRCRAFT# items)': await itemsPerShard(dynamodb, tableName, tenantId, DATA_KIND.aircraft, DATA_SORT_KEY.aircraftPrefix),
    'AIRCRAFT (SCHEDULE# items)': await itemsPerShard(dynamodb, tableName, tenantId, DATA_KIND.aircraft, DATA_SORT_KEY.scheduleItemsPrefix),
    'REGISTRATION (REG# claims)': await itemsPerShard(dynamodb, tableName, tenantId, DATA_KIND.registration, DATA_SORT_KEY.registrationPrefix),
  };
  const measured = Object.fromEntries(Object.entries(kinds).map(([kind, counts]) => [kind, shares(counts)]));
  const sizes = [...new Set([...Object.values(measured).map((kind) => kind.items), 1600, 6400])].sort((a, b) => a - b);
  return {
    shards: DATA_SHARDS,
    tolerancePct: SHARE_TOLERANCE * 100,
    measured,
    // A random sample spreads unevenly by chance alone; this is how often a uniform hash meets the goal at each size.
    chanceWithinGoalPct: Object.fromEntries(sizes.map((items) => [items, chanceWithinGoal(items, trials)])),
  };
}

/** p50/p95 of two requests timed in turn (so that drift of the machine affects both alike). */
async function sideBySide(runs: number, first: () => Promise<unknown>, second: () => Promise<unknown>) {
  const timed = async (request: () => Promise<unknown>) => {
    const started = performance.now();
    await request();
    return performance.now() - started;
  };
  await first();
  await second();
  const times: [number[], number[]] = [[], []];
  for (let run = 0; run < runs; run += 1) {
    times[0].push(await timed(first));
    times[1].push(await timed(second));
  }
  return [latency(times[0]), latency(times[1])] as const;
}

/**
 * A list tenant whose one aircraft holds all `items` reservations: a page of 25 by start over the
 * 8 reservation shards against the same 25 from the aircraft's schedule (one partition), through
 * the API, then as bare Queries (8 in parallel against 1) signed with the tenant's own credentials,
 * minted as the authorizer mints them.
 */
async function listComparison(cloud: LocalCloud, idp: CognitoIdentityProviderClient, options: Required<DataPlaneBenchOptions>) {
  const { outputs } = cloud;
  const { call, tenantId, userId } = await tenantAdmin(outputs, idp, 'list');
  const aircraftId = idOf(expect(await call('POST', '/aircraft', { registration: 'LIST-1', model: 'Piper PA-28' }), 201, 'POST /aircraft'), 'aircraft', 'aircraftId');
  const slot = slots();
  // One aircraft: concurrent bookings would only queue on its schedule version; one at a time is as quick.
  for (let i = 0; i < options.listItems; i += 1) expect(await call('POST', '/reservations', { aircraftId, ...slot(i) }), 201, 'POST /reservations');

  const page = 25;
  const sharded = async () => expect(await call('GET', `/reservations?limit=${page}`), 200, 'GET /reservations');
  const single = async () => expect(await call('GET', `/reservations?aircraftId=${aircraftId}&limit=${page}`), 200, 'GET /reservations?aircraftId=');
  const [first, second] = [await sharded(), await single()];
  const sameItems = JSON.stringify(first.json.reservations) === JSON.stringify(second.json.reservations);
  const costOf = async (request: () => Promise<unknown>) => dynamoDbPerRequest(await endpointRequestsOf(cloud, async () => void (await request())), 1);
  const [shardCost, singleCost] = [await costOf(sharded), await costOf(single)];
  const [apiSharded, apiSingle] = await sideBySide(options.listRuns, sharded, single);

  const identity = new CognitoIdentityClient({ endpoint: outputs.endpoint, region: outputs.region, credentials: LOCAL_ADMIN_CREDENTIALS });
  const minted = await cognitoIdentityPool(identity, outputs.identityPoolId).credentialsFor(userId, principalTagsFor({ userId, tenantId }));
  identity.destroy();
  const scoped = new DynamoDBClient({
    endpoint: outputs.endpoint,
    region: outputs.region,
    credentials: { accessKeyId: minted.accessKeyId, secretAccessKey: minted.secretAccessKey, sessionToken: minted.sessionToken },
  });
  const query = (partition: string, prefix: string) =>
    scoped.send(
      new QueryCommand({
        TableName: outputs.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': { S: partition }, ':prefix': { S: prefix } },
        Limit: page,
      }),
    );
  try {
    const [querySharded, querySingle] = await sideBySide(
      options.listRuns * 2,
      () => Promise.all(tenantDataPartitions(tenantId, DATA_KIND.reservation).map((partition) => query(partition, DATA_SORT_KEY.startPrefix))),
      () => query(aircraftPartition(tenantId, aircraftId), DATA_SORT_KEY.schedulePrefix(aircraftId)),
    );
    return {
      items: options.listItems,
      pageSize: page,
      samePage: sameItems,
      api: {
        [`GET /reservations?limit=${page} (${DATA_SHARDS} shards)`]: { ...apiSharded, ...shardCost },
        [`GET /reservations?aircraftId=&limit=${page} (1 partition)`]: { ...apiSingle, ...singleCost },
      },
      directQuery: {
        [`${DATA_SHARDS} parallel Query, Limit ${page}`]: { ...querySharded, dynamoDbCallsPerRequest: DATA_SHARDS },
        [`1 Query, Limit ${page}`]: { ...querySingle, dynamoDbCallsPerRequest: 1 },
      },
    };
  } finally {
    scoped.destroy();
  }
}

export interface DataPlaneBenchOptions {
  /** Concurrent API clients of part 1. */
  readonly clients?: number;
  /** Aircraft the hot tenant creates. */
  readonly aircraft?: number;
  /** Bookings (all 201) the hot tenant makes: the writes whose shard shares part 2 reports. */
  readonly bookings?: number;
  /** Bookings of taken slots (all 409). */
  readonly refusals?: number;
  /** Requests of each list route in part 1. */
  readonly reads?: number;
  /** Reservations of the list tenant's one aircraft (part 3). */
  readonly listItems?: number;
  /** Timed pages of each kind of list in part 3 (twice as many bare Queries). */
  readonly listRuns?: number;
  /** Simulated samples per size for the chance of meeting the share goal. */
  readonly shareTrials?: number;
  /** Sequential requests of each route whose whole usage the cost model prices. */
  readonly usageRuns?: number;
}

export async function benchDataPlane(options: DataPlaneBenchOptions = {}): Promise<Record<string, unknown>> {
  const settings: Required<DataPlaneBenchOptions> = {
    clients: 4,
    aircraft: 100,
    // Enough writes that a uniform spread is within ±20 % of 1/N in about 98 % of runs (the bench's own simulation).
    bookings: 1600,
    refusals: 200,
    reads: 200,
    listItems: 200,
    listRuns: 100,
    shareTrials: 400,
    usageRuns: 20,
    ...options,
  };
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-data-plane-'));
  const cloud: LocalCloud = await startLocalCloud({ port: 0, apiPort: 0, stateDir, persist: false });
  const { outputs } = cloud;
  const config = { endpoint: outputs.endpoint, region: outputs.region, credentials: LOCAL_ADMIN_CREDENTIALS, disableHostPrefix: true };
  const idp = new CognitoIdentityProviderClient(config);
  const dynamodb = new DynamoDBClient(config);
  try {
    const loadBefore = loadavg()[0] ?? 0;
    // First: its bookings also warm every function and the authorizer before part 1 times them.
    const lists = await listComparison(cloud, idp, settings);
    const hot = await tenantAdmin(outputs, idp, 'hot');
    const routes = await routeThroughput(cloud, hot.call, settings);
    const shardsOfHotTenant = await shardShares(dynamodb, outputs.tableName, hot.tenantId, settings.shareTrials);
    // After the shares, so that its items are not counted in them.
    const usage = await routeUsage(cloud, hot.call, settings.usageRuns);
    // Other work on the machine stretches the tails: the load is part of the numbers' context.
    const loadAverage1m = { before: +loadBefore.toFixed(2), after: +(loadavg()[0] ?? 0).toFixed(2) };
    return { routes, shardsOfHotTenant, lists, usage, loadAverage1m };
  } finally {
    idp.destroy();
    dynamodb.destroy();
    await cloud.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** The readable part: one table per section, then the JSON the README and `npm run bench` take. */
function print(result: Awaited<ReturnType<typeof benchDataPlane>>): void {
  const { routes, shardsOfHotTenant, lists } = result as {
    routes: Record<string, Throughput>;
    shardsOfHotTenant: Awaited<ReturnType<typeof shardShares>>;
    lists: Awaited<ReturnType<typeof listComparison>>;
  };
  // The admin's built-in role lets reads skip the role item: a custom role's read costs one GetItem more.
  console.log('\nRoutes, as the hot tenant\'s admin (DynamoDB calls per request include the audit subscriber):');
  console.table(
    Object.fromEntries(
      Object.entries(routes).map(([name, row]) => [name, { 'req/s': row.requestsPerSecond, clients: row.clients, runs: row.runs, 'p50 ms': row.p50Ms, 'p95 ms': row.p95Ms, 'DynamoDB/req': row.dynamoDbCallsPerRequest }]),
    ),
  );
  console.log(`\nItems per shard of the hot tenant (even share ${shardsOfHotTenant.measured['RESERVATION (RES# by id)']?.evenSharePct ?? ''} %, goal ±${shardsOfHotTenant.tolerancePct} %):`);
  console.table(
    Object.fromEntries(
      Object.entries(shardsOfHotTenant.measured).map(([kind, row]) => [kind, { items: row.items, 'share % by shard': row.sharePct.join(' '), 'max dev %': row.maxDeviationPct, 'within ±20 %': row.withinGoal }]),
    ),
  );
  console.log('Chance a uniform hash meets the goal, by items (simulated with shardOf over random UUIDs, %):', shardsOfHotTenant.chanceWithinGoalPct);
  console.log(`\nList page of ${lists.pageSize} out of ${lists.items} reservations (same page both ways: ${lists.samePage}):`);
  console.table(
    Object.fromEntries(
      [...Object.entries(lists.api), ...Object.entries(lists.directQuery)].map(([name, row]) => [
        name,
        { runs: row.runs, 'p50 ms': row.p50Ms, 'p95 ms': row.p95Ms, 'DynamoDB/req': row.dynamoDbCallsPerRequest },
      ]),
    ),
  );
  console.log('Load average (1 min) before and after, on', cpus().length, 'cores:', result.loadAverage1m);
  console.log(JSON.stringify(result, null, 2));
}

if (require.main === module) runStandalone(() => benchDataPlane(), print);
