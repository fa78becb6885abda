/**
 * Bounded per-rule key state: a segmented LRU with an admission window and a
 * doorkeeper, stored so that a flood of new keys allocates nothing.
 *
 * Segments. A new key enters a small window (1 % of the cap, but at least
 * min(16, cap / 8) keys, and at least one). A key touched again, in the
 * window or later, moves to a protected segment (at most 80 % of the cap);
 * the protected segment's oldest key steps down to probation, which also
 * takes the keys the window hands on while the table fills. When the table
 * is full the victim is the window's oldest key as long as the window holds
 * its share, else probation's oldest. So a flood of spoofed one-packet
 * sources churns only the window: keys that were already in the table keep
 * their state, and each flood key's state is dropped after a window's worth
 * of new keys, young enough for V8 to collect it cheaply instead of
 * promoting it to the old generation.
 *
 * The floor for small tables: the window is also how many new keys may
 * arrive between a key's first and second event before the first is lost.
 * At 1 % alone a 256-key table (scanlogd's) would have a 2-key window, and a
 * scanner interleaved with two new sources per probe would lose its first
 * probe, enough to miss a minimal scan, where scanlogd's round-robin table
 * keeps a source until 256 newer ones have come. Up to 16 keys, never more
 * than an eighth of the table, still confines a flood to the window (only
 * the untouched keys that came just before it go with it, up to 16 now) and
 * leaves the protected and probation segments most of the table. From
 * 1,600 keys up the 1 % alone decides.
 *
 * A key slower than the flood leaves the window before its next event. So
 * once the table has been full, a Doorkeeper remembers keys inserted
 * recently (at least 8 × max_keys insertions back, in 32 bytes per key
 * of max_keys): a key that comes back goes straight into the protected
 * segment, having lost only what it gathered the first time (typically one
 * event).
 *
 * Storage. Keys live in slots: parallel arrays (key, value, last touch,
 * hash, links, segment) that grow by doubling up to max_keys and are never
 * shrunk. The segments are doubly-linked lists threaded through the slots'
 * links, so touch, promotion and eviction are O(1); an open-addressing
 * index (linear probing, load ≤ 1/2, deletion by backward shift) maps a key
 * to its slot.
 * Eviction reuses the victim's slot. Unlike a Map, nothing here is
 * reallocated as keys come and go (a Map with many deletions rebuilds its
 * table every few thousand insertions, which under a flood is hundreds of
 * megabytes of garbage per million packets).
 */
import { Doorkeeper, hashKey } from './doorkeeper.ts';

/**
 * The last two keys hashed and their hashes, shared by every table: `add`
 * follows a `touch` of the same key, and rules keyed on the same field
 * (`src.ip`) see the same string object for an event, so one hash serves
 * them all, even when rules with a two-part key are evaluated in between.
 */
let keyA = '', hashA = hashKey(''), keyB = '', hashB = hashA;
function hashOf(key: string): number {
  if (key === keyA) return hashA;
  if (key === keyB) return hashB;
  keyB = keyA; hashB = hashA;
  keyA = key; hashA = hashKey(key);
  return hashA;
}

const WINDOW = 0, PROBATION = 1, PROTECTED = 2;
const NONE = -1;
const FIRST_SLOTS = 64;

export class KeyTable<V> {
  private keys: string[] = [];
  private vals: (V | undefined)[] = [];
  /** Event time of each key's last touch, for idle sweeps: kept here, a time costs no object per key. */
  private lasts = new Float64Array(0);
  private hashes = new Int32Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private seg = new Uint8Array(0);
  /** Two words per index cell: slot + 1 (0 = empty) and the key's hash, so probing compares hashes without leaving the cell's cache line. */
  private index = new Int32Array(0);
  private mask = 0;
  /** Slots in use or on the free list; free slots are chained through `next`. */
  private slots = 0;
  private free = NONE;
  private count = 0;
  private readonly head = new Int32Array([NONE, NONE, NONE]);
  private readonly tail = new Int32Array([NONE, NONE, NONE]);
  private readonly segSize = new Int32Array(3);
  private readonly windowCap: number;
  private readonly hotCap: number;
  private door: Doorkeeper | null = null;
  /** Slot found by the latest `touch`, and that key's last-touch time before it. */
  private touched = NONE;
  private touchedLast = NaN;

