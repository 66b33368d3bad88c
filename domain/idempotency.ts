/**
 * `Idempotency-Key` on creating POSTs (API.md "Conventions"): the same key and body within 24 h
 * answers what the first request answered and creates nothing; the same key with another body, or
 * while the first is still running, is a 409. What is pure of it lives here: the header's rules,
 * the request's fingerprint, the window and the judgement of a record already there.
 */
import { createHash } from 'node:crypto';
import { ConflictError, ValidationError } from './errors';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** How long a key is remembered: the contract's 24 h. */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;

/** Printable ASCII (space to `~`), 1 to 255 characters: what fits any client and any key part once encoded. */
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;
const KEY_MESSAGE = 'must be 1 to 255 printable ASCII characters';

/**
 * The key a request carries, its header name read case-insensitively (HTTP header names are, and
 * API Gateway passes them as the client spelt them); undefined when there is none. A bad key is a
 * 400 naming the header, never a request made without one: the client asked for a guarantee.
 */
export function idempotencyKeyOf(headers: Readonly<Record<string, string | undefined>> | null | undefined): string | undefined {
  const wanted = IDEMPOTENCY_HEADER.toLowerCase();
  const entry = Object.entries(headers ?? {}).find(([name, value]) => name.toLowerCase() === wanted && value !== undefined);
  if (entry === undefined) return undefined;
  const key = entry[1] as string;
  if (!KEY_PATTERN.test(key)) throw new ValidationError(`The ${IDEMPOTENCY_HEADER} header is not valid`, [{ field: IDEMPOTENCY_HEADER, message: KEY_MESSAGE }]);
  return key;
}

/** JSON with every object's members in code-unit order, so that one value has one text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.keys(value)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${canonicalJson((value as Record<string, unknown>)[name])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What "the same body" means: the SHA-256 of the canonical JSON of the PARSED body, so that
 * whitespace and member order do not make two bodies different (a client library may reorder
 * members on a retry). A body that is not JSON is fingerprinted as its text: the route refuses it
 * anyway (400) and its claim is released, but it still must not match a JSON body.
 *
 * `omitted` names top-level members that are not part of the request's meaning: a credential the
 * body carries (POST /tenants' refresh token) is left out, so that no hash of a secret is stored
 * and a client that signed in again between two tries is still told its first answer.
 */
export function requestFingerprint(body: string | null, omitted: readonly string[] = []): string {
  let canonical: string;
  try {
    canonical = body === null || body === '' ? 'empty' : `json:${canonicalJson(withoutMembers(JSON.parse(body), omitted))}`;
  } catch {
    canonical = `text:${body}`;
  }
  return createHash('sha256').update(canonical).digest('hex');
}

function withoutMembers(value: unknown, omitted: readonly string[]): unknown {
  if (omitted.length === 0 || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([name]) => !omitted.includes(name)));
}

/** The answer a completed request gave, as it is stored and replayed: never a secret (POST /tenants keeps its tenant, not its tokens). */
export interface StoredAnswer {
  readonly statusCode: number;
  readonly body: string;
}

/**
 * A pending record is a claim held under a lease (`leaseExpiresAtEpoch`): its request either
 * completes or releases it, unless it died (a Lambda timeout, a crash), and then the lease is what
 * ends it. `claimId` tells the holder's own writes from those of a request that took it over.
 */
export type IdempotencyRecord =
  | ({ readonly fingerprint: string; readonly expiresAtEpoch: number } & (
      | { readonly state: 'pending'; readonly leaseExpiresAtEpoch: number; readonly claimId: string }
      | ({ readonly state: 'completed' } & StoredAnswer)
    ))
  /**
   * A claim its request gave up (it failed): expired at its release, and claimable whatever the
   * clock says, since a request on a host whose clock is a second behind the releaser's would
   * otherwise meet it as live, with no fingerprint, and be told it reused the key.
   */
  | { readonly state: 'released'; readonly expiresAtEpoch: number; readonly fingerprint?: string };

