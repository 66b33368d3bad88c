/**
 * The IAM gateway in front of DynamoDB Local. DynamoDB Local checks no signature and no policy;
 * this gateway does what AWS does for credentials issued by the local identity pool: verify the
 * SigV4 signature, evaluate the role's policy with the session's principal tags, and answer
 * AccessDeniedException in DynamoDB's words. Allowed calls are relayed to DynamoDB Local
 * untouched, so every data-plane semantic (conditions, transactions, indexes) is AWS's own.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import type { PolicyDocument } from '../../domain/isolation';
import { LOCAL_ADMIN_CREDENTIALS } from '../config';
import { withAwsErrorWording, withBody, type KeyAttributeType, type TableKeyAttributes } from './aws-error-wording';
import type { CredentialStore } from '../iam/credential-store';
import type { Denial } from '../iam/role-policies';
import {
  authorizationRequestsFor,
  ExpressionSyntaxError,
  type AuthorizationRequest,
  type TableKeySchema,
} from '../iam/dynamodb-authorization';
import { PartiQLStatementUnreadableError } from '../iam/partiql-statement';
import { accessDeniedMessage, evaluate, sessionPrincipalOf, type SessionPrincipal } from '../iam/policy-evaluator';
import { authenticate, SigV4AuthenticationError, type Caller } from '../iam/sigv4';
import type { AwsRequest, AwsResponse, LocalService } from '../server/types';
import { JSON_WIRE } from '../server/wire';

export const DYNAMODB_TARGET_PREFIX = JSON_WIRE.dynamodb.targetPrefix;
const SIGNING_SERVICE = 'dynamodb';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

/** Operations after which a table's key schema may have changed. */
const SCHEMA_CHANGING_OPERATIONS = new Set(['CreateTable', 'UpdateTable', 'DeleteTable']);

/** Headers that belong to one connection, not to the message: never relayed. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'expect', 'upgrade', 'proxy-connection', 'te', 'trailer']);

export class DynamoDbUpstreamError extends Error {
  constructor(readonly upstreamUrl: string, cause: unknown) {
    super(`DynamoDB Local at ${upstreamUrl} did not answer: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DynamoDbUpstreamError';
  }
}

export interface DynamoDbGatewayOptions {
  /** DynamoDB Local's URL, e.g. `http://127.0.0.1:8000`. */
  readonly upstreamUrl: string;
  readonly credentialStore: CredentialStore;
  /** The identity policy attached to a role; undefined denies everything, as a role with no policy. */
  readonly policyForRole: (roleArn: string) => PolicyDocument | undefined;
  /** Told of every refusal by policy, as the caller gate tells it (local/iam/role-policies.ts). */
  readonly onDenied?: (denial: Omit<Denial, 'at'>) => void;
  readonly region: string;
  readonly accountId: string;
  /** The clock that signing times are checked against. */
  readonly now?: () => Date;
}

/** An error in the shape DynamoDB answers it (JSON 1.0, `__type` with the coral namespace). */
function dynamoDbError(type: string, message: string, messageKey: 'message' | 'Message' = 'message'): AwsResponse {
  return {
    status: 400,
    headers: { 'content-type': CONTENT_TYPE },
    body: JSON.stringify({ __type: type, [messageKey]: message }),
  };
}

function relayableHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    result[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}

function forward(upstream: URL, agent: Agent, request: AwsRequest): Promise<AwsResponse> {
  const query = request.query.toString();
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: query ? `${request.path}?${query}` : request.path,
        headers: { ...relayableHeaders(request.headers), 'content-length': String(request.body.length) },
        agent,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => reject(new DynamoDbUpstreamError(upstream.origin, error)));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 502, headers: relayableHeaders(response.headers), body: Buffer.concat(chunks) }),
        );
      },
    );
    outgoing.on('error', (error) => reject(new DynamoDbUpstreamError(upstream.origin, error)));
    outgoing.end(request.body);
  });
}

/**
 * A `LocalService` claiming `X-Amz-Target: DynamoDB_20120810.*`.
 *
 * - No `Authorization` → MissingAuthenticationTokenException.
 * - Credentials from the credential store → verified and evaluated against the role's policy.
 * - Any other credentials → the local administrator: relayed without evaluation, as DynamoDB
 *   Local itself treats every caller.
 */
