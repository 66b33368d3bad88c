import { ExpiringCache } from '../../handlers/authorizer/cache';

describe("the authorizer's expiring cache", () => {
  it('forgets an entry when it expires', () => {
    let clock = 1_000;
    const cache = new ExpiringCache<string, number>(10, () => clock);
    cache.set('a', 1, 2_000);

    clock = 1_999;
    const before = cache.get('a');
    clock = 2_000;

    expect(before).toBe(1);
    expect(cache.get('a')).toBeUndefined();
  });

  it('evicts the entry written longest ago when full', () => {
    const cache = new ExpiringCache<string, number>(2, () => 0);
    cache.set('a', 1, Infinity);
    cache.set('b', 2, Infinity);
    cache.set('a', 3, Infinity);

    cache.set('c', 4, Infinity);

    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.size]).toEqual([3, undefined, 4, 2]);
  });

  it('keeps nothing with a capacity of 0 or an expiry already past', () => {
    const empty = new ExpiringCache<string, number>(0, () => 0);
    const cache = new ExpiringCache<string, number>(5, () => 100);

    empty.set('a', 1, Infinity);
    cache.set('a', 1, 100);

    expect([empty.get('a'), cache.get('a'), empty.size, cache.size]).toEqual([undefined, undefined, 0, 0]);
  });
});
