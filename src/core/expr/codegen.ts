/**
 * jexl AST → JavaScript source. Names are resolved here (macros, $vars,
 * lists, fields, extra roots, helpers), so every naming mistake is found at
 * load time, and each operator is emitted with jexl's own semantics.
 */
import type { Diagnostic } from '../rules/types.ts';
import type { CompileEnv } from './api.ts';
import type { Ast, Token } from './parse.ts';
import type { ExprCode } from './codes.ts';
import type { ConstArg, HelperContext, HelperFn } from './helpers/types.ts';
import { parseOnce, findName, type SyntaxProblem } from './parse.ts';
import { plainPlacement, rawPlacement, type Placement } from './locate.ts';
import { didYouMean, nearest, suggestion } from '../text/nearest.ts';
import { HELPER_BY_NAME, HELPER_NAMES } from './helpers/index.ts';
import { FIELDS, FIELD_PREFIXES, isKnownField } from '../fields.ts';

/** A piece of source being compiled: the expression itself or a macro body. */
export interface Frame {
  readonly source: string;
  readonly place: Placement;
  readonly tokens: readonly Token[];
  /** Set when this frame is a macro body. */
  readonly macro?: string;
}

const FIELD_ROOTS: ReadonlySet<string> = new Set(FIELDS.map((f) => f.name.split('.')[0]));
const ALL_FIELD_PATHS: readonly string[] = [...FIELDS.map((f) => f.name), ...FIELD_PREFIXES];
const SIMPLE_OPS = new Set(['+', '-', '*', '/', '%', '==', '!=', '>', '>=', '<', '<=', '&&', '||']);
const AFTER_OPERAND = new Set(['identifier', 'literal', 'closeParen', 'closeBracket', 'closeCurl']);
const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** jexl has no null literal; these read as undefined, as they would from an event. */
const UNDEFINED_NAMES = new Set(['null', 'undefined']);

type MacroParse = { ok: true; frame: Frame; ast: Ast } | { ok: false; frame: Frame; problem: SyntaxProblem };
/** The scope variable an expansion reads relative names from: `s` at the root, `r` inside a filter predicate. */
type Rel = 's' | 'r';

const macroParses = new WeakMap<object, MacroParse & { name: string }>();

/** A macro's parsed body and where it sits in its file, once per definition (every expression of a ruleset shares them). */
function parsedMacro(name: string, def: CompileEnv['macros'][string]): MacroParse {
  const hit = macroParses.get(def);
  if (hit !== undefined && hit.name === name) return hit;
  const r = parseOnce(def);
  const place = def.raw !== undefined ? rawPlacement(def.source, def.raw, def.loc) : plainPlacement(def.source, def.loc);
  const frame: Frame = { source: def.source, place, tokens: r.tokens, macro: name };
  const parsed = r.ok ? { ok: true as const, frame, ast: r.ast, name } : { ok: false as const, frame, problem: r.problem, name };
  macroParses.set(def, parsed);
  return parsed;
}

/**
 * A macro used more than once whose code is longer than this is computed
 * once per evaluation, in a function of its own; a shorter one is written
 * at each use. Written-in-place text is what makes conditions fast, but a
 * macro that uses another twice, nested, would double the text per level.
 * Short enough that a pack's small shared fragments (a flag mask) stay in
 * place, and so that the written text stays linear in the macros' size.
 */
const SHARE_ABOVE = 160;

/**
 * Under a `naming` (code written into the engine's dispatcher), the longest
 * text a macro may take; see Generator.oversized.
 */
export const NAMED_TEXT_LIMIT = 64_000;

/**
 * Macro chains longer than this are written bottom-up, each macro before
 * those that use it, so the generator's recursion does not grow with the
 * chain (2,000 macros each using the next overflowed the stack).
 */
const DEEP_MACROS = 32;

/** `rel:name` → the macros a macro's body names, per compile environment (they depend on nothing else). */
const usesByEnv = new WeakMap<CompileEnv, Map<string, ReadonlyArray<readonly [string, Rel]>>>();

