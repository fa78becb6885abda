/**
 * Writes compiled conditions and key expressions into a generated
 * dispatcher's code, in one namespace: their constants and helpers become
 * the dispatcher's bound constants, their filter predicates its functions.
 *
 * Why: a call per condition per event is most of what a rule that does not
 * match costs, and a condition written in place lets V8 see it whole. And
 * in one function, a macro that several conditions expand (a pack's
 * "trusted source" or "probe" fragment) can be computed once per event and
 * remembered, instead of once per rule. Conditions are pure within one
 * event (engine actions such as `context.set` run after the event has been
 * through every rule), so the remembered value is the one each use would
 * compute.
 *
 * A memo is a local of the generated function, `let x = U` at its start;
 * `U` is the dispatcher's "not computed" marker. Only expansions at the root
 * scope are remembered: a filter predicate is a function of its own.
 */
import type { Naming } from '../expr/codegen.ts';
import { exprEnv, exprMacros, helperFunction, inlineCode, regenerate, RUNTIME_FUNCTIONS } from '../expr/compile.ts';

type Fn = (s: object) => unknown;

/**
 * Inlined code per dispatcher, in characters. Past it expressions are called
 * instead: V8 does not optimise a function whose bytecode is too large, and
 * an unoptimised dispatcher would cost far more than the calls it saves.
 */
const CODE_BUDGET = 24_000;

/** A literal or a field read: cheaper to compute again than to remember. */
const TRIVIAL = /^\((?:true|false|undefined|-?\d+(?:\.\d+)?|"[^"\\]*"|s(?:\??\.[A-Za-z_][A-Za-z0-9_]*)+)\)$/;

export class Inliner {
  /** Statements for the scope around the generated function (runtime functions, predicates). */
  readonly declarations: string[] = [];
  /** Per-event memos (locals, or fields under `scope`): each must start as `U` on every event. */
  readonly memos: string[] = [];
  private readonly uses = new Map<string, number>();
  private readonly memoOf = new Map<string, string>();
  private readonly envIds = new Map<object, number>();
  private predicates = 0;
  private spent = 0;
  private runtimeBound = false;

  /**
   * `bind(value)` names a value in the generated function's scope (the same
   * name for the same value). `scope` prefixes memo names when they live on
   * an object rather than as locals (`'M.'`).
   */
  constructor(private readonly bind: (v: unknown) => string, private readonly scope = '') {}

  /** Counts the macros the expressions expand, so `code` remembers those expanded more than once per event. */
  plan(fns: Iterable<Fn>): void {
    for (const fn of fns) {
      const env = exprEnv(fn);
      if (env === undefined) continue;
      const id = this.envId(env);
      for (const name of exprMacros(fn)) { const key = `${id}:${name}`; this.uses.set(key, (this.uses.get(key) ?? 0) + 1); }
    }
  }

  /**
   * JS expression text computing `fn(s)` with `s` the event, to be evaluated
   * inside a try/catch that yields undefined; undefined when `fn` cannot be
   * written in place (not made by the expression compiler, or over budget).
   */
  code(fn: Fn): string | undefined {
    const env = exprEnv(fn);
    if (env === undefined) return inlineCode(fn);
    const id = this.envId(env);
    // Code that needs nothing but the event and shares no macro is the compiler's own text: no need to write it again.
    const plain = inlineCode(fn);
    if (plain !== undefined && !exprMacros(fn).some((name) => (this.uses.get(`${id}:${name}`) ?? 0) >= 2)) return plain;
    if (this.spent > CODE_BUDGET) return plain;
    const naming: Naming = {
      constant: (v) => this.bind(v),
      helper: (name) => this.bind(helperFunction(env, name)),
      predicate: (text) => { const name = `q${this.predicates++}`; this.declarations.push(text(name)); return name; },
      macro: (name, code) => this.remembered(`${id}:${name}`, code),
    };
    const code = regenerate(fn, naming);
    if (code === undefined) return undefined;
    this.spent += code.length;
    if (!this.runtimeBound) {
      this.runtimeBound = true;
      for (const [name, f] of Object.entries(RUNTIME_FUNCTIONS)) this.declarations.push(`const ${name} = ${this.bind(f)};`);
    }
    return code;
  }

  private remembered(key: string, code: string): string {
    if ((this.uses.get(key) ?? 0) < 2 || TRIVIAL.test(code)) return code;
    let x = this.memoOf.get(key);
    if (x === undefined) { x = `x${this.memoOf.size}`; this.memoOf.set(key, x); this.memos.push(x); }
    const m = this.scope + x;
    return `(${m} !== U ? ${m} : (${m} = ${code}))`;
  }

  private envId(env: object): number {
    let id = this.envIds.get(env);
    if (id === undefined) { id = this.envIds.size; this.envIds.set(env, id); }
    return id;
  }
}
