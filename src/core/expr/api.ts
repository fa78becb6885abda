/**
 * Contract of the expression compiler (src/core/expr/). jexl parses; vigil
 * compiles the AST once into a plain JS function. Used by the rule loader for
 * `when`, key expressions, type parameters and `{{ }}` templates.
 */
import type { CompiledExpr, CompiledTemplate, Diagnostic, SourceLoc } from '../rules/types.ts';
import type { HostFacts } from '../host.ts';

/** Runtime services the helpers call. Looked up at call time, so the engine can swap host facts or contexts. */
export interface HelperRuntime {
  host: HostFacts;
  /** Is context `name` set for `key` (the key parts joined by the engine's key encoding)? */
  hasContext(name: string, key: readonly unknown[]): boolean;
}

export interface CompileEnv {
  /** Macro name → jexl source (expanded in place, recursively; cycles are errors). */
  readonly macros: Readonly<Record<string, { source: string; loc: SourceLoc; raw?: string }>>;
  /** List name → values. `x in name` and `in_list(x, "name")`. */
  readonly lists: Readonly<Record<string, readonly unknown[]>>;
  /** `$name` → value (constants folded into the compiled function). */
  readonly vars: Readonly<Record<string, unknown>>;
  /** Extra identifiers allowed besides fields (e.g. `count`, `key`, `data`, `rule` in templates). */
  readonly extraRoots?: readonly string[];
  readonly runtime: HelperRuntime;
}

export type CompileResult<T> = { ok: true; value: T } | { ok: false; diagnostics: Diagnostic[] };

/**
 * `loc` is where the expression text starts in its file; diagnostics point at
 * the exact column of the offending token inside it.
 *
 * `raw` (optional, as for a macro's `raw`) is the scalar as written in the
 * file from `loc` to its end: with it, positions inside folded blocks (`>`),
 * multi-line plain or quoted scalars and escaped quotes are exact, and the
 * excerpt shows the file's own lines. Without it, every line of `source` is
 * taken to start at `loc.col` (true of literal blocks `|`).
 */
export type CompileExprFn = (source: string, loc: SourceLoc, env: CompileEnv, raw?: string) => CompileResult<CompiledExpr>;
export type CompileTemplateFn = (source: string, loc: SourceLoc, env: CompileEnv, raw?: string) => CompileResult<CompiledTemplate>;
