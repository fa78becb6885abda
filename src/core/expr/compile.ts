/**
 * The expression compiler: jexl source → one plain JS function, built once
 * with `new Function`, never interpreted per event. Implements the contract
 * in api.ts; the language is documented in docs/expressions.md.
 */
import type { CompiledExpr, CompiledTemplate, Diagnostic, SourceLoc } from '../rules/types.ts';
import type { CompileEnv, CompileResult, CompileExprFn, CompileTemplateFn, HelperRuntime } from './api.ts';
import type { HelperFn } from './helpers/types.ts';
import { parse, type Ast } from './parse.ts';
import { Generator, NAMED_TEXT_LIMIT, type Frame, type Naming } from './codegen.ts';
import { bindHelpers } from './helpers/index.ts';
import { getProp, filterStatic, filterRelative, inOp } from './runtime.ts';
import { plainPlacement, rawPlacement, subPlacement, type Placement } from './locate.ts';
import { splitTemplate, renderValue, capRendered } from './template.ts';
import { FactsAnalyser, recordFacts, type ConditionFacts } from './pins.ts';

export { HELPER_NAMES, HELPERS } from './helpers/index.ts';
export { EXPR_CODES, type ExprCode } from './codes.ts';

/** Values a template may name besides event fields; used when `env.extraRoots` is not given. */
export const TEMPLATE_ROOTS: readonly string[] = ['rule', 'key', 'count', 'first_ts', 'data'];

// Helper implementations bound once per (runtime, lists) pair, shared by every expression of a ruleset.
const bound = new WeakMap<HelperRuntime, WeakMap<object, Record<string, HelperFn>>>();
function helpersFor(env: CompileEnv): Record<string, HelperFn> {
  let byLists = bound.get(env.runtime);
  if (!byLists) bound.set(env.runtime, (byLists = new WeakMap()));
  let h = byLists.get(env.lists);
  if (!h) byLists.set(env.lists, (h = bindHelpers({ runtime: env.runtime, lists: env.lists })));
  return h;
}

/** The runtime functions generated code calls by these names. */
export const RUNTIME_FUNCTIONS: Readonly<Record<string, unknown>> = { gp: getProp, fs: filterStatic, fr: filterRelative, inOp };

type Built = { ok: true; expr: CompiledExpr } | { ok: false; diagnostics: Diagnostic[] };

/** Deeper macro chains, or longer code, are not written into a caller's code (regenerate); the compiled function is called instead. */
const MAX_INLINED_MACRO_DEPTH = 32;

/** The "not computed yet" value of a shared macro's memo (see codegen's SHARE_ABOVE). */
const UNSET: object = Object.freeze({});

/**
 * A stack overflow (nesting beyond what recursion over the tree, or V8's
 * own parser, can take) or a string past V8's length limit. Input can cause
 * both, so they become a located error instead of escaping the loader.
 */
function isTooBig(err: unknown): boolean {
  return err instanceof RangeError;
}

function tooBig(source: string, place: Placement): Diagnostic {
  return {
    code: 'VGL_EXPR_SYNTAX', severity: 'error', loc: place.at(0),
    message: 'the expression is too deeply nested or too large to compile; write a long list of alternatives as a list (`src.ip in allowed_ips`, with `allowed_ips` under `lists:`), and split deep nesting or long macro chains',
    excerpt: place.excerpt(0, Math.min(source.length, 80)),
  };
}

function placement(source: string, loc: SourceLoc, raw: string | undefined): Placement {
  return raw !== undefined && raw !== source ? rawPlacement(source, raw, loc) : plainPlacement(source, loc);
}

function build(source: string, loc: SourceLoc, place: Placement, env: CompileEnv, extraRoots: readonly string[]): Built {
  const parsed = parse(source);
  const frame: Frame = { source, place, tokens: parsed.tokens };
  if (!parsed.ok) {
    const p = parsed.problem;
    return { ok: false, diagnostics: [{ code: 'VGL_EXPR_SYNTAX', severity: 'error', loc: place.at(p.offset), message: p.message, excerpt: place.excerpt(p.offset, p.length) }] };
  }
  try {
    return generate(parsed.ast, source, loc, frame, env, extraRoots);
  } catch (err) {
    if (!isTooBig(err)) throw err;
    return { ok: false, diagnostics: [tooBig(source, place)] };
  }
}

