/**
 * DynamoDB Local's error messages where they differ from DynamoDB's, rewritten to DynamoDB's.
 * Only the answers whose AWS wording is quoted from DynamoDB itself are rewritten; every other
 * message stays DynamoDB Local's (the README's gaps table lists the known ones). The code is left
 * alone: DynamoDB Local already answers AWS's error codes for all of these.
 *
 * Sources for AWS's wording (answers of DynamoDB quoted in public issue threads, since the API
 * reference documents error codes, not messages):
 * - A missing table, item operations: "Requested resource not found" (Scan: aws-samples/chalice-workshop#41;
 *   a Lambda's UpdateItem: pmuens/serverless-dynamodb-streams#1; the body with `message`:
 *   awslabs/aws-sdk-ios-samples#17; BatchWriteItem's body: boto/boto#3281; TransactWriteItems:
 *   pynamodb/PynamoDB#809). BatchGetItem and TransactGetItems are not quoted anywhere found, and
 *   keep DynamoDB Local's words. DescribeTable and DescribeTimeToLive: "Requested resource not
 *   found: Table: <name> not found" (localstack/localstack#9030, run against AWS;
 *   joshsymonds/Dynamoid#110). DynamoDB Local says "Cannot do operations on a non-existent table".
 * - A key value of the wrong type: GetItem, UpdateItem, DeleteItem, BatchGetItem and a
 *   BatchWriteItem's DeleteRequest: "The provided key element does not match the schema"; PutItem:
 *   "One or more parameter values were invalid: Type mismatch for key <name> expected: <T> actual: <T>"
 *   (both measured against AWS in ministackorg/ministack#1432; PutItem's body also in
 *   baopham/laravel-dynamodb#1). DynamoDB Local says "…: Type mismatch for key" without the name.
 * - PutItem without a key attribute: "One or more parameter values were invalid: Missing the key
 *   <name> in the item" (aws-samples/aws-serverless-workshops#31, aws/aws-sdk-js#4057 through the
 *   AWS CLI). DynamoDB Local says "One of the required keys was not given a value".
 * Which key AWS names when more than one is wrong is not documented: the partition key, then the
 * sort key, is a local choice. DynamoDB's JSON errors carry `message` in lower case (the bodies
 * quoted above); a rewritten body does too.
 */
import { crc32 } from 'node:zlib';
import type { AwsResponse } from '../server/types';

export type KeyAttributeType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

/** A table's key attributes with their types: the partition key first, then the sort key if any. */
export type TableKeyAttributes = readonly KeyAttribute[];

export type TableKeyAttributesLookup = (tableName: string) => Promise<TableKeyAttributes | undefined>;

const DYNAMODB_LOCAL_MISSING_TABLE = 'Cannot do operations on a non-existent table';
const DYNAMODB_LOCAL_TYPE_MISMATCH = 'One or more parameter values were invalid: Type mismatch for key';
const DYNAMODB_LOCAL_MISSING_KEY = 'One of the required keys was not given a value';

export const AWS_MISSING_TABLE = 'Requested resource not found';
export const AWS_KEY_SCHEMA_MISMATCH = 'The provided key element does not match the schema';
export const awsMissingTableDescribed = (tableName: string): string => `Requested resource not found: Table: ${tableName} not found`;
export const awsPutItemTypeMismatch = (key: KeyAttribute, actual: string): string =>
  `One or more parameter values were invalid: Type mismatch for key ${key.name} expected: ${key.type} actual: ${actual}`;
export const awsPutItemMissingKey = (key: KeyAttribute): string => `One or more parameter values were invalid: Missing the key ${key.name} in the item`;

const ITEM_OPERATIONS_MISSING_TABLE: ReadonlySet<string> = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchWriteItem', 'TransactWriteItems']);
const DESCRIBING_OPERATIONS_MISSING_TABLE: ReadonlySet<string> = new Set(['DescribeTable', 'DescribeTimeToLive']);
const KEY_ARGUMENT_OPERATIONS: ReadonlySet<string> = new Set(['GetItem', 'UpdateItem', 'DeleteItem', 'BatchGetItem']);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The same answer with another body, its `x-amz-crc32` (which the SDKs check) recomputed. */
export function withBody(response: AwsResponse, body: Buffer): AwsResponse {
  return { ...response, body, headers: { ...response.headers, 'x-amz-crc32': String(crc32(body)) } };
}

