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
