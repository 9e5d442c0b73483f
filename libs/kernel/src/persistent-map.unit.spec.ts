import fc from 'fast-check';
import { PersistentMap, PersistentSet } from './persistent-map';

describe('PersistentMap', () => {
  it('behaves like a Map under any sequence of sets, and never changes an earlier version', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 300 }), (writes) => {
        const reference = new Map<string, number>();
        let map = PersistentMap.empty<string, number>();
        const versions: [PersistentMap<string, number>, Map<string, number>][] = [];
        for (const [k, v] of writes) {
          map = map.set(k, v);
          reference.set(k, v);
          versions.push([map, new Map(reference)]);
        }
        for (const [version, expected] of versions) {
          expect(version.size).toBe(expected.size);
          expect(new Map(version)).toEqual(expected);
          for (const [k, v] of expected) {
            expect(version.get(k)).toBe(v);
            expect(version.has(k)).toBe(true);
          }
        }
        expect(map.get('\u0000absent')).toBeUndefined();
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('keeps thousands of keys that share hash prefixes apart', () => {
    let map = PersistentMap.empty<string, number>();
    for (let i = 0; i < 50_000; i++) map = map.set(`usage-${i}`, i);
    expect(map.size).toBe(50_000);
    for (let i = 0; i < 50_000; i += 997) expect(map.get(`usage-${i}`)).toBe(i);
    expect([...map.keys()].length).toBe(50_000);
  });

  it('built from entries at once, holds what the same sets would, and later versions leave it untouched', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 300 }),
        fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 30 }),
        (entries, later) => {
          const built = PersistentMap.from(entries);
          const expected = new Map(entries);
          expect(built.size).toBe(expected.size);
          expect(new Map(built)).toEqual(expected);
          let next = built;
          for (const [k, v] of later) next = v % 3 === 0 ? next.delete(k) : next.set(k, v);
          expect(new Map(built)).toEqual(expected);
          const reference = new Map(expected);
          for (const [k, v] of later) v % 3 === 0 ? reference.delete(k) : reference.set(k, v);
          expect(new Map(next)).toEqual(reference);
          expect(next.size).toBe(reference.size);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it('is built from a Map, and from itself without copying', () => {
    const map = PersistentMap.from(new Map([['a', 1], ['b', 2]]));
    expect([...map.entries()].sort()).toEqual([['a', 1], ['b', 2]]);
    expect(PersistentMap.from(map)).toBe(map);
  });
});

describe('PersistentMap.delete and PersistentSet', () => {
  const ops = fc.array(fc.record({ add: fc.boolean(), key: fc.string({ maxLength: 3 }) }), { maxLength: 300 });

  it('delete leaves the map as a Map would, and the map it came from untouched', () => {
    fc.assert(
      fc.property(ops, (steps) => {
        let map = PersistentMap.empty<string, number>();
        const model = new Map<string, number>();
        steps.forEach(({ add, key }, i) => {
          const before = map;
          const beforeEntries = [...before].sort();
          if (add) {
            map = map.set(key, i);
            model.set(key, i);
          } else {
            map = map.delete(key);
            model.delete(key);
          }
          expect([...before].sort()).toEqual(beforeEntries);
          expect(map.size).toBe(model.size);
          expect(map.has(key)).toBe(model.has(key));
        });
        expect([...map].sort()).toEqual([...model].sort());
      }),
      { seed: 21, numRuns: 200 },
    );
  });

  it('PersistentSet holds and iterates what a Set would, in insertion order', () => {
    fc.assert(
      fc.property(ops, (steps) => {
        let set = PersistentSet.empty<string>();
        const model = new Set<string>();
        for (const { add, key } of steps) {
          const before = set;
          const beforeKeys = [...before];
          set = add ? set.add(key) : set.delete(key);
          if (add) model.add(key);
          else model.delete(key);
          expect([...before]).toEqual(beforeKeys);
          expect(set.has(key)).toBe(model.has(key));
        }
        expect(set.size).toBe(model.size);
        expect([...set]).toEqual([...model]);
        expect([...PersistentSet.from(model)]).toEqual([...model]);
      }),
      { seed: 22, numRuns: 200 },
    );
  });
});

