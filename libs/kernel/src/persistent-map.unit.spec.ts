import fc from 'fast-check';
import { PersistentMap } from './persistent-map';

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

  it('is built from a Map, and from itself without copying', () => {
    const map = PersistentMap.from(new Map([['a', 1], ['b', 2]]));
    expect([...map.entries()].sort()).toEqual([['a', 1], ['b', 2]]);
    expect(PersistentMap.from(map)).toBe(map);
  });
});
