// An immutable map whose `set` copies only one path of a fixed-depth 32-way trie (plus one small
// leaf), instead of the whole map: the wallet folds one event at a time over accounts with
// thousands of usages, and copying a Map per event made each command O(usages).
// Most maps hold a handful of entries (an account's lots, open holds, members), and copying three
// 32-slot nodes per `set` of those was ~15% of the bytes a rebuild allocated: up to FLAT_MAX
// entries the map is one flat array instead, kept in the order the trie would iterate, so which
// form a map has never shows (iteration order included: events are replayed and snapshots list
// entries). The form follows from the size alone (flat iff size <= FLAT_MAX), so equal maps are
// alike field by field too (Jest's toEqual compares the fields).
// It implements ReadonlyMap, so readers use it like a Map.

const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;
const DEPTH = 3; // 32^3 = 32768 leaves; a leaf holds the few keys that share a 15-bit hash prefix
// Measured: up to 16 entries a flat get (a scan of the keys) is no slower than the trie's, and a flat
// set allocates under 40% of a trie set (whose three 32-slot copies do not shrink with the map).
// The price is paid at the border: a map going 16 -> 17 -> 16 builds a trie and drops it again.
const FLAT_MAX = 16;
const STRIDE = 3; // flat: [order, key, value, order, key, value, ...]

type Leaf<K, V> = readonly (readonly [K, V])[];
type Node<K, V> = readonly (Node<K, V> | Leaf<K, V> | undefined)[];
type Building = (Building | [string, unknown][] | undefined)[];
/** Sorted by trie order; equal orders (one leaf) in insertion order, as the leaf holds them. */
type Flat = readonly unknown[];

