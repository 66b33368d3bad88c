import fc from 'fast-check';
import { ConflictError, ValidationError } from '../../domain/errors';
import {
  canonicalJson,
  claimLeaseSeconds,
  expiryOf,
  hasExpired,
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_WINDOW_SECONDS,
  idempotencyKeyOf,
  IdempotencyKeyReusedError,
  IdempotentRequestInProgressError,
  isClaimable,
  LEASE_MARGIN_SECONDS,
  leaseExpiryOf,
  mayTakeOver,
  replayOf,
  requestFingerprint,
  type IdempotencyRecord,
} from '../../domain/idempotency';
import { ANY_USER_IDEMPOTENCY_PARTITION, controlIdempotencyKey, idempotencyKey, profileKey, SORT_KEY, tenantPartition, userIdempotencyKey, userLimitsKey } from '../../domain/keys';
import { FUNCTIONS } from '../../handlers/catalog';
import { WORKFLOWS } from '../../workflows/registry';

/** The same members in the reverse order, recursively: what a client library may send on a retry. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([name, member]) => [name, reversed(member)]),
    );
  }
  return value;
}

const validationOf = (read: () => unknown): ValidationError => {
  try {
    read();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('the Idempotency-Key header', () => {
  it('is read whatever the case of its name', () => {
    const spellings = ['Idempotency-Key', 'idempotency-key', 'IDEMPOTENCY-KEY'];

    const keys = spellings.map((name) => idempotencyKeyOf({ [name]: 'k-1' }));

    expect(keys).toEqual(['k-1', 'k-1', 'k-1']);
  });

  it('is absent when no header names it', () => {
    expect(idempotencyKeyOf({ 'content-type': 'application/json' })).toBeUndefined();
    expect(idempotencyKeyOf(null)).toBeUndefined();
    expect(idempotencyKeyOf(undefined)).toBeUndefined();
  });

  it('accepts every printable ASCII key of 1 to 255 characters', () => {
    fc.assert(fc.property(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 255 }), (key) => idempotencyKeyOf({ 'Idempotency-Key': key }) === key));
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['a control character', 'key\n'],
    ['a non-ASCII character', 'clé'],
  ])('refuses a key that is %s with a 400 naming the header', (_, key) => {
    const error = validationOf(() => idempotencyKeyOf({ 'idempotency-key': key }));

    expect(error.details.map((detail) => detail.field)).toEqual([IDEMPOTENCY_HEADER]);
  });
});

describe('the request fingerprint', () => {
  it('ignores whitespace and member order of the parsed JSON body', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const compact = JSON.stringify(value);
        const spaced = JSON.stringify(reversed(value), null, 2);

        return requestFingerprint(compact) === requestFingerprint(spaced);
      }),
    );
  });

  it('tells apart bodies whose parsed values differ', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (one, other) => {
        fc.pre(canonicalJson(one) !== canonicalJson(other));

        return requestFingerprint(JSON.stringify(one)) !== requestFingerprint(JSON.stringify(other));
      }),
    );
  });

  it('tells a body that is not JSON from every JSON body, and from no body', () => {
    const fingerprints = [requestFingerprint('{"a":'), requestFingerprint('"{\\"a\\":"'), requestFingerprint(null), requestFingerprint('null')];

    expect(new Set(fingerprints).size).toBe(4);
  });

  it('leaves out the members a route names (a credential), and nothing else', () => {
    const first = requestFingerprint('{"name":"Blue Sky","refreshToken":"r-1"}', ['refreshToken']);

    expect(requestFingerprint('{"refreshToken":"r-2","name":"Blue Sky"}', ['refreshToken'])).toBe(first);
    expect(requestFingerprint('{"name":"Blue Sky"}', ['refreshToken'])).toBe(first);
    expect(requestFingerprint('{"name":"Red Sky","refreshToken":"r-1"}', ['refreshToken'])).not.toBe(first);
    expect(requestFingerprint('{"name":"Blue Sky","refreshToken":"r-1"}')).not.toBe(first);
  });

  it('is a SHA-256 in hex', () => {
    expect(requestFingerprint('{}')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('the 24-hour window', () => {
  const now = new Date('2026-12-01T12:00:00.500Z');

  it('ends 24 h after the record was made, in epoch seconds for the table TTL', () => {
    const expiry = expiryOf(now);

    expect(expiry.expiresAtEpoch).toBe(Math.floor(now.getTime() / 1000) + IDEMPOTENCY_WINDOW_SECONDS);
    expect(expiry.expiresAt).toBe('2026-12-02T12:00:00.000Z');
  });

  it('counts a record as gone from its expiry on, though the TTL has not deleted it', () => {
    const { expiresAtEpoch } = expiryOf(now);

    expect(hasExpired({ expiresAtEpoch }, new Date((expiresAtEpoch - 1) * 1000))).toBe(false);
    expect(hasExpired({ expiresAtEpoch }, new Date(expiresAtEpoch * 1000))).toBe(true);
  });
});

describe('the lease of a pending claim', () => {
  const now = new Date('2026-12-01T12:00:00.000Z');
  const fingerprint = requestFingerprint('{"name":"Blue Sky"}');
  const claimedAt = (leaseSeconds: number): IdempotencyRecord => ({
    state: 'pending',
    fingerprint,
    claimId: 'c1',
    leaseExpiresAtEpoch: leaseExpiryOf(now, leaseSeconds),
    expiresAtEpoch: expiryOf(now).expiresAtEpoch,
  });
  const later = (seconds: number): Date => new Date(now.getTime() + seconds * 1000);

  it("outlasts the route's function, and every workflow run it may have started just before it was stopped", () => {
    const tenants = claimLeaseSeconds(FUNCTIONS.createTenant.timeoutSeconds, [WORKFLOWS.onboarding.timeoutSeconds]);

    expect(tenants).toBe(FUNCTIONS.createTenant.timeoutSeconds + WORKFLOWS.onboarding.timeoutSeconds + LEASE_MARGIN_SECONDS);
    expect(claimLeaseSeconds(FUNCTIONS.createAircraft.timeoutSeconds)).toBe(FUNCTIONS.createAircraft.timeoutSeconds + LEASE_MARGIN_SECONDS);
    expect(claimLeaseSeconds(10, [25, 5])).toBe(10 + 25 + LEASE_MARGIN_SECONDS);
  });

  it('holds the key against every request until it ends', () => {
    const record = claimedAt(59);

    expect(isClaimable(record, fingerprint, later(58))).toBe(false);
    expect(mayTakeOver(record, fingerprint, later(58))).toBe(false);
  });

  it('lets a request of the same body take the claim over from its end on', () => {
    const record = claimedAt(59);

    expect(mayTakeOver(record, fingerprint, later(59))).toBe(true);
    expect(isClaimable(record, fingerprint, later(59))).toBe(true);
  });

  it('never lets another body take a dead claim over', () => {
    const record = claimedAt(59);

    expect(isClaimable(record, requestFingerprint('{"name":"Red Sky"}'), later(3600))).toBe(false);
  });

  it('is no way into a completed record: its answer stands for the whole window', () => {
    const completed: IdempotencyRecord = { state: 'completed', fingerprint, statusCode: 201, body: '{}', expiresAtEpoch: expiryOf(now).expiresAtEpoch };

    expect(mayTakeOver(completed, fingerprint, later(3600))).toBe(false);
    expect(isClaimable(completed, fingerprint, later(IDEMPOTENCY_WINDOW_SECONDS - 1))).toBe(false);
    expect(isClaimable(completed, fingerprint, later(IDEMPOTENCY_WINDOW_SECONDS))).toBe(true);
  });

  it('leaves a key nobody holds claimable', () => {
    expect(isClaimable(undefined, fingerprint, now)).toBe(true);
  });
});

describe('a request meeting the record of its key', () => {
  const fingerprint = requestFingerprint('{"seats":4}');
  const completed: IdempotencyRecord = { state: 'completed', fingerprint, expiresAtEpoch: 1, statusCode: 201, body: '{"aircraft":{}}' };
  const pending: IdempotencyRecord = { state: 'pending', fingerprint, expiresAtEpoch: 1, leaseExpiresAtEpoch: 1, claimId: 'c1' };

  it('gets the first answer when its body is the same and the first request completed', () => {
    expect(replayOf(completed, fingerprint)).toEqual({ statusCode: 201, body: '{"aircraft":{}}' });
  });

  it('is a conflict while the first request is in progress', () => {
    expect(() => replayOf(pending, fingerprint)).toThrow(IdempotentRequestInProgressError);
    expect(() => replayOf(pending, fingerprint)).toThrow('A request with this key is in progress');
  });

  it('is a conflict with another body, whatever the first request state', () => {
    const other = requestFingerprint('{"seats":2}');

    for (const record of [completed, pending]) expect(() => replayOf(record, other)).toThrow(IdempotencyKeyReusedError);
    expect(new IdempotencyKeyReusedError()).toBeInstanceOf(ConflictError);
  });
});

describe('the key of an Idempotency-Key record', () => {
  it('lies in a data partition of the tenant, scoped to the caller and the route', () => {
    const key = idempotencyKey('t1', 'u1', 'CreateAircraft', 'k-1');

    expect(key.PK.startsWith(`${tenantPartition('t1')}#IDEMPOTENCY#`)).toBe(true);
    expect(key.SK).toBe('KEY#u1#CreateAircraft#k-1');
    expect(idempotencyKey('t1', 'u2', 'CreateAircraft', 'k-1').SK).not.toBe(key.SK);
    expect(idempotencyKey('t1', 'u1', 'CreateReservation', 'k-1').SK).not.toBe(key.SK);
  });

  it('keeps a separator in the client key inside its own part', () => {
    expect(idempotencyKey('t1', 'u1', 'CreateAircraft', 'a#b').SK).toBe('KEY#u1#CreateAircraft#a%23b');
  });
});

describe('the key of a control-plane Idempotency-Key record', () => {
  it("lies in the tenant's control partition, scoped to the caller and the route, beside no other kind of item", () => {
    const key = controlIdempotencyKey('t1', 'u1', 'CreateRole', 'a#b');

    expect(key).toEqual({ PK: tenantPartition('t1'), SK: 'IDEMPOTENCY#u1#CreateRole#a%23b' });
    expect(controlIdempotencyKey('t1', 'u2', 'CreateRole', 'a#b').SK).not.toBe(key.SK);
    expect([SORT_KEY.memberPrefix, SORT_KEY.rolePrefix, SORT_KEY.invitationPrefix].some((prefix) => key.SK.startsWith(prefix))).toBe(false);
  });
});

describe("the key of a user's own Idempotency-Key record (POST /tenants)", () => {
  it("lies in the user's idempotency partition, scoped to the route, the client key encoded", () => {
    const key = userIdempotencyKey('u1', 'CreateTenant', 'a#b');

    expect(key).toEqual({ PK: 'USER#u1#IDEMPOTENCY', SK: 'KEY#CreateTenant#a%23b' });
    expect(userIdempotencyKey('u2', 'CreateTenant', 'a#b').PK).not.toBe(key.PK);
  });

  it("is matched by the grant's partition pattern, which matches no profile or limits partition", () => {
    const matches = (partition: string): boolean => new RegExp(`^${ANY_USER_IDEMPOTENCY_PARTITION.split('*').map((text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(partition);

    expect(matches(userIdempotencyKey('u1', 'CreateTenant', 'k').PK)).toBe(true);
    expect([profileKey('u1').PK, userLimitsKey('u1').PK, tenantPartition('t1')].some(matches)).toBe(false);
  });
});
