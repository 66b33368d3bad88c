/**
 * What IAM evaluates for one DynamoDB API call: the authorization requests (action, resource,
 * condition context) AWS derives from the request before it runs. Pure: the only outside fact is
 * each table's key schema, given as a dependency.
 *
 * Context keys follow the DynamoDB fine-grained access control documentation:
 * - `dynamodb:LeadingKeys`: the partition key values the request touches (of the table, or of the
 *   queried index). Absent when the request names none (Scan), so a `Null` guard can deny it.
 * - `dynamodb:Attributes`: the top-level attribute names the request reads or writes, when it
 *   names them; absent for a read of whole items. What it covers here, after the developer
 *   guide's "Using IAM policy conditions for fine-grained access control" (the attributes a
 *   request accesses; for PutItem the item's attributes, key attributes included):
 *   PutItem and a transaction's Put: every attribute of `Item`; UpdateItem and a transaction's
 *   Update: the key attributes, every top-level path of `UpdateExpression` (both sides of a SET,
 *   so `SET a = b` names `a` and `b`) and every name of the legacy `AttributeUpdates`;
 *   BatchWriteItem: every attribute of every put item and every key; DeleteItem, a transaction's
 *   Delete and ConditionCheck: the key attributes; GetItem, Query, Scan, BatchGetItem: the
 *   projection (`ProjectionExpression`, legacy `AttributesToGet`). Condition expressions are not
 *   counted: they read, they do not write, and the tenant policy only constrains what is written.
 *   The tenant policy's Deny on the user index keys relies on the write cases being complete.
 * - `dynamodb:Select`: the Select of a Query or Scan, with DynamoDB's default when it is omitted.
 * - `dynamodb:ReturnValues`: the ReturnValues of a write, when given.
 */

import { PartiQLStatementUnreadableError, partiqlTarget } from './partiql-statement';

export interface TableKeySchema {
  /** The table's partition key attribute name. */
  readonly partitionKey: string;
  /** Index name → the index's partition key attribute name. */
  readonly indexes: Readonly<Record<string, string>>;
}

export type KeySchemaLookup = (tableName: string) => Promise<TableKeySchema | undefined>;

export type ContextValue = string | string[];

export interface AuthorizationRequest {
  /** E.g. `dynamodb:GetItem`. */
  readonly action: string;
  /** A table ARN, an index ARN (`…:table/T/index/I`) or `*`. */
  readonly resource: string;
  readonly context: Readonly<Record<string, ContextValue>>;
}

export interface AuthorizationScope {
  readonly region: string;
  readonly accountId: string;
  readonly keySchemaOf: KeySchemaLookup;
}

type Json = Record<string, unknown>;
type AttributeValue = Record<string, unknown>;
type Names = Readonly<Record<string, string>>;
type Values = Readonly<Record<string, AttributeValue>>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const asObject = (value: unknown): Json => (isObject(value) ? value : {});
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const namesOf = (input: Json): Names => asObject(input.ExpressionAttributeNames) as Names;
const valuesOf = (input: Json): Values => asObject(input.ExpressionAttributeValues) as Values;

/** A scalar attribute value as IAM compares it: the string, number or base64 binary as written. */
function scalarOf(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  return asString(value.S) ?? asString(value.N) ?? asString(value.B);
}

const unique = (values: Iterable<string>): string[] => [...new Set(values)];

// ---------------------------------------------------------------------------------------------
// Expressions: just enough of DynamoDB's expression grammar to find attribute paths and the
// partition key equality of a key condition.

type Token =
  | { kind: 'name'; text: string } // a bare attribute name or a keyword/function
  | { kind: 'placeholder'; text: string } // #name
  | { kind: 'value'; text: string } // :value
  | { kind: 'symbol'; text: string };

const TOKEN_PATTERN = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*)|(\[\s*\d+\s*\])|(<=|>=|<>|[=<>(),.+-]))/y;

export class ExpressionSyntaxError extends Error {
  constructor(readonly expression: string, readonly position: number) {
    super(`Cannot read the expression at position ${position}: ${JSON.stringify(expression)}`);
    this.name = 'ExpressionSyntaxError';
  }
}

function tokenize(expression: string): Token[] {
  const text = expression.trimEnd();
  const tokens: Token[] = [];
  const pattern = new RegExp(TOKEN_PATTERN); // sticky regexes carry state: one per call
  while (pattern.lastIndex < text.length) {
    const start = pattern.lastIndex;
    const match = pattern.exec(text);
    if (!match) throw new ExpressionSyntaxError(expression, start);
    const [, placeholder, value, name, index, symbol] = match;
    if (placeholder !== undefined) tokens.push({ kind: 'placeholder', text: placeholder });
    else if (value !== undefined) tokens.push({ kind: 'value', text: value });
    else if (name !== undefined) tokens.push({ kind: 'name', text: name });
    else tokens.push({ kind: 'symbol', text: index ?? symbol ?? '' });
  }
  return tokens;
}

