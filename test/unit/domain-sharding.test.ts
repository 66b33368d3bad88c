import { randomUUID } from 'node:crypto';
import * as fc from 'fast-check';
import { DATA_SHARDS, mergeShardPages, shardOf, startOfEveryShard, type FanOutPosition, type ShardPage } from '../../domain/sharding';

/** A shard as DynamoDB answers a Query: its items in key order, from after a position, at most `limit`. */
function queryShard(items: readonly string[], position: FanOutPosition[number], limit: number): ShardPage<string> | undefined {
  if (position.state === 'done') return undefined;
  const sorted = [...items].sort();
  const from = position.state === 'after' ? sorted.filter((key) => key > position.after) : sorted;
  const page = from.slice(0, limit);
  return { items: page.map((key) => ({ sortKey: key, value: key })), more: from.length > limit };
}

/**
 * A shard as DynamoDB answers a Query with a filter: `limit` items are evaluated, only those the
 * filter keeps come back, and LastEvaluatedKey says where the read stopped.
 */
function queryShardFiltered(items: readonly string[], position: FanOutPosition[number], limit: number, keep: (key: string) => boolean): ShardPage<string> | undefined {
  if (position.state === 'done') return undefined;
  const sorted = [...items].sort();
  const from = position.state === 'after' ? sorted.filter((key) => key > position.after) : sorted;
  const evaluated = from.slice(0, limit);
  const more = from.length > limit;
  return {
    items: evaluated.filter(keep).map((key) => ({ sortKey: key, value: key })),
    more,
    ...(more ? { through: evaluated.at(-1) } : {}),
  };
}

/** Pages through every shard as a list route would, until the merge says there is no next page. */
function listAll(shards: readonly (readonly string[])[], limit: number, keep?: (key: string) => boolean): string[][] {
  const pages: string[][] = [];
  let position: FanOutPosition | null = startOfEveryShard(shards.length);
  while (position !== null) {
    const current: FanOutPosition = position;
    const query = (items: readonly string[], shard: number) => {
      const at = current[shard] ?? { state: 'done' as const };
      return keep ? queryShardFiltered(items, at, limit, keep) : queryShard(items, at, limit);
    };
    const merged = mergeShardPages(current, shards.map(query), limit);
    if (pages.length > 10_000) throw new Error('the merge made no progress');
    pages.push([...merged.items]);
    position = merged.next;
  }
  return pages;
}

describe('the shard of an item', () => {
  it('is derived from its id alone, the same every time', () => {
    const id = randomUUID();

    expect(shardOf(id)).toBe(shardOf(id));
    expect(shardOf(id)).toBeGreaterThanOrEqual(0);
    expect(shardOf(id)).toBeLessThan(DATA_SHARDS);
  });

  it('spreads random ids evenly: every shard within ±20 % of an equal share', () => {
    const counts = new Array<number>(DATA_SHARDS).fill(0);
    const ids = 10_000;

    for (let index = 0; index < ids; index += 1) {
      const shard = shardOf(randomUUID());
      counts[shard] = (counts[shard] ?? 0) + 1;
    }

    const share = ids / DATA_SHARDS;
    for (const count of counts) expect(Math.abs(count - share) / share).toBeLessThan(0.2);
  });
});

describe('a list merged over every shard', () => {
  it('serves every item once, in order, across pages, whatever the shards hold and the page size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 12 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 7 }),
        (perShard, limit) => {
          // Keys are unique across shards, as ids are: a shard's key carries its item's id.
          const shards = perShard.map((keys, shard) => keys.map((key) => `${key}~${shard}`));

          const pages = listAll(shards, limit);

          expect(pages.flat()).toEqual(shards.flat().sort());
          expect(pages.every((page) => page.length <= limit)).toBe(true);
          expect(pages.slice(0, -1).every((page) => page.length === limit)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('serves every item a filter keeps once, in order, when shards answer short pages', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 12 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 7 }),
        fc.func(fc.boolean()),
        (perShard, limit, keepFunction) => {
          const shards = perShard.map((keys, shard) => keys.map((key) => `${key}~${shard}`));
          const keep = (key: string): boolean => keepFunction(key);

          const pages = listAll(shards, limit, keep);

          expect(pages.flat()).toEqual(shards.flat().filter(keep).sort());
          expect(pages.every((page) => page.length <= limit)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ends with no next page once every shard is read to its end, and says nothing of shards already done', () => {
    const shards = [['a', 'c'], [], ['b']];

    const first = mergeShardPages(startOfEveryShard(3), shards.map((items) => queryShard(items, { state: 'start' }, 2)), 2);

    expect(first.items).toEqual(['a', 'b']);
    expect(first.next).toEqual([{ state: 'after', after: 'a' }, { state: 'done' }, { state: 'done' }]);
    const second = mergeShardPages(first.next ?? [], [queryShard(shards[0] ?? [], { state: 'after', after: 'a' }, 2), undefined, undefined], 2);
    expect(second).toEqual({ items: ['c'], next: null });
  });
});
