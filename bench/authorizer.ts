/**
 * What the authorizer costs, against the real local services (user pool, identity pool, DynamoDB
 * Local behind the IAM gateway, all on loopback in this process):
 * - the JWT check alone (aws-jwt-verify with warm keys), median over many verifications;
 * - port calls (each one network request) on the warm path and on each kind of cache miss;
 * - a user's hour: one request every 5 s of (simulated) time for an hour, calls by operation;
 * - side by side over the same requests, this authorizer and "the design's literal authorizer":
 *   the same factory with caching off, so it reads the membership and mints credentials
 *   (GetOpenIdTokenForDeveloperIdentity + GetCredentialsForIdentity) on every request.
 * API Gateway's own result cache (in front of the function) is not part of this measurement.
 * `npx tsx bench/authorizer.ts`
 */
import { runStandalone } from './standalone';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Fetcher } from 'aws-jwt-verify/https';
import { ROLE_CLAIM, TENANT_ID_CLAIM } from '../domain/identity';
import { membershipKey } from '../domain/keys';
import { ROUTES } from '../handlers/api/routes';
import { MEMBERSHIP_ROLE_ATTRIBUTE } from '../domain/items';
import { cognitoIdentityPool, dynamoDbMembershipReader } from '../handlers/authorizer/adapters';
import { createAuthorizerHandler, type AuthorizerDeps, type IdentityPool, type ReadMembership } from '../handlers/authorizer/handler';
import { LoopbackHttpFetcher } from '../handlers/authorizer/jwks-fetcher';
import { createIdTokenVerifier } from '../handlers/authorizer/token';
import { startLocalCloud, type LocalOutputs } from '../local/cloud';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS } from '../local/config';

const VERIFICATIONS = 5_000;
const WARM_REQUESTS = 2_000;
/** Requests per variant in the side-by-side run; the literal variant makes 3 network calls for each. */
const COMPARED_REQUESTS = 500;
const PASSWORD = 'Bench-passw0rd';

const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

interface Counts {
  jwks: number;
  getItem: number;
  getOpenIdToken: number;
  getCredentials: number;
}
const total = (counts: Counts): number => counts.jwks + counts.getItem + counts.getOpenIdToken + counts.getCredentials;
const identityCalls = (counts: Counts): number => counts.getOpenIdToken + counts.getCredentials;

/** The real adapters, each call counted: every port call is exactly one request over loopback HTTP. */
function countedPorts(outputs: LocalOutputs) {
  const config = { endpoint: outputs.endpoint, region: outputs.region, credentials: LOCAL_ADMIN_CREDENTIALS, disableHostPrefix: true } as const;
  const dynamodb = new DynamoDBClient(config);
  const identity = new CognitoIdentityClient(config);
  const counts: Counts = { jwks: 0, getItem: 0, getOpenIdToken: 0, getCredentials: 0 };
  // Counted at the client, by operation, so the real adapter's calls are what is counted.
  identity.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetOpenIdTokenForDeveloperIdentityCommand') counts.getOpenIdToken += 1;
      if (context.commandName === 'GetCredentialsForIdentityCommand') counts.getCredentials += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countIdentityCalls' },
  );
  const read = dynamoDbMembershipReader(dynamodb, outputs.tableName);
  const pool = cognitoIdentityPool(identity, outputs.identityPoolId);
  const fetcher = new LoopbackHttpFetcher();
  const readMembership: ReadMembership = (tenantId, userId) => {
    counts.getItem += 1;
    return read(tenantId, userId);
  };
  const identityPool: IdentityPool = pool;
  const jwksFetcher: Fetcher = {
    fetch: (uri, options, data) => {
      counts.jwks += 1;
      return fetcher.fetch(uri, options, data);
    },
  };
  return { readMembership, identityPool, jwksFetcher, counts, destroy: () => [dynamodb, identity].forEach((client) => client.destroy()) };
}

/** A confirmed user, member (group, membership item, attributes) of a new tenant, signed in. */
async function signedInMember(outputs: LocalOutputs, cognito: CognitoIdentityProviderClient, dynamodb: DynamoDBClient): Promise<string> {
  const email = `bench-${randomUUID().slice(0, 8)}@example.com`;
  const tenantId = `t${randomUUID()}`;
  const { UserSub: userId } = await cognito.send(
    new SignUpCommand({ ClientId: outputs.userPoolClientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }),
  );
  if (!userId) throw new Error('SignUp returned no UserSub');
  await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: outputs.userPoolId, Username: email }));
  await cognito.send(new CreateGroupCommand({ UserPoolId: outputs.userPoolId, GroupName: tenantId }));
  await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: outputs.userPoolId, GroupName: tenantId, Username: email }));
  const key = membershipKey(tenantId, userId);
  await dynamodb.send(
    new PutItemCommand({ TableName: outputs.tableName, Item: { PK: { S: key.PK }, SK: { S: key.SK }, [MEMBERSHIP_ROLE_ATTRIBUTE]: { S: 'admin' } } }),
  );
  await cognito.send(
    new AdminUpdateUserAttributesCommand({
      UserPoolId: outputs.userPoolId,
      Username: email,
      UserAttributes: [
        { Name: TENANT_ID_CLAIM, Value: tenantId },
        { Name: ROLE_CLAIM, Value: 'admin' },
      ],
    }),
  );
  const signedIn = await cognito.send(
    new InitiateAuthCommand({ ClientId: outputs.userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD } }),
  );
  const idToken = signedIn.AuthenticationResult?.IdToken;
  if (!idToken) throw new Error('sign-in returned no ID token');
  return idToken;
}