const KEYWORDS = new Set(['SET', 'REMOVE', 'ADD', 'DELETE', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN']);

/**
 * The top-level attribute names an expression refers to: the first element of every document
 * path (`a.b[0]` → `a`), with `#placeholders` resolved. Functions and keywords are not paths.
 */
export function topLevelAttributes(expression: string | undefined, names: Names): string[] {
  if (expression === undefined) return [];
  const tokens = tokenize(expression);
  const found: string[] = [];
  tokens.forEach((token, i) => {
    const previous = tokens[i - 1];
    if (previous?.kind === 'symbol' && previous.text === '.') return; // a nested member, not top-level
    if (token.kind === 'placeholder') {
      found.push(names[token.text] ?? token.text);
    } else if (token.kind === 'name') {
      const next = tokens[i + 1];
      const isFunction = next?.kind === 'symbol' && next.text === '(';
      if (!isFunction && !KEYWORDS.has(token.text.toUpperCase())) found.push(token.text);
    }
  });
  return unique(found);
}

/**
 * The partition key value a key condition pins: the operand compared with `=` to the partition
 * key attribute, on either side. Any other condition (the sort key's) is ignored.
 */
export function partitionValueOfKeyCondition(
  expression: string,
  partitionKey: string,
  names: Names,
  values: Values,
): string | undefined {
  const tokens = tokenize(expression);
  const isPartitionKey = (token: Token | undefined): boolean =>
    (token?.kind === 'name' && token.text === partitionKey) || (token?.kind === 'placeholder' && names[token.text] === partitionKey);
  for (let i = 1; i < tokens.length - 1; i++) {
    const operator = tokens[i];
    if (operator?.kind !== 'symbol' || operator.text !== '=') continue;
    const left = tokens[i - 1];
    const right = tokens[i + 1];
    const valueToken = isPartitionKey(left) ? right : isPartitionKey(right) ? left : undefined;
    if (valueToken?.kind === 'value') return scalarOf(values[valueToken.text]);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Per-operation mapping.

interface Target {
  readonly tableName: string;
  readonly tableArn: string;
}

function targetOf(tableNameOrArn: string, scope: AuthorizationScope): Target {
  // DynamoDB accepts a table ARN wherever it takes a table name.
  if (tableNameOrArn.startsWith('arn:')) {
    return { tableName: tableNameOrArn.slice(tableNameOrArn.indexOf(':table/') + ':table/'.length), tableArn: tableNameOrArn };
  }
  return { tableName: tableNameOrArn, tableArn: `arn:aws:dynamodb:${scope.region}:${scope.accountId}:table/${tableNameOrArn}` };
}

const partitionValueOfKey = (key: unknown, partitionKey: string): string | undefined => scalarOf(asObject(key)[partitionKey]);

function projectionAttributes(input: Json): string[] {
  const legacy = asArray(input.AttributesToGet).filter((name): name is string => typeof name === 'string');
  return unique([...topLevelAttributes(asString(input.ProjectionExpression), namesOf(input)), ...legacy]);
}

/** Builds a context without keys whose value is absent or an empty list (IAM sees those as missing). */
function context(entries: Record<string, ContextValue | undefined>): Record<string, ContextValue> {
  const result: Record<string, ContextValue> = {};
  for (const [key, value] of Object.entries(entries)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    result[key] = value;
  }
  return result;
}

function itemRequest(
  action: string,
  target: Target,
  partitionValues: (string | undefined)[],
  attributes: string[],
  returnValues: unknown,
): AuthorizationRequest {
  return {
    action: `dynamodb:${action}`,
    resource: target.tableArn,
    context: context({
      'dynamodb:LeadingKeys': unique(partitionValues.filter((value): value is string => value !== undefined)),
      'dynamodb:Attributes': attributes,
      'dynamodb:ReturnValues': asString(returnValues),
    }),
  };
}

type ItemAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

/** One item-level request (also one element of a transaction) to its authorization request. */
async function singleItem(action: ItemAction, input: Json, scope: AuthorizationScope): Promise<AuthorizationRequest> {
  const target = targetOf(asString(input.TableName) ?? '', scope);
  const schema = await scope.keySchemaOf(target.tableName);
  const keyAttributes = Object.keys(asObject(input.Key));
  let partitionValue: string | undefined;
  let attributes: string[] = [];
  switch (action) {
    case 'GetItem':
      partitionValue = schema && partitionValueOfKey(input.Key, schema.partitionKey);
      attributes = projectionAttributes(input);
      break;
    case 'PutItem':
      partitionValue = schema && partitionValueOfKey(input.Item, schema.partitionKey);
      attributes = Object.keys(asObject(input.Item));
      break;
    case 'UpdateItem': {
      partitionValue = schema && partitionValueOfKey(input.Key, schema.partitionKey);
      const legacy = Object.keys(asObject(input.AttributeUpdates));
      attributes = unique([...keyAttributes, ...topLevelAttributes(asString(input.UpdateExpression), namesOf(input)), ...legacy]);
      break;
    }
    case 'DeleteItem':
    case 'ConditionCheckItem':
      partitionValue = schema && partitionValueOfKey(input.Key, schema.partitionKey);
      attributes = keyAttributes;
      break;
  }
  return itemRequest(action, target, [partitionValue], attributes, input.ReturnValues);
}

/** DynamoDB's default Select when a Query or Scan omits it. */
function selectOf(input: Json): string {
  const explicit = asString(input.Select);
  if (explicit) return explicit;
  if (input.ProjectionExpression !== undefined || input.AttributesToGet !== undefined) return 'SPECIFIC_ATTRIBUTES';
  return input.IndexName !== undefined ? 'ALL_PROJECTED_ATTRIBUTES' : 'ALL_ATTRIBUTES';
}

async function queryOrScan(action: 'Query' | 'Scan', input: Json, scope: AuthorizationScope): Promise<AuthorizationRequest> {
  const target = targetOf(asString(input.TableName) ?? '', scope);
  const indexName = asString(input.IndexName);
  const resource = indexName === undefined ? target.tableArn : `${target.tableArn}/index/${indexName}`;
  let partitionValue: string | undefined;
  if (action === 'Query') {
    const schema = await scope.keySchemaOf(target.tableName);
    const partitionKey = indexName === undefined ? schema?.partitionKey : schema?.indexes[indexName];
    if (partitionKey !== undefined) {
      const expression = asString(input.KeyConditionExpression);
      const legacy = asObject(asObject(input.KeyConditions)[partitionKey]);
      partitionValue =
        expression !== undefined
          ? partitionValueOfKeyCondition(expression, partitionKey, namesOf(input), valuesOf(input))
          : legacy.ComparisonOperator === 'EQ'
            ? scalarOf(asArray(legacy.AttributeValueList)[0])
            : undefined;
    }
  }
  return {
    action: `dynamodb:${action}`,
    resource,
    context: context({
      'dynamodb:LeadingKeys': partitionValue === undefined ? undefined : [partitionValue],
      'dynamodb:Attributes': projectionAttributes(input),
      'dynamodb:Select': selectOf(input),
    }),
  };
}

async function batchGetItem(input: Json, scope: AuthorizationScope): Promise<AuthorizationRequest[]> {
  return Promise.all(
    Object.entries(asObject(input.RequestItems)).map(async ([tableName, request]) => {
      const target = targetOf(tableName, scope);
      const schema = await scope.keySchemaOf(target.tableName);
      const keys = asArray(asObject(request).Keys);
      const partitionValues = keys.map((key) => schema && partitionValueOfKey(key, schema.partitionKey));
      return itemRequest('BatchGetItem', target, partitionValues, projectionAttributes(asObject(request)), undefined);
    }),
  );
}

async function batchWriteItem(input: Json, scope: AuthorizationScope): Promise<AuthorizationRequest[]> {
  return Promise.all(
    Object.entries(asObject(input.RequestItems)).map(async ([tableName, writes]) => {
      const target = targetOf(tableName, scope);
      const schema = await scope.keySchemaOf(target.tableName);
      const partitionValues: (string | undefined)[] = [];
      const attributes: string[] = [];
      for (const write of asArray(writes)) {
        const put = asObject(asObject(write).PutRequest).Item;
        const key = asObject(asObject(write).DeleteRequest).Key;
        const touched = put ?? key;
        partitionValues.push(schema && partitionValueOfKey(touched, schema.partitionKey));
        attributes.push(...Object.keys(asObject(touched)));
      }
      return itemRequest('BatchWriteItem', target, partitionValues, unique(attributes), undefined);
    }),
  );
}

const TRANSACT_WRITE_ACTIONS: Record<string, ItemAction> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

async function transactWriteItems(input: Json, scope: AuthorizationScope): Promise<AuthorizationRequest[]> {
  const requests = asArray(input.TransactItems).flatMap((entry) => {
    // DynamoDB ignores members it does not know, so `{ "Foo": own, "Delete": foreign }` runs the
    // Delete: every known member is authorized, wherever it stands in the element.
    const operations = Object.entries(asObject(entry)).filter(([kind]) => Object.hasOwn(TRANSACT_WRITE_ACTIONS, kind));
    // An element DynamoDB would reject still must not pass authorization: it becomes a request
    // with no keys, which the tenant policy denies.
    if (operations.length === 0) return [singleItem('PutItem', {}, scope)];
    return operations.map(([kind, operation]) => singleItem(TRANSACT_WRITE_ACTIONS[kind] ?? 'PutItem', asObject(operation), scope));
  });
  return Promise.all(requests);
}

async function transactGetItems(input: Json, scope: AuthorizationScope): Promise<AuthorizationRequest[]> {
  return Promise.all(asArray(input.TransactItems).map((entry) => singleItem('GetItem', asObject(asObject(entry).Get), scope)));
}

/**
 * PartiQL: one request per statement, its action and table (or index) read from the statement
 * itself (partiql-statement.ts; a statement it cannot read throws PartiQLStatementUnreadableError).
 *
 * Condition keys: the Service Authorization Reference lists `dynamodb:LeadingKeys` and
 * `dynamodb:Attributes` among the PartiQL actions' condition keys, but no AWS page read for this
 * says how DynamoDB derives them from a statement (its WHERE clause, an INSERT's VALUE). So these
 * requests carry none: a grant conditioned on them, such as the tenant policy's
 * `ForAllValues:StringLike` + `Null` pair on LeadingKeys, does not match, and the statement is
 * denied. That fails closed where AWS might allow a statement whose keys match; no principal of
 * this project relies on it, since the tenant policy (domain/isolation.ts) grants no PartiQL
 * action at all. `dynamodb:FullTableScan` (PartiQLSelect) is not supplied either.
 */
function partiqlStatements(operation: string, input: Json, scope: AuthorizationScope): AuthorizationRequest[] {
  const statements =
    operation === 'ExecuteStatement'
      ? [input.Statement]
      : asArray(operation === 'BatchExecuteStatement' ? input.Statements : input.TransactStatements).map((entry) => asObject(entry).Statement);
  // An empty list authorizes nothing; DynamoDB rejects it, and nothing may pass unevaluated.
  if (statements.length === 0) throw new PartiQLStatementUnreadableError('', 'no statement');
  return statements.map((statement) => {
    if (typeof statement !== 'string') throw new PartiQLStatementUnreadableError(String(statement), 'no statement text');
    const target = partiqlTarget(statement);
    const { tableArn } = targetOf(target.tableName, scope);
    return { action: `dynamodb:${target.action}`, resource: target.indexName === undefined ? tableArn : `${tableArn}/index/${target.indexName}`, context: {} };
  });
}

/** The operations whose statements are PartiQL (API reference: ExecuteStatement, BatchExecuteStatement, ExecuteTransaction). */
const PARTIQL_OPERATIONS: ReadonlySet<string> = new Set(['ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction']);

/**
 * Every other operation (DescribeTable, CreateTable, ListTables, …) is authorized as an
 * action on its table, or on `*` when it names none, with no leading keys: a policy that grants
 * only key-scoped access denies it.
 */
function controlPlane(operation: string, input: Json, scope: AuthorizationScope): AuthorizationRequest {
  const tableName = asString(input.TableName) ?? asString(input.ResourceArn);
  return { action: `dynamodb:${operation}`, resource: tableName === undefined ? '*' : targetOf(tableName, scope).tableArn, context: {} };
}

/** The authorization requests IAM evaluates for one DynamoDB call; every one must be allowed. */
export async function authorizationRequestsFor(
  operation: string,
  input: Record<string, unknown>,
  scope: AuthorizationScope,
): Promise<AuthorizationRequest[]> {
  switch (operation) {
    case 'GetItem':
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [await singleItem(operation, input, scope)];
    case 'Query':
    case 'Scan':
      return [await queryOrScan(operation, input, scope)];
    case 'BatchGetItem':
      return batchGetItem(input, scope);
    case 'BatchWriteItem':
      return batchWriteItem(input, scope);
    case 'TransactWriteItems':
      return transactWriteItems(input, scope);
    case 'TransactGetItems':
      return transactGetItems(input, scope);
    default:
      return PARTIQL_OPERATIONS.has(operation) ? partiqlStatements(operation, input, scope) : [controlPlane(operation, input, scope)];
  }
}
