/**
 * In-memory KeyMemory for first_seen: for replays, tests and sites without a
 * database. Each rule holds at most its `maxKeys` keys; a new key beyond
 * that forgets the least recently seen one. With `forget_after`, keys silent
 * for longer are dropped now and then on event time (they would count as new
 * anyway), so a rule's memory shrinks back after a flood without waiting for
 * the cap.
 *
 * Keys sit in a doubly-linked list, most recently seen at the head, so a
 * sighting, an eviction and a purge step are O(1) pointer moves (evicting by
 * iterating a Map from its start is not: V8 skips the holes deletes leave).
 */
import type { KeyMemory, MemoryBound, RuleMemory } from './types/api.ts';

export interface InMemoryKeyMemoryOptions {
  /** Look for forgotten keys at most once per this much event time (default 5 minutes). */
  readonly purgeEveryMs?: number;
  /** Drop at most this many forgotten keys per look (default 10,000); the rest go on the next sightings. */
  readonly purgeChunk?: number;
}

export const PURGE_EVERY_MS = 5 * 60_000;
export const PURGE_CHUNK = 10_000;

interface Node { key: string; last: number; prev: Node | null; next: Node | null }

class LruRuleMemory implements RuleMemory {
  private readonly nodes = new Map<string, Node>();
  private head: Node | null = null;
  private tail: Node | null = null;
  private nextPurgeAt = -Infinity;

  constructor(private bound: MemoryBound, private readonly purgeEveryMs: number, private readonly purgeChunk: number) {}

  /** A reload: keep the keys, apply the new bound (dropping the least recently seen beyond a lowered cap). */
  rebind(bound: MemoryBound): void {
    this.bound = bound;
    let over = this.nodes.size - bound.maxKeys;
    if (over <= 0) return;
    const n = over;
    while (over-- > 0) this.drop(this.tail!);
    bound.evicted(n);
  }

  seen(key: string, ts: number): boolean {
    const forget = this.bound.forgetAfterMs;
    if (forget !== null && ts >= this.nextPurgeAt) this.purge(ts, forget);
    let n = this.nodes.get(key);
    if (n !== undefined) {
      const known = forget === null || ts - n.last <= forget;
      n.last = ts;
      if (this.head !== n) { this.unlink(n); this.pushHead(n); }
      return known;
    }
    if (this.nodes.size >= this.bound.maxKeys) {
      // Full: forget the least recently seen key and reuse its node, so a flood allocates nothing.
      n = this.tail!;
      this.drop(n);
      this.bound.evicted(1);
      n.key = key; n.last = ts;
    } else n = { key, last: ts, prev: null, next: null };
    this.nodes.set(key, n);
    this.pushHead(n);
    return false;
  }

  size(): number { return this.nodes.size; }

  private purge(ts: number, forget: number): void {
    let dropped = 0;
    while (this.tail !== null && ts - this.tail.last > forget && dropped < this.purgeChunk) { this.drop(this.tail); dropped++; }
    this.nextPurgeAt = dropped === this.purgeChunk ? ts : ts + this.purgeEveryMs;
  }

  private drop(n: Node): void {
    this.unlink(n);
    this.nodes.delete(n.key);
  }

  private pushHead(n: Node): void {
    n.prev = null; n.next = this.head;
    if (this.head) this.head.prev = n; else this.tail = n;
    this.head = n;
  }

  private unlink(n: Node): void {
    if (n.prev) n.prev.next = n.next; else this.head = n.next;
    if (n.next) n.next.prev = n.prev; else this.tail = n.prev;
    n.prev = n.next = null;
  }
}

export class InMemoryKeyMemory implements KeyMemory {
  private readonly rules = new Map<string, LruRuleMemory>();
  private readonly purgeEveryMs: number;
  private readonly purgeChunk: number;

  constructor(opts: InMemoryKeyMemoryOptions = {}) {
    this.purgeEveryMs = opts.purgeEveryMs ?? PURGE_EVERY_MS;
    this.purgeChunk = opts.purgeChunk ?? PURGE_CHUNK;
  }

  forRule(rule: string, bound: MemoryBound): RuleMemory {
    let m = this.rules.get(rule);
    if (m === undefined) this.rules.set(rule, (m = new LruRuleMemory(bound, this.purgeEveryMs, this.purgeChunk)));
    else m.rebind(bound);
    return m;
  }
}
