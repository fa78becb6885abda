/**
 * Per-key aggregates a threshold reports in `hit.data` (scanlogd's
 * "flags OR / flags AND / same TTL / same TOS" and the list of ports).
 * All bounded.
 *
 * A key's aggregates are one plain array, a cell per `collect:` entry,
 * driven by one Collector per rule: most keys (one-off probes, a spoofed
 * flood) see a single event, and an object per entry per key was most of
 * what such a key cost to create and, once it aged, to copy in a scavenge.
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

/** The aggregates of one key: a cell per collect entry, owned by its rule's Collector. */
export type Collected = unknown[];

/**
 * A cell nothing has been added to: undefined, which no cell ever holds
 * otherwise (undefined values are skipped), so new cells need no filling.
 */
const EMPTY = undefined;
/** A `same` cell once two different values were seen. */
const MIXED = Symbol('mixed');

/** The distinct values of a `values` cell once it holds two (a lone value sits in the cell itself). */
class ValueSet {
  readonly s: Set<unknown>;
  constructor(first: unknown) { this.s = new Set([first]); }
}

const FIRST = 0, SAME = 1, VALUES = 2, OR = 3, AND = 4, MAX = 5, MIN = 6;
const OP_CODE: Record<CollectOp, number> = { first: FIRST, same: SAME, values: VALUES, or: OR, and: AND, max: MAX, min: MIN };

/** The `collect:` entries of one rule, applied to the cells of any of its keys. */
export class Collector {
  private readonly ops: Int32Array;
  private readonly fns: readonly ((ev: object) => unknown)[];
  private readonly caps: readonly number[];
  private readonly names: readonly string[];

  constructor(specs: readonly CollectSpec[]) {
    this.ops = Int32Array.from(specs, (s) => OP_CODE[s.op]);
    this.fns = specs.map((s) => s.expr.fn);
    this.caps = specs.map((s) => s.max);
    this.names = specs.map((s) => s.name);
  }

  /** Cells for a new key, nothing gathered yet, with `extra` more slots after them for the caller. */
  fresh(extra = 0): Collected { return new Array<unknown>(this.ops.length + extra); }

  /** Forget everything gathered (the key starts over). */
  reset(c: Collected): void { c.fill(EMPTY); }

  add(c: Collected, ev: object): void {
    const ops = this.ops;
    for (let i = 0; i < ops.length; i++) {
      const v = this.fns[i](ev);
      const x = c[i];
      switch (ops[i]) {
        case FIRST:
          if (x === EMPTY && v !== undefined) c[i] = detach(v);
          break;
        case SAME:
          if (v === undefined || x === MIXED) break;
          if (x === EMPTY) c[i] = detach(v); else if (x !== v) c[i] = MIXED;
          break;
        case VALUES: this.addValue(c, i, v); break;
        default:
          if (typeof v !== 'number') break;
          if (x === EMPTY) c[i] = v; else c[i] = fold(ops[i], x as number, v);
      }
    }
  }

  snapshot(c: Collected): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < this.ops.length; i++) {
      const x = c[i];
      if (this.ops[i] === VALUES) o[this.names[i]] = x instanceof ValueSet ? [...x.s] : x === EMPTY ? [] : [x];
      else o[this.names[i]] = x === EMPTY || x === MIXED ? null : x;
    }
    return o;
  }

  /** Distinct values in arrival order, at most the cap; the set is made only for a second value. */
  private addValue(c: Collected, i: number, v: unknown): void {
    const max = this.caps[i];
    if (v === undefined || max < 1) return;
    let x = c[i];
    if (x === EMPTY) { c[i] = detach(v); return; }
    if (!(x instanceof ValueSet)) {
      if (x === v || max < 2) return;
      c[i] = x = new ValueSet(x);
    }
    const s = (x as ValueSet).s;
    if (s.size < max) s.add(detach(v));
  }
}

function fold(op: number, x: number, v: number): number {
  switch (op) {
    case OR: return x | v;
    case AND: return x & v;
    case MAX: return v > x ? v : x;
    default: return v < x ? v : x;
  }
}
