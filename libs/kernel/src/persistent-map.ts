// An immutable map whose `set` copies only one path of a fixed-depth 32-way trie (plus one small
// leaf), instead of the whole map: the wallet folds one event at a time over accounts with
// thousands of usages, and copying a Map per event made each command O(usages).
// It implements ReadonlyMap, so readers use it like a Map.

const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;
const DEPTH = 3; // 32^3 = 32768 leaves; a leaf holds the few keys that share a 15-bit hash prefix

type Leaf<K, V> = readonly (readonly [K, V])[];
type Node<K, V> = readonly (Node<K, V> | Leaf<K, V> | undefined)[];

function hash(key: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class PersistentMap<K extends string, V> implements ReadonlyMap<K, V> {
  private static readonly EMPTY = new PersistentMap<never, never>(undefined, 0);

  private constructor(private readonly root: Node<K, V> | undefined, readonly size: number) {}

  static empty<K extends string, V>(): PersistentMap<K, V> {
    return PersistentMap.EMPTY as unknown as PersistentMap<K, V>;
  }

  /**
   * The same map if it already is one; otherwise a copy of any iterable of entries (a later entry
   * for a key wins, as with set). Built in place, no path copied per entry: a snapshot restores
   * tens of thousands of usages at once.
   */
  static from<K extends string, V>(entries: Iterable<readonly [K, V]> | PersistentMap<K, V>): PersistentMap<K, V> {
    if (entries instanceof PersistentMap) return entries;
    let root: (Node<K, V> | Leaf<K, V> | undefined)[] | undefined;
    let size = 0;
    for (const [key, value] of entries) {
      const h = hash(key);
      root ??= new Array(WIDTH);
      let node = root;
      for (let level = 0; level < DEPTH - 1; level++) {
        const slot = (h >>> (level * BITS)) & MASK;
        node = (node[slot] ??= new Array(WIDTH)) as (Node<K, V> | Leaf<K, V> | undefined)[];
      }
      const slot = (h >>> ((DEPTH - 1) * BITS)) & MASK;
      const leaf = (node[slot] ??= []) as [K, V][];
      const i = leaf.findIndex(([k]) => k === key);
      if (i >= 0) leaf[i] = [key, value];
      else {
        leaf.push([key, value]);
        size++;
      }
    }
    return root ? new PersistentMap(root as Node<K, V>, size) : PersistentMap.empty<K, V>();
  }

  get(key: K): V | undefined {
    const leaf = this.leafOf(key);
    if (!leaf) return undefined;
    for (const [k, v] of leaf) if (k === key) return v;
    return undefined;
  }

  has(key: K): boolean {
    const leaf = this.leafOf(key);
    return !!leaf && leaf.some(([k]) => k === key);
  }

  set(key: K, value: V): PersistentMap<K, V> {
    const h = hash(key);
    let added = false;
    const write = (node: Node<K, V> | undefined, level: number): Node<K, V> | Leaf<K, V> => {
      if (level === DEPTH) {
        const leaf = (node as Leaf<K, V> | undefined) ?? [];
        const i = leaf.findIndex(([k]) => k === key);
        if (i < 0) {
          added = true;
          return [...leaf, [key, value]];
        }
        const copy = leaf.slice();
        copy[i] = [key, value];
        return copy;
      }
      const slot = (h >>> (level * BITS)) & MASK;
      const copy = node ? node.slice() : new Array<Node<K, V> | Leaf<K, V> | undefined>(WIDTH);
      copy[slot] = write(node?.[slot] as Node<K, V> | undefined, level + 1);
      return copy;
    };
    const root = write(this.root, 0) as Node<K, V>;
    return new PersistentMap(root, this.size + (added ? 1 : 0));
  }

  /** The map without `key` (this map when it has none): one path copied, emptied nodes dropped. */
  delete(key: K): PersistentMap<K, V> {
    if (!this.has(key)) return this;
    const h = hash(key);
    const write = (node: Node<K, V> | Leaf<K, V>, level: number): Node<K, V> | Leaf<K, V> | undefined => {
      if (level === DEPTH) {
        const leaf = (node as Leaf<K, V>).filter(([k]) => k !== key);
        return leaf.length ? leaf : undefined;
      }
      const slot = (h >>> (level * BITS)) & MASK;
      const copy = (node as Node<K, V>).slice();
      copy[slot] = write((node as Node<K, V>)[slot]!, level + 1);
      return copy.some((child) => child !== undefined) ? copy : undefined;
    };
    return new PersistentMap(write(this.root!, 0) as Node<K, V> | undefined, this.size - 1);
  }

  *entries(): MapIterator<[K, V]> {
    // Collected first: generators nested per level cost far more than the walk itself (a set of a few
    // open holds was iterated through ~700 delegated yields).
    const out: [K, V][] = [];
    const collect = (node: Node<K, V> | Leaf<K, V>, level: number): void => {
      if (level === DEPTH) {
        for (const [k, v] of node as Leaf<K, V>) out.push([k, v]);
        return;
      }
      for (let i = 0; i < WIDTH; i++) {
        const child = (node as Node<K, V>)[i];
        if (child !== undefined) collect(child, level + 1);
      }
    };
    if (this.root) collect(this.root, 0);
    yield* out;
  }

  *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    for (const [k, v] of this.entries()) callback(v, k, this);
  }

  private leafOf(key: K): Leaf<K, V> | undefined {
    const h = hash(key);
    let node: Node<K, V> | Leaf<K, V> | undefined = this.root;
    for (let level = 0; level < DEPTH && node; level++) node = (node as Node<K, V>)[(h >>> (level * BITS)) & MASK];
    return node as Leaf<K, V> | undefined;
  }
}

/**
 * An immutable set over PersistentMap (add and delete copy one path), iterated in insertion order
 * like a Set: each key keeps the sequence number it was added with, and iterating sorts by it.
 */
export class PersistentSet<K extends string> implements ReadonlySet<K> {
  private static readonly EMPTY = new PersistentSet<never>(PersistentMap.empty(), 0);

  private constructor(
    private readonly order: PersistentMap<K, number>,
    private readonly next: number,
  ) {}

  static empty<K extends string>(): PersistentSet<K> {
    return PersistentSet.EMPTY as unknown as PersistentSet<K>;
  }

  /** The same set if it already is one; otherwise the keys in iteration order. */
  static from<K extends string>(keys: Iterable<K> | PersistentSet<K>): PersistentSet<K> {
    if (keys instanceof PersistentSet) return keys;
    let set = PersistentSet.empty<K>();
    for (const k of keys) set = set.add(k);
    return set;
  }

  get size(): number {
    return this.order.size;
  }

  has(key: K): boolean {
    return this.order.has(key);
  }

  add(key: K): PersistentSet<K> {
    return this.order.has(key) ? this : new PersistentSet(this.order.set(key, this.next), this.next + 1);
  }

  delete(key: K): PersistentSet<K> {
    return this.order.has(key) ? new PersistentSet(this.order.delete(key), this.next) : this;
  }

  *values(): SetIterator<K> {
    const entries = [...this.order.entries()].sort((a, b) => a[1] - b[1]);
    for (const [k] of entries) yield k;
  }

  keys(): SetIterator<K> {
    return this.values();
  }

  *entries(): SetIterator<[K, K]> {
    for (const k of this.values()) yield [k, k];
  }

  [Symbol.iterator](): SetIterator<K> {
    return this.values();
  }

  forEach(callback: (value: K, key: K, set: ReadonlySet<K>) => void): void {
    for (const k of this.values()) callback(k, k, this);
  }
}