// The order the trie iterates in, spelled out: by slot at level 0 (h & 31), then 1, then 2 of the
// FNV-1a hash; keys of one leaf (equal orders) in the order they came in, a replaced one keeping
// its place and a deleted one losing it. A small map is flat, a large one a trie: both must match.
describe('PersistentMap iteration order, flat (small) and trie (large) alike', () => {
  const fnv1a = (key: string): number => {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return h >>> 0;
  };
  const trieOrder = (key: string): number => {
    const h = fnv1a(key);
    return ((h & 31) << 10) | (((h >>> 5) & 31) << 5) | ((h >>> 10) & 31);
  };

  /** Entries sorted by (trie order, when the key came in); a replaced value keeps its key's turn. */
  class OrderModel {
    private readonly turns = new Map<string, { value: number; turn: number }>();
    private clock = 0;
    set(key: string, value: number): void {
      const held = this.turns.get(key);
      this.turns.set(key, { value, turn: held ? held.turn : this.clock++ });
    }
    delete(key: string): void {
      this.turns.delete(key);
    }
    entries(): [string, number][] {
      return [...this.turns]
        .sort(([a, x], [b, y]) => trieOrder(a) - trieOrder(b) || x.turn - y.turn)
        .map(([k, { value }]) => [k, value]);
    }
  }

  // Keys that share a leaf (equal trie orders, found by search) and keys that do not, so that ties,
  // replacements in place and re-adds after a delete all happen, flat and in the trie.
  const byOrder = new Map<number, string[]>();
  for (let i = 0; i < 200_000; i++) {
    const key = `k${i}`;
    const order = trieOrder(key);
    byOrder.set(order, [...(byOrder.get(order) ?? []), key]);
  }
  const leaves = [...byOrder.values()].filter((keys) => keys.length >= 3).slice(0, 4).map((keys) => keys.slice(0, 3));
  // 32 keys in all: a map of most of them is well past the flat size (16).
  const loners = ['', 'a', 'b', 'lot-1', 'lot-2', 'hold:u1', 'hold:u2', 'member-9', ...Array.from({ length: 12 }, (_, i) => `usage-${i}`)];
  const pool = [...leaves.flat(), ...loners];

  // Compared as JSON, and through Jest only when they differ (for the message): an expect per
  // step made the properties slow.
  const expectSameAs = (map: PersistentMap<string, number>, model: OrderModel, reference: Map<string, number>): void => {
    const expected = model.entries();
    const visited: [string, number][] = [];
    map.forEach((v, k, self) => visited.push([self === map ? k : 'another map', v]));
    const actual = {
      entries: [...map.entries()],
      iterated: [...map],
      keys: [...map.keys()],
      values: [...map.values()],
      visited,
      size: map.size,
      contents: [...new Map(map)].sort(),
      found: pool.map((key) => [map.get(key) ?? 'none', map.has(key)]),
    };
    const wanted = {
      entries: expected,
      iterated: expected,
      keys: expected.map(([k]) => k),
      values: expected.map(([, v]) => v),
      visited: expected,
      size: reference.size,
      contents: [...reference].sort(),
      found: pool.map((key) => [reference.get(key) ?? 'none', reference.has(key)]),
    };
    if (JSON.stringify(actual) !== JSON.stringify(wanted)) expect(actual).toEqual(wanted);
  };

  it('the key pool has leaves of three keys and keys alone in theirs', () => {
    expect(leaves).toHaveLength(4);
    for (const keys of leaves) expect(new Set(keys.map(trieOrder)).size).toBe(1);
    expect(new Set(pool.map(trieOrder)).size).toBe(leaves.length + loners.length);
  });

  const key = fc.constantFrom(...pool);
  const step = fc.record({ remove: fc.boolean(), key, value: fc.integer() });
  // Phases that mostly add or mostly delete: the size swings between ~6 and ~26, across the flat size
  // (16, or anything between) both ways many times. size: 'max', or fast-check draws at most 10 of each.
  const phase = fc.tuple(fc.boolean(), fc.array(fc.tuple(key, fc.integer({ min: 0, max: 9 }), fc.integer()), { minLength: 10, maxLength: 40, size: 'max' }));
  const swinging = fc
    .array(phase, { maxLength: 8, size: 'max' })
    .map((phases) => phases.flatMap(([grow, steps]) => steps.map(([k, dice, value]) => ({ key: k, value, remove: dice < (grow ? 2 : 8) }))));

  it('any sequence of sets and deletes, growing past the flat size and back, iterates in trie order after every step', () => {
    const levels = [8, 12, 16, 20];
    const crossedDown = new Map(levels.map((level) => [level, 0]));
    fc.assert(
      fc.property(swinging, (steps) => {
        let map = PersistentMap.empty<string, number>();
        const model = new OrderModel();
        const reference = new Map<string, number>();
        const versions: [PersistentMap<string, number>, [string, number][]][] = [];
        for (const { remove, key, value } of steps) {
          const before = map;
          if (remove) {
            map = map.delete(key);
            model.delete(key);
            if (!reference.has(key)) expect(map).toBe(before);
            reference.delete(key);
          } else {
            map = map.set(key, value);
            model.set(key, value);
            reference.set(key, value);
          }
          expectSameAs(map, model, reference);
          for (const level of levels) if (before.size > level && map.size === level) crossedDown.set(level, crossedDown.get(level)! + 1);
          versions.push([map, model.entries()]);
        }
        const changed = versions.filter(([version, entries]) => JSON.stringify([...version]) !== JSON.stringify(entries));
        expect(changed).toEqual([]); // no later step changed an earlier version
      }),
      { seed: 31, numRuns: 150 },
    );
    expect([...crossedDown].filter(([, times]) => times < 50)).toEqual([]); // each size was come down to often
  });

  it('from iterates as the same sets would (a later entry for a key wins, in the first one\'s place), and sets and deletes on it too', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...pool), fc.integer()), { maxLength: 40, size: 'max' }),
        fc.array(step, { maxLength: 60, size: 'max' }),
        (entries, steps) => {
          const model = new OrderModel();
          const reference = new Map<string, number>();
          for (const [k, v] of entries) {
            model.set(k, v);
            reference.set(k, v);
          }
          let map = PersistentMap.from(entries);
          expectSameAs(map, model, reference);
          expect(map).toEqual(entries.reduce((m, [k, v]) => m.set(k, v), PersistentMap.empty<string, number>()));
          for (const { remove, key, value } of steps) {
            map = remove ? map.delete(key) : map.set(key, value);
            if (remove) {
              model.delete(key);
              reference.delete(key);
            } else {
              model.set(key, value);
              reference.set(key, value);
            }
            expectSameAs(map, model, reference);
          }
        },
      ),
      { seed: 32, numRuns: 300 },
    );
  });

  it('a map grown by sets from flat into a trie, and shrunk back, is the map from builds of the same entries', () => {
    let grown = PersistentMap.empty<string, number>();
    const sizes: PersistentMap<string, number>[] = [];
    pool.forEach((key, i) => {
      grown = grown.set(key, i);
      const entries = pool.slice(0, i + 1).map((k, j): [string, number] => [k, j]);
      const built = PersistentMap.from(entries);
      expect([...grown]).toEqual([...built]);
      expect(grown).toEqual(built); // same form, field by field
      sizes.push(grown);
    });
    let shrunk = grown;
    for (let i = pool.length - 1; i > 0; i--) {
      shrunk = shrunk.delete(pool[i]);
      expect([...shrunk]).toEqual([...sizes[i - 1]]);
      expect(shrunk).toEqual(sizes[i - 1]);
    }
  });

  it('a key of a shared leaf keeps its place when replaced and goes last when added again, flat and in the trie', () => {
    const [a, b, c] = leaves[0];
    const others = loners.map((k, i): [string, number] => [k, i]); // 23 entries with a, b and c: a trie
    for (const filler of [[], others]) {
      let map = PersistentMap.from<string, number>([...filler, [a, 1], [b, 2], [c, 3]]);
      map = map.set(a, 10).delete(b).set(b, 20);
      const leaf = [...map].filter(([k]) => leaves[0].includes(k));
      expect(leaf).toEqual([[a, 10], [c, 3], [b, 20]]);
    }
  });
});
