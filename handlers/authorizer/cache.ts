/**
 * A map whose entries expire. One Lambda instance can see many users over its life, so the map is
 * bounded: when full, the entry written longest ago goes first. A capacity of 0 keeps nothing,
 * which is how the authorizer runs with caching turned off.
 */
export class ExpiringCache<K, V> {
  private readonly entries = new Map<K, { readonly value: V; readonly expiresAt: number }>();

  constructor(
    private readonly capacity: number,
    private readonly now: () => number,
  ) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** `expiresAt` in epoch milliseconds; `Infinity` keeps the entry until it is evicted. */
  set(key: K, value: V, expiresAt: number): void {
    this.entries.delete(key);
    if (this.capacity <= 0 || expiresAt <= this.now()) return;
    this.entries.set(key, { value, expiresAt });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