export const epochSecondsOf = (now: Date): number => Math.floor(now.getTime() / 1000);

/** When a record made now stops counting: ISO for people, epoch seconds for the table's TTL attribute. */
export function expiryOf(now: Date): { readonly expiresAt: string; readonly expiresAtEpoch: number } {
  const expiresAtEpoch = epochSecondsOf(now) + IDEMPOTENCY_WINDOW_SECONDS;
  return { expiresAt: new Date(expiresAtEpoch * 1000).toISOString(), expiresAtEpoch };
}

/** DynamoDB's TTL deletes within days, not at once, so an expired record still there counts as absent. */
export const hasExpired = (record: Pick<IdempotencyRecord, 'expiresAtEpoch'>, now: Date): boolean => record.expiresAtEpoch <= epochSecondsOf(now);

/**
 * Added to the time a claim's request may still act, against the clocks of two Lambda hosts
 * disagreeing a little and the rounding of epoch seconds.
 */
export const LEASE_MARGIN_SECONDS = 5;

/**
 * How long a pending claim holds its key: as long as its request can still change anything, then
 * a margin. A function is stopped at its timeout, but a synchronous Express run it started is
 * assumed to go on to the run's own TimeoutSeconds (nothing in the StartSyncExecution reference says
 * a run stops when its caller goes away), and a function may start its last run just before it is
 * stopped: hence the function's timeout plus the longest workflow it runs. Runs of one request are
 * sequential, so the longest one bounds them.
 */
export function claimLeaseSeconds(functionTimeoutSeconds: number, workflowTimeoutSeconds: readonly number[] = []): number {
  return functionTimeoutSeconds + Math.max(0, ...workflowTimeoutSeconds) + LEASE_MARGIN_SECONDS;
}

/** When a claim made now stops holding its key, in epoch seconds like the record's expiry. */
export const leaseExpiryOf = (now: Date, leaseSeconds: number): number => epochSecondsOf(now) + leaseSeconds;

/**
 * Whether a request may take a pending claim over: its lease ran out (its request is dead) and
 * the body is the same. Another body is still told it reused the key: the claim's request may have
 * written before it died, and the key then stands for that body.
 */
export const mayTakeOver = (record: IdempotencyRecord, fingerprint: string, now: Date): boolean =>
  record.state === 'pending' && record.fingerprint === fingerprint && record.leaseExpiresAtEpoch <= epochSecondsOf(now);

/**
 * Whether a request of `fingerprint` may claim the key now: nothing live is there, or a dead
 * claim may be taken over. The store's conditional put states the same rule for DynamoDB.
 */
export const isClaimable = (record: IdempotencyRecord | undefined, fingerprint: string, now: Date): boolean =>
  record === undefined || record.state === 'released' || hasExpired(record, now) || mayTakeOver(record, fingerprint, now);

export class IdempotencyKeyReusedError extends ConflictError {
  constructor() {
    super(`This ${IDEMPOTENCY_HEADER} was used with another request body`);
    this.name = 'IdempotencyKeyReusedError';
  }
}

export class IdempotentRequestInProgressError extends ConflictError {
  constructor() {
    super('A request with this key is in progress');
    this.name = 'IdempotentRequestInProgressError';
  }
}

/**
 * A live record met by a request of the same key: its answer when the body is the same and the
 * first request completed; otherwise a 409 (another body, or the first still running). The body is
 * judged first, so a different body is told so whatever the first request's state. A pending claim
 * met here is alive (the store takes a dead one over instead).
 */
export function replayOf(record: IdempotencyRecord, fingerprint: string): StoredAnswer {
  // Never met (a released record is claimable): were it, the client's retry is what it needs.
  if (record.state === 'released') throw new IdempotentRequestInProgressError();
  if (record.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
  if (record.state === 'pending') throw new IdempotentRequestInProgressError();
  return { statusCode: record.statusCode, body: record.body };
}