  constructor(readonly maxKeys: number, private readonly onEvict: (key: string, v: V) => void) {
    if (!(maxKeys >= 1)) throw new Error(`max_keys must be at least 1, got ${maxKeys}`);
    this.windowCap = Math.max(1, Math.floor(maxKeys / 100), Math.min(16, Math.floor(maxKeys / 8)));
    this.hotCap = Math.floor(maxKeys * 0.8);
  }

  get size(): number { return this.count; }

  /** Look up and mark as most recently used at event time `t` (promoting a window or probation key). */
  touch(key: string, t: number): V | undefined {
    const i = this.find(key, hashOf(key));
    if (i === NONE) return undefined;
    this.touched = i;
    this.touchedLast = this.lasts[i];
    this.lasts[i] = t;
    if (this.seg[i] === PROTECTED) {
      if (this.head[PROTECTED] !== i) { this.unlink(i); this.pushHead(PROTECTED, i); }
    } else {
      this.unlink(i);
      this.pushHead(PROTECTED, i);
      if (this.segSize[PROTECTED] > this.hotCap) this.demoteOldest();
    }
    return this.vals[i];
  }

  /**
   * The key found by the latest `touch`, as it was before that touch: when it
   * had last been touched (or added). Valid until the table next changes.
   */
  get lastBeforeTouch(): number { return this.touchedLast; }

  /** Give the key found by the latest `touch` a new value (valid until the table next changes). */
  replaceTouched(v: V): void {
    if (this.touched === NONE) throw new Error('replaceTouched: the table changed since the last touch');
    this.vals[this.touched] = v;
  }

  /** Look up without changing recency. */
  peek(key: string): V | undefined {
    const i = this.find(key, hashOf(key));
    return i === NONE ? undefined : this.vals[i];
  }

  /** When the key was last touched (or added), without changing recency; NaN when absent. */
  lastOf(key: string): number {
    const i = this.find(key, hashOf(key));
    return i === NONE ? NaN : this.lasts[i];
  }

  /** Insert a new key last used at `t` (callers `touch` first; `add` assumes the key is absent). Evicts when full. */
  add(key: string, v: V, t: number): void {
    const h = hashOf(key);
    let i: number;
    this.touched = NONE;
    if (this.count >= this.maxKeys) {
      if (this.door === null) this.door = new Doorkeeper(this.maxKeys * 8);
      i = this.victim();
      const vk = this.keys[i], vv = this.vals[i]!;
      this.unindex(i);
      this.unlink(i);
      this.count--;
      this.onEvict(vk, vv);
    } else i = this.newSlot();
    this.keys[i] = key; this.vals[i] = v; this.hashes[i] = h; this.lasts[i] = t;
    this.reindex(i, h);
    this.count++;
    if (this.door !== null && this.door.seenThenAdd(h)) {
      this.pushHead(PROTECTED, i);
      if (this.segSize[PROTECTED] > this.hotCap) this.demoteOldest();
    } else {
      this.pushHead(WINDOW, i);
      if (this.segSize[WINDOW] > this.windowCap) {
        const t = this.tail[WINDOW];
        this.unlink(t);
        this.pushHead(PROBATION, t);
      }
    }
  }

  delete(key: string): boolean {
    const i = this.find(key, hashOf(key));
    if (i === NONE) return false;
    this.drop(i);
    return true;
  }

  /** Drop keys last touched before `cutoff`, oldest first, stopping at the first live one per segment. */
  sweep(cutoff: number, onDrop?: (key: string, v: V) => void): number {
    let dropped = 0;
    for (let s = WINDOW; s <= PROTECTED; s++) {
      for (let i = this.tail[s]; i !== NONE && this.lasts[i] < cutoff; i = this.tail[s]) {
        const k = this.keys[i], v = this.vals[i]!;
        this.drop(i);
        onDrop?.(k, v);
        dropped++;
      }
    }
    return dropped;
  }

  forEach(fn: (v: V, key: string) => void): void {
    for (let s = WINDOW; s <= PROTECTED; s++) {
      for (let i = this.head[s]; i !== NONE; i = this.next[i]) fn(this.vals[i]!, this.keys[i]);
    }
  }