/** How the macros of one expression are used, read before any code is written. */
export interface MacroPlan {
  /** `rel:name` → uses, counting each macro's body once (its code is written once). */
  readonly refs: ReadonlyMap<string, number>;
  /** Macros used at the root scope, each after the macros its body uses (a cycle is cut where it closes). */
  readonly order: readonly string[];
  /** The longest chain of macros using one another at the root scope. */
  readonly depth: number;
  /** Macros expanded at the root scope → expansions, 2 meaning two or more. */
  readonly expansions: ReadonlyMap<string, number>;
}

/**
 * How generated code names what it needs from outside, when the default (a
 * standalone function of its own: constants `k0…`, helpers `h_name`, filter
 * predicates `f0…`) will not do: the engine's dispatcher writes many
 * expressions into one function and names everything in one namespace.
 */
export interface Naming {
  /** Name of a constant value (the same value may be asked for more than once). */
  constant(value: unknown): string;
  /** Name of the bound helper `name`. */
  helper(name: string): string;
  /** Name for a hoisted filter predicate, whose declaration `text(name)` gives. */
  predicate(text: (name: string) => string): string;
  /** A macro's expansion at the root scope: the code to use in its place. */
  macro?(name: string, code: string): string;
}

export class Generator {
  readonly consts: unknown[] = [];
  readonly helperRefs = new Map<string, string>();
  readonly functions: string[] = [];
  readonly fields = new Set<string>();
  readonly diagnostics: Diagnostic[] = [];
  /** Variables of the compiled function's scope holding a shared macro's value for one evaluation (see SHARE_ABOVE): reset to `U` on every call. */
  readonly memos: string[] = [];
  /** Set by root(). */
  plan: MacroPlan = { refs: new Map(), order: [], depth: 0, expansions: new Map() };
  private readonly reported = new Set<string>();
  private readonly macroStack: string[] = [];
  private readonly macroOpen = new Set<string>();
  /** `rel:name` → the code written at each use of the macro. */
  private readonly macroCode = new Map<string, string>();
  private readonly extraRoots: ReadonlySet<string>;
  /** Under a naming: some macro's text passed NAMED_TEXT_LIMIT, so the code is not to be used. */
  oversized = false;

  constructor(private readonly env: CompileEnv, private readonly helperCtx: HelperContext, extraRoots: readonly string[], private readonly naming?: Naming) {
    this.extraRoots = new Set(extraRoots);
  }

  /** Records a diagnostic at `offset` of the frame (once per code, place and name). */
  report(frame: Frame, code: ExprCode, offset: number, length: number, message: string): void {
    const at = frame.place.at(offset);
    const key = `${code}|${at.file}:${at.line}:${at.col}|${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const where = frame.macro ? `in macro \`${frame.macro}\`: ` : '';
    this.diagnostics.push({ code, severity: 'error', loc: at, message: where + message, excerpt: frame.place.excerpt(offset, length) });
  }

  private hoist(value: unknown): string {
    if (this.naming) return this.naming.constant(value);
    this.consts.push(value);
    return `k${this.consts.length - 1}`;
  }

  private helperRef(name: string): string {
    if (this.naming) return this.naming.helper(name);
    let ref = this.helperRefs.get(name);
    if (!ref) { ref = `h_${name}`; this.helperRefs.set(name, ref); }
    return ref;
  }

  /** Source of a JS expression computing the whole expression `node` at the root scope `s`. */
  root(node: Ast, frame: Frame): string {
    this.plan = this.planMacros(node);
    if (this.plan.depth > DEEP_MACROS) for (const name of this.plan.order) this.macro(name, frame, 's');
    return this.gen(node, frame, 's');
  }

