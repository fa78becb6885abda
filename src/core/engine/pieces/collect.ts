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

interface Acc { add(v: unknown): void; value(): unknown }

/** Value of `same` once two different values were seen. */
const MIXED = Symbol('mixed');

function accumulator(op: CollectOp, max: number): Acc {
  switch (op) {
    case 'first': { let x: unknown; let set = false; return { add(v) { if (!set && v !== undefined) { x = detach(v); set = true; } }, value: () => (set ? x : null) }; }
    case 'same': { let x: unknown = undefined; return { add(v) { if (v === undefined || x === MIXED) return; if (x === undefined) x = detach(v); else if (x !== v) x = MIXED; }, value: () => (x === MIXED || x === undefined ? null : x) }; }
    case 'or': { let x: number | null = null; return { add(v) { if (typeof v === 'number') x = x === null ? v : (x | v); }, value: () => x }; }
    case 'and': { let x: number | null = null; return { add(v) { if (typeof v === 'number') x = x === null ? v : (x & v); }, value: () => x }; }
    case 'max': { let x: number | null = null; return { add(v) { if (typeof v === 'number' && (x === null || v > x)) x = v; }, value: () => x }; }
    case 'min': { let x: number | null = null; return { add(v) { if (typeof v === 'number' && (x === null || v < x)) x = v; }, value: () => x }; }
    case 'values': { const s = new Set<unknown>(); return { add(v) { if (v !== undefined && s.size < max) s.add(detach(v)); }, value: () => [...s] }; }
  }
}

/** The accumulators of one key; `null` when the rule collects nothing, so keys without `collect` pay nothing. */
export class Collected {
  private readonly accs: Acc[];
  constructor(private readonly specs: readonly CollectSpec[]) { this.accs = specs.map((s) => accumulator(s.op, s.max)); }
  add(ev: object): void { for (let i = 0; i < this.specs.length; i++) this.accs[i].add(this.specs[i].expr.fn(ev)); }
  snapshot(): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < this.specs.length; i++) o[this.specs[i].name] = this.accs[i].value();
    return o;
  }
}
