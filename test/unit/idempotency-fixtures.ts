import { epochSecondsOf, expiryOf, isClaimable, leaseExpiryOf, type IdempotencyRecord } from '../../domain/idempotency';
import type { ItemKey } from '../../domain/keys';
import type { IdempotencyStore } from '../../handlers/shared/idempotency-store';
import { IdempotencyClaimLostError } from '../../handlers/shared/idempotency-store';

/**
 * An `IdempotencyStore` in memory with the table's semantics: a claim succeeds only where
 * `isClaimable` (the rule the DynamoDB condition states), each call atomic as a conditional write
 * on one item is; complete and release hold only while the claim is the caller's. The real store
 * on DynamoDB is exercised in test/local/idempotency.test.ts.
 */
export function memoryIdempotencyStore(options: { failComplete?: boolean } = {}) {
  const records = new Map<string, IdempotencyRecord>();
  const id = (key: ItemKey): string => `${key.PK}|${key.SK}`;
  let claims = 0;
  const held = (key: ItemKey, claimId: string): boolean => {
    const found = records.get(id(key));
    return found?.state === 'pending' && found.claimId === claimId;
  };
  const store: IdempotencyStore = {
    async claim(key, { fingerprint, now, leaseSeconds }) {
      const found = records.get(id(key)) as IdempotencyRecord | undefined;
      if (found && !isClaimable(found, fingerprint, now)) return { outcome: 'met', record: found };
      claims += 1;
      const claimId = `claim-${claims}`;
      records.set(id(key), { state: 'pending', fingerprint, claimId, leaseExpiresAtEpoch: leaseExpiryOf(now, leaseSeconds), expiresAtEpoch: expiryOf(now).expiresAtEpoch });
      return { outcome: 'claimed', claimId };
    },
    async complete(key, claimId, fingerprint, now, answer) {
      if (options.failComplete) throw new Error('table unavailable');
      if (!held(key, claimId)) throw new IdempotencyClaimLostError();
      records.set(id(key), { state: 'completed', fingerprint, expiresAtEpoch: expiryOf(now).expiresAtEpoch, ...answer });
    },
    async release(key, claimId, now) {
      // As the real store writes it: no fingerprint, claimable whatever the clock says.
      if (held(key, claimId)) records.set(id(key), { state: 'released', expiresAtEpoch: epochSecondsOf(now) });
    },
  };
  return { store, records };
}
