import fc from 'fast-check';
import { InvalidEventPatternError, matchesPattern, parseEventPattern, validatePattern } from '../../local/eventbridge/pattern';
import { PATTERN_CASES as cases } from '../fixtures/event-pattern-cases';

describe('EventBridge pattern matching (cases from the user guide)', () => {
  it.each(cases)('%s', (_behaviour, pattern, event, expected) => {
    const result = matchesPattern(pattern, event);

    expect(result).toBe(expected);
  });
});

describe('EventBridge pattern matching where the guide defers to AWS’s matcher (Event Ruler)', () => {
  const items = { detail: { items: [{ sku: 'a', qty: 1 }, { sku: 'b' }] } };

  it('treats exists:false inside an array of objects as absent from every element', () => {
    const result = matchesPattern({ detail: { items: { qty: [{ exists: false }] } } }, items);

    expect(result).toBe(false);
  });

  it('matches exists:false inside an array when no element has the field', () => {
    const result = matchesPattern({ detail: { items: { price: [{ exists: false }] } } }, items);

    expect(result).toBe(true);
  });

  it('matches exists:false below a field that holds a plain value', () => {
    const result = matchesPattern({ detail: { items: { sku: [{ exists: false }] } } }, { detail: { items: 'none' } });

    expect(result).toBe(true);
  });

  it('lets anything-but match values of another type, as Ruler compares JSON text', () => {
    const result = matchesPattern({ detail: { n: [{ 'anything-but': 'x' }] } }, { detail: { n: 5 } });

    expect(result).toBe(true);
  });

  it('matches a pattern IP address written another way', () => {
    const result = matchesPattern({ ip: ['2001:db8::1'] }, { ip: '2001:0DB8:0:0:0:0:0:1' });

    expect(result).toBe(true);
  });
});

const invalid: readonly (readonly [behaviour: string, pattern: unknown, reason: string])[] = [
  ['a pattern that is not an object', ['aws.ec2'], 'Filter is not an object'],
  ['a leaf value that is not a list', { source: 'aws.ec2' }, '"source" must be an object or an array'],
  ['an empty list', { source: [] }, 'Empty arrays are not allowed'],
  ['an empty object', { detail: {} }, 'Empty objects are not allowed'],
  ['a nested list as a value', { source: [['aws.ec2']] }, 'Match value must be String, number, true, false, or null'],
  ['an unknown operator', { source: [{ contains: 'ec2' }] }, 'Unrecognized match type contains'],
  ['two operators in one expression', { source: [{ prefix: 'a', suffix: 'b' }] }, 'Only one key allowed in match expression'],
  ['a prefix that is not a string', { source: [{ prefix: 5 }] }, 'prefix match pattern must be a string'],
  ['an unsupported prefix option', { source: [{ prefix: { wildcard: 'a*' } }] }, 'Unsupported prefix pattern: wildcard'],
  ['numeric that is not a list', { n: [{ numeric: '>' }] }, 'Value of numeric must be an array.'],
  ['an unknown numeric operator', { n: [{ numeric: ['!=', 3] }] }, 'Unrecognized numeric range operator: !='],
  ['a numeric bound that is not a number', { n: [{ numeric: ['>', '3'] }] }, 'Value of > must be numeric'],
  ['a range with its bounds reversed', { n: [{ numeric: ['>', 10, '<', 5] }] }, 'Bottom must be less than top'],
  ['a range with a second lower bound', { n: [{ numeric: ['>', 0, '>', 5] }] }, 'Bad numeric range operator: >'],
  ['exists that is not a boolean', { n: [{ exists: 'yes' }] }, 'exists match pattern must be either true or false.'],
  ['anything-but with mixed types', { s: [{ 'anything-but': ['a', 1] }] }, 'Inside anything but list, either all values are number or string, mixed type is not supported'],
  ['anything-but with an unsupported option', { s: [{ 'anything-but': { numeric: ['>', 1] } }] }, 'Unsupported anything-but pattern: numeric'],
  ['an empty anything-but prefix', { s: [{ 'anything-but': { prefix: '' } }] }, 'Null prefix/suffix not allowed'],
  ['consecutive wildcards', { s: [{ wildcard: 'a**b' }] }, 'Consecutive wildcard characters at pos 2'],
  ['an escape of an ordinary character', { s: [{ wildcard: 'a\\b' }] }, 'Invalid escape character at pos 2'],
  ['a CIDR without a mask', { ip: [{ cidr: '10.0.0.0' }] }, "Malformed CIDR, one '/' required"],
  ['a CIDR with a host that is not an address', { ip: [{ cidr: 'example.com/24' }] }, 'Invalid IP address: example.com'],
  ['$or with one branch', { $or: [{ source: ['a'] }] }, 'There must have at least 2 Objects in $or relationship.'],
  ['$or that is not a list', { $or: { source: ['a'] } }, 'It must be an Array followed with $or.'],
  ['an operator name used as a field inside $or', { $or: [{ numeric: [1] }, { source: ['a'] }] }, 'numeric is Ruler reserved fieldName which cannot be used inside $or.'],
];

describe('EventBridge pattern validation', () => {
  it.each(invalid)('rejects %s with AWS reason', (_behaviour, pattern, reason) => {
    const validate = (): void => validatePattern(pattern);

    expect(validate).toThrow(InvalidEventPatternError);
    expect(validate).toThrow(`Event pattern is not valid. Reason: ${reason}`);
  });

  it('accepts every documented operator', () => {
    for (const [, pattern] of cases) expect(() => validatePattern(pattern)).not.toThrow();
  });

  it('rejects pattern text that is not JSON', () => {
    expect(() => parseEventPattern('{"source": [')).toThrow(InvalidEventPatternError);
  });
});

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const key = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const leaf = fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const { event } = fc.letrec<{ event: Record<string, Json>; value: Json }>((tie) => ({
  event: fc.dictionary(key, tie('value'), { minKeys: 1, maxKeys: 4 }),
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(leaf, { minLength: 1, maxLength: 3 }), tie('event')),
}));

/** A pattern that names every leaf of the event with the event's own value. */
function patternFrom(source: Record<string, Json>): Record<string, unknown> {
  const pattern: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(source)) {
    if (Array.isArray(value)) pattern[name] = [value[0]];
    else if (value !== null && typeof value === 'object') pattern[name] = patternFrom(value);
    else pattern[name] = [value];
  }
  return pattern;
}

describe('EventBridge pattern properties', () => {
  it('a pattern built from an event’s own leaf values always matches it', () => {
    fc.assert(
      fc.property(event, (generated) => {
        expect(matchesPattern(patternFrom(generated), generated)).toBe(true);
      }),
    );
  });

  it('anything-but a string matches exactly the other strings', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (excluded, actual) => {
        expect(matchesPattern({ v: [{ 'anything-but': excluded }] }, { v: actual })).toBe(actual !== excluded);
      }),
    );
  });

  it('a numeric range matches exactly the numbers inside it', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1 }), fc.integer(), (bottom, width, value) => {
        const top = bottom + width;
        expect(matchesPattern({ v: [{ numeric: ['>=', bottom, '<', top] }] }, { v: value })).toBe(value >= bottom && value < top);
      }),
    );
  });

  it('any JSON either validates or fails with InvalidEventPatternError, never another error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (pattern) => {
        try {
          validatePattern(pattern);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidEventPatternError);
        }
      }),
    );
  });
});