const requestEvent = (idToken: string) => ({
  type: 'REQUEST',
  methodArn: `arn:aws:execute-api:us-east-1:${LOCAL_ACCOUNT_ID}:localapi/local/GET/me`,
  headers: { Authorization: `Bearer ${idToken}` },
});

async function timeEach(count: number, run: () => Promise<unknown>): Promise<number[]> {
  const micros: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await run();
    micros.push((performance.now() - started) * 1000);
  }
  return micros;
}

export async function benchAuthorizer(): Promise<Record<string, number | string>> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-authorizer-'));
  const cloud = await startLocalCloud({ port: 0, apiPort: 0, stateDir, persist: false });
  const { outputs } = cloud;
  const adminConfig = { endpoint: outputs.endpoint, region: outputs.region, credentials: LOCAL_ADMIN_CREDENTIALS, disableHostPrefix: true } as const;
  const cognito = new CognitoIdentityProviderClient(adminConfig);
  const dynamodb = new DynamoDBClient(adminConfig);
  // One set of counted ports per authorizer instance: the call-count run, and the two compared ones.
  const cached = countedPorts(outputs);
  const cachedSideBySide = countedPorts(outputs);
  const literal = countedPorts(outputs);
  try {
    const issuer = `${outputs.endpoint}/${outputs.userPoolId}`;
    const first = await signedInMember(outputs, cognito, dynamodb);
    const second = await signedInMember(outputs, cognito, dynamodb);
    const compared = await signedInMember(outputs, cognito, dynamodb);
    let skewMs = 0;
    const deps = (ports: ReturnType<typeof countedPorts>, caching: AuthorizerDeps['caching']): AuthorizerDeps => ({
      config: { issuer, clientId: outputs.userPoolClientId, routes: ROUTES },
      readMembership: ports.readMembership,
      identityPool: ports.identityPool,
      jwksFetcher: ports.jwksFetcher,
      logger: { debug: () => undefined, warn: () => undefined },
      caching,
      now: () => Date.now() + skewMs,
    });

    // The JWT check alone, keys warm.
    const verify = createIdTokenVerifier({ issuer, clientId: outputs.userPoolClientId }, new LoopbackHttpFetcher());
    await verify(first);
    const verifyMicros = await timeEach(VERIFICATIONS, () => verify(first));

    // Calls per kind of request on one instance.
    const handler = createAuthorizerHandler(deps(cached, undefined));
    const callsSince = async (request: () => Promise<unknown>): Promise<number> => {
      const before = total(cached.counts);
      await request();
      return total(cached.counts) - before;
    };
    const coldInstanceCalls = await callsSince(() => handler(requestEvent(first)));
    const newUserCalls = await callsSince(() => handler(requestEvent(second)));
    const warmCallsBefore = total(cached.counts);
    const warmMicros = await timeEach(WARM_REQUESTS, () => handler(requestEvent(first)));
    const warmCalls = total(cached.counts) - warmCallsBefore;
    // 56 minutes on: the membership has expired and the credentials are within 5 minutes of theirs.
    skewMs = 56 * 60 * 1000;
    const identityCallsBefore = identityCalls(cached.counts);
    const expiredCalls = await callsSince(() => handler(requestEvent(first)));
    const expiredIdentityCalls = identityCalls(cached.counts) - identityCallsBefore;
    skewMs = 0;

    // One user's hour on a fresh instance: a request every 5 s of simulated time.
    const hour = countedPorts(outputs);
    const hourly = await (async () => {
      // The pool issues credentials on the real clock; shifted by the simulated time, they live
      // an hour from when the simulated request minted them, as they would.
      const shifted: IdentityPool = {
        credentialsFor: async (userId, tags) => {
          const issued = await hour.identityPool.credentialsFor(userId, tags);
          return { ...issued, expiration: new Date(issued.expiration.getTime() + skewMs) };
        },
      };
      const hourHandler = createAuthorizerHandler({ ...deps(hour, undefined), identityPool: shifted });
      for (let second = 0; second < 3600; second += 5) {
        skewMs = second * 1000;
        await hourHandler(requestEvent(compared));
      }
      skewMs = 0;
      return { ...hour.counts };
    })();
    hour.destroy();

    // Side by side over the same requests, each variant on a fresh instance with its own counters.
    const cachedHandler = createAuthorizerHandler(deps(cachedSideBySide, undefined));
    const literalHandler = createAuthorizerHandler(deps(literal, 'off'));
    const cachedMicros = await timeEach(COMPARED_REQUESTS, () => cachedHandler(requestEvent(compared)));
    const literalMicros = await timeEach(COMPARED_REQUESTS, () => literalHandler(requestEvent(compared)));
    const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

    return {
      jwtVerifications: VERIFICATIONS,
      jwtCheckMedianMicros: round(quantile(verifyMicros, 0.5)),
      jwtCheckP95Micros: round(quantile(verifyMicros, 0.95)),
      warmRequests: WARM_REQUESTS,
      warmPathMedianMicros: round(quantile(warmMicros, 0.5)),
      warmPathP95Micros: round(quantile(warmMicros, 0.95)),
      warmPathNetworkCalls: warmCalls,
      coldInstanceNetworkCalls: coldInstanceCalls,
      newUserNetworkCalls: newUserCalls,
      expiredCachesNetworkCalls: expiredCalls,
      expiredCachesCognitoIdentityCalls: expiredIdentityCalls,
      hourRequests: 720,
      hourJwksCalls: hourly.jwks,
      hourGetItemCalls: hourly.getItem,
      hourGetOpenIdTokenCalls: hourly.getOpenIdToken,
      hourGetCredentialsCalls: hourly.getCredentials,
      comparedRequests: COMPARED_REQUESTS,
      cachedTotalNetworkCalls: total(cachedSideBySide.counts),
      literalTotalNetworkCalls: total(literal.counts),
      callsRatioLiteralToCached: round(total(literal.counts) / total(cachedSideBySide.counts)),
      cachedMedianMicros: round(quantile(cachedMicros, 0.5)),
      literalMedianMicros: round(quantile(literalMicros, 0.5)),
      medianLatencyRatioLiteralToCached: round(quantile(literalMicros, 0.5) / quantile(cachedMicros, 0.5)),
      cachedMeanMicros: round(mean(cachedMicros)),
      literalMeanMicros: round(mean(literalMicros)),
      meanLatencyRatioLiteralToCached: round(mean(literalMicros) / mean(cachedMicros)),
    };
  } finally {
    for (const ports of [cached, cachedSideBySide, literal]) ports.destroy();
    cognito.destroy();
    dynamodb.destroy();
    await cloud.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function printTable(result: Record<string, number | string>): void {
  console.log(`JWT check (aws-jwt-verify, warm keys): median ${result.jwtCheckMedianMicros} µs, p95 ${result.jwtCheckP95Micros} µs over ${result.jwtVerifications}`);
  console.log(
    `warm path (whole handler): median ${result.warmPathMedianMicros} µs, p95 ${result.warmPathP95Micros} µs over ${result.warmRequests}; network calls: ${result.warmPathNetworkCalls}`,
  );
  console.log(
    `network calls on a miss: cold instance ${result.coldInstanceNetworkCalls} (JWKS, GetItem, GetOpenIdTokenForDeveloperIdentity, GetCredentialsForIdentity), ` +
      `new user ${result.newUserNetworkCalls}, known user after TTLs ${result.expiredCachesNetworkCalls} (Cognito Identity: ${result.expiredCachesCognitoIdentityCalls})`,
  );
  console.log(
    `one user, ${result.hourRequests} requests over an hour (every 5 s): JWKS ${result.hourJwksCalls}, GetItem ${result.hourGetItemCalls}, ` +
      `GetOpenIdTokenForDeveloperIdentity ${result.hourGetOpenIdTokenCalls}, GetCredentialsForIdentity ${result.hourGetCredentialsCalls}`,
  );
  console.table({
    'this authorizer': { requests: result.comparedRequests, networkCalls: result.cachedTotalNetworkCalls, medianMicros: result.cachedMedianMicros, meanMicros: result.cachedMeanMicros },
    "design's literal authorizer": {
      requests: result.comparedRequests,
      networkCalls: result.literalTotalNetworkCalls,
      medianMicros: result.literalMedianMicros,
      meanMicros: result.literalMeanMicros,
    },
    'literal / this': {
      requests: '',
      networkCalls: result.callsRatioLiteralToCached,
      medianMicros: result.medianLatencyRatioLiteralToCached,
      meanMicros: result.meanLatencyRatioLiteralToCached,
    },
  });
}

if (require.main === module) runStandalone(benchAuthorizer, printTable);
