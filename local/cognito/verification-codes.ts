/**
 * Verification and reset codes: how the local user pool makes them and how many wrong guesses it
 * takes. cognito-local draws its 6-digit codes with `Math.random` (lib/services/otp.js, which also
 * answers a fixed `process.env.CODE` if one is set) and never limits wrong guesses, so a sweep of
 * all 10^6 codes reset any user's password in under half an hour.
 *
 * What AWS documents, and what this relies on:
 * - The developer guide's quotas page, "Amazon Cognito user pools code security resource quotas
 *   (non-adjustable)": at most 5-20 ConfirmForgotPassword calls per user per hour, depending on
 *   risk score, 15 ConfirmSignUp calls per user per hour, 5 GetUserAttributeVerificationCode
 *   calls per user per hour. A per-user quota is answered with `LimitExceededException`, which
 *   the ConfirmForgotPassword, ConfirmSignUp and VerifyUserAttribute API references list ("a user
 *   exceeds the limit for a requested Amazon Web Services resource"; the same lists ship in
 *   @aws-sdk/client-cognito-identity-provider's command docs), with the message clients see:
 *   "Attempt limit exceeded, please try after some time." (observed, not documented).
 * - The developer guide's "Lockout behavior for failed sign-in attempts": after five failed
 *   password attempts the user is locked out, for up to about 15 minutes, and the count clears
 *   on a success or after 15 minutes without attempts (after five wrong MFA codes likewise).
 * The exact counting for codes is not documented, so the proxy takes the strict end and the
 *   lockout's shape: five failures per user (one count for the three operations: ConfirmSignUp and
 *   ConfirmForgotPassword check the same stored code in cognito-local), then 15 minutes in which
 *   every code check of that user is refused without reaching cognito-local; a success clears the
 *   count. Fixed rather than risk-based or doubling, so that tests can rely on it.
 */
import { randomInt } from 'node:crypto';
import { AwsServiceError } from '../server/aws-json';

export const CODE_DIGITS = 6;

/** Wrong codes a user may enter before every further code check is refused. */
export const CODE_ATTEMPT_LIMIT = 5;

/**
 * How long a user stays locked out after the last allowed failure, and how long failures are
 * remembered without another one (AWS's "15 consecutive minutes" without attempts).
 */
export const CODE_ATTEMPT_WINDOW_MS = 15 * 60 * 1000;

export const ATTEMPT_LIMIT_MESSAGE = 'Attempt limit exceeded, please try after some time.';

/** A code for cognito-local's Router (`otp`): CODE_DIGITS decimal digits from the CSPRNG, uniform. */
export function otp(): string {
  return randomInt(0, 10 ** CODE_DIGITS)
    .toString()
    .padStart(CODE_DIGITS, '0');
}

export const attemptLimitExceeded = (): AwsServiceError => new AwsServiceError('LimitExceededException', ATTEMPT_LIMIT_MESSAGE);

/** What became of a code check that was let through. */
export type CodeCheckOutcome = 'accepted' | 'rejected' | 'inconclusive';

interface AttemptRecord {
  failures: number;
  /** Checks let through and not finished yet: they count against the limit until they are. */
  pending: number;
  lastFailureAt: number;
  lockedUntil: number | undefined;
}

/**
 * Failed code checks per key (pool and user). A check is reserved before it reaches cognito-local
 * and counts against the limit while it runs, so concurrent guesses cannot overtake the count.
 */
export class CodeAttempts {
  private readonly records = new Map<string, AttemptRecord>();

  constructor(
    private readonly limit: number = CODE_ATTEMPT_LIMIT,
    private readonly windowMs: number = CODE_ATTEMPT_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reserves a check for `key`; false while the key is locked out (answer attemptLimitExceeded). */
  begin(key: string): boolean {
    const now = this.now();
    this.forgetStale(now);
    const record = this.current(key, now);
    if (record.lockedUntil !== undefined || record.failures + record.pending >= this.limit) return false;
    record.pending += 1;
    this.records.set(key, record);
    return true;
  }

  /** Ends a check that `begin` let through. */
  finish(key: string, outcome: CodeCheckOutcome): void {
    const record = this.records.get(key);
    if (!record) return;
    record.pending = Math.max(0, record.pending - 1);
    if (outcome === 'accepted') {
      record.failures = 0;
      record.lockedUntil = undefined;
    } else if (outcome === 'rejected') {
      const now = this.now();
      record.failures += 1;
      record.lastFailureAt = now;
      if (record.failures >= this.limit) record.lockedUntil = now + this.windowMs;
    }
    if (record.failures === 0 && record.pending === 0) this.records.delete(key);
  }

  isLockedOut(key: string): boolean {
    return this.current(key, this.now()).lockedUntil !== undefined;
  }

  /** The record as of `now`: a lockout that ran out, or failures older than the window, are gone. */
  private current(key: string, now: number): AttemptRecord {
    const record = this.records.get(key) ?? { failures: 0, pending: 0, lastFailureAt: now, lockedUntil: undefined };
    const expired = record.lockedUntil !== undefined ? now >= record.lockedUntil : now - record.lastFailureAt >= this.windowMs;
    if (expired) {
      record.failures = 0;
      record.lockedUntil = undefined;
    }
    return record;
  }

  /** Keeps the map from growing with every username ever guessed. */
  private forgetStale(now: number): void {
    if (this.records.size < 1000) return;
    for (const [key, record] of this.records) {
      if (record.pending === 0 && this.current(key, now).failures === 0) this.records.delete(key);
    }
  }
}
