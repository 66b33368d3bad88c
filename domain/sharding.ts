/**
 * Write sharding of a tenant's data partitions (`TENANT#{tenantId}#{kind}#{shard}`, keys.ts), and
 * the merge that makes a list over every shard read as one ordered list.
 *
 * How to choose the shard count: one DynamoDB partition takes at most 1,000 write units and 3,000
 * read units a second, so a tenant whose busiest kind may see W writes a second at peak needs at
 * least ceil(W / 1000) shards, with headroom (adaptive capacity helps, but not at once). Every list
 * costs one Query per shard, so more shards make lists dearer: 8 serves a tenant up to a few
 * thousand writes a second per kind, and costs 8 small parallel queries per list page. Changing the
 * count moves items (the shard is derived from the id): it is a data migration, not a setting.
 */

export const DATA_SHARDS = 8;

/**
 * The shard of an item, derived from its id alone, so that a get reads one partition. FNV-1a over
 * the id's UTF-16 code units: fast, pure, and uniform enough for random ids (UUIDs); it is no
 * defence against ids chosen to collide, which callers never choose (ids are generated).
 */
export function shardOf(id: string, shards: number = DATA_SHARDS): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index += 1) {
    hash ^= id.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** Where a list stands in one shard: not read yet, read up to and including `after`, or read to its end. */
export type ShardPosition = { readonly state: 'start' } | { readonly state: 'after'; readonly after: string } | { readonly state: 'done' };

/** Where a list stands in every shard, by shard number. */
export type FanOutPosition = readonly ShardPosition[];

export const startOfEveryShard = (shards: number = DATA_SHARDS): FanOutPosition => Array.from({ length: shards }, () => ({ state: 'start' }) as const);

/**
 * One shard's answer to a page's query: its items in order, and whether it holds more after them.
 * `through` is where the shard's read stopped (DynamoDB's LastEvaluatedKey) when it holds more: a
 * query with a filter, or one that met DynamoDB's 1 MB page, may stop with fewer items than asked
 * for, and everything up to `through` it has judged.
 */
export interface ShardPage<T> {
  readonly items: readonly { readonly sortKey: string; readonly value: T }[];
  readonly more: boolean;
  readonly through?: string;
}

export interface MergedPage<T> {
  readonly items: readonly T[];
  /** Where the next page starts, or null when every shard has been read to its end. */
  readonly next: FanOutPosition | null;
}

/** The sort key up to which every shard that holds more has been read: nothing past it may be served yet. */
function readBound<T>(pages: readonly (ShardPage<T> | undefined)[]): string | undefined {
  let bound: string | undefined;
  for (const page of pages) {
    if (!page?.more) continue;
    const through = page.through ?? page.items.at(-1)?.sortKey;
    if (through === undefined) continue;
    if (bound === undefined || through < bound) bound = through;
  }
  return bound;
}

/**
 * One ordered page of at most `limit` items out of every shard's page, each shard queried for
 * `limit` items from its own position. Items are taken smallest sort key first (ties by shard, so
 * the order is total), and none past the point where a shard that holds more stopped reading (an
 * item it has not read yet could come before). A shard whose items were all taken moves to where
 * its read stopped, or is done when it holds no more; otherwise it moves to the last item taken
 * from it. Every item is served once across pages, in order, whatever the shards hold and however
 * short their pages are (a property test checks it); every page moves at least one shard forward.
 */
export function mergeShardPages<T>(position: FanOutPosition, pages: readonly (ShardPage<T> | undefined)[], limit: number): MergedPage<T> {
  const bound = readBound(pages);
  const candidates = pages
    .flatMap((page, shard) => (page?.items ?? []).map((item) => ({ ...item, shard })))
    .filter((item) => bound === undefined || item.sortKey <= bound);
  candidates.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : a.shard - b.shard));
  const taken = candidates.slice(0, limit);
  const next = position.map((current, shard): ShardPosition => {
    if (current.state === 'done') return current;
    const page = pages[shard];
    if (page === undefined) return current;
    const fromShard = taken.filter((item) => item.shard === shard);
    const last = fromShard.at(-1);
    if (fromShard.length === page.items.length) {
      if (!page.more) return { state: 'done' };
      const through = page.through ?? last?.sortKey;
      return through === undefined ? current : { state: 'after', after: through };
    }
    return last === undefined ? current : { state: 'after', after: last.sortKey };
  });
  return { items: taken.map((item) => item.value), next: next.every((shard) => shard.state === 'done') ? null : next };
}