export function createDynamoDbGateway(options: DynamoDbGatewayOptions): LocalService {
  const upstream = new URL(options.upstreamUrl);
  const agent = new Agent({ keepAlive: true });
  const now = options.now ?? ((): Date => new Date());
  const adminClient = new DynamoDBClient({
    endpoint: options.upstreamUrl,
    region: options.region,
    credentials: LOCAL_ADMIN_CREDENTIALS,
    disableHostPrefix: true,
  });

  // Key schemas are read once per table and dropped whenever a call through the gateway may have
  // changed one. Only found schemas are cached, so a table created later is seen.
  const keySchemas = new Map<string, Promise<TableKeySchema | undefined>>();
  const keySchemaOf = (tableName: string): Promise<TableKeySchema | undefined> => {
    const cached = keySchemas.get(tableName);
    if (cached) return cached;
    const lookup = describeKeySchema(adminClient, tableName);
    keySchemas.set(tableName, lookup);
    const forget = (): void => void keySchemas.delete(tableName);
    void lookup.then((schema) => schema ?? forget(), forget);
    return lookup;
  };

  async function authorize(request: AwsRequest, operation: string, principal: SessionPrincipal): Promise<AwsResponse | undefined> {
    let input: Record<string, unknown>;
    try {
      input = request.body.length === 0 ? {} : (JSON.parse(request.body.toString('utf8')) as Record<string, unknown>);
    } catch {
      return dynamoDbError('com.amazon.coral.service#SerializationException', 'Start of structure or map found where not expected.');
    }
    let requests: AuthorizationRequest[];
    try {
      requests = await authorizationRequestsFor(operation, input, { region: options.region, accountId: options.accountId, keySchemaOf });
    } catch (error) {
      if (error instanceof ExpressionSyntaxError) {
        return dynamoDbError('com.amazon.coral.validate#ValidationException', `Invalid expression: ${error.message}`);
      }
      // Not AWS's answer (DynamoDB reads every statement it can run): a local refusal, worded as one.
      if (error instanceof PartiQLStatementUnreadableError) return dynamoDbError('com.amazon.coral.validate#ValidationException', error.message);
      throw error;
    }
    const decision = evaluate(options.policyForRole(principal.roleArn), principal, requests);
    if (decision.allowed) return undefined;
    options.onDenied?.({ principal: principal.sessionArn, roleArn: principal.roleArn, action: decision.denied.action, resource: decision.denied.resource, explicit: decision.explicit });
    // AccessDeniedException's message member is capitalized (TransactionCanceledException's too),
    // where ValidationException's and ResourceNotFoundException's are not (aws-error-wording.ts).
    return dynamoDbError('com.amazon.coral.service#AccessDeniedException', accessDeniedMessage(principal, decision), 'Message');
  }

  return {
    name: 'dynamodb',
    canHandle: (request) => request.method === 'POST' && (request.target?.startsWith(`${DYNAMODB_TARGET_PREFIX}.`) ?? false),
    async handle(request) {
      const operation = request.target?.slice(DYNAMODB_TARGET_PREFIX.length + 1) ?? '';
      let caller: Caller;
      try {
        caller = authenticate(request, options.credentialStore, { region: options.region, service: SIGNING_SERVICE, now: now() });
      } catch (error) {
        if (error instanceof SigV4AuthenticationError) return dynamoDbError(`com.amazon.coral.service#${error.awsCode}`, error.message);
        throw error;
      }
      if (caller.kind === 'session') {
        const denial = await authorize(request, operation, sessionPrincipalOf(caller.credentials, options.accountId));
        if (denial) return denial;
      }
      const relayed = await forward(upstream, agent, request);
      if (SCHEMA_CHANGING_OPERATIONS.has(operation)) keySchemas.clear();
      const response = await withAwsErrorWording(relayed, operation, request.body, (tableName) => describeKeyAttributes(adminClient, tableName));
      return TABLE_DESCRIBING_OPERATIONS.has(operation) ? withLocalRegionArns(response, options.region) : response;
    },
    async stop() {
      agent.destroy();
      adminClient.destroy();
    },
  };
}

/**
 * Operations whose answer describes tables (TableArn, IndexArn, LatestStreamArn…) and holds no
 * item data. DynamoDB Local names its region `ddblocal` in every ARN, where DynamoDB names the
 * caller's; item operations are left alone, since an item may hold any text.
 */
const TABLE_DESCRIBING_OPERATIONS: ReadonlySet<string> = new Set(['CreateTable', 'DescribeTable', 'UpdateTable', 'DeleteTable', 'ListTables', 'DescribeContinuousBackups', 'DescribeTimeToLive', 'UpdateTimeToLive']);

const DYNAMODB_LOCAL_ARN_PREFIX = '"arn:aws:dynamodb:ddblocal:';

/** The answer with this cloud's region in its ARNs; its `x-amz-crc32` (which the SDK checks) recomputed. */
export function withLocalRegionArns(response: AwsResponse, region: string): AwsResponse {
  if (response.body === undefined) return response;
  const text = response.body.toString();
  if (!text.includes(DYNAMODB_LOCAL_ARN_PREFIX)) return response;
  return withBody(response, Buffer.from(text.replaceAll(DYNAMODB_LOCAL_ARN_PREFIX, `"arn:aws:dynamodb:${region}:`)));
}

/**
 * A table's key attributes and their types, read only when an error answer needs them (so not
 * cached: a table may have been recreated with other keys since). Undefined for a missing table.
 */
async function describeKeyAttributes(client: DynamoDBClient, tableName: string): Promise<TableKeyAttributes | undefined> {
  try {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const typeOf = (name: string): KeyAttributeType | undefined =>
      table?.AttributeDefinitions?.find((definition) => definition.AttributeName === name)?.AttributeType as KeyAttributeType | undefined;
    const ordered = ['HASH', 'RANGE'].map((keyType) => table?.KeySchema?.find((element) => element.KeyType === keyType)?.AttributeName);
    const keys = ordered.flatMap((name) => {
      const type = name === undefined ? undefined : typeOf(name);
      return name === undefined || type === undefined ? [] : [{ name, type }];
    });
    return keys.length === 0 ? undefined : keys;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function describeKeySchema(client: DynamoDBClient, tableName: string): Promise<TableKeySchema | undefined> {
  try {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const hashKey = (schema: { AttributeName?: string; KeyType?: string }[] | undefined): string | undefined =>
      schema?.find((element) => element.KeyType === 'HASH')?.AttributeName;
    const partitionKey = hashKey(table?.KeySchema);
    if (partitionKey === undefined) return undefined;
    const indexes: Record<string, string> = {};
    for (const index of [...(table?.GlobalSecondaryIndexes ?? []), ...(table?.LocalSecondaryIndexes ?? [])]) {
      const indexKey = hashKey(index.KeySchema);
      if (index.IndexName !== undefined && indexKey !== undefined) indexes[index.IndexName] = indexKey;
    }
    return { partitionKey, indexes };
  } catch (error) {
    // A missing table has no keys: item requests then carry no leading keys and policies that
    // require them deny, while DynamoDB Local answers the admin's ResourceNotFoundException.
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}
