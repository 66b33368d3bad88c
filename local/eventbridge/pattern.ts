/**
 * EventBridge event patterns, matched with AWS's documented semantics
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
 * Where the user guide is silent, this follows AWS's own open-source matcher, Event Ruler
 * (github.com/aws/event-ruler), which is what the user guide describes:
 * - exists works on leaves only: a field holding an object or an empty array does not "exist",
 *   a field holding `null` does;
 * - an array in an event matches if any element matches, and fields matched inside one object of an
 *   array must all come from that same element ("array-consistent" matching);
 * - exists:false means no leaf at that path anywhere in the event, across all array elements;
 * - value operators (prefix, suffix, wildcard, equals-ignore-case, cidr) match strings only,
 *   numeric matches numbers only, and anything-but matches every present leaf the inner operator
 *   does not match (so `{"anything-but":"x"}` also matches 5 and null).
 * Validation messages copy Event Ruler's, which is what AWS puts after "Reason:".
 */

export class InvalidEventPatternError extends Error {
  constructor(readonly reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
    this.name = 'InvalidEventPatternError';
  }
}

type Leaf = string | number | boolean | null;
type LeafTest = (value: Leaf) => boolean;
type LeafMatcher = { readonly kind: 'value'; readonly test: LeafTest } | { readonly kind: 'exists'; readonly present: boolean };

interface FieldNode {
  readonly key: string;
  readonly matchers?: readonly LeafMatcher[];
  readonly child?: ObjectNode;
}

interface ObjectNode {
  readonly fields: readonly FieldNode[];
  /** Each entry is one `$or`: at least one of its alternatives must match. */
  readonly ors: readonly (readonly ObjectNode[])[];
}

export type CompiledPattern = (event: unknown) => boolean;

const OR_KEY = '$or';

/** Names Event Ruler reserves for operators; a field inside `$or` may not use them. */
const RESERVED_IN_OR = new Set([
  'exactly', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric', 'cidr',
  '=', '<', '<=', '>', '>=', 'regex', 'not-wildcard', 'not-equals-ignore-case', 'date-after', 'date-on-or-after',
  'date-before', 'date-on-or-before', 'in-date-range', 'ip-address-in-range', 'ip-address-not-in-range',
]);

