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
import { parseOnce } from './parse.ts';
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

/** The operands of `a op b op c …` (jexl's tree leans left), found without recursion: a generated allow-list may be thousands long. */
function chain(node: Extract<Ast, { type: 'BinaryExpression' }>, op: string): Ast[] {
  const rights: Ast[] = [];
  let n: Ast = node;
  while (n.type === 'BinaryExpression' && n.operator === op) { rights.push(n.right); n = n.left; }
  rights.push(n);
  return rights.reverse();
}

/** One analysis of macro bodies, each computed once per analyser (a macro may be reached along many paths). */
class MacroMemo<T> {
  private readonly done = new Map<string, T>();
  private readonly open = new Set<string>();
  constructor(private readonly cyclic: T) {}
  get(name: string, compute: () => T): T {
    const hit = this.done.get(name);
    if (hit !== undefined || this.done.has(name)) return hit as T;
    // The compiler refuses cycles before any analysis; this only keeps a bug from looping.
    if (this.open.has(name)) return this.cyclic;
    this.open.add(name);
    try {
      const v = compute();
      this.done.set(name, v);
      return v;
    } finally { this.open.delete(name); }
  }
}

export class FactsAnalyser {
  private readonly factsOf = new MacroMemo<ConditionFacts>(NOTHING);
  private readonly conjunctsOf = new MacroMemo<readonly Ast[] | null>(null);
  private readonly pureOf = new MacroMemo<boolean>(false);
  private readonly constantOf = new MacroMemo<Const>(UNKNOWN);
  private readonly primed = new Set<string>();

  constructor(private readonly env: CompileEnv) {}

  /**
   * Analyses these macros in this order, each after the macros it uses (the
   * compiler's plan), so that a long chain of macros is analysed without
   * recursing along it.
   */
  prime(order: readonly string[]): void {
    for (const name of order) {
      if (this.primed.has(name)) continue;
      this.primed.add(name);
      this.constant(macroRef(name));
      this.facts(macroRef(name));
      this.pure(macroRef(name));
      this.conjuncts(macroRef(name), []);
    }
  }

  facts(node: Ast | null | undefined): ConditionFacts {
    if (!node) return NOTHING;
    const c = this.constant(node);
    if (c.known) return c.value ? NOTHING : NEVER;
    const macro = this.macroName(node);
    if (macro !== null) return this.factsOf.get(macro, () => this.facts(this.macroAst(macro)));
    if (node.type !== 'BinaryExpression') return NOTHING;
    switch (node.operator) {
      case '&&': return chain(node, '&&').map((n) => this.facts(n)).reduce(both);
      case '||': return chain(node, '||').map((n) => this.facts(n)).reduce(either);
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
    const conj: Ast[] = [];
    if (!this.conjuncts(node, conj)) return null;
    for (const c of conj) {
      if (this.constant(c).known) continue;
      if (this.facts(c).pins.has('proto')) continue;
      return this.pure(c) ? c : null;
    }
    return null;
  }

  /** Flattens `a && b && …` through macros; false when a macro cannot be read. */
  private conjuncts(node: Ast | null | undefined, out: Ast[]): boolean {
    if (!node) return false;
    if (node.type === 'BinaryExpression' && node.operator === '&&') return chain(node, '&&').every((n) => this.conjuncts(n, out));
    const macro = this.macroName(node);
    if (macro !== null) {
      const inner = this.conjunctsOf.get(macro, () => {
        const list: Ast[] = [];
        return this.conjuncts(this.macroAst(macro), list) ? list : null;
      });
      if (inner === null) return false;
      out.push(...inner);
      return true;
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
        const macro = this.macroName(node);
        if (macro !== null) return this.pureOf.get(macro, () => { const ast = this.macroAst(macro); return ast !== null && this.pure(ast); });
        return false;
      }
      case 'UnaryExpression': return node.operator === '!' && this.pure(node.right);
      case 'BinaryExpression': return PURE_OPS.has(node.operator) && chain(node, node.operator).every((n) => this.pure(n));
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
        if (Object.hasOwn(this.env.macros, name)) return this.constantOf.get(name, () => { const ast = this.macroAst(name); return ast ? this.constant(ast) : UNKNOWN; });
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
        if (op === '&&' || op === '||') {
          // A falsy operand decides `&&`, a truthy one `||`, whatever follows; otherwise the last operand is the value.
          let acc: Const = UNKNOWN;
          for (const n of chain(node, op)) {
            acc = this.constant(n);
            if (!acc.known || (op === '&&' ? !acc.value : acc.value)) return acc;
          }
          return acc;
        }
        if (op !== '==' && op !== '!=') return UNKNOWN;
        const l = this.constant(node.left);
        if (!l.known) return UNKNOWN;
        const r = this.constant(node.right);
        if (!r.known) return UNKNOWN;
        if (!isPrimitive(l.value) || !isPrimitive(r.value)) return UNKNOWN;
        // eslint-disable-next-line eqeqeq -- the compiled code uses jexl's loose equality
        return { known: true, value: op === '==' ? l.value == r.value : l.value != r.value };
      }
      default: return UNKNOWN;
    }
  }

  /** The macro a bare identifier names, or null. */
  private macroName(node: Ast): string | null {
    return node.type === 'Identifier' && !node.from && !node.relative && Object.hasOwn(this.env.macros, node.value) ? node.value : null;
  }

  private macroAst(name: string): Ast | null {
    const r = parseOnce(this.env.macros[name]);
    return r.ok ? r.ast : null;
  }
}

function macroRef(name: string): Ast { return { type: 'Identifier', value: name }; }

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