  /** Source of a JS expression computing `node`; `rel` names the variable holding the relative context. */
  gen(node: Ast | null | undefined, frame: Frame, rel: string): string {
    // jexl's parser lets some incomplete input through (an operand missing inside brackets) and leaves a hole in the tree.
    if (!node) {
      this.report(frame, 'VGL_EXPR_SYNTAX', 0, frame.source.length, 'the expression is incomplete: an operator is missing an operand');
      return 'undefined';
    }
    switch (node.type) {
      case 'Literal': return literal(node.value);
      case 'Identifier': return this.identifier(node, frame, rel);
      case 'UnaryExpression':
        if (node.operator !== '!') return this.unsupported(frame, node.operator);
        return `(!${this.gen(node.right, frame, rel)})`;
      case 'BinaryExpression': return this.binary(node, frame, rel);
      case 'ConditionalExpression': {
        if (!node.alternate) {
          const end = frame.source.trimEnd().length;
          this.report(frame, 'VGL_EXPR_SYNTAX', Math.max(0, end - 1), 1, 'the conditional has no value after `:`; write `test ? a : b`');
          return 'undefined';
        }
        const test = this.gen(node.test, frame, rel);
        const alt = this.gen(node.alternate, frame, rel);
        // `a ?: b` yields a when truthy, which is exactly `||`.
        if (!node.consequent) return `(${test} || ${alt})`;
        return `(${test} ? ${this.gen(node.consequent, frame, rel)} : ${alt})`;
      }
      case 'ArrayLiteral': return `[${node.value.map((v) => this.gen(v, frame, rel)).join(', ')}]`;
      case 'ObjectLiteral':
        return `({${Object.entries(node.value).map(([k, v]) => `${JSON.stringify(k)}: ${this.gen(v, frame, rel)}`).join(', ')}})`;
      case 'FilterExpression': {
        if (!node.expr) {
          const i = frame.tokens.findIndex((t, k) => t.type === 'openBracket' && frame.tokens[k + 1]?.type === 'closeBracket');
          const off = i >= 0 ? frame.tokens[i].offset : 0;
          this.report(frame, 'VGL_EXPR_SYNTAX', off, 2, 'the brackets `[]` are empty; put an index or a filter inside, e.g. `[0]` or `[.port > 1024]`');
          return 'undefined';
        }
        const subject = this.gen(node.subject, frame, rel);
        if (!node.relative) return `fs(${subject}, ${this.gen(node.expr, frame, rel)})`;
        // The predicate becomes a hoisted function of (root scope, element); nested filters get their own.
        if (this.naming) {
          const body = this.gen(node.expr, frame, 'r');
          return `fr(${subject}, s, ${this.naming.predicate((name) => `function ${name}(s, r) { return ${body}; }`)})`;
        }
        const index = this.functions.push('') - 1;
        const body = this.gen(node.expr, frame, 'r');
        this.functions[index] = `function f${index}(s, r) { return ${body}; }`;
        return `fr(${subject}, s, f${index})`;
      }
      case 'FunctionCall': return this.call(node, frame, rel);
    }
  }

  private unsupported(frame: Frame, op: string): string {
    this.report(frame, 'VGL_EXPR_SYNTAX', 0, frame.source.length, `the operator \`${op}\` is not supported`);
    return 'undefined';
  }

  private binary(node: Extract<Ast, { type: 'BinaryExpression' }>, frame: Frame, rel: string): string {
    const op = node.operator;
    if (SIMPLE_OPS.has(op) && node.left?.type === 'BinaryExpression' && node.left.operator === op) {
      // jexl's tree of `a || b || c …` leans left; written flat (which means the same in JS: these
      // operators group from the left), a generated 2,000-address allow-list neither recurses here
      // per operand nor nests parentheses 2,000 deep, which overflows V8's own parser.
      const rights: Ast[] = [];
      let n: Ast | null | undefined = node;
      while (n?.type === 'BinaryExpression' && n.operator === op) { rights.push(n.right); n = n.left; }
      const parts = [this.gen(n, frame, rel)];
      for (let i = rights.length - 1; i >= 0; i--) parts.push(this.gen(rights[i], frame, rel));
      return `(${parts.join(` ${op} `)})`;
    }
    const left = this.gen(node.left, frame, rel);
    if (op === 'in') {
      const c = this.constOf(node.right);
      if (c.isConst && Array.isArray(c.value)) {
        // `===` membership; NaN never equals itself, so it cannot be a member.
        const set = new Set((c.value as unknown[]).filter((e) => e === e));
        this.gen(node.right, frame, rel); // still validates names inside
        return `${this.hoist(set)}.has(${left})`;
      }
      if (c.isConst && typeof c.value === 'string') return `(${JSON.stringify(c.value)}.indexOf(${left}) !== -1)`;
      return `inOp(${left}, ${this.gen(node.right, frame, rel)})`;
    }
    const right = this.gen(node.right, frame, rel);
    if (SIMPLE_OPS.has(op)) return `(${left} ${op} ${right})`;
    if (op === '//') return `Math.floor(${left} / ${right})`;
    if (op === '^') return `Math.pow(${left}, ${right})`;
    return this.unsupported(frame, op);
  }

