/**
 * Test helper: YAML rule text → Ruleset, so engine specs read like rule
 * files. Until the project's rule loader and expression compiler are wired
 * in here, expressions are compiled with jexl's own evaluator (the reference
 * the compiled functions must equal), and type parameters go through each
 * correlation type's real `validate`.
 */
import jexlPkg from 'jexl';
import { parse } from 'yaml';
import type { ActionSpec, CompiledExpr, CompiledTemplate, Rule, Ruleset, SourceLoc } from '../../../src/core/rules/types.ts';
import type { ParamTools } from '../../../src/core/engine/types/api.ts';
import type { HelperRuntime } from '../../../src/core/expr/api.ts';
import type { Severity } from '../../../src/core/hit.ts';
import type { EventKind } from '../../../src/core/fields.ts';
import { CORRELATION_TYPES } from '../../../src/core/engine/types/index.ts';
import { parseDurationMs } from '../../../src/core/engine/duration.ts';

const { Jexl } = jexlPkg as unknown as { Jexl: new () => JexlLike };
interface JexlLike {
  addFunction(name: string, fn: (...a: unknown[]) => unknown): void;
  compile(src: string): { evalSync(ctx: object): unknown };
}

const LOC: SourceLoc = { file: 'test.yaml', line: 1, col: 1 };
const COMMON = new Set(['id', 'description', 'on', 'when', 'type', 'key', 'severity', 'tags', 'message', 'actions', 'max_keys', 'limit', 'enabled']);

export class RuleTextError extends Error {}

export function compilerFor(helpers: HelperRuntime) {
  const jexl = new Jexl();
  jexl.addFunction('context', (name, ...key) => helpers.hasContext(String(name), key));
  const expr = (source: string): CompiledExpr => {
    const c = jexl.compile(source);
    return { source, loc: LOC, fields: [], fn: (scope) => { try { return c.evalSync(scope); } catch { return undefined; } } };
  };
  const template = (source: string): CompiledTemplate => {
    const parts = source.split(/\{\{(.*?)\}\}/s);
    const fns = parts.map((p, i) => (i % 2 ? expr(p.trim()) : null));
    return {
      source,
      render: (scope) => parts.map((p, i) => {
        if (!(i % 2)) return p;
        const v = fns[i]!.fn(scope);
        return v === undefined || v === null ? '' : String(v);
      }).join(''),
    };
  };
  return { expr, template };
}

function tools(obj: Record<string, unknown>, c: ReturnType<typeof compilerFor>, errors: string[], where: string): ParamTools {
  const fail = (name: string, msg: string) => { errors.push(`${where}.${name}: ${msg}`); return null; };
  const actions = (list: unknown): ActionSpec[] => (Array.isArray(list) ? list : []).map((a) => {
    const [plugin, params] = Object.entries(a as Record<string, Record<string, unknown>>)[0];
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params ?? {})) out[k] = typeof v === 'string' ? c.template(v) : v;
    return { plugin, params: out, loc: LOC };
  });
  const t: ParamTools = {
    raw: (n) => obj[n],
    has: (n) => obj[n] !== undefined,
    expr: (n, req) => (obj[n] === undefined ? (req ? fail(n, 'required') : null) : c.expr(String(obj[n]))),
    template: (n) => (typeof obj[n] === 'string' ? c.template(obj[n] as string) : null),
    duration: (n, req) => {
      if (obj[n] === undefined) return req ? fail(n, 'required') : null;
      const d = typeof obj[n] === 'string' ? parseDurationMs(obj[n]) : null;
      return d === null ? fail(n, `bad duration ${JSON.stringify(obj[n])}`) : d;
    },
    int: (n, req, min = 0) => {
      const v = obj[n];
      if (v === undefined) return req ? fail(n, 'required') : null;
      return Number.isInteger(v) && (v as number) >= min ? (v as number) : fail(n, `bad integer ${JSON.stringify(v)}`);
    },
    number: (n, req) => {
      const v = obj[n];
      if (v === undefined) return req ? fail(n, 'required') : null;
      return typeof v === 'number' ? v : fail(n, `bad number ${JSON.stringify(v)}`);
    },
    bool: (n, d) => (typeof obj[n] === 'boolean' ? (obj[n] as boolean) : d),
    sub: (n, req) => {
      const v = obj[n];
      if (typeof v !== 'object' || v === null) return req ? fail(n, 'required map') : null;
      return tools(v as Record<string, unknown>, c, errors, `${where}.${n}`);
    },
    actions: (n) => actions(obj[n]),
    keys: (n) => Object.keys((obj[n] as object) ?? {}),
    error: (n, m) => { errors.push(`${where}.${n}: ${m}`); },
    loc: () => LOC,
    exprList: (n, req) => {
      const v = obj[n];
      if (v === undefined) return req ? fail(n, 'required') : null;
      return (Array.isArray(v) ? v : [v]).map((s) => c.expr(String(s)));
    },
  };
  return t;
}

/** Build a Ruleset from YAML text with a `rules:` list. Throws RuleTextError listing every problem. */
export function rulesFromYaml(text: string, helpers: HelperRuntime): Ruleset {
  const doc = parse(text) as { rules: Record<string, unknown>[] };
  const c = compilerFor(helpers);
  const errors: string[] = [];
  const rules: Rule[] = [];
  for (const r of doc.rules) {
    const id = String(r.id);
    const type = CORRELATION_TYPES.get(String(r.type));
    if (!type) { errors.push(`${id}: unknown type ${String(r.type)}`); continue; }
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) {
      if (COMMON.has(k)) continue;
      if (!type.params.includes(k)) errors.push(`${id}: unknown parameter ${k}`);
      params[k] = v;
    }
    const validated = type.validate(tools(params, c, errors, id));
    const keySrc = r.key === undefined ? [] : r.key;
    const names = Array.isArray(keySrc) ? keySrc.map(String) : Object.keys(keySrc as object);
    const exprs = Array.isArray(keySrc) ? keySrc.map((k) => c.expr(String(k))) : Object.values(keySrc as object).map((k) => c.expr(String(k)));
    const lim = r.limit as { count: number; per: string; notice?: string } | undefined;
    const t = tools(r, c, errors, id);
    rules.push({
      id,
      description: String(r.description ?? id),
      loc: LOC,
      on: (r.on as EventKind[]) ?? ['packet'],
      when: r.when === undefined ? null : c.expr(String(r.when)),
      type: type.name,
      key: { names, exprs },
      severity: (r.severity as Severity) ?? 'medium',
      tags: (r.tags as string[]) ?? [],
      message: typeof r.message === 'string' ? c.template(r.message) : null,
      actions: t.actions('actions'),
      maxKeys: (r.max_keys as number) ?? 100_000,
      limit: lim ? { count: lim.count, perMs: parseDurationMs(lim.per)!, notice: lim.notice ?? `${id}: limit reached` } : null,
      params: validated ?? {},
      hash: JSON.stringify(r),
    });
  }
  if (errors.length) throw new RuleTextError(errors.join('\n'));
  return { rules, vars: {}, lists: {}, files: ['test.yaml'] };
}
