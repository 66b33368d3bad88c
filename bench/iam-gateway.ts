/**
 * What IAM evaluation costs a call on the local endpoint, in one run of a real local cloud
 * (startLocalCloud): the same signed call made with the local administrator's keys (relayed, not
 * evaluated) and with issued session credentials whose role's policy allows it (SigV4
 * verification + policy evaluation + relay), p50/p95 of each and their ratio. DynamoDB GetItem
 * through the IAM gateway, twice evaluated: a bench role with a plain Allow, and tenant
 * credentials from the identity pool (the tenant policy, LeadingKeys conditions and all). Step
 * Functions DescribeStateMachine through the caller gate, with the bench role. Calls are
 * interleaved one by one (the JVM behind DynamoDB Local keeps warming up, and measuring one
 * series after another would credit that to the later ones), sequential, on loopback, after a
 * warm-up. Also: policy evaluations per second in process. `npx tsx bench/iam-gateway.ts`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { runStandalone } from './standalone';
import { principalTagsFor, tenantPolicyDocument } from '../domain/isolation';
import { tenantDataPartition } from '../domain/keys';
import { DEFAULT_TABLE_NAME, TABLE_KEYS, USER_INDEX } from '../domain/table';
import { cognitoIdentityPool } from '../handlers/authorizer/adapters';
import { ARNS } from '../infra/policies/arns';
import { allow, policyOf } from '../infra/policies/statements';
import { startLocalCloud } from '../local/cloud';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS, LOCAL_REGION } from '../local/config';
import { authorizationRequestsFor } from '../local/iam/dynamodb-authorization';
import { assumedRoleArn, evaluate, type SessionPrincipal } from '../local/iam/policy-evaluator';

const WARM_UP_CALLS = 200;
const MEASURED_CALLS = 500;
const EVALUATIONS = 5_000;
const SCOPE = { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID };
const BENCH_ROLE_ARN = ARNS.role(SCOPE, 'IamGatewayBenchRole');
const TENANT_ID = 'bench-tenant';
const USER_ID = 'bench-user';

interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

interface Latency {
  readonly p50Ms: number;
  readonly p95Ms: number;
}

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function policyEvaluationsPerSecond(tableArn: string): Promise<number> {
  const principal: SessionPrincipal = {
    roleArn: BENCH_ROLE_ARN,
    sessionArn: assumedRoleArn(BENCH_ROLE_ARN),
    accountId: LOCAL_ACCOUNT_ID,
    principalTags: principalTagsFor({ userId: USER_ID, tenantId: TENANT_ID }),
  };
  const requests = await authorizationRequestsFor(
    'GetItem',
    { TableName: tableArn, Key: { PK: { S: tenantDataPartition(TENANT_ID, 'notes', 0) }, SK: { S: 'NOTE#1' } } },
    { ...SCOPE, keySchemaOf: async () => ({ partitionKey: TABLE_KEYS.partitionKey, indexes: { [USER_INDEX.indexName]: USER_INDEX.partitionKey } }) },
  );
  const policy = tenantPolicyDocument(tableArn);
  for (let i = 0; i < EVALUATIONS / 10; i++) evaluate(policy, principal, requests);
  const started = performance.now();
  for (let i = 0; i < EVALUATIONS; i++) {
    if (!evaluate(policy, principal, requests).allowed) throw new Error('the benchmark request should be allowed');
  }
  return EVALUATIONS / ((performance.now() - started) / 1000);
}

/** Every series' call once per round, in order; latencies per series after the warm-up rounds. */
async function measureInterleaved(series: readonly (() => Promise<unknown>)[]): Promise<Latency[]> {
  for (let i = 0; i < WARM_UP_CALLS; i++) for (const call of series) await call();
  const latencies = series.map((): number[] => []);
  for (let i = 0; i < MEASURED_CALLS; i++) {
    for (const [index, call] of series.entries()) {
      const before = performance.now();
      await call();
      latencies[index]?.push(performance.now() - before);
    }
  }
  return latencies.map((values) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50Ms: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)) };
  });
}