  /** The compile-time value of a node, when it has one (literals, $vars, list names, constant arrays). */
  constOf(node: Ast): ConstArg {
    if (node.type === 'Literal') return { isConst: true, value: node.value };
    if (node.type === 'Identifier' && !node.from && !node.relative) {
      const name = node.value;
      if (Object.hasOwn(this.env.macros, name)) return { isConst: false };
      if (name.startsWith('$') && Object.hasOwn(this.env.vars, name.slice(1))) return { isConst: true, value: this.env.vars[name.slice(1)] };
      if (Object.hasOwn(this.env.lists, name)) return { isConst: true, value: this.env.lists[name] };
      return { isConst: false };
    }
    if (node.type === 'ArrayLiteral') {
      const vals: unknown[] = [];
      for (const v of node.value) {
        const c = this.constOf(v);
        if (!c.isConst) return { isConst: false };
        vals.push(c.value);
      }
      return { isConst: true, value: vals };
    }
    return { isConst: false };
  }

  private identifier(node: Extract<Ast, { type: 'Identifier' }>, frame: Frame, rel: string): string {
    const names: string[] = [];
    let base: Ast = node;
    while (base.type === 'Identifier' && base.from) { names.unshift(base.value); base = base.from; }
    if (base.type === 'Identifier' && !base.relative) {
      names.unshift(base.value);
      return this.rootPath(names, frame, rel);
    }
    if (base.type === 'Identifier' && rel === 's') {
      // jexl would read the name from the whole scope; in a rule that is a stray dot, not a filter member.
      const i = frame.tokens.findIndex((t, k) => t.type === 'dot' && (k === 0 || !AFTER_OPERAND.has(frame.tokens[k - 1].type)));
      this.report(frame, 'VGL_EXPR_SYNTAX', i >= 0 ? frame.tokens[i].offset : 0, 1 + base.value.length,
        `\`.${base.value}\` names a member of a filtered element, so it belongs inside a filter like \`list[.${base.value} > 1]\`; remove the leading dot`);
      return 'undefined';
    }
    let code = base.type === 'Identifier' ? `${rel}[${JSON.stringify(base.value)}]` : this.gen(base, frame, rel);
    for (const n of names) code = `gp(${code}, ${JSON.stringify(n)})`;
    return code;
  }

