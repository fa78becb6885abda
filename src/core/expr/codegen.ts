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
import { parse, findName } from './parse.ts';
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

type MacroParse = { ok: true; frame: Frame; ast: Ast } | { ok: false };

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
  /** Macros expanded at the root scope, once per expansion (a macro used twice is listed twice). */
  readonly macrosExpanded: string[] = [];
  private readonly reported = new Set<string>();
  private readonly macroStack: string[] = [];
  private readonly macroCache = new Map<string, MacroParse>();
  private readonly extraRoots: ReadonlySet<string>;

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
    if (this.macroStack.includes(name)) {
      const chain = [...this.macroStack.slice(this.macroStack.indexOf(name)), name].join(' → ');
      this.report(frame, 'VGL_EXPR_MACRO_CYCLE', this.at(frame, [name], 'path'), name.length,
        `macro \`${name}\` uses itself (${chain}); break the cycle`);
      return 'undefined';
    }
    let parsed = this.macroCache.get(name);
    if (!parsed) {
      const def = this.env.macros[name];
      const r = parse(def.source);
      const place = def.raw !== undefined ? rawPlacement(def.source, def.raw, def.loc) : plainPlacement(def.source, def.loc);
      const mframe: Frame = { source: def.source, place, tokens: r.tokens, macro: name };
      if (r.ok) parsed = { ok: true, frame: mframe, ast: r.ast };
      else {
        this.report(mframe, 'VGL_EXPR_SYNTAX', r.problem.offset, r.problem.length, r.problem.message);
        parsed = { ok: false };
      }
      this.macroCache.set(name, parsed);
    }
    if (!parsed.ok) return 'undefined';
    this.macroStack.push(name);
    try {
      const code = `(${this.gen(parsed.ast, parsed.frame, rel)})`;
      if (rel === 's') this.macrosExpanded.push(name);
      // Not inside a filter predicate (rel 'r'): predicates are functions of their own, outside the caller's locals.
      return this.naming?.macro && rel === 's' ? this.naming.macro(name, code) : code;
    } finally {
      this.macroStack.pop();
    }
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
