/**
 * What a condition's shape tells before any event: the values it pins fields
 * to and whether it can ever be true. Read from the AST with macros expanded
 * and `$vars` folded, so the engine can skip rules an event cannot match
 * (a UDP packet never runs a rule that requires `proto == "tcp"`).
 *
 * Only truthiness is analysed, as the engine uses a condition: `a && b` is
 * truthy when both are, `a || b` when either is. Anything not understood
 * pins nothing, so the analysis errs towards evaluating a rule.
 */
import type { CompileEnv } from './api.ts';
import type { Ast } from './parse.ts';
import { parse } from './parse.ts';
import { FIELDS, isKnownField } from '../fields.ts';

export interface ConditionFacts {
  /** True when no event can make the condition truthy (e.g. `$enforce == false && …` with enforce true). */
  readonly never: boolean;
  /** Field path → the only string values for which the condition can be truthy (compared with `==`/`in`). */
  readonly pins: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * The condition's first conjunct that is neither constant nor a proto pin,
   * when it is a pure test of fields (no helper, list or filter): the
   * condition is falsy whenever it is, so rules sharing it can skip on one
   * evaluation per event. `code` is its generated JavaScript, which names
   * no hoisted value, so equal code means the same test.
   */
  readonly guard?: { readonly code: string; readonly fn: (scope: object) => unknown };
}

const NOTHING: ConditionFacts = { never: false, pins: new Map() };
const NEVER: ConditionFacts = { never: true, pins: new Map() };
const FIELD_ROOTS: ReadonlySet<string> = new Set(FIELDS.map((f) => f.name.split('.')[0]));

type Const = { known: true; value: unknown } | { known: false };
const UNKNOWN: Const = { known: false };

const byFn = new WeakMap<object, ConditionFacts>();

/** Facts recorded for a compiled function by the compiler; conservative (nothing pinned) when unknown. */
export function conditionFacts(fn: (scope: object) => unknown): ConditionFacts {
  return byFn.get(fn) ?? NOTHING;
}

export function recordFacts(fn: (scope: object) => unknown, facts: ConditionFacts): void {
  if (facts.never || facts.pins.size || facts.guard) byFn.set(fn, facts);
}

const PURE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=', '&&', '||', '+', '-', '*', '/', '%']);

export class FactsAnalyser {
  private readonly stack: string[] = [];
  private readonly macroAsts = new Map<string, Ast | null>();

  constructor(private readonly env: CompileEnv) {}

  facts(node: Ast | null | undefined): ConditionFacts {
    if (!node) return NOTHING;
    const c = this.constant(node);
    if (c.known) return c.value ? NOTHING : NEVER;
    if (node.type === 'Identifier' && !node.from && !node.relative && Object.hasOwn(this.env.macros, node.value)) {
      return this.inMacro(node.value, (ast) => this.facts(ast)) ?? NOTHING;
    }
    if (node.type !== 'BinaryExpression') return NOTHING;
    switch (node.operator) {
      case '&&': return both(this.facts(node.left), this.facts(node.right));
      case '||': return either(this.facts(node.left), this.facts(node.right));
      case '==': return this.equality(node.left, node.right) ?? this.equality(node.right, node.left) ?? NOTHING;
      case 'in': return this.membership(node.left, node.right);
      default: return NOTHING;
    }
  }

  /**
   * The first conjunct of the top-level `&&` chain (macros expanded) that is
   * not constant and does not pin proto, if it is pure; see ConditionFacts.guard.
   */
  leadingGuard(node: Ast | null | undefined): Ast | null {
    const chain: Ast[] = [];
    if (!this.conjuncts(node, chain)) return null;
    for (const c of chain) {
      if (this.constant(c).known) continue;
      if (this.facts(c).pins.has('proto')) continue;
      return this.pure(c) ? c : null;
    }
    return null;
  }

  /** Flattens `a && b && …` through macros; false when a macro cannot be read. */
  private conjuncts(node: Ast | null | undefined, out: Ast[]): boolean {
    if (!node) return false;
    if (node.type === 'BinaryExpression' && node.operator === '&&') return this.conjuncts(node.left, out) && this.conjuncts(node.right, out);
    if (node.type === 'Identifier' && !node.from && !node.relative && Object.hasOwn(this.env.macros, node.value)) {
      return this.inMacro(node.value, (ast) => this.conjuncts(ast, out)) ?? false;
    }
    out.push(node);
    return true;
  }

  /** Field paths, literals, primitive $vars and operators: nothing that calls out or hoists a value. */
  private pure(node: Ast): boolean {
    switch (node.type) {
      case 'Literal': return true;
      case 'Identifier': {
        if (this.fieldPath(node) !== null) return true;
        const c = this.constant(node);
        if (c.known) return isPrimitive(c.value);
        if (!node.from && !node.relative && Object.hasOwn(this.env.macros, node.value)) return this.inMacro(node.value, (ast) => ast !== null && this.pure(ast)) ?? false;
        return false;
      }
      case 'UnaryExpression': return node.operator === '!' && this.pure(node.right);
      case 'BinaryExpression': return PURE_OPS.has(node.operator) && this.pure(node.left) && this.pure(node.right);
      default: return false;
    }
  }