  private rootPath(names: readonly string[], frame: Frame, rel: string): string {
    const root = names[0];
    const rest = names.slice(1);
    const tail = (code: string): string => rest.reduce((c, n) => `gp(${c}, ${JSON.stringify(n)})`, code);
    const env = this.env;
    if (root.startsWith('$')) {
      const v = root.slice(1);
      if (Object.hasOwn(env.vars, v)) return tail(constCode(env.vars[v], (x) => this.hoist(x)));
      const fix = suggestion(root, Object.keys(env.vars).map((k) => `$${k}`), { otherwise: 'define it under `vars:` in a rule file' });
      this.report(frame, 'VGL_EXPR_UNKNOWN_VAR', this.at(frame, [root], 'path'), root.length, `\`${root}\` is not a defined var${fix}`);
      return 'undefined';
    }
    if (Object.hasOwn(env.macros, root)) return tail(this.macro(root, frame, rel));
    if (Object.hasOwn(env.lists, root)) return tail(this.hoist(env.lists[root]));
    if (FIELD_ROOTS.has(root)) {
      const path = names.join('.');
      if (isKnownField(path)) {
        this.fields.add(path);
        return `s.${root}${rest.map((n) => (SAFE_NAME.test(n) ? `?.${n}` : `?.[${JSON.stringify(n)}]`)).join('')}`;
      }
      const fix = suggestion(path, ALL_FIELD_PATHS, { otherwise: 'see the field reference for the valid names' });
      this.report(frame, 'VGL_EXPR_UNKNOWN_FIELD', this.at(frame, names, 'path'), path.length, `\`${path}\` is not a field${fix}`);
      return 'undefined';
    }
    if (this.extraRoots.has(root)) return tail(`s[${JSON.stringify(root)}]`);
    if (UNDEFINED_NAMES.has(root)) return tail('undefined');
    const candidates = [...ALL_FIELD_PATHS, ...this.extraRoots, ...Object.keys(env.macros), ...Object.keys(env.lists)];
    const path = names.join('.');
    const near = nearest(path, candidates) ?? nearest(root, candidates);
    const kinds = this.extraRoots.size ? 'a field, macro, list or template value' : 'a field, macro or list';
    this.report(frame, 'VGL_EXPR_UNKNOWN_FIELD', this.at(frame, names, 'path'), root.length,
      `\`${root}\` is not ${kinds}${near !== undefined ? didYouMean(near) : ''}`);
    return 'undefined';
  }

  private at(frame: Frame, names: readonly string[], kind: 'path' | 'call' | 'transform'): number {
    const off = findName(frame.tokens, names, kind);
    return off >= 0 ? off : 0;
  }

  private macro(name: string, frame: Frame, rel: string): string {
    const key = `${rel}:${name}`;
    // Each macro's code is written once per expression and reused, so work grows with the macros, not with their uses.
    const done = this.macroCode.get(key);
    if (done !== undefined) return done;
    if (this.macroOpen.has(name)) {
      const chain = cycleText([...this.macroStack.slice(this.macroStack.indexOf(name)), name]);
      this.report(frame, 'VGL_EXPR_MACRO_CYCLE', this.at(frame, [name], 'path'), name.length,
        `macro \`${name}\` uses itself (${chain}); break the cycle`);
      return 'undefined';
    }
    const parsed = parsedMacro(name, this.env.macros[name]);
    if (!parsed.ok) {
      this.report(parsed.frame, 'VGL_EXPR_SYNTAX', parsed.problem.offset, parsed.problem.length, parsed.problem.message);
      return 'undefined';
    }
    this.macroStack.push(name);
    this.macroOpen.add(name);
    let code: string;
    try {
      const body = this.gen(parsed.ast, parsed.frame, rel);
      // A macro that only names another is that macro's code (already in parentheses): wrapping each
      // link of a long alias chain again would nest parentheses deeper than V8's parser goes.
      const alias = parsed.ast.type === 'Identifier' && !parsed.ast.from && !parsed.ast.relative && Object.hasOwn(this.env.macros, parsed.ast.value);
      code = alias ? body : `(${body})`;
    } finally {
      this.macroStack.pop();
      this.macroOpen.delete(name);
    }
    if (this.naming) {
      // The caller's own memo (once per event) replaces a shared function here, and the text is written at
      // each use; past NAMED_TEXT_LIMIT (a macro used twice per level doubles it) the caller gets nothing.
      if (code.length > NAMED_TEXT_LIMIT) { this.oversized = true; code = 'undefined'; }
      // Not inside a filter predicate (rel 'r'): predicates are functions of their own, outside the caller's locals.
      else if (this.naming.macro && rel === 's') code = this.naming.macro(name, code);
    } else if ((this.plan.refs.get(key) ?? 0) > 1 && code.length > SHARE_ABOVE) code = this.shared(code, rel);
    this.macroCode.set(key, code);
    return code;
  }

