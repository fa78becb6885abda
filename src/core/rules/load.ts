/**
 * The rule loader: rule files → a validated, compiled Ruleset, or every
 * problem found in one pass. A ruleset with any error is refused as a whole
 * (ruleset null), so a reload never swaps in half a ruleset.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { Diagnostic, Rule, Ruleset } from './types.ts';
import type { CompileEnv, HelperRuntime } from '../expr/api.ts';
import type { HostFacts } from '../host.ts';
import { emptyHostFacts } from '../host.ts';
import { compileExpr, compileTemplate, TEMPLATE_ROOTS } from '../expr/compile.ts';
import { CORRELATION_TYPES } from '../engine/types/index.ts';
import { DiagnosticSink } from './context.ts';
import { parseSource, toPlain, type ParsedFile } from './source.ts';
import { collect } from './collect.ts';
import { compileRule, type TypeRegistry } from './compile-rule.ts';
import { checkMacros } from './macro-check.ts';
import { ExprTools } from './exprs.ts';
import { ValueReader } from './values.ts';
import { BUILTIN_ACTIONS } from './builtin-actions.ts';
import { listRuleFiles } from './files.ts';
import { ruleHash } from './hash.ts';
import { suggestion } from '../text/nearest.ts';
import type { KnownActions } from './actions.ts';
import { resolveContextLimits, warnUnsetContexts } from './context-limits.ts';

export interface LoadOptions {
  /**
   * Services the compiled helpers call (host facts, contexts). Pass the
   * engine's `helpers` so conditions see the engine's contexts; when absent,
   * one is made from `host` with no contexts set.
   */
  readonly runtime?: HelperRuntime;
  /** Host facts for a runtime made here (ignored when `runtime` is given). */
  readonly host?: HostFacts;
  /** Known action plugins by name, with their per-rule params schema. `context.set`/`context.delete` are always known. */
  readonly actions?: ReadonlyMap<string, { readonly paramsSchema?: z.ZodType }>;
  /** Var values from config or the command line; they win over every rule file. */
  readonly varOverrides?: Readonly<Record<string, unknown>>;
  /** Where `varOverrides` came from, for the location of their diagnostics (default "<vars>"). */
  readonly varOverridesSource?: string;
  /**
   * A rule test case's `case.yaml`. Its `lists:` and `macros:` sections are
   * read after every rule file, like one more file that may only redefine
   * (or, with `name+`, extend) lists and macros the rule files define; its
   * other keys belong to the test runner and are not read here.
   */
  readonly caseOverlay?: { readonly path: string; readonly text: string };
  /** Correlation types (default: the engine's registry). */
  readonly types?: TypeRegistry;
}

export interface LoadResult {
  /** The compiled ruleset, or null when any error was found. */
  readonly ruleset: Ruleset | null;
  /** Errors and warnings in file load order, then by position. */
  readonly diagnostics: Diagnostic[];
}

/** Load every rule file under `dirs` (see files.ts for the order). */
export function loadRuleset(dirs: readonly string[], opts: LoadOptions = {}): LoadResult {
  const listing = listRuleFiles(dirs);
  const texts: Array<{ path: string; text: string }> = [];
  const readProblems: Diagnostic[] = listing.problems.map((p) => ({
    code: 'VGL_FILE_READ', severity: 'error', loc: { file: p.path, line: 1, col: 1 },
    message: `rules directory \`${p.path}\` cannot be read: ${p.reason}; check the path given in the config or on the command line`,
  }));
  for (const path of listing.files) {
    try { texts.push({ path, text: readFileSync(path, 'utf8') }); } catch (err) {
      readProblems.push({ code: 'VGL_FILE_READ', severity: 'error', loc: { file: path, line: 1, col: 1 }, message: `rule file \`${path}\` cannot be read: ${(err as Error).message}` });
    }
  }
  const r = loadRulesetFromText(texts, opts);
  if (!readProblems.length) return r;
  return { ruleset: null, diagnostics: [...readProblems, ...r.diagnostics] };
}