  /** `field == "text"`: the field must be that string (`==` between strings is strict). */
  private equality(fieldSide: Ast, valueSide: Ast): ConditionFacts | null {
    const path = this.fieldPath(fieldSide);
    if (path === null) return null;
    const c = this.constant(valueSide);
    if (!c.known || typeof c.value !== 'string') return null;
    return { never: false, pins: new Map([[path, new Set([c.value])]]) };
  }

  /** `field in ["a", "b"]`: compiled as strict Set membership. */
  private membership(left: Ast, right: Ast): ConditionFacts {
    const path = this.fieldPath(left);
    const c = this.constant(right);
    if (path === null || !c.known || !Array.isArray(c.value)) return NOTHING;
    const values = c.value as unknown[];
    // Nothing is a member of an empty list.
    if (values.length === 0) return NEVER;
    if (!values.every((v) => typeof v === 'string')) return NOTHING;
    return { never: false, pins: new Map([[path, new Set(values as string[])]]) };
  }

  /** The field a plain path names, resolved in the compiler's order (vars, macros and lists shadow fields). */
  private fieldPath(node: Ast): string | null {
    const names: string[] = [];
    let n: Ast = node;
    while (n.type === 'Identifier' && n.from) { names.unshift(n.value); n = n.from; }
    if (n.type !== 'Identifier' || n.relative) return null;
    names.unshift(n.value);
    const root = names[0];
    const env = this.env;
    if (root.startsWith('$') || Object.hasOwn(env.macros, root) || Object.hasOwn(env.lists, root) || !FIELD_ROOTS.has(root)) return null;
    const path = names.join('.');
    return isKnownField(path) ? path : null;
  }

  /** A compile-time value: literals, `$vars`, constant arrays and `! == != && ||` over them. */
  private constant(node: Ast): Const {
    switch (node.type) {
      case 'Literal': return { known: true, value: node.value };
      case 'Identifier': {
        if (node.from || node.relative) return UNKNOWN;
        const name = node.value;
        if (name.startsWith('$')) {
          const v = name.slice(1);
          return Object.hasOwn(this.env.vars, v) ? { known: true, value: this.env.vars[v] } : UNKNOWN;
        }
        if (Object.hasOwn(this.env.macros, name)) return this.inMacro(name, (ast) => (ast ? this.constant(ast) : UNKNOWN)) ?? UNKNOWN;
        if (Object.hasOwn(this.env.lists, name)) return { known: true, value: this.env.lists[name] };
        return UNKNOWN;
      }
      case 'ArrayLiteral': {
        const out: unknown[] = [];
        for (const e of node.value) { const c = this.constant(e); if (!c.known) return UNKNOWN; out.push(c.value); }
        return { known: true, value: out };
      }
      case 'UnaryExpression': {
        if (node.operator !== '!') return UNKNOWN;
        const c = this.constant(node.right);
        return c.known ? { known: true, value: !c.value } : UNKNOWN;
      }
      case 'BinaryExpression': {
        const op = node.operator;
        if (op !== '==' && op !== '!=' && op !== '&&' && op !== '||') return UNKNOWN;
        const l = this.constant(node.left);
        if (!l.known) return UNKNOWN;
        // A falsy left decides `&&`, a truthy one `||`, whatever the right side is.
        if (op === '&&' && !l.value) return l;
        if (op === '||' && l.value) return l;
        const r = this.constant(node.right);
        if (!r.known) return UNKNOWN;
        if (op === '&&' || op === '||') return r;
        if (!isPrimitive(l.value) || !isPrimitive(r.value)) return UNKNOWN;
        // eslint-disable-next-line eqeqeq -- the compiled code uses jexl's loose equality
        return { known: true, value: op === '==' ? l.value == r.value : l.value != r.value };
      }
      default: return UNKNOWN;
    }
  }

  private inMacro<T>(name: string, fn: (ast: Ast | null) => T): T | null {
    if (this.stack.includes(name)) return null;
    let ast = this.macroAsts.get(name);
    if (ast === undefined) {
      const r = parse(this.env.macros[name].source);
      ast = r.ok ? r.ast : null;
      this.macroAsts.set(name, ast);
    }
    this.stack.push(name);
    try { return fn(ast); } finally { this.stack.pop(); }
  }
}

function isPrimitive(v: unknown): boolean {
  return v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Both truthy: every pin of either side holds (values of a field pinned twice intersect). */
function both(a: ConditionFacts, b: ConditionFacts): ConditionFacts {
  if (a.never || b.never) return NEVER;
  if (!b.pins.size) return a;
  if (!a.pins.size) return b;
  const pins = new Map(a.pins);
  for (const [f, vs] of b.pins) {
    const prev = pins.get(f);
    if (prev === undefined) { pins.set(f, vs); continue; }
    const common = new Set([...prev].filter((v) => vs.has(v)));
    if (!common.size) return NEVER;
    pins.set(f, common);
  }
  return { never: false, pins };
}

/** Either truthy: only fields pinned on both sides stay pinned, to the union of their values. */
function either(a: ConditionFacts, b: ConditionFacts): ConditionFacts {
  if (a.never) return b;
  if (b.never) return a;
  const pins = new Map<string, ReadonlySet<string>>();
  for (const [f, vs] of a.pins) {
    const other = b.pins.get(f);
    if (other !== undefined) pins.set(f, new Set([...vs, ...other]));
  }
  return pins.size ? { never: false, pins } : NOTHING;
}
