/**
 * What the IAM gateway costs: policy evaluations per second, and GetItem latency and throughput
 * directly against DynamoDB Local vs through the gateway (as the administrator: relay only; with
 * tenant credentials: SigV4 verification + policy evaluation + relay). Sequential calls after a
 * warm-up, one run, all on loopback; throughput is calls per second of time spent in that client's calls. `npx tsx bench/iam-gateway.ts`
 */
import { runStandalone } from './standalone';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { tenantPolicyDocument } from '../domain/isolation';
import { tenantDataPartition } from '../domain/keys';
import { DEFAULT_TABLE_NAME, TABLE_KEYS, USER_INDEX } from '../domain/table';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS, LOCAL_REGION } from '../local/config';
import { ensureTable, startDynamoDbLocal } from '../local/dynamodb/dynamodb-local';
import { createDynamoDbGateway } from '../local/dynamodb/gateway';
import { CredentialStore } from '../local/iam/credential-store';
import { authorizationRequestsFor } from '../local/iam/dynamodb-authorization';
import { assumedRoleArn, evaluate, type SessionPrincipal } from '../local/iam/policy-evaluator';
import { startEndpoint } from '../local/server/endpoint';

const ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/TenantRole`;
const TABLE_ARN = `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/${DEFAULT_TABLE_NAME}`;
const WARM_UP_CALLS = 300;
const MEASURED_CALLS = 500;
const EVALUATIONS = 5_000;

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function policyEvaluationsPerSecond(): Promise<number> {
  const principal: SessionPrincipal = {
    roleArn: ROLE_ARN,
    sessionArn: assumedRoleArn(ROLE_ARN),
    accountId: LOCAL_ACCOUNT_ID,
    principalTags: { tenant_id: 'A', user_id: 'u1' },
  };
  const requests = await authorizationRequestsFor(
    'GetItem',
    { TableName: DEFAULT_TABLE_NAME, Key: { PK: { S: tenantDataPartition('A', 'notes', 0) }, SK: { S: 'NOTE#1' } } },
    {
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      keySchemaOf: async () => ({ partitionKey: TABLE_KEYS.partitionKey, indexes: { [USER_INDEX.indexName]: USER_INDEX.partitionKey } }),
    },
  );
  const policy = tenantPolicyDocument(TABLE_ARN);
  for (let i = 0; i < EVALUATIONS / 10; i++) evaluate(policy, principal, requests);
  const started = performance.now();
  for (let i = 0; i < EVALUATIONS; i++) {
    if (!evaluate(policy, principal, requests).allowed) throw new Error('the benchmark request should be allowed');
  }
  return EVALUATIONS / ((performance.now() - started) / 1000);
}

interface Latency {
  p50Ms: number;
  p95Ms: number;
  callsPerSecond: number;
}

/**
 * GetItem through each client, interleaved call by call: DynamoDB Local's JVM keeps warming up
 * for a while, and measuring one client after the other would credit that to the later ones.
 */
async function measureGetItem(clients: DynamoDBClient[], key: Record<string, { S: string }>): Promise<Latency[]> {
  const command = (): GetItemCommand => new GetItemCommand({ TableName: DEFAULT_TABLE_NAME, Key: key });
  for (let i = 0; i < WARM_UP_CALLS; i++) for (const client of clients) await client.send(command());
  const latencies = clients.map((): number[] => []);
  for (let i = 0; i < MEASURED_CALLS; i++) {
    for (const [index, client] of clients.entries()) {
      const before = performance.now();
      const { Item: item } = await client.send(command());
      latencies[index]?.push(performance.now() - before);
      if (!item) throw new Error('the benchmark item is missing');
    }
  }
  return latencies.map((values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const totalSeconds = values.reduce((sum, value) => sum + value, 0) / 1000;
    return { p50Ms: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)), callsPerSecond: round(values.length / totalSeconds, 0) };
  });
}

export async function benchIamGateway(): Promise<Record<string, number | string>> {
  const evaluationsPerSecond = await policyEvaluationsPerSecond();

  const dynamoDbLocal = await startDynamoDbLocal({ port: 0 });
  const store = new CredentialStore();
  const gateway = createDynamoDbGateway({
    upstreamUrl: dynamoDbLocal.url,
    credentialStore: store,
    policyForRole: (roleArn) => (roleArn === ROLE_ARN ? tenantPolicyDocument(TABLE_ARN) : undefined),
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
  });
  const endpoint = await startEndpoint({ port: 0, services: [gateway] });
  const issued = store.issue({ roleArn: ROLE_ARN, identityId: `${LOCAL_REGION}:bench`, principalTags: { tenant_id: 'A', user_id: 'u1' }, ttlSeconds: 3600 });
  const client = (endpointUrl: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): DynamoDBClient =>
    new DynamoDBClient({ endpoint: endpointUrl, region: LOCAL_REGION, credentials, disableHostPrefix: true });
  const direct = client(dynamoDbLocal.url, LOCAL_ADMIN_CREDENTIALS);
  const gatewayAdmin = client(endpoint.url, LOCAL_ADMIN_CREDENTIALS);
  const gatewayTenant = client(endpoint.url, { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken });

  try {
    await ensureTable(direct, DEFAULT_TABLE_NAME);
    const key = { PK: { S: tenantDataPartition('A', 'notes', 0) }, SK: { S: 'NOTE#1' } };
    await direct.send(new PutItemCommand({ TableName: DEFAULT_TABLE_NAME, Item: { ...key, body: { S: 'benchmark' } } }));

    const [directLatency, relayLatency, tenantLatency] = (await measureGetItem([direct, gatewayAdmin, gatewayTenant], key)) as [Latency, Latency, Latency];
    return {
      policyEvaluationsPerSecond: round(evaluationsPerSecond, 0),
      policyEvaluationMicros: round(1e6 / evaluationsPerSecond, 1),
      dynamoDbLocalStartMs: dynamoDbLocal.startMs,
      calls: MEASURED_CALLS,
      directP50Ms: directLatency.p50Ms,
      directP95Ms: directLatency.p95Ms,
      directCallsPerSecond: directLatency.callsPerSecond,
      gatewayAdminP50Ms: relayLatency.p50Ms,
      gatewayAdminP95Ms: relayLatency.p95Ms,
      gatewayAdminCallsPerSecond: relayLatency.callsPerSecond,
      gatewayTenantP50Ms: tenantLatency.p50Ms,
      gatewayTenantP95Ms: tenantLatency.p95Ms,
      gatewayTenantCallsPerSecond: tenantLatency.callsPerSecond,
      tenantToDirectP50Ratio: round(tenantLatency.p50Ms / directLatency.p50Ms),
      tenantToDirectThroughputRatio: round(tenantLatency.callsPerSecond / directLatency.callsPerSecond),
    };
  } finally {
    for (const sdkClient of [direct, gatewayAdmin, gatewayTenant]) sdkClient.destroy();
    await endpoint.stop();
    await dynamoDbLocal.stop();
  }
}

function printTable(result: Record<string, number | string>): void {
  console.log(`policy evaluation: ${result.policyEvaluationsPerSecond} /s (${result.policyEvaluationMicros} µs each)`);
  console.log(`DynamoDB Local start: ${result.dynamoDbLocalStartMs} ms`);
  console.table({
    'direct to DynamoDB Local': { p50Ms: result.directP50Ms, p95Ms: result.directP95Ms, callsPerSecond: result.directCallsPerSecond },
    'gateway, admin (relay only)': { p50Ms: result.gatewayAdminP50Ms, p95Ms: result.gatewayAdminP95Ms, callsPerSecond: result.gatewayAdminCallsPerSecond },
    'gateway, tenant (SigV4 + IAM)': { p50Ms: result.gatewayTenantP50Ms, p95Ms: result.gatewayTenantP95Ms, callsPerSecond: result.gatewayTenantCallsPerSecond },
  });
  console.log(`tenant via gateway / direct: p50 x${result.tenantToDirectP50Ratio}, throughput x${result.tenantToDirectThroughputRatio}`);
}

if (require.main === module) runStandalone(benchIamGateway, printTable);
