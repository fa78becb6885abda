/**
 * `actions:` lists: each item is `plugin: {params}`. The plugin must be
 * known, the params must fit its schema, and string params become templates
 * rendered per hit.
 */
import type { z } from 'zod';
import type { ActionSpec, CompiledTemplate } from './types.ts';
import type { DiagnosticSink } from './context.ts';
import type { ExprTools } from './exprs.ts';
import type { ValueReader } from './values.ts';
import { describeNode, type LMap, type LNode } from './source.ts';
import { suggestion } from '../text/nearest.ts';
import { BUILTIN_ACTIONS } from './builtin-actions.ts';

export type KnownActions = ReadonlyMap<string, { readonly paramsSchema?: z.ZodType }>;

export interface ActionTools {
  readonly known: KnownActions;
  readonly reader: ValueReader;
  readonly exprs: ExprTools;
  readonly sink: DiagnosticSink;
  readonly rule: string | undefined;
}

/**
 * An action may carry `if:`, a condition over vars and lists only, decided
 * once at load: the action is kept when it is true and dropped when false.
 * This is how a pack offers a report-only mode (`if: $enforce`) without
 * twin rules. A condition reading event fields is refused, because it could
 * only be decided per hit and a silent "always false" would hide actions.
 */
export function compileActions(what: string, n: LNode, t: ActionTools): ActionSpec[] | null {
  if (n.kind === 'scalar' && n.value === null) return [];
  if (n.kind !== 'seq') {
    t.sink.error('VGL_RULE_VALUE', n.loc, `\`${what}\` must be a list of actions like \`- log: {}\`, got ${describeNode(n)}`, t.rule);
    return null;
  }
  const out: ActionSpec[] = [];
  let ok = true;
  for (const item of n.items) {
    const a = compileAction(item, t);
    if (a === DROPPED) continue;
    if (a) out.push(a); else ok = false;
  }
  return ok ? out : null;
}

const DROPPED = Symbol('dropped by if');

function compileAction(n: LNode, t: ActionTools): ActionSpec | null | typeof DROPPED {
  const cond = n.kind === 'map' ? n.entries.get('if') : undefined;
  const plugins = n.kind === 'map' ? [...n.entries.values()].filter((e) => e.key !== 'if') : [];
  if (n.kind !== 'map' || plugins.length !== 1) {
    const got = n.kind === 'map' ? `a map with ${plugins.length} plugin keys` : describeNode(n);
    t.sink.error('VGL_ACTION_SHAPE', n.loc, `an action must be a map with one key, the plugin name (and optionally \`if\`), like \`- block: { address: "{{src.ip}}" }\`, got ${got}`, t.rule);
    return null;
  }
  if (cond) {
    const keep = decideIf(cond.node, t);
    if (keep === null) return null;
    if (!keep) return DROPPED;
  }
  const [entry] = plugins;
  const plugin = entry.key;
  const def = t.known.get(plugin);
  if (!def) {
    t.sink.error('VGL_ACTION_UNKNOWN', entry.keyLoc, `action \`${plugin}\` is not a known action plugin${suggestion(plugin, [...t.known.keys()])}`, t.rule);
    return null;
  }
  const pn = entry.node;
  if (!(pn.kind === 'map' || (pn.kind === 'scalar' && pn.value === null))) {
    t.sink.error('VGL_ACTION_SHAPE', pn.loc, `the parameters of action \`${plugin}\` must be a map, got ${describeNode(pn)}; write \`${plugin}: {}\` when it takes none`, t.rule);
    return null;
  }
  const resolved = pn.kind === 'map' ? t.reader.resolve(pn) : { value: {}, loc: pn.loc };
  if (!resolved) return null;
  const raw = resolved.value as Record<string, unknown>;
  let ok = true;
  if (def.paramsSchema) ok = checkSchema(plugin, def.paramsSchema, raw, pn, t);
  const params: Record<string, CompiledTemplate | unknown> = {};
  const compile = (what: string, v: string, node: LNode | undefined): CompiledTemplate | null =>
    node ? (node.kind === 'scalar' && node.value === v ? t.exprs.template(what, node) : t.exprs.templateText(v, node)) : null;
  for (const [k, v] of Object.entries(raw)) {
    const node = pn.kind === 'map' ? pn.entries.get(k)?.node : undefined;
    // A context's multi-part key is a list of parts, each built from the event like a one-part key.
    if (k === 'key' && BUILTIN_ACTIONS.has(plugin) && Array.isArray(v)) {
      const parts = v.map((x, i) => typeof x === 'string' ? compile(`${plugin}.key[${i}]`, x, node?.kind === 'seq' ? node.items[i] : node) : x);
      if (parts.includes(null)) ok = false; else params[k] = parts;
      continue;
    }
    if (typeof v !== 'string') { params[k] = v; continue; }
    const tpl = compile(`${plugin}.${k}`, v, node);
    if (tpl) params[k] = tpl; else ok = false;
  }
  return ok ? { plugin, params, loc: entry.keyLoc } : null;
}