  /**
   * A macro's code as a function of its own, called at each use. At the root
   * scope its value is remembered for the evaluation (conditions are pure
   * within one event), so a macro used twice per level costs one evaluation
   * per macro, not 2^levels; inside a filter predicate it depends on the
   * element and is computed at each use.
   */
  private shared(code: string, rel: string): string {
    const fn = `m${this.functions.length}`;
    if (rel !== 's') {
      this.functions.push(`function ${fn}(s, r) { return ${code}; }`);
      return `${fn}(s, r)`;
    }
    const x = `x${this.memos.length}`;
    this.memos.push(x);
    this.functions.push(`function ${fn}(s) { return ${code}; }`);
    return `(${x} !== U ? ${x} : (${x} = ${fn}(s)))`;
  }

  /** Macro uses of the expression and of every macro it reaches; see MacroPlan. */
  private planMacros(root: Ast): MacroPlan {
    const refs = new Map<string, number>();
    const rootUses: string[] = [];
    const edges = new Map<string, string[]>();
    const seen = new Set<string>();
    const queue: Array<[string, Rel]> = [];
    const note = (uses: ReadonlyArray<readonly [string, Rel]>, parent: string | null, atRoot: boolean): void => {
      for (const [name, rel] of uses) {
        const key = `${rel}:${name}`;
        refs.set(key, (refs.get(key) ?? 0) + 1);
        if (rel === 's' && atRoot) rootUses.push(name);
        else if (rel === 's' && parent !== null) {
          let list = edges.get(parent);
          if (!list) edges.set(parent, (list = []));
          list.push(name);
        }
        if (!seen.has(key)) { seen.add(key); queue.push([name, rel]); }
      }
    };
    note(this.macroUses(root, 's'), null, true);
    let known = usesByEnv.get(this.env);
    if (!known) usesByEnv.set(this.env, (known = new Map()));
    while (queue.length) {
      const [name, rel] = queue.pop()!;
      const key = `${rel}:${name}`;
      let uses = known.get(key);
      if (uses === undefined) {
        const parsed = parsedMacro(name, this.env.macros[name]);
        uses = parsed.ok ? this.macroUses(parsed.ast, rel) : [];
        known.set(key, uses);
      }
      note(uses, rel === 's' ? name : null, false);
    }
    // Post-order of the root-scope graph, iteratively (the chain may be thousands long).
    const order: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    let depth = 0;
    for (const start of rootUses) {
      if (state.has(start)) continue;
      state.set(start, 'open');
      const stack: Array<{ name: string; next: number }> = [{ name: start, next: 0 }];
      while (stack.length) {
        depth = Math.max(depth, stack.length);
        const top = stack[stack.length - 1];
        const kids = edges.get(top.name) ?? [];
        if (top.next < kids.length) {
          const k = kids[top.next++];
          // An open macro closes a cycle: cut here, the generator reports it.
          if (!state.has(k)) { state.set(k, 'open'); stack.push({ name: k, next: 0 }); }
        } else {
          state.set(top.name, 'done');
          order.push(top.name);
          stack.pop();
        }
      }
    }
    const expansions = new Map<string, number>();
    const add = (name: string, n: number): void => { expansions.set(name, Math.min(2, (expansions.get(name) ?? 0) + n)); };
    for (const name of rootUses) add(name, 1);
    // Reverse post-order puts every macro before the macros it uses.
    for (let i = order.length - 1; i >= 0; i--) {
      const n = expansions.get(order[i]) ?? 0;
      if (n) for (const k of edges.get(order[i]) ?? []) add(k, n);
    }
    return { refs, order, depth, expansions };
  }

