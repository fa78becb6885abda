/**
 * In-memory KeyMemory for first_seen: for replays, tests and sites without a
 * database. Each rule holds at most its `maxKeys` keys; a new key beyond
 * that forgets the least recently seen one. With `forget_after`, keys silent
 * for longer are dropped now and then on event time (they would count as new
 * anyway), so a rule's memory shrinks back after a flood without waiting for
 * the cap.
 *
 * Keys sit in an LruMap (most recently seen first), so a sighting, an
 * eviction and a purge step cost O(1).
 */
import type { KeyMemory, MemoryBound, RuleMemory } from './types/api.ts';
import { LruMap } from './lru-map.ts';

export interface InMemoryKeyMemoryOptions {
  /** Look for forgotten keys at most once per this much event time (default 5 minutes). */
  readonly purgeEveryMs?: number;
  /** Drop at most this many forgotten keys per look (default 10,000); the rest go on the next sightings. */
  readonly purgeChunk?: number;
}

export const PURGE_EVERY_MS = 5 * 60_000;
export const PURGE_CHUNK = 10_000;

class LruRuleMemory implements RuleMemory {
  /** Key → event time of its last sighting. */
  private readonly last = new LruMap<number>();
  private nextPurgeAt = -Infinity;

  constructor(private bound: MemoryBound, private readonly purgeEveryMs: number, private readonly purgeChunk: number) {}

  /** A reload: keep the keys, apply the new bound (dropping the least recently seen beyond a lowered cap). */
  rebind(bound: MemoryBound): void {
    this.bound = bound;
    const over = this.last.size - bound.maxKeys;
    if (over <= 0) return;
    for (let i = 0; i < over; i++) this.last.shift();
    bound.evicted(over);
  }

  seen(key: string, ts: number): boolean {
    const forget = this.bound.forgetAfterMs;
    if (forget !== null && ts >= this.nextPurgeAt) this.purge(ts, forget);
    const prev = this.last.get(key);
    if (prev !== undefined) {
      // An older event (a replayed capture) must not pull "last seen" back and get the key forgotten early.
      this.last.set(key, Math.max(prev, ts));
      return forget === null || ts - prev <= forget;
    }
    if (this.last.size >= this.bound.maxKeys) {
      this.last.shift();
      this.bound.evicted(1);
    }
    this.last.set(key, ts);
    return false;
  }

  size(): number { return this.last.size; }

  private purge(ts: number, forget: number): void {
    let dropped = 0;
    for (let oldest = this.last.oldestValue(); oldest !== undefined && ts - oldest > forget && dropped < this.purgeChunk; oldest = this.last.oldestValue()) {
      this.last.shift();
      dropped++;
    }
    this.nextPurgeAt = dropped === this.purgeChunk ? ts : ts + this.purgeEveryMs;
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
