/**
 * Bounded per-rule key state: a segmented LRU with a doorkeeper.
 *
 * New keys enter a probation segment; a key touched again is promoted to a
 * protected segment (at most 80 % of the cap). When the table is full the
 * oldest probation key goes first. A flood of spoofed one-packet sources
 * therefore only churns probation, while a real scanner, which keeps touching
 * its key, sits in the protected segment and keeps its count.
 *
 * A scanner slower than the flood loses its key from probation before its
 * second probe. So once the table has been full, a Doorkeeper remembers keys
 * inserted recently (at least 8 × max_keys insertions back, in 160 bits per
 * key of max_keys): a key that comes back after being evicted goes straight
 * into the protected segment. It has lost only what it had gathered before
 * the eviction (typically one event).
 *
 * Both segments are Maps, whose insertion order is the LRU order once a
 * touch re-inserts. Re-inserting on every touch would cost a Map delete and
 * set per event, so a touch re-inserts only keys that have drifted into the
 * older half of their segment (by an insertion counter): recency is exact
 * enough for eviction and a busy key costs one Map lookup per event.
 */
import { Doorkeeper } from './doorkeeper.ts';

export interface Stamped {
  /** Event time of the last update (for idle sweeps). */
  last: number;
  /** Insertion counter value when the key was last (re)inserted; managed by the table. */
  lru: number;
}

export class KeyTable<V extends Stamped> {
  private readonly probation = new Map<string, V>();
  private readonly hot = new Map<string, V>();
  private readonly hotCap: number;
  private door: Doorkeeper | null = null;
  private tick = 0;
  private readonly refreshAfter: number;

  constructor(readonly maxKeys: number, private readonly onEvict: (key: string, v: V) => void) {
    if (!(maxKeys >= 1)) throw new Error(`max_keys must be at least 1, got ${maxKeys}`);
    this.hotCap = Math.floor(maxKeys * 0.8);
    this.refreshAfter = Math.max(1, maxKeys >> 2);
  }

  get size(): number { return this.probation.size + this.hot.size; }

  /** Look up and mark as recently used (promoting a probation key). */
  touch(key: string): V | undefined {
    let v = this.hot.get(key);
    if (v !== undefined) {
      if (this.tick - v.lru > this.refreshAfter) { this.hot.delete(key); this.hot.set(key, v); v.lru = ++this.tick; }
      return v;
    }
    v = this.probation.get(key);
    if (v === undefined) return undefined;
    this.probation.delete(key);
    this.hot.set(key, v);
    v.lru = ++this.tick;
    if (this.hot.size > this.hotCap) this.demoteOldest();
    return v;
  }

  /** Look up without changing recency. */
  peek(key: string): V | undefined { return this.hot.get(key) ?? this.probation.get(key); }

  /** Insert a new key (callers `touch` first; `add` assumes the key is absent). Evicts when full. */
  add(key: string, v: V): void {
    v.lru = ++this.tick;
    if (this.door !== null && this.door.seenThenAdd(key)) {
      this.hot.set(key, v);
      if (this.hot.size > this.hotCap) this.demoteOldest();
    } else this.probation.set(key, v);
    if (this.size > this.maxKeys) {
      if (this.door === null) this.door = new Doorkeeper(this.maxKeys * 8);
      this.evictOne();
    }
  }

  delete(key: string): boolean { return this.hot.delete(key) || this.probation.delete(key); }

  /** Drop keys whose `last` is older than `cutoff`, oldest first, stopping at the first live one per segment. */
  sweep(cutoff: number, onDrop?: (key: string, v: V) => void): number {
    return this.sweepMap(this.probation, cutoff, onDrop) + this.sweepMap(this.hot, cutoff, onDrop);
  }

  forEach(fn: (v: V, key: string) => void): void {
    this.hot.forEach(fn);
    this.probation.forEach(fn);
  }

  clear(fn?: (key: string, v: V) => void): void {
    if (fn) this.forEach((v, k) => fn(k, v));
    this.hot.clear();
    this.probation.clear();
  }

  private sweepMap(m: Map<string, V>, cutoff: number, onDrop?: (key: string, v: V) => void): number {
    let n = 0;
    for (const [k, v] of m) {
      if (v.last >= cutoff) break;
      m.delete(k);
      onDrop?.(k, v);
      n++;
    }
    return n;
  }

  private demoteOldest(): void {
    for (const [k, v] of this.hot) { this.hot.delete(k); this.probation.set(k, v); v.lru = ++this.tick; return; }
  }

  private evictOne(): void {
    const from = this.probation.size ? this.probation : this.hot;
    for (const [k, v] of from) { from.delete(k); this.onEvict(k, v); return; }
  }
}
