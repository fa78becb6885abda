/**
 * ParamTools over one map of a rule (the rule itself, or a nested parameter
 * such as `first:` of a pair). Correlation types read their parameters
 * through it; every problem becomes a located diagnostic. It records which
 * names the type asked about, so keys of nested maps that no one asked
 * about can be reported as unknown.
 */
import type { ParamTools } from '../engine/types/api.ts';
import type { ActionSpec, CompiledExpr, CompiledTemplate, SourceLoc } from './types.ts';
import type { DiagnosticSink } from './context.ts';
import type { ExprTools } from './exprs.ts';
import type { ValueReader } from './values.ts';
import { compileActions, type ActionTools } from './actions.ts';
import { describeNode, type LEntry, type LNode } from './source.ts';
import { suggestion } from '../text/nearest.ts';
import { hitNameProblem } from './names.ts';

export interface ParamToolsDeps extends ActionTools {
  readonly reader: ValueReader;
  readonly exprs: ExprTools;
  readonly sink: DiagnosticSink;
  readonly rule: string | undefined;
}

export class LocatedParamTools implements ParamTools {
  private readonly asked = new Set<string>();
  /** One tools object per nested name, so repeated `sub(name)` calls share what was asked. */
  private readonly children = new Map<string, LocatedParamTools>();

  constructor(
    private readonly entries: ReadonlyMap<string, LEntry>,
    /** Where a missing parameter is reported: the map that should hold it. */
    private readonly ownerLoc: SourceLoc,
    /** How messages name the owner: "a threshold rule", "`first`". */
    private readonly owner: string,
    /** Prefix of parameter names in messages: "" at the top, "first." inside `first`. */
    private readonly prefix: string,
    private readonly deps: ParamToolsDeps,
  ) {}

  private node(name: string): LNode | undefined {
    this.asked.add(name);
    const e = this.entries.get(name);
    if (!e || (e.node.kind === 'scalar' && e.node.value === null)) return undefined;
    return e.node;
  }

  private missing(name: string, required: boolean | undefined): null {
    if (required) this.deps.sink.error('VGL_RULE_MISSING_PARAM', this.ownerLoc, `${this.owner} needs \`${name}\`; add it`, this.deps.rule);
    return null;
  }

  raw(name: string): unknown {
    const n = this.node(name);
    if (!n) return undefined;
    return this.deps.reader.resolve(n)?.value;
  }

  has(name: string): boolean {
    return this.node(name) !== undefined;
  }

  expr(name: string, required?: boolean): CompiledExpr | null {
    const n = this.node(name);
    return n ? this.deps.exprs.expr(this.prefix + name, n) : this.missing(name, required);
  }

  template(name: string): CompiledTemplate | null {
    const n = this.node(name);
    return n ? this.deps.exprs.template(this.prefix + name, n) : null;
  }

  duration(name: string, required?: boolean): number | null {
    const n = this.node(name);
    return n ? this.deps.reader.duration(this.prefix + name, n) : this.missing(name, required);
  }

  int(name: string, required?: boolean, min = 1): number | null {
    const n = this.node(name);
    return n ? this.deps.reader.number(this.prefix + name, n, true, min) : this.missing(name, required);
  }

  number(name: string, required?: boolean): number | null {
    const n = this.node(name);
    return n ? this.deps.reader.number(this.prefix + name, n, false, undefined) : this.missing(name, required);
  }

  bool(name: string, dflt: boolean): boolean {
    const n = this.node(name);
    if (!n) return dflt;
    const r = this.deps.reader.resolve(n);
    if (!r) return dflt;
    if (typeof r.value === 'boolean') return r.value;
    this.deps.sink.error('VGL_RULE_BAD_PARAM', n.loc, `\`${this.prefix}${name}\` must be true or false, got ${describeNode(n)}`, this.deps.rule);
    return dflt;
  }

  sub(name: string, required?: boolean): ParamTools | null {
    const n = this.node(name);
    if (!n) return this.missing(name, required);
    if (n.kind !== 'map') {
      this.deps.sink.error('VGL_RULE_BAD_PARAM', n.loc, `\`${this.prefix}${name}\` must be a map, got ${describeNode(n)}`, this.deps.rule);
      return null;
    }
    let tools = this.children.get(name);
    if (!tools) {
      tools = new LocatedParamTools(n.entries, n.loc, `\`${this.prefix}${name}\``, `${this.prefix}${name}.`, this.deps);
      this.children.set(name, tools);
    }
    return tools;
  }

  actions(name: string): ActionSpec[] {
    const n = this.node(name);
    if (!n) return [];
    return compileActions(this.prefix + name, n, this.deps) ?? [];
  }

  /** A list of expressions (`first.key: [src.ip, dst.ip]`); one string is a one-element list. */
  exprList(name: string, required?: boolean): CompiledExpr[] | null {
    const n = this.node(name);
    if (!n) return this.missing(name, required);
    const items = n.kind === 'seq' ? n.items : [n];
    const out: CompiledExpr[] = [];
    let ok = true;
    items.forEach((it, i) => {
      const e = this.deps.exprs.expr(`${this.prefix}${name}[${i}]`, it);
      if (e) out.push(e); else ok = false;
    });
    return ok ? out : null;
  }

  keys(name: string): string[] {
    const n = this.node(name);
    if (!n) return [];
    if (n.kind !== 'map') {
      this.deps.sink.error('VGL_RULE_BAD_PARAM', n.loc, `\`${this.prefix}${name}\` must be a map of names, got ${describeNode(n)}`, this.deps.rule);
      return [];
    }
    // Types use these names as property names of the hit (groups, collect entries), so unsafe ones are refused here, for every type at once.
    for (const [key, e] of n.entries) {
      const bad = hitNameProblem(key, `an entry of \`${this.prefix}${name}\``);
      if (bad) this.deps.sink.error('VGL_NAME_INVALID', e.keyLoc, bad, this.deps.rule);
    }
    return [...n.entries.keys()];
  }

  error(name: string, message: string, code?: string): void {
    const loc = this.loc(name);
    const c = code ?? 'VGL_RULE_BAD_PARAM';
    this.deps.sink.add({ code: c, severity: 'error', loc, message }, this.deps.rule);
  }

  loc(name: string): SourceLoc {
    const e = this.entries.get(name);
    return e ? e.node.loc : this.ownerLoc;
  }

  /**
   * After the type's `validate`: keys of nested maps that the type never
   * asked about are unknown. (Top-level keys are checked against the type's
   * declared `params` instead, before validate runs.)
   */
  reportUnaskedInChildren(): void {
    for (const tools of this.children.values()) {
      for (const [key, e] of tools.entries) {
        if (!tools.asked.has(key)) {
          this.deps.sink.error('VGL_RULE_UNKNOWN_KEY', e.keyLoc, `\`${key}\` is not a key of ${tools.owner}${suggestion(key, [...tools.asked])}`, this.deps.rule);
        }
      }
      tools.reportUnaskedInChildren();
    }
  }
}
