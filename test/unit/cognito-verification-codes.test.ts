import { randomInt } from 'node:crypto';
import { CODE_ATTEMPT_LIMIT, CODE_ATTEMPT_WINDOW_MS, CODE_DIGITS, CodeAttempts, otp } from '../../local/cognito/verification-codes';

// The real randomInt, observed: the codes must come from the CSPRNG, not Math.random.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, randomInt: jest.fn(actual.randomInt) };
});
/** The overload otp calls: randomInt(min, max). */
const drawn = randomInt as unknown as jest.MockedFunction<(min: number, max: number) => number>;

describe('verification and reset codes', () => {
  beforeEach(() => drawn.mockClear());

  it('draws each code from node:crypto randomInt over all 10^6 values, never from Math.random', () => {
    const mathRandom = jest.spyOn(Math, 'random');
    try {
      const code = otp();

      expect(drawn).toHaveBeenCalledTimes(1);
      expect(drawn).toHaveBeenCalledWith(0, 10 ** CODE_DIGITS);
      expect(code).toBe(String(drawn.mock.results[0]?.value).padStart(CODE_DIGITS, '0'));
      expect(mathRandom).not.toHaveBeenCalled();
    } finally {
      mathRandom.mockRestore();
    }
  });

  it.each([
    [0, '000000'],
    [42, '000042'],
    [999_999, '999999'],
  ])('writes the draw %d as the six digits %s', (value, code) => {
    drawn.mockReturnValueOnce(value);

    expect(otp()).toBe(code);
  });

  it('gives six decimal digits every time', () => {
    const codes = Array.from({ length: 1000 }, () => otp());

    expect(codes.filter((code) => !/^\d{6}$/.test(code))).toEqual([]);
  });

  it('ignores the fixed CODE that cognito-local would answer', () => {
    process.env.CODE = '123456';
    try {
      drawn.mockReturnValueOnce(7);

      expect(otp()).toBe('000007');
    } finally {
      delete process.env.CODE;
    }
  });
});

describe('wrong-code attempts per user', () => {
  const KEY = 'us-east-1_Pool/user-1';
  let now: number;
  let attempts: CodeAttempts;
  const failOnce = (key = KEY): boolean => {
    const allowed = attempts.begin(key);
    if (allowed) attempts.finish(key, 'rejected');
    return allowed;
  };

  beforeEach(() => {
    now = Date.parse('2026-03-01T12:00:00Z');
    attempts = new CodeAttempts(CODE_ATTEMPT_LIMIT, CODE_ATTEMPT_WINDOW_MS, () => now);
  });

  it(`lets ${CODE_ATTEMPT_LIMIT} wrong codes through, then refuses every check for the window`, () => {
    const allowed = Array.from({ length: CODE_ATTEMPT_LIMIT }, () => failOnce());

    expect(allowed).toEqual(Array(CODE_ATTEMPT_LIMIT).fill(true));
    expect(attempts.begin(KEY)).toBe(false);
    now += CODE_ATTEMPT_WINDOW_MS - 1;
    expect(attempts.begin(KEY)).toBe(false);
  });

  it('lets checks through again once the lockout has run out', () => {
    Array.from({ length: CODE_ATTEMPT_LIMIT }, () => failOnce());

    now += CODE_ATTEMPT_WINDOW_MS;

    expect(attempts.isLockedOut(KEY)).toBe(false);
    expect(Array.from({ length: CODE_ATTEMPT_LIMIT }, () => failOnce())).toEqual(Array(CODE_ATTEMPT_LIMIT).fill(true));
  });

  it('counts from zero again after a right code', () => {
    Array.from({ length: CODE_ATTEMPT_LIMIT - 1 }, () => failOnce());
    attempts.begin(KEY);
    attempts.finish(KEY, 'accepted');

    expect(Array.from({ length: CODE_ATTEMPT_LIMIT }, () => failOnce())).toEqual(Array(CODE_ATTEMPT_LIMIT).fill(true));
    expect(attempts.begin(KEY)).toBe(false);
  });

  it('forgets failures after a window without another', () => {
    Array.from({ length: CODE_ATTEMPT_LIMIT - 1 }, () => failOnce());

    now += CODE_ATTEMPT_WINDOW_MS;

    expect(Array.from({ length: CODE_ATTEMPT_LIMIT }, () => failOnce())).toEqual(Array(CODE_ATTEMPT_LIMIT).fill(true));
  });

  it('counts checks still running against the limit, so concurrent guesses cannot overtake it', () => {
    const started = Array.from({ length: CODE_ATTEMPT_LIMIT + 3 }, () => attempts.begin(KEY));

    expect(started).toEqual([...Array(CODE_ATTEMPT_LIMIT).fill(true), false, false, false]);
    attempts.finish(KEY, 'inconclusive'); // e.g. a password that breaks the policy: no guess was judged
    expect(attempts.begin(KEY)).toBe(true);
  });

  it('keeps each user to their own count', () => {
    Array.from({ length: CODE_ATTEMPT_LIMIT }, () => failOnce());

    expect(attempts.begin('us-east-1_Pool/user-2')).toBe(true);
    expect(attempts.isLockedOut(KEY)).toBe(true);
  });
});