function hash(key: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Where the trie iterates a key's leaf: its slot at level 0 is the most significant digit, so
 * sorting by this number is walking the trie. It holds all the trie uses of the hash (15 bits).
 */
function trieOrder(h: number): number {
  let order = 0;
  for (let level = 0; level < DEPTH; level++) order = (order << BITS) | ((h >>> (level * BITS)) & MASK);
  return order;
}

function slotOf(order: number, level: number): number {
  return (order >>> ((DEPTH - 1 - level) * BITS)) & MASK;
}

/** Adds or replaces (in place in its leaf) an entry of a trie still being built; true when added. */
function addInPlace(root: Building, order: number, key: string, value: unknown): boolean {
  let node = root;
  for (let level = 0; level < DEPTH - 1; level++) node = (node[slotOf(order, level)] ??= new Array(WIDTH)) as Building;
  const leaf = (node[slotOf(order, DEPTH - 1)] ??= []) as [string, unknown][];
  for (let i = 0; i < leaf.length; i++) {
    if (leaf[i][0] === key) {
      leaf[i] = [key, value];
      return false;
    }
  }
  leaf.push([key, value]);
  return true;
}

/** A trie of a flat map's entries: added in flat order, each leaf gets them in its own order. */
function trieOfFlat(flat: Flat): Building {
  const root: Building = new Array(WIDTH);
  for (let i = 0; i < flat.length; i += STRIDE) addInPlace(root, flat[i] as number, flat[i + 1] as string, flat[i + 2]);
  return root;
}

function flatIndexOf(flat: Flat, key: unknown): number {
  for (let i = 1; i < flat.length; i += STRIDE) if (flat[i] === key) return i - 1;
  return -1;
}

/** Where a new entry of this order goes: after every entry of a lower or equal order. */
function flatInsertAt(flat: Flat, order: number): number {
  let i = 0;
  while (i < flat.length && (flat[i] as number) <= order) i += STRIDE;
  return i;
}

/** Calls visit for every entry of a trie in iteration order, with its trie order. */
function walk<K, V>(node: Node<K, V> | Leaf<K, V>, level: number, order: number, visit: (order: number, key: K, value: V) => void): void {
  if (level === DEPTH) {
    for (const [k, v] of node as Leaf<K, V>) visit(order, k, v);
    return;
  }
  for (let i = 0; i < WIDTH; i++) {
    const child = (node as Node<K, V>)[i];
    if (child !== undefined) walk(child, level + 1, (order << BITS) | i, visit);
  }
}

export class PersistentMap<K extends string, V> implements ReadonlyMap<K, V> {
  private static readonly EMPTY = new PersistentMap<never, never>(undefined, [], 0);

  /** Exactly one of root (more than FLAT_MAX entries) and flat (up to FLAT_MAX) is set. */
  private constructor(
    private readonly root: Node<K, V> | undefined,
    private readonly flat: Flat | undefined,
    readonly size: number,
  ) {}

  static empty<K extends string, V>(): PersistentMap<K, V> {
    return PersistentMap.EMPTY as unknown as PersistentMap<K, V>;
  }

  /**
   * The same map if it already is one; otherwise a copy of any iterable of entries (a later entry
   * for a key wins, in the place of the first, as with set). Built in place, no path copied per
   * entry: a snapshot restores tens of thousands of usages at once.
   */
  static from<K extends string, V>(entries: Iterable<readonly [K, V]> | PersistentMap<K, V>): PersistentMap<K, V> {
    if (entries instanceof PersistentMap) return entries;
    const flat: unknown[] = [];
    let root: Building | undefined;
    let size = 0;
    for (const [key, value] of entries) {
      const order = trieOrder(hash(key));
      if (root) {
        if (addInPlace(root, order, key, value)) size++;
        continue;
      }
      const i = flatIndexOf(flat, key);
      if (i >= 0) flat[i + 2] = value;
      else if (size < FLAT_MAX) {
        flat.splice(flatInsertAt(flat, order), 0, order, key, value);
        size++;
      } else {
        root = trieOfFlat(flat);
        addInPlace(root, order, key, value);
        size++;
      }
    }
    if (root) return new PersistentMap(root as Node<K, V>, undefined, size);
    return size ? new PersistentMap<K, V>(undefined, flat, size) : PersistentMap.empty<K, V>();
  }

  get(key: K): V | undefined {
    const flat = this.flat;
    if (flat) {
      // Comparing the few keys costs less than hashing the one.
      for (let i = 1; i < flat.length; i += STRIDE) if (flat[i] === key) return flat[i + 1] as V;
      return undefined;
    }
    const leaf = this.leafOf(key);
    if (!leaf) return undefined;
    for (const [k, v] of leaf) if (k === key) return v;
    return undefined;
  }

  has(key: K): boolean {
    if (this.flat) return flatIndexOf(this.flat, key) >= 0;
    const leaf = this.leafOf(key);
    return !!leaf && leaf.some(([k]) => k === key);
  }

  set(key: K, value: V): PersistentMap<K, V> {
    if (this.flat) return this.setFlat(this.flat, key, value);
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
    return new PersistentMap(root, undefined, this.size + (added ? 1 : 0));
  }

  /** The map without `key` (this map when it has none): one path copied, emptied nodes dropped. */
  delete(key: K): PersistentMap<K, V> {
    if (this.flat) return this.deleteFlat(this.flat, key);
    if (!this.has(key)) return this;
    if (this.size - 1 <= FLAT_MAX) {
      // Back to flat, so that the form still follows from the size.
      const flat: unknown[] = [];
      walk<K, V>(this.root!, 0, 0, (order, k, v) => {
        if (k !== key) flat.push(order, k, v);
      });
      return new PersistentMap<K, V>(undefined, flat, this.size - 1);
    }
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
    return new PersistentMap(write(this.root!, 0) as Node<K, V> | undefined, undefined, this.size - 1);
  }

  *entries(): MapIterator<[K, V]> {
    const flat = this.flat;
    if (flat) {
      for (let i = 0; i < flat.length; i += STRIDE) yield [flat[i + 1] as K, flat[i + 2] as V];
      return;
    }
    // Collected first: generators nested per level cost far more than the walk itself (a set of a few
    // open holds was iterated through ~700 delegated yields).
    const out: [K, V][] = [];
    walk<K, V>(this.root!, 0, 0, (_, k, v) => out.push([k, v]));
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

  private setFlat(flat: Flat, key: K, value: V): PersistentMap<K, V> {
    const i = flatIndexOf(flat, key);
    if (i >= 0) {
      const copy = flat.slice();
      copy[i + 2] = value;
      return new PersistentMap<K, V>(undefined, copy, this.size);
    }
    const order = trieOrder(hash(key));
    if (this.size === FLAT_MAX) {
      const root = trieOfFlat(flat);
      addInPlace(root, order, key, value);
      return new PersistentMap(root as Node<K, V>, undefined, this.size + 1);
    }
    const at = flatInsertAt(flat, order);
    const next = new Array<unknown>(flat.length + STRIDE);
    for (let j = 0; j < at; j++) next[j] = flat[j];
    next[at] = order;
    next[at + 1] = key;
    next[at + 2] = value;
    for (let j = at; j < flat.length; j++) next[j + STRIDE] = flat[j];
    return new PersistentMap<K, V>(undefined, next, this.size + 1);
  }

  private deleteFlat(flat: Flat, key: K): PersistentMap<K, V> {
    const i = flatIndexOf(flat, key);
    if (i < 0) return this;
    if (this.size === 1) return PersistentMap.empty<K, V>();
    const next = new Array<unknown>(flat.length - STRIDE);
    for (let j = 0; j < i; j++) next[j] = flat[j];
    for (let j = i + STRIDE; j < flat.length; j++) next[j - STRIDE] = flat[j];
    return new PersistentMap<K, V>(undefined, next, this.size - 1);
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