function parseJson(text: string | undefined): Json | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The type letter of an AttributeValue (`{ "N": "1" }` → `N`). */
const typeOf = (value: unknown): string | undefined => (isObject(value) ? Object.keys(value)[0] : undefined);

const onlyDeleteRequests = (input: Json): boolean => {
  const writes = Object.values(isObject(input.RequestItems) ? input.RequestItems : {}).flatMap((list) => (Array.isArray(list) ? list : []));
  return writes.length > 0 && writes.every((write) => isObject(write) && isObject(write.DeleteRequest) && write.PutRequest === undefined);
};

async function putItemMessage(input: Json, localMessage: string, keysOf: TableKeyAttributesLookup): Promise<string | undefined> {
  const tableName = typeof input.TableName === 'string' ? input.TableName : undefined;
  const item = isObject(input.Item) ? input.Item : undefined;
  const keys = tableName === undefined || item === undefined ? undefined : await keysOf(tableName);
  if (keys === undefined || item === undefined) return undefined;
  if (localMessage === DYNAMODB_LOCAL_MISSING_KEY) {
    const missing = keys.find((key) => item[key.name] === undefined);
    return missing && awsPutItemMissingKey(missing);
  }
  for (const key of keys) {
    const actual = typeOf(item[key.name]);
    if (actual !== undefined && actual !== key.type) return awsPutItemTypeMismatch(key, actual);
  }
  return undefined;
}

/** AWS's message for DynamoDB Local's, when it is known; undefined leaves the answer as it is. */
async function awsMessage(operation: string, input: Json, type: string, localMessage: string, keysOf: TableKeyAttributesLookup): Promise<string | undefined> {
  if (type === 'ResourceNotFoundException' && localMessage === DYNAMODB_LOCAL_MISSING_TABLE) {
    if (ITEM_OPERATIONS_MISSING_TABLE.has(operation)) return AWS_MISSING_TABLE;
    if (DESCRIBING_OPERATIONS_MISSING_TABLE.has(operation) && typeof input.TableName === 'string') return awsMissingTableDescribed(input.TableName);
    return undefined;
  }
  if (type !== 'ValidationException') return undefined;
  if (localMessage === DYNAMODB_LOCAL_TYPE_MISMATCH) {
    if (KEY_ARGUMENT_OPERATIONS.has(operation) || (operation === 'BatchWriteItem' && onlyDeleteRequests(input))) return AWS_KEY_SCHEMA_MISMATCH;
    if (operation === 'PutItem') return putItemMessage(input, localMessage, keysOf);
    return undefined;
  }
  if (localMessage === DYNAMODB_LOCAL_MISSING_KEY && operation === 'PutItem') return putItemMessage(input, localMessage, keysOf);
  return undefined;
}

/**
 * DynamoDB Local's answer with AWS's message where one is known. Successful answers are returned
 * untouched without being read, so only error answers pay for this.
 */
export async function withAwsErrorWording(
  response: AwsResponse,
  operation: string,
  requestBody: Buffer,
  keysOf: TableKeyAttributesLookup,
): Promise<AwsResponse> {
  if (response.status !== 400 || response.body === undefined) return response;
  const error = parseJson(response.body.toString('utf8'));
  const qualifiedType = typeof error?.__type === 'string' ? error.__type : undefined;
  const localMessage = error?.Message ?? error?.message;
  if (qualifiedType === undefined || typeof localMessage !== 'string') return response;
  const input = parseJson(requestBody.toString('utf8')) ?? {};
  const message = await awsMessage(operation, input, qualifiedType.slice(qualifiedType.indexOf('#') + 1), localMessage, keysOf);
  if (message === undefined) return response;
  return withBody(response, Buffer.from(JSON.stringify({ __type: qualifiedType, message })));
}