function generate(ast: Ast, source: string, loc: SourceLoc, frame: Frame, env: CompileEnv, extraRoots: readonly string[]): Built {
  const helpers = helpersFor(env);
  const gen = new Generator(env, { runtime: env.runtime, lists: env.lists }, extraRoots);
  const code = gen.root(ast, frame);
  if (gen.diagnostics.length) return { ok: false, diagnostics: gen.diagnostics };
  const prelude = [
    ...gen.consts.map((_, i) => `const k${i} = K[${i}];`),
    ...[...gen.helperRefs].map(([name, ref]) => `const ${ref} = H[${JSON.stringify(name)}];`),
    ...gen.memos.map((x) => `let ${x} = U;`),
    ...gen.functions,
  ].join('\n');
  const reset = gen.memos.map((x) => `${x} = U; `).join('');
  // Any runtime error (e.g. indexing undefined) yields undefined, as the contract says.
  const body = `${prelude}\nreturn function vigilExpr(s) { ${reset}try { return ${code}; } catch { return undefined; } };`;
  const factory = new Function('K', 'H', 'U', ...Object.keys(RUNTIME_FUNCTIONS), body) as (...deps: unknown[]) => (scope: object) => unknown;
  const fn = factory(gen.consts, helpers, UNSET, ...Object.values(RUNTIME_FUNCTIONS));
  recordFacts(fn, factsOf(ast, frame, env, gen.plan.order));
  if (gen.consts.length === 0 && gen.helperRefs.size === 0 && gen.functions.length === 0) selfContained.set(fn, code);
  sources.set(fn, { ast, frame, env, extraRoots, expansions: gen.plan.expansions });
  return { ok: true, expr: { source, loc, fn, fields: [...gen.fields] } };
}

// One analyser per environment: what it learns of a macro holds for every expression of the ruleset.
const analysers = new WeakMap<CompileEnv, FactsAnalyser>();

/** What the condition's shape tells (see pins.ts); nothing, which is always safe, when the tree is too deep to analyse. */
function factsOf(ast: Ast, frame: Frame, env: CompileEnv, macroOrder: readonly string[]): ConditionFacts {
  try {
    let analyser = analysers.get(env);
    if (!analyser) analysers.set(env, (analyser = new FactsAnalyser(env)));
    analyser.prime(macroOrder);
    const facts = analyser.facts(ast);
    return { ...facts, guard: facts.never ? undefined : guardOf(analyser.leadingGuard(ast), frame, env) };
  } catch (err) {
    if (!isTooBig(err)) throw err;
    return { never: false, pins: new Map() };
  }
}

/** What it takes to write a compiled expression's code again under another naming. */
interface ExprSource {
  readonly ast: Ast;
  readonly frame: Frame;
  readonly env: CompileEnv;
  readonly extraRoots: readonly string[];
  /** Macros expanded at the root scope → expansions, 2 meaning two or more. */
  readonly expansions: ReadonlyMap<string, number>;
}
const sources = new WeakMap<object, ExprSource>();

/** An expression's compile environment (the same object for every expression of one ruleset), or undefined. */
export function exprEnv(fn: (scope: object) => unknown): CompileEnv | undefined { return sources.get(fn)?.env; }

/**
 * The macros an expression expands at its root scope: once when expanded
 * once, twice when expanded more than once (empty for a function this
 * compiler did not make).
 */
export function exprMacros(fn: (scope: object) => unknown): readonly string[] {
  const src = sources.get(fn);
  return src ? [...src.expansions].flatMap(([name, n]) => (n > 1 ? [name, name] : [name])) : [];
}

/**
 * The code of a compiled expression written again under `naming` (constants,
 * bound helpers and predicates named by the caller, which places them in its
 * own scope, as it places the RUNTIME_FUNCTIONS), or undefined for a function
 * this compiler did not make. Evaluated with `s` bound to the scope, inside a
 * try/catch yielding undefined, it gives what `fn(s)` gives. `naming.helper`
 * receives the helper's name; `helperFunction` gives the bound function.
 * Macros are written at each use (the caller remembers their values), so
 * this is also undefined when that text grows past NAMED_TEXT_LIMIT or the
 * macros nest past MAX_INLINED_MACRO_DEPTH.
 */
