/**
 * In-memory KeyMemory for first_seen: for tests, replay and sites without a
 * database. Bounded: the least recently seen keys are forgotten first.
 */
import type { KeyMemory } from './types/api.ts';

export class InMemoryKeyMemory implements KeyMemory {
  private readonly last = new Map<string, number>();
  evictions = 0;

  constructor(private readonly maxKeys = 1_000_000) {}

  seen(rule: string, key: string, ts: number, forgetAfterMs: number | null): boolean {
    const k = rule + '\u0000' + key;
    const prev = this.last.get(k);
    this.last.delete(k);
    this.last.set(k, ts);
    if (prev === undefined && this.last.size > this.maxKeys) {
      for (const old of this.last.keys()) { this.last.delete(old); this.evictions++; break; }
    }
    if (prev === undefined) return false;
    return forgetAfterMs === null || ts - prev <= forgetAfterMs;
  }

  get size(): number { return this.last.size; }
}
