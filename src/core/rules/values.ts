/**
 * Reading plain values out of located nodes: `"$var"` substitution,
 * durations, numbers. Each reader reports its own located error and returns
 * null, so callers just skip what failed and go on collecting errors.
 */
import type { SourceLoc } from './types.ts';
import type { DiagnosticSink } from './context.ts';
import { describeValue, type LNode } from './source.ts';
import { parseDuration } from './duration.ts';
import { suggestion } from '../text/nearest.ts';

const VAR_REF = /^\$([A-Za-z_][A-Za-z0-9_]*)$/;

/** A value read from a node, with the var it came through (for messages). */
export interface Resolved { readonly value: unknown; readonly loc: SourceLoc; readonly via?: string }

export class ValueReader {
  constructor(
    private readonly vars: Readonly<Record<string, unknown>>,
    private readonly sink: DiagnosticSink,
    readonly rule: string | undefined,
  ) {}

  /** The plain value of a node, with a whole-string `"$name"` (at any depth) replaced by the var's value. */
  resolve(n: LNode): Resolved | null {
    if (n.kind === 'scalar') {
      const m = typeof n.value === 'string' ? VAR_REF.exec(n.value) : null;
      if (!m) return { value: n.value, loc: n.loc };
      if (!Object.hasOwn(this.vars, m[1])) {
        const fix = suggestion(m[1], Object.keys(this.vars), { show: (v) => `$${v}`, otherwise: 'define it under `vars:`' });
        this.sink.error('VGL_EXPR_UNKNOWN_VAR', n.textLoc, `\`$${m[1]}\` names no var${fix}`, this.rule);
        return null;
      }
      return { value: this.vars[m[1]], loc: n.loc, via: m[1] };
    }
    if (n.kind === 'seq') {
      const out: unknown[] = [];
      let ok = true;
      for (const it of n.items) { const r = this.resolve(it); if (r) out.push(r.value); else ok = false; }
      return ok ? { value: out, loc: n.loc } : null;
    }
    const o: Record<string, unknown> = {};
    let ok = true;
    for (const [k, e] of n.entries) { const r = this.resolve(e.node); if (r) o[k] = r.value; else ok = false; }
    return ok ? { value: o, loc: n.loc } : null;
  }

  /** A duration in ms from a node holding e.g. "60s" (or "$var"). `what` names the key in messages. */
  duration(what: string, n: LNode): number | null {
    const r = this.resolve(n);
    if (!r) return null;
    const got = gotText(r);
    if (typeof r.value === 'string') {
      const ms = parseDuration(r.value);
      if (ms !== null && ms > 0) return ms;
      if (ms === 0) {
        this.sink.error('VGL_RULE_DURATION', n.loc, `\`${what}\` must be a duration above zero, got ${got}`, this.rule);
        return null;
      }
    }
    const fix = typeof r.value === 'number' ? `; write "${r.value}s" (or another unit: ms, s, m, h, d)` : '; use a number with a unit: ms, s, m, h or d';
    this.sink.error('VGL_RULE_DURATION', n.loc, `\`${what}\` must be a duration like "60s", got ${got}${fix}`, this.rule);
    return null;
  }

  /** A number (integer when `integer`) at or above `min`. */
  number(what: string, n: LNode, integer: boolean, min: number | undefined): number | null {
    const r = this.resolve(n);
    if (!r) return null;
    const v = r.value;
    const kind = integer ? 'an integer' : 'a number';
    const bound = min !== undefined ? ` of at least ${min}` : '';
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || (min !== undefined && v < min)) {
      const quoted = typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? `; write it without quotes: ${v.trim()}` : '';
      this.sink.error('VGL_RULE_NUMBER', n.loc, `\`${what}\` must be ${kind}${bound}, got ${gotText(r)}${quoted}`, this.rule);
      return null;
    }
    return v;
  }
}

function gotText(r: Resolved): string {
  return r.via !== undefined ? `${describeValue(r.value)} (from \`$${r.via}\`)` : describeValue(r.value);
}