export function regenerate(fn: (scope: object) => unknown, naming: Naming): string | undefined {
  const src = sources.get(fn);
  if (!src) return undefined;
  const gen = new Generator(src.env, { runtime: src.env.runtime, lists: src.env.lists }, src.extraRoots, naming);
  let code: string;
  try {
    code = gen.root(src.ast, src.frame);
  } catch (err) {
    if (!isTooBig(err)) throw err;
    return undefined;
  }
  // A long macro chain may nest the caller's memos as deep as the chain, and a macro used twice per
  // level doubles the text per level (ropes keep that cheap until here): either would not parse.
  return gen.diagnostics.length || gen.oversized || gen.plan.depth > MAX_INLINED_MACRO_DEPTH || code.length > NAMED_TEXT_LIMIT ? undefined : code;
}

/** The bound implementation of helper `name` for expressions compiled in `env`. */
export function helperFunction(env: CompileEnv, name: string): HelperFn | undefined { return helpersFor(env)[name]; }

// Code of expressions that need nothing but the scope `s`, for callers that inline it.
const selfContained = new WeakMap<object, string>();

/**
 * The JS expression text of a compiled expression that reads only its scope
 * variable `s` (no constants, helpers or hoisted functions), or undefined.
 * Evaluated with `s` bound to the scope, inside a try/catch yielding
 * undefined, it gives exactly what `fn(s)` gives.
 */
export function inlineCode(fn: (scope: object) => unknown): string | undefined { return selfContained.get(fn); }

/** The guard conjunct compiled alone; undefined when its code would need hoisted values or helpers. */
function guardOf(node: Ast | null, frame: Frame, env: CompileEnv): { code: string; fn: (scope: object) => unknown } | undefined {
  if (node === null) return undefined;
  const gen = new Generator(env, { runtime: env.runtime, lists: env.lists }, []);
  const code = gen.root(node, frame);
  if (gen.diagnostics.length || gen.consts.length || gen.helperRefs.size || gen.functions.length) return undefined;
  const fn = new Function(`return function vigilGuard(s) { try { return ${code}; } catch { return undefined; } };`)() as (scope: object) => unknown;
  selfContained.set(fn, code);
  return { code, fn };
}

/** Compiles a condition or value expression. `loc` is where `source` starts in its file. */
export const compileExpr: CompileExprFn = (source, loc, env, raw): CompileResult<CompiledExpr> => {
  const r = build(source, loc, placement(source, loc, raw), env, env.extraRoots ?? []);
  return r.ok ? { ok: true, value: r.expr } : { ok: false, diagnostics: r.diagnostics };
};

/** One straight-line function concatenating the texts and the rendered holes (no loop, no array per call). */
function joinParts(texts: readonly string[], fns: readonly ((scope: object) => unknown)[]): (scope: object) => string {
  if (fns.length === 0) { const text = texts[0]; return () => text; }
  const terms = [JSON.stringify(texts[0])];
  fns.forEach((_, i) => terms.push(`rv(F[${i}](s))`, JSON.stringify(texts[i + 1])));
  const factory = new Function('F', 'rv', 'cap', `return function vigilTemplate(s) { return cap(${terms.filter((t) => t !== '""').join(' + ')}); };`);
  return factory(fns, renderValue, capRendered) as (scope: object) => string;
}

/**
 * Compiles a string with `{{ expression }}` holes. Holes may name event
 * fields and `env.extraRoots` (default TEMPLATE_ROOTS). Missing values render
 * as '', numbers as JS prints them, objects as JSON; a hole that fails
 * renders as ''. A literal `{{` is written `{{ '{{' }}`.
 */
export const compileTemplate: CompileTemplateFn = (source, loc, env, raw): CompileResult<CompiledTemplate> => {
  const place = placement(source, loc, raw);
  const split = splitTemplate(source);
  if (!split.ok) {
    return { ok: false, diagnostics: [{ code: 'VGL_EXPR_TEMPLATE', severity: 'error', loc: place.at(split.offset), message: split.message, excerpt: place.excerpt(split.offset, split.length) }] };
  }
  const roots = env.extraRoots ?? TEMPLATE_ROOTS;
  const texts: string[] = [''];
  const fns: ((scope: object) => unknown)[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const part of split.parts) {
    if (part.kind === 'text') { texts[texts.length - 1] += part.text; continue; }
    // Holes are placed through the whole template, so excerpts show the line the author wrote.
    const holePlace = subPlacement(place, part.offset);
    const r = build(part.source, holePlace.at(0), holePlace, env, roots);
    if (!r.ok) {
      diagnostics.push(...r.diagnostics);
      continue;
    }
    fns.push(r.expr.fn);
    texts.push('');
  }
  if (diagnostics.length) return { ok: false, diagnostics };
  return { ok: true, value: { source, render: joinParts(texts, fns) } };
};
