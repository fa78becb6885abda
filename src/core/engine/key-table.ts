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
 * Each segment is an intrusive doubly-linked list (most recent at the head),
 * so touch, promotion and eviction are O(1) pointer moves; one Map finds a
 * key's node. (Evicting by iterating a Map from its start is not O(1): V8
 * skips the holes deleted entries leave behind, which a flood makes many.)
 */
import { Doorkeeper } from './doorkeeper.ts';

export interface Stamped {
  /** Event time of the last update (for idle sweeps). */
  last: number;
}

interface Node<V> { key: string; v: V; prev: Node<V> | null; next: Node<V> | null; hot: boolean }

class List<V> {
  head: Node<V> | null = null;
  tail: Node<V> | null = null;
  size = 0;
  pushHead(n: Node<V>): void {
    n.prev = null; n.next = this.head;
    if (this.head) this.head.prev = n; else this.tail = n;
    this.head = n; this.size++;
  }
  unlink(n: Node<V>): void {
    if (n.prev) n.prev.next = n.next; else this.head = n.next;
    if (n.next) n.next.prev = n.prev; else this.tail = n.prev;
    n.prev = n.next = null; this.size--;
  }
}

export class KeyTable<V extends Stamped> {
  private readonly nodes = new Map<string, Node<V>>();
  private readonly probation = new List<V>();
  private readonly hot = new List<V>();
  private readonly hotCap: number;
  private door: Doorkeeper | null = null;

  constructor(readonly maxKeys: number, private readonly onEvict: (key: string, v: V) => void) {
    if (!(maxKeys >= 1)) throw new Error(`max_keys must be at least 1, got ${maxKeys}`);
    this.hotCap = Math.floor(maxKeys * 0.8);
  }

  get size(): number { return this.nodes.size; }

  /** Look up and mark as most recently used (promoting a probation key). */
  touch(key: string): V | undefined {
    const n = this.nodes.get(key);
    if (n === undefined) return undefined;
    if (n.hot) {
      if (this.hot.head !== n) { this.hot.unlink(n); this.hot.pushHead(n); }
    } else {
      this.probation.unlink(n);
      n.hot = true;
      this.hot.pushHead(n);
      if (this.hot.size > this.hotCap) this.demoteOldest();
    }
    return n.v;
  }

  /** Look up without changing recency. */
  peek(key: string): V | undefined { return this.nodes.get(key)?.v; }

  /** Insert a new key (callers `touch` first; `add` assumes the key is absent). Evicts when full. */
  add(key: string, v: V): void {
    let n: Node<V>;
    if (this.nodes.size >= this.maxKeys) {
      // Full: evict first and reuse the victim's node, so a flood allocates no nodes.
      if (this.door === null) this.door = new Doorkeeper(this.maxKeys * 8);
      const victim = this.probation.tail ?? this.hot.tail!;
      const vk = victim.key, vv = victim.v;
      this.remove(victim);
      this.onEvict(vk, vv);
      n = victim;
      n.key = key; n.v = v; n.hot = false;
    } else n = { key, v, prev: null, next: null, hot: false };
    this.nodes.set(key, n);
    if (this.door !== null && this.door.seenThenAdd(key)) {
      n.hot = true;
      this.hot.pushHead(n);
      if (this.hot.size > this.hotCap) this.demoteOldest();
    } else this.probation.pushHead(n);
  }

  delete(key: string): boolean {
    const n = this.nodes.get(key);
    if (n === undefined) return false;
    this.remove(n);
    return true;
  }

  /** Drop keys whose `last` is older than `cutoff`, oldest first, stopping at the first live one per segment. */
  sweep(cutoff: number, onDrop?: (key: string, v: V) => void): number {
    let dropped = 0;
    for (const list of [this.probation, this.hot]) {
      while (list.tail !== null && list.tail.v.last < cutoff) {
        const n = list.tail;
        this.remove(n);
        onDrop?.(n.key, n.v);
        dropped++;
      }
    }
    return dropped;
  }

  forEach(fn: (v: V, key: string) => void): void {
    for (const n of this.nodes.values()) fn(n.v, n.key);
  }

  clear(fn?: (key: string, v: V) => void): void {
    if (fn) for (const n of this.nodes.values()) fn(n.key, n.v);
    this.nodes.clear();
    this.probation.head = this.probation.tail = null; this.probation.size = 0;
    this.hot.head = this.hot.tail = null; this.hot.size = 0;
  }

  private remove(n: Node<V>): void {
    (n.hot ? this.hot : this.probation).unlink(n);
    this.nodes.delete(n.key);
  }

  private demoteOldest(): void {
    const n = this.hot.tail!;
    this.hot.unlink(n);
    n.hot = false;
    this.probation.pushHead(n);
  }
}