export async function benchIamGateway(): Promise<Record<string, number | string>> {
  // Before the cloud starts, so that its background work does not share the measurement.
  const evaluationsPerSecond = await policyEvaluationsPerSecond(ARNS.table(SCOPE, DEFAULT_TABLE_NAME));
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-iam-gateway-'));
  const startedAt = performance.now();
  const cloud = await startLocalCloud({ port: 0, apiPort: 0, stateDir, persist: false });
  const cloudStartMs = performance.now() - startedAt;
  const { endpoint, region, tableName, identityPoolId, stateMachines } = cloud.outputs;
  const tableArn = ARNS.table(SCOPE, tableName);
  const [stateMachineArn] = Object.values(stateMachines);
  if (stateMachineArn === undefined) throw new Error('the local cloud defines no state machine');
  cloud.rolePolicies.register(BENCH_ROLE_ARN, policyOf([allow(['dynamodb:GetItem'], [tableArn]), allow(['states:DescribeStateMachine'], [stateMachineArn])]));
  const benchRole = cloud.credentialStore.issue({ roleArn: BENCH_ROLE_ARN, sessionName: 'iam-gateway-bench', principalTags: {}, ttlSeconds: 3600 });
  const identity = new CognitoIdentityClient({ endpoint, region, credentials: LOCAL_ADMIN_CREDENTIALS });
  const tenant = await cognitoIdentityPool(identity, identityPoolId).credentialsFor(USER_ID, principalTagsFor({ userId: USER_ID, tenantId: TENANT_ID }));
  const config = (credentials: Credentials) => ({ endpoint, region, credentials, disableHostPrefix: true, maxAttempts: 1 });
  const asCredentials = (issued: Credentials): Credentials => ({ accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken });
  const dynamodb = { admin: new DynamoDBClient(config(LOCAL_ADMIN_CREDENTIALS)), role: new DynamoDBClient(config(asCredentials(benchRole))), tenant: new DynamoDBClient(config(asCredentials(tenant))) };
  const sfn = { admin: new SFNClient(config(LOCAL_ADMIN_CREDENTIALS)), role: new SFNClient(config(asCredentials(benchRole))) };

  try {
    const key = { PK: { S: tenantDataPartition(TENANT_ID, 'notes', 0) }, SK: { S: 'NOTE#1' } };
    await dynamodb.admin.send(new PutItemCommand({ TableName: tableName, Item: { ...key, body: { S: 'benchmark' } } }));
    const getItem = (client: DynamoDBClient) => async () => {
      const { Item: item } = await client.send(new GetItemCommand({ TableName: tableName, Key: key }));
      if (!item) throw new Error('the benchmark item is missing');
    };
    const describe = (client: SFNClient) => () => client.send(new DescribeStateMachineCommand({ stateMachineArn }));

    const [adminGet, roleGet, tenantGet, adminDescribe, roleDescribe] = (await measureInterleaved([
      getItem(dynamodb.admin),
      getItem(dynamodb.role),
      getItem(dynamodb.tenant),
      describe(sfn.admin),
      describe(sfn.role),
    ])) as [Latency, Latency, Latency, Latency, Latency];
    return {
      cloudStartMs: round(cloudStartMs, 0),
      calls: MEASURED_CALLS,
      policyEvaluationsPerSecond: round(evaluationsPerSecond, 0),
      policyEvaluationMicros: round(1e6 / evaluationsPerSecond, 1),
      getItemAdminP50Ms: adminGet.p50Ms,
      getItemAdminP95Ms: adminGet.p95Ms,
      getItemRoleP50Ms: roleGet.p50Ms,
      getItemRoleP95Ms: roleGet.p95Ms,
      getItemTenantP50Ms: tenantGet.p50Ms,
      getItemTenantP95Ms: tenantGet.p95Ms,
      getItemRoleToAdminP50Ratio: round(roleGet.p50Ms / adminGet.p50Ms),
      getItemRoleToAdminP95Ratio: round(roleGet.p95Ms / adminGet.p95Ms),
      getItemTenantToAdminP50Ratio: round(tenantGet.p50Ms / adminGet.p50Ms),
      getItemTenantToAdminP95Ratio: round(tenantGet.p95Ms / adminGet.p95Ms),
      describeStateMachineAdminP50Ms: adminDescribe.p50Ms,
      describeStateMachineAdminP95Ms: adminDescribe.p95Ms,
      describeStateMachineRoleP50Ms: roleDescribe.p50Ms,
      describeStateMachineRoleP95Ms: roleDescribe.p95Ms,
      describeStateMachineRoleToAdminP50Ratio: round(roleDescribe.p50Ms / adminDescribe.p50Ms),
      describeStateMachineRoleToAdminP95Ratio: round(roleDescribe.p95Ms / adminDescribe.p95Ms),
    };
  } finally {
    for (const client of [...Object.values(dynamodb), ...Object.values(sfn), identity]) client.destroy();
    await cloud.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function printTable(result: Record<string, number | string>): void {
  console.log(`local cloud start: ${result.cloudStartMs} ms; policy evaluation: ${result.policyEvaluationsPerSecond} /s (${result.policyEvaluationMicros} µs each)`);
  const row = (prefix: string, ratioPrefix?: string) => ({
    p50Ms: result[`${prefix}P50Ms`],
    p95Ms: result[`${prefix}P95Ms`],
    p50Ratio: ratioPrefix ? result[`${ratioPrefix}P50Ratio`] : 1,
    p95Ratio: ratioPrefix ? result[`${ratioPrefix}P95Ratio`] : 1,
  });
  console.table({
    'GetItem, administrator (not evaluated)': row('getItemAdmin'),
    'GetItem, bench role (SigV4 + IAM)': row('getItemRole', 'getItemRoleToAdmin'),
    'GetItem, tenant credentials (SigV4 + IAM, LeadingKeys)': row('getItemTenant', 'getItemTenantToAdmin'),
    'DescribeStateMachine, administrator': row('describeStateMachineAdmin'),
    'DescribeStateMachine, bench role (SigV4 + IAM)': row('describeStateMachineRole', 'describeStateMachineRoleToAdmin'),
  });
}

if (require.main === module) runStandalone(benchIamGateway, printTable);