  clear(fn?: (key: string, v: V) => void): void {
    if (fn) for (let s = WINDOW; s <= PROTECTED; s++) for (let i = this.head[s]; i !== NONE; i = this.next[i]) fn(this.keys[i], this.vals[i]!);
    this.keys = []; this.vals = [];
    this.lasts = new Float64Array(0); this.hashes = new Int32Array(0); this.prev = new Int32Array(0); this.next = new Int32Array(0); this.seg = new Uint8Array(0);
    this.index = new Int32Array(0); this.mask = 0;
    this.slots = 0; this.free = NONE; this.count = 0; this.touched = NONE;
    this.head.fill(NONE); this.tail.fill(NONE); this.segSize.fill(0);
  }

  /** The key to evict from a full table: the window's oldest while the window holds its share, else the oldest of probation. */
  private victim(): number {
    if (this.segSize[WINDOW] >= this.windowCap) return this.tail[WINDOW];
    if (this.tail[PROBATION] !== NONE) return this.tail[PROBATION];
    return this.tail[PROTECTED] !== NONE ? this.tail[PROTECTED] : this.tail[WINDOW];
  }

  private drop(i: number): void {
    this.touched = NONE;
    this.unindex(i);
    this.unlink(i);
    this.keys[i] = ''; this.vals[i] = undefined;
    this.next[i] = this.free; this.free = i;
    this.count--;
  }

  private find(key: string, h: number): number {
    const index = this.index, mask = this.mask;
    if (mask === 0) return NONE;
    for (let p = h & mask; ; p = (p + 1) & mask) {
      const e = index[2 * p];
      if (e === 0) return NONE;
      if (index[2 * p + 1] === h && this.keys[e - 1] === key) return e - 1;
    }
  }

  private reindex(i: number, h: number): void {
    const index = this.index, mask = this.mask;
    let p = h & mask;
    while (index[2 * p] !== 0) p = (p + 1) & mask;
    index[2 * p] = i + 1;
    index[2 * p + 1] = h;
  }

  /** Remove slot i from the index, shifting later entries of its probe run back (no tombstones). */
  private unindex(i: number): void {
    const index = this.index, mask = this.mask;
    let p = this.hashes[i] & mask;
    while (index[2 * p] !== i + 1) p = (p + 1) & mask;
    for (let q = (p + 1) & mask; index[2 * q] !== 0; q = (q + 1) & mask) {
      const home = index[2 * q + 1] & mask;
      // The entry at q may move to the hole at p if its home is not in (p, q].
      if (((q - home) & mask) >= ((q - p) & mask)) { index[2 * p] = index[2 * q]; index[2 * p + 1] = index[2 * q + 1]; p = q; }
    }
    index[2 * p] = 0;
  }

  private newSlot(): number {
    if (this.free !== NONE) { const i = this.free; this.free = this.next[i]; return i; }
    if (this.slots === this.hashes.length) this.grow();
    return this.slots++;
  }

  private grow(): void {
    const cap = Math.min(this.maxKeys, Math.max(FIRST_SLOTS, this.hashes.length * 2));
    const widen = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => { const b = make(cap); b.set(a); return b; };
    this.lasts = widen(this.lasts, (n) => new Float64Array(n));
    this.hashes = widen(this.hashes, (n) => new Int32Array(n));
    this.prev = widen(this.prev, (n) => new Int32Array(n));
    this.next = widen(this.next, (n) => new Int32Array(n));
    this.seg = widen(this.seg, (n) => new Uint8Array(n));
    let cells = 1;
    while (cells < cap * 2) cells *= 2;
    if (cells - 1 !== this.mask) {
      this.index = new Int32Array(cells * 2);
      this.mask = cells - 1;
      for (let s = WINDOW; s <= PROTECTED; s++) for (let i = this.head[s]; i !== NONE; i = this.next[i]) this.reindex(i, this.hashes[i]);
    }
  }

  private pushHead(s: number, i: number): void {
    const h = this.head[s];
    this.seg[i] = s;
    this.prev[i] = NONE; this.next[i] = h;
    if (h !== NONE) this.prev[h] = i; else this.tail[s] = i;
    this.head[s] = i;
    this.segSize[s]++;
  }

  private unlink(i: number): void {
    const s = this.seg[i], p = this.prev[i], n = this.next[i];
    if (p !== NONE) this.next[p] = n; else this.head[s] = n;
    if (n !== NONE) this.prev[n] = p; else this.tail[s] = p;
    this.segSize[s]--;
  }

  private demoteOldest(): void {
    const i = this.tail[PROTECTED];
    this.unlink(i);
    this.pushHead(PROBATION, i);
  }
}