function fail(reason: string): never {
  throw new InvalidEventPatternError(reason);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** How Jackson prints the offending token in Ruler's messages (`]` when a list ended early). */
function token(value: unknown): string {
  return value === undefined ? ']' : typeof value === 'string' ? value : JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------
// Compilation (validation happens here: a pattern that compiles is valid)

/** Parses a pattern from the JSON text an API caller sends, e.g. PutRule's `EventPattern`. */
export function parseEventPattern(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return fail(`Filter is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function compilePattern(pattern: unknown): CompiledPattern {
  if (!isRecord(pattern)) fail('Filter is not an object');
  const root = compileObject(pattern, false);
  return (event) => matchObject(root, event, [event]);
}

/** Throws `InvalidEventPatternError` with AWS's reason when the pattern is malformed. */
export function validatePattern(pattern: unknown): void {
  compilePattern(pattern);
}

/** Validates the pattern (throwing as `validatePattern` does) and matches it against one event. */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return compilePattern(pattern)(event);
}

function compileObject(pattern: Record<string, unknown>, insideOr: boolean): ObjectNode {
  const keys = Object.keys(pattern);
  if (keys.length === 0) fail('Empty objects are not allowed');
  const fields: FieldNode[] = [];
  const ors: ObjectNode[][] = [];
  for (const key of keys) {
    const value = pattern[key];
    if (key === OR_KEY) {
      ors.push(compileOr(value));
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) fail(`${key} is Ruler reserved fieldName which cannot be used inside ${OR_KEY}.`);
    if (Array.isArray(value)) fields.push({ key, matchers: compileLeafList(value) });
    else if (isRecord(value)) fields.push({ key, child: compileObject(value, insideOr) });
    else fail(`"${key}" must be an object or an array`);
  }
  return { fields, ors };
}

function compileOr(value: unknown): ObjectNode[] {
  if (!Array.isArray(value)) fail(`It must be an Array followed with ${OR_KEY}.`);
  const alternatives = value.map((alternative) => {
    if (!isRecord(alternative)) fail(`Only JSON object is allowed in array of ${OR_KEY} relationship.`);
    return compileObject(alternative, true);
  });
  if (alternatives.length < 2) fail(`There must have at least 2 Objects in ${OR_KEY} relationship.`);
  return alternatives;
}

function compileLeafList(values: readonly unknown[]): LeafMatcher[] {
  if (values.length === 0) fail('Empty arrays are not allowed');
  return values.map((value): LeafMatcher => {
    if (isRecord(value)) return compileMatchExpression(value);
    if (typeof value === 'string') return { kind: 'value', test: exactString(value) };
    if (typeof value === 'number') return { kind: 'value', test: (candidate) => candidate === value };
    if (value === null || typeof value === 'boolean') return { kind: 'value', test: (candidate) => candidate === value };
    return fail('Match value must be String, number, true, false, or null');
  });
}

function onlyKey(keys: readonly string[], message = 'Only one key allowed in match expression'): void {
  if (keys.length > 1) fail(message);
}

function compileMatchExpression(expression: Record<string, unknown>): LeafMatcher {
  const keys = Object.keys(expression);
  const operator = keys[0];
  if (operator === undefined) fail('Match expression name not found');
  const argument = expression[operator];
  const value = (test: LeafTest): LeafMatcher => ({ kind: 'value', test });
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      const test = isRecord(argument) ? compileIgnoreCaseAffix(operator, argument) : compileAffix(operator, argument);
      onlyKey(keys);
      return value(test);
    }
    case 'equals-ignore-case': {
      if (typeof argument !== 'string') fail('equals-ignore-case match pattern must be a string');
      onlyKey(keys);
      const folded = fold(argument);
      return value((candidate) => typeof candidate === 'string' && fold(candidate) === folded);
    }
    case 'wildcard': {
      if (typeof argument !== 'string') fail('wildcard match pattern must be a string');
      const regex = compileWildcard(argument);
      onlyKey(keys);
      return value((candidate) => typeof candidate === 'string' && regex.test(candidate));
    }
    case 'anything-but': {
      const excluded = compileAnythingBut(argument);
      // Ruler's wording for extra keys here, odd as it reads.
      onlyKey(keys, 'Too many elements in numeric expression');
      return value((candidate) => !excluded(candidate));
    }
    case 'numeric': {
      if (!Array.isArray(argument)) fail('Value of numeric must be an array.');
      const test = compileNumeric(argument);
      onlyKey(keys, 'Too many elements in numeric expression');
      return value(test);
    }
    case 'exists': {
      if (typeof argument !== 'boolean') fail('exists match pattern must be either true or false.');
      onlyKey(keys);
      return { kind: 'exists', present: argument };
    }
    case 'cidr': {
      // Ruler says "prefix match pattern must be a string" here, a copy-paste slip not worth copying.
      if (typeof argument !== 'string') fail('cidr match pattern must be a string');
      const test = compileCidr(argument);
      onlyKey(keys);
      return value(test);
    }
    default:
      return fail(`Unrecognized match type ${operator}`);
  }
}

/** Case folding for equals-ignore-case; upper then lower so that e.g. "ß" and "SS" compare equal. */
function fold(text: string): string {
  return text.toUpperCase().toLowerCase();
}

function compileAffix(operator: 'prefix' | 'suffix', argument: unknown): LeafTest {
  if (typeof argument !== 'string') fail(`${operator} match pattern must be a string`);
  return operator === 'prefix'
    ? (candidate) => typeof candidate === 'string' && candidate.startsWith(argument)
    : (candidate) => typeof candidate === 'string' && candidate.endsWith(argument);
}

function compileIgnoreCaseAffix(operator: 'prefix' | 'suffix', argument: Record<string, unknown>): LeafTest {
  const keys = Object.keys(argument);
  const inner = keys[0];
  const label = operator === 'prefix' ? 'Prefix' : 'Suffix';
  if (inner === undefined) fail(`${label} expression name not found`);
  if (inner !== 'equals-ignore-case') fail(`Unsupported ${operator} pattern: ${inner}`);
  const text = argument[inner];
  if (typeof text !== 'string') fail('equals-ignore-case match pattern must be a string');
  onlyKey(keys);
  const folded = fold(text);
  return operator === 'prefix'
    ? (candidate) => typeof candidate === 'string' && fold(candidate).startsWith(folded)
    : (candidate) => typeof candidate === 'string' && fold(candidate).endsWith(folded);
}

type AnythingButKind = 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';

/** Returns the test for what anything-but excludes. */
function compileAnythingBut(argument: unknown): LeafTest {
  if (isRecord(argument)) {
    const keys = Object.keys(argument);
    const kind = keys[0];
    if (kind === undefined) fail('Anything-But expression name not found');
    if (kind !== 'equals-ignore-case' && kind !== 'prefix' && kind !== 'suffix' && kind !== 'wildcard') {
      fail(`Unsupported anything-but pattern: ${kind}`);
    }
    const inner = argument[kind];
    if (!Array.isArray(inner) && typeof inner !== 'string' && typeof inner !== 'number') {
      fail('Value of anything-but must be an array or single string/number value.');
    }
    const tests = (Array.isArray(inner) ? inner : [inner]).map((text) => compileAnythingButValue(kind, text));
    onlyKey(keys, 'Too many elements in numeric expression');
    return (candidate) => tests.some((test) => test(candidate));
  }
  if (Array.isArray(argument)) {
    const strings = argument.filter((item): item is string => typeof item === 'string');
    const numbers = argument.filter((item): item is number => typeof item === 'number');
    if (strings.length + numbers.length !== argument.length) fail('Inside anything but list, start|null|boolean is not supported.');
    if ((strings.length > 0) === (numbers.length > 0)) {
      fail('Inside anything but list, either all values are number or string, mixed type is not supported');
    }
    return numbers.length > 0 ? (candidate) => typeof candidate === 'number' && numbers.includes(candidate) : oneOfStrings(strings);
  }
  if (typeof argument === 'string') return oneOfStrings([argument]);
  if (typeof argument === 'number') return (candidate) => candidate === argument;
  return fail('Value of anything-but must be an array or single string/number value.');
}

function oneOfStrings(values: readonly string[]): LeafTest {
  const set = new Set(values);
  return (candidate) => typeof candidate === 'string' && set.has(candidate);
}

function compileAnythingButValue(kind: AnythingButKind, text: unknown): LeafTest {
  if (typeof text !== 'string') {
    if (kind === 'equals-ignore-case') fail('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
    if (kind === 'wildcard') fail('wildcard match pattern must be a string');
    fail('prefix/suffix match pattern must be a string');
  }
  switch (kind) {
    case 'equals-ignore-case': {
      const folded = fold(text);
      return (candidate) => typeof candidate === 'string' && fold(candidate) === folded;
    }
    case 'prefix':
    case 'suffix':
      if (text.length === 0) fail('Null prefix/suffix not allowed');
      return compileAffix(kind, text);
    case 'wildcard': {
      const regex = compileWildcard(text);
      return (candidate) => typeof candidate === 'string' && regex.test(candidate);
    }
  }
}

function compileNumeric(terms: readonly unknown[]): LeafTest {
  const [operator, operand, ...rest] = terms;
  if (typeof operator !== 'string') fail(`Invalid member in numeric match: ${token(operator)}`);
  const numeric = (value: unknown, label: string): number => {
    if (typeof value !== 'number') fail(`Value of ${label} must be numeric`);
    return value;
  };
  const isNumber = (candidate: Leaf): candidate is number => typeof candidate === 'number';
  switch (operator) {
    case '=': {
      const expected = numeric(operand, 'equals');
      if (rest.length > 0) fail('Too many elements in numeric expression');
      return (candidate) => isNumber(candidate) && candidate === expected;
    }
    case '<':
    case '<=': {
      const top = numeric(operand, operator);
      if (rest.length > 0) fail('Too many elements in numeric expression');
      return operator === '<' ? (candidate) => isNumber(candidate) && candidate < top : (candidate) => isNumber(candidate) && candidate <= top;
    }
    case '>':
    case '>=': {
      const bottom = numeric(operand, operator);
      const above = operator === '>' ? (n: number) => n > bottom : (n: number) => n >= bottom;
      if (rest.length === 0) return (candidate) => isNumber(candidate) && above(candidate);
      const [upperOperator, upperOperand, ...extra] = rest;
      if (typeof upperOperator !== 'string') fail(`Bad value in numeric range: ${token(upperOperator)}`);
      if (upperOperator !== '<' && upperOperator !== '<=') fail(`Bad numeric range operator: ${upperOperator}`);
      const top = numeric(upperOperand, upperOperator);
      if (extra.length > 0) fail('Too many terms in numeric range expression');
      if (!(bottom < top)) fail('Bottom must be less than top');
      const below = upperOperator === '<' ? (n: number) => n < top : (n: number) => n <= top;
      return (candidate) => isNumber(candidate) && above(candidate) && below(candidate);
    }
    default:
      return fail(`Unrecognized numeric range operator: ${operator}`);
  }
}

/** Byte offset Ruler reports: it parses the value wrapped in quotes, as UTF-8. */
function rulerPosition(text: string, index: number): number {
  return 1 + new TextEncoder().encode(text.slice(0, index)).length;
}

/**
 * `*` matches any run of characters (also none); `\*` is a literal asterisk and `\\` a literal
 * backslash; any other escape and `**` are rejected, as AWS does.
 */
function compileWildcard(text: string): RegExp {
  let source = '';
  for (let index = 0; index < text.length; index++) {
    const character = text.charAt(index);
    if (character === '*') {
      if (text.charAt(index + 1) === '*') fail(`Consecutive wildcard characters at pos ${rulerPosition(text, index)}`);
      source += '.*';
    } else if (character === '\\') {
      const next = text.charAt(index + 1);
      if (next !== '*' && next !== '\\') fail(`Invalid escape character at pos ${rulerPosition(text, index)}`);
      source += escapeRegExp(next);
      index++;
    } else {
      source += escapeRegExp(character);
    }
  }
  return new RegExp(`^${source}$`, 's');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------
// IP addresses (cidr, and exact-match strings that are IP addresses)

interface IpAddress {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

function parseIpv4(text: string): bigint | undefined {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return undefined;
  let value = 0n;
  for (const part of text.split('.')) {
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return undefined;
  let hexText = text;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // An embedded IPv4 tail (`::ffff:10.0.0.1`) stands for the last two groups.
    const v4 = parseIpv4(tail);
    if (v4 === undefined) return undefined;
    hexText = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = hexText.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string): string[] => (half === '' ? [] : half.split(':'));
  const head = groupsOf(halves[0] ?? '');
  const rest = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(`0x${group}`);
  }
  return value;
}

function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { bits: 32, value: v4 };
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { bits: 128, value: v6 };
}

function compileCidr(text: string): LeafTest {
  const slashed = text.split('/');
  if (slashed.length !== 2) fail("Malformed CIDR, one '/' required");
  const [ipText = '', maskText = ''] = slashed;
  if (!/^[+-]?\d+$/.test(maskText)) fail('Malformed CIDR, mask bits must be an integer');
  const maskBits = Number(maskText);
  if (maskBits < 0) fail('Malformed CIDR, mask bits must not be negative');
  const network = parseIp(ipText);
  if (!network) fail(`Invalid IP address: ${ipText}`);
  // Ruler's limits (a full-length mask is one address: match the address as a plain string instead).
  if (network.bits === 32 && maskBits > 31) fail('IPv4 mask bits must be < 32');
  if (network.bits === 128 && maskBits > 127) fail('IPv6 mask bits must be < 128');
  const shift = BigInt(network.bits - maskBits);
  const prefix = network.value >> shift;
  return (candidate) => {
    if (typeof candidate !== 'string') return false;
    const address = parseIp(candidate);
    return address !== undefined && address.bits === network.bits && address.value >> shift === prefix;
  };
}

/** A string in a pattern that is an IP address matches the same address however it is written. */
function exactString(expected: string): LeafTest {
  const ip = parseIp(expected);
  if (!ip) return (candidate) => candidate === expected;
  return (candidate) => {
    if (typeof candidate !== 'string') return false;
    if (candidate === expected) return true;
    const address = parseIp(candidate);
    return address !== undefined && address.bits === ip.bits && address.value === ip.value;
  };
}

// ---------------------------------------------------------------------------------------------
// Matching

function childOf(value: unknown, key: string): unknown {
  return isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

/** The leaves at a path: arrays are flattened, objects are not leaves. */
function leavesIn(value: unknown): Leaf[] {
  if (Array.isArray(value)) return value.flatMap(leavesIn);
  return isLeaf(value) ? [value] : [];
}

function objectsIn(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(objectsIn);
  return isRecord(value) ? [value] : [];
}

const NO_FIELDS: Record<string, unknown> = Object.freeze({});

/**
 * `value` is the object being matched (one element, when inside an array); `scope` holds every
 * object at the same path across all array elements, which is what exists:false looks at.
 */
function matchObject(node: ObjectNode, value: unknown, scope: readonly unknown[]): boolean {
  for (const field of node.fields) {
    const child = childOf(value, field.key);
    const childScope = scope.map((item) => childOf(item, field.key)).filter((item) => item !== undefined);
    if (field.matchers) {
      if (!matchLeaves(field.matchers, leavesIn(child), childScope)) return false;
    } else if (field.child) {
      const nested = field.child;
      const candidates = objectsIn(child);
      const nestedScope = childScope.flatMap(objectsIn);
      // With no object here, nested exists:false conditions can still hold.
      const inScope = candidates.length > 0 ? candidates : [NO_FIELDS];
      if (!inScope.some((candidate) => matchObject(nested, candidate, nestedScope))) return false;
    }
  }
  return node.ors.every((alternatives) => alternatives.some((alternative) => matchObject(alternative, value, scope)));
}

function matchLeaves(matchers: readonly LeafMatcher[], leaves: readonly Leaf[], scope: readonly unknown[]): boolean {
  return matchers.some((matcher) => {
    if (matcher.kind === 'exists') {
      return matcher.present ? leaves.length > 0 : scope.every((item) => leavesIn(item).length === 0);
    }
    return leaves.some(matcher.test);
  });
}
