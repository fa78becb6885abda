/**
 * Per-key aggregates a threshold reports in `hit.data` (scanlogd's
 * "flags OR / flags AND / same TTL / same TOS" and the list of ports).
 * One small accumulator per `collect:` entry; all bounded.
 */
import type { CompiledExpr } from '../../rules/types.ts';
import { detach } from '../key.ts';

export const COLLECT_OPS = ['first', 'same', 'or', 'and', 'values', 'max', 'min'] as const;
export type CollectOp = (typeof COLLECT_OPS)[number];

export interface CollectSpec {
  readonly name: string;
  readonly op: CollectOp;
  readonly expr: CompiledExpr;
  /** Cap for `values` (default 100). */
  readonly max: number;
}

/** One aggregate; `reset` lets an evicted key's accumulators serve the next key without allocating. */
interface Acc { add(v: unknown): void; value(): unknown; reset(): void }

/** Value of `same` once two different values were seen. */
const MIXED = Symbol('mixed');

class First implements Acc {
  private x: unknown = undefined; private set = false;
  add(v: unknown): void { if (!this.set && v !== undefined) { this.x = detach(v); this.set = true; } }
  value(): unknown { return this.set ? this.x : null; }
  reset(): void { this.x = undefined; this.set = false; }
}

class Same implements Acc {
  private x: unknown = undefined;
  add(v: unknown): void { if (v === undefined || this.x === MIXED) return; if (this.x === undefined) this.x = detach(v); else if (this.x !== v) this.x = MIXED; }
  value(): unknown { return this.x === MIXED || this.x === undefined ? null : this.x; }
  reset(): void { this.x = undefined; }
}

/** or, and, max, min: a number folded with each numeric value. */
class Fold implements Acc {
  private x: number | null = null;
  constructor(private readonly op: 'or' | 'and' | 'max' | 'min') {}
  add(v: unknown): void {
    if (typeof v !== 'number') return;
    const x = this.x;
    if (x === null) { this.x = v; return; }
    switch (this.op) {
      case 'or': this.x = x | v; break;
      case 'and': this.x = x & v; break;
      case 'max': if (v > x) this.x = v; break;
      case 'min': if (v < x) this.x = v; break;
    }
  }
  value(): unknown { return this.x; }
  reset(): void { this.x = null; }
}

/**
 * Distinct values in arrival order, at most `max`. The first is held inline
 * and the Set made only for a second one: most keys (one-off probes, a
 * spoofed flood) never see a second value.
 */
class Values implements Acc {
  private s: Set<unknown> | null = null;
  private v1: unknown = undefined;
  private has1 = false;
  constructor(private readonly max: number) {}
  add(v: unknown): void {
    if (v === undefined || this.max < 1) return;
    if (this.s === null) {
      if (!this.has1) { this.v1 = detach(v); this.has1 = true; return; }
      if (this.v1 === v || this.max < 2) return;
      this.s = new Set([this.v1]);
    }
    if (this.s.size < this.max) this.s.add(detach(v));
  }
  value(): unknown { return this.s !== null ? [...this.s] : this.has1 ? [this.v1] : []; }
  reset(): void { this.s?.clear(); this.v1 = undefined; this.has1 = false; }
}

function accumulator(op: CollectOp, max: number): Acc {
  switch (op) {
    case 'first': return new First();
    case 'same': return new Same();
    case 'values': return new Values(max);
    default: return new Fold(op);
  }
}

/** The accumulators of one key; `null` when the rule collects nothing, so keys without `collect` pay nothing. */
export class Collected {
  private readonly accs: Acc[];
  constructor(private readonly specs: readonly CollectSpec[]) { this.accs = specs.map((s) => accumulator(s.op, s.max)); }
  add(ev: object): void { for (let i = 0; i < this.specs.length; i++) this.accs[i].add(this.specs[i].expr.fn(ev)); }
  /** Forget everything gathered (the key starts over, or the state serves a new key). */
  reset(): void { for (let i = 0; i < this.accs.length; i++) this.accs[i].reset(); }
  snapshot(): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < this.specs.length; i++) o[this.specs[i].name] = this.accs[i].value();
    return o;
  }
}