/** Load rule files given as text, in the order given (the paths only label diagnostics). */
export function loadRulesetFromText(files: ReadonlyArray<{ readonly path: string; readonly text: string }>, opts: LoadOptions = {}): LoadResult {
  const sink = new DiagnosticSink();
  const parsed: ParsedFile[] = [];
  for (const f of files) {
    const p = parseSource(f.path, f.text);
    sink.addSource(f.path, p.lines);
    reportParseProblems(p, sink);
    parsed.push(p);
  }
  let overlay: ParsedFile | undefined;
  if (opts.caseOverlay) {
    overlay = parseSource(opts.caseOverlay.path, opts.caseOverlay.text);
    sink.addSource(overlay.file, overlay.lines);
    reportParseProblems(overlay, sink);
  }
  const c = collect(parsed, sink, overlay);

  const vars: Record<string, unknown> = {};
  for (const v of c.vars.values()) vars[v.name] = v.value;
  for (const [name, value] of Object.entries(opts.varOverrides ?? {})) {
    if (!Object.hasOwn(vars, name)) {
      sink.warn('VGL_VAR_OVERRIDE_UNKNOWN', { file: opts.varOverridesSource ?? '<vars>', line: 1, col: 1 },
        `var override \`${name}\` names no var defined by the rule files, so it has no effect${suggestion(name, Object.keys(vars))}`);
    }
    vars[name] = value;
  }
  const lists: Record<string, readonly unknown[]> = {};
  for (const l of c.lists.values()) lists[l.name] = Object.freeze([...l.values]);
  const macros: Record<string, { source: string; loc: Diagnostic['loc']; raw?: string }> = {};
  for (const m of c.macros.values()) macros[m.name] = m.raw !== undefined ? { source: m.source, loc: m.loc, raw: m.raw } : { source: m.source, loc: m.loc };
  Object.freeze(vars); Object.freeze(lists); Object.freeze(macros);

  const runtime: HelperRuntime = opts.runtime ?? { host: opts.host ?? emptyHostFacts(), hasContext: () => false };
  const env: CompileEnv = { macros, lists, vars, runtime };
  const templateEnv: CompileEnv = { ...env, extraRoots: TEMPLATE_ROOTS };
  const compiler = { compileExpr, compileTemplate };
  const known: KnownActions = new Map([...BUILTIN_ACTIONS, ...(opts.actions ?? [])]);

  checkMacros(env, (name) => {
    const m = c.macros.get(name)!;
    return m.raw !== undefined ? { kind: 'scalar', value: m.source, loc: m.loc, textLoc: m.loc, raw: m.raw } : { kind: 'scalar', value: m.source, loc: m.loc, textLoc: m.loc };
  }, (e) => new ExprTools(compiler, e, templateEnv, sink, undefined));

  const enabled: Rule[] = [];
  const disabled: Rule[] = [];
  const deps = {
    sink,
    types: opts.types ?? CORRELATION_TYPES,
    known,
    toolsFor: (rule: string) => ({
      reader: new ValueReader(vars, sink, rule),
      exprs: new ExprTools(compiler, env, templateEnv, sink, rule),
    }),
  };
  for (const def of c.rules) {
    const compiled = compileRule(def, deps);
    if (!compiled) continue;
    const definition: Record<string, unknown> = {};
    for (const [k, e] of def.fields) definition[k] = toPlain(e.node);
    const rule: Rule = Object.freeze({ ...compiled.rule, hash: ruleHash(definition, { vars, lists, macros }) });
    (compiled.enabled ? enabled : disabled).push(rule);
  }

  const contexts = Object.freeze(resolveContextLimits(c.contexts, new ValueReader(vars, sink, undefined), sink));
  warnUnsetContexts(c.contexts, contexts, [...enabled, ...disabled], sink);

  const diagnostics = sink.sorted([...files.map((f) => f.path), ...(overlay ? [overlay.file] : [])]);
  if (sink.errorCount > 0) return { ruleset: null, diagnostics };
  const ruleset: Ruleset = Object.freeze({
    rules: Object.freeze(enabled),
    disabled: Object.freeze(disabled),
    vars,
    lists,
    contexts,
    files: Object.freeze(files.map((f) => f.path)),
  });
  return { ruleset, diagnostics };
}

function reportParseProblems(p: ParsedFile, sink: DiagnosticSink): void {
  for (const problem of p.problems) {
    if (problem.kind === 'alias') sink.error('VGL_YAML_SYNTAX', problem.loc, problem.message);
    else sink.error('VGL_YAML_SYNTAX', problem.loc, `YAML syntax error: ${problem.message}; fix the YAML here (nothing of this file was loaded)`);
  }
}