/** Evaluate an action's `if:` at load time; null when it is not a load-time condition. */
function decideIf(n: LNode, t: ActionTools): boolean | null {
  if (n.kind === 'scalar' && typeof n.value === 'boolean') return n.value;
  const e = t.exprs.expr('if', n);
  if (!e) return null;
  if (e.fields.length) {
    t.sink.error('VGL_ACTION_IF', n.loc, `\`if\` of an action is decided once when the rules load, so it may only use vars and lists, but it reads ${e.fields.map((f) => `\`${f}\``).join(', ')}; move that test into the rule's \`when\` or into a second rule`, t.rule);
    return null;
  }
  return Boolean(e.fn({}));
}

/** Validate literal params with the plugin's schema; a value holding a `{{ }}` template is only known when it renders, so issues on it are skipped. */
function checkSchema(plugin: string, schema: z.ZodType, raw: Record<string, unknown>, pn: LNode, t: ActionTools): boolean {
  const r = schema.safeParse(raw);
  if (r.success) return true;
  let ok = true;
  for (const issue of r.error.issues) {
    const path = issue.path.map(String);
    const value = valueAt(raw, path);
    if (typeof value === 'string' && value.includes('{{')) continue;
    const unknownKeys = issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys ?? [] : [];
    if (unknownKeys.length) {
      for (const k of unknownKeys) {
        const e = pn.kind === 'map' ? pn.entries.get(k) : undefined;
        const shape = schemaKeys(schema);
        t.sink.error('VGL_ACTION_PARAMS', e?.keyLoc ?? pn.loc, `\`${k}\` is not a parameter of action \`${plugin}\`${suggestion(k, shape)}`, t.rule);
      }
      ok = false;
      continue;
    }
    const node = nodeAt(pn, path);
    const where = path.length ? `parameter \`${path.join('.')}\` of action \`${plugin}\`` : `the parameters of action \`${plugin}\``;
    const missing = value === undefined && path.length > 0;
    const msg = missing
      ? `${where} is required; add it`
      : `${where} is invalid: ${issue.message.replace(/^Invalid input: /, '').replace(/, received \w+$/, '').replace(/\.$/, '')}, got ${valueText(value)}`;
    t.sink.error('VGL_ACTION_PARAMS', missing ? pn.loc : node.loc, msg, t.rule);
    ok = false;
  }
  return ok;
}

function valueText(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

function valueAt(o: unknown, path: readonly string[]): unknown {
  let cur = o;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function nodeAt(n: LNode, path: readonly string[]): LNode {
  let cur = n;
  for (const p of path) {
    if (cur.kind === 'map') { const e = (cur as LMap).entries.get(p); if (!e) return cur; cur = e.node; }
    else if (cur.kind === 'seq') { const it = cur.items[Number(p)]; if (!it) return cur; cur = it; }
    else return cur;
  }
  return cur;
}

function schemaKeys(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape && typeof shape === 'object' ? Object.keys(shape) : [];
}