  /** The macros `ast` names, in source order, each with the scope its code is written for (as gen resolves names). */
  private macroUses(ast: Ast, rel: Rel): Array<[string, Rel]> {
    const out: Array<[string, Rel]> = [];
    const work: Array<[Ast | null | undefined, Rel]> = [[ast, rel]];
    const push = (nodes: ReadonlyArray<Ast | null | undefined>, r: Rel): void => { for (let i = nodes.length - 1; i >= 0; i--) work.push([nodes[i], r]); };
    while (work.length) {
      const [node, r] = work.pop()!;
      if (!node) continue;
      switch (node.type) {
        case 'Identifier': {
          let base: Ast = node;
          while (base.type === 'Identifier' && base.from) base = base.from;
          if (base.type !== 'Identifier') work.push([base, r]);
          else if (!base.relative && !base.value.startsWith('$') && Object.hasOwn(this.env.macros, base.value)) out.push([base.value, r]);
          break;
        }
        case 'UnaryExpression': work.push([node.right, r]); break;
        case 'BinaryExpression': push([node.left, node.right], r); break;
        case 'ConditionalExpression': push([node.test, node.consequent, node.alternate], r); break;
        case 'ArrayLiteral': push(node.value, r); break;
        case 'ObjectLiteral': push(Object.values(node.value), r); break;
        case 'FilterExpression': work.push([node.expr, node.relative ? 'r' : r], [node.subject, r]); break;
        case 'FunctionCall': push(node.args, r); break;
        default: break;
      }
    }
    return out;
  }

  private call(node: Extract<Ast, { type: 'FunctionCall' }>, frame: Frame, rel: string): string {
    const kind = node.pool === 'transforms' ? 'transform' : 'call';
    const spec = HELPER_BY_NAME.get(node.name);
    const args = node.args.map((a) => this.gen(a, frame, rel));
    const offset = this.at(frame, [node.name], kind);
    if (!spec) {
      const fix = suggestion(node.name, HELPER_NAMES, { otherwise: 'see the helpers in the expression reference' });
      const what = kind === 'transform' ? 'transform' : 'helper function';
      this.report(frame, 'VGL_EXPR_UNKNOWN_HELPER', offset, node.name.length, `\`${node.name}\` is not a ${what}${fix}`);
      return 'undefined';
    }
    const n = node.args.length;
    if (n < spec.minArgs || n > spec.maxArgs) {
      const want = spec.minArgs === spec.maxArgs ? `${spec.minArgs}` : spec.maxArgs > 10 ? `at least ${spec.minArgs}` : `${spec.minArgs} to ${spec.maxArgs}`;
      const counted = kind === 'transform' ? ' (the value before `|` counts as the first)' : '';
      this.report(frame, 'VGL_EXPR_BAD_ARGS', offset, node.name.length,
        `${spec.name}() takes ${want} argument${want === '1' ? '' : 's'}, got ${n}${counted}; the signature is ${spec.signature}`);
      return 'undefined';
    }
    let fnRef: string | null = null;
    if (spec.specialize) {
      const special = spec.specialize(node.args.map((a) => this.constOf(a)), this.helperCtx);
      if (typeof special === 'function') fnRef = this.hoist(special as HelperFn);
      else if (special) {
        this.report(frame, special.code, offset, node.name.length, special.message);
        return 'undefined';
      }
    }
    return `${fnRef ?? this.helperRef(spec.name)}(${args.join(', ')})`;
  }
}

/** A cycle's macros in order; a long one shows its ends, so the message stays readable. */
function cycleText(names: readonly string[]): string {
  const SHOWN = 6;
  if (names.length <= 2 * SHOWN + 1) return names.join(' → ');
  return `${names.slice(0, SHOWN).join(' → ')} → … (${names.length - 2 * SHOWN} more) … → ${names.slice(-SHOWN).join(' → ')}`;
}

function literal(v: string | number | boolean): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '(-0)' : v < 0 ? `(${v})` : String(v);
  return JSON.stringify(v);
}

/** Primitives are inlined (so V8 folds them); objects are hoisted constants. */
function constCode(v: unknown, hoist: (x: unknown) => string): string {
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'number' && Number.isFinite(v)) return literal(v);
  if (v === undefined) return 'undefined';
  return hoist(v);
}
