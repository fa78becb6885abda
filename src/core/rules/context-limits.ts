/**
 * The `contexts:` section of a rule file: per-name limits of the engine's
 * contexts, e.g. `contexts: { portscan_reported: { max_keys: 50000 } }`.
 *
 * Read in two steps like rules: `collectContextDecl` (pass one) checks the
 * shape and keeps the located value nodes; `resolveContextLimits` (once every
 * var is final, so `max_keys: $cap` lets a site tune a pack's limit through a
 * var) reads the numbers and refuses a name declared twice with different
 * limits, naming both places. Declaring the same limits twice is allowed: two
 * packs may share a context. Once the rules are compiled,
 * `warnUnsetContexts` flags a declared name no `context.set` writes: most
 * likely a typo, whose limit would silently apply to nothing.
 */
import type { ActionSpec, ContextLimits, Rule, SourceLoc } from './types.ts';
import type { DiagnosticSink } from './context.ts';
import type { ValueReader } from './values.ts';
import { describeNode, type LMap, type LNode } from './source.ts';
import { suggestion } from '../text/nearest.ts';

export const CONTEXT_LIMIT_KEYS = ['max_keys'] as const;

/** One declaration as written: the name and the located value of each limit. */
export interface ContextDecl {
  readonly name: string;
  readonly loc: SourceLoc;
  readonly maxKeys: LNode;
}

/** Check the shape of one file's `contexts:` map and append its declarations to `out`. */
export function collectContextDecl(m: LMap, out: ContextDecl[], sink: DiagnosticSink): void {
  for (const [name, e] of m.entries) {
    const n = e.node;
    if (n.kind !== 'map') {
      sink.error('VGL_CONTEXT_DECL', n.kind === 'scalar' && n.value === null ? e.keyLoc : n.loc,
        `context \`${name}\` must be a map of limits, got ${describeNode(n)}; write e.g. \`${name}: { max_keys: 50000 }\``);
      continue;
    }
    let ok = true;
    for (const [key, le] of n.entries) {
      if (!(CONTEXT_LIMIT_KEYS as readonly string[]).includes(key)) {
        sink.error('VGL_CONTEXT_DECL', le.keyLoc, `\`${key}\` is not a limit of context \`${name}\`${suggestion(key, CONTEXT_LIMIT_KEYS)}`);
        ok = false;
      }
    }
    const maxKeys = n.entries.get('max_keys');
    if (!maxKeys) {
      if (ok) sink.error('VGL_CONTEXT_DECL', e.keyLoc, `context \`${name}\` declares no limit; add \`max_keys: N\` (keys it may hold at once) or remove the entry`);
      continue;
    }
    if (ok) out.push({ name, loc: e.keyLoc, maxKeys: maxKeys.node });
  }
}

/**
 * Warn about each declared context name with a valid limit (`resolved`) that
 * no rule, enabled or not, sets; unless some rule sets a templated name.
 */
export function warnUnsetContexts(decls: readonly ContextDecl[], resolved: Readonly<Record<string, ContextLimits>>, rules: readonly Rule[], sink: DiagnosticSink): void {
  const set = contextNamesSet(rules);
  if (set === null) return;
  const warned = new Set<string>();
  for (const d of decls) {
    if (!Object.hasOwn(resolved, d.name) || set.has(d.name) || warned.has(d.name)) continue;
    warned.add(d.name);
    const fix = suggestion(d.name, set, { otherwise: 'check the name against the `context.set` actions, or remove the entry' });
    sink.warn('VGL_CONTEXT_UNSET', d.loc, `context \`${d.name}\` is declared but no rule's \`context.set\` names it, so its limit applies to nothing${fix}`);
  }
}

/** Literal names of every `context.set` action, including those nested in type parameters (`recover.actions`); null when a name is a template. */
function contextNamesSet(rules: readonly Rule[]): Set<string> | null {
  const names = new Set<string>();
  let templated = false;
  const visit = (v: unknown, depth: number): void => {
    if (depth > 4 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) { for (const x of v) visit(x, depth + 1); return; }
    if (isAction(v)) {
      if (v.plugin !== 'context.set') return;
      const n = v.params.name;
      const text = typeof n === 'string' ? n : n !== null && typeof n === 'object' && typeof (n as { source?: unknown }).source === 'string' ? (n as { source: string }).source : null;
      if (text === null || text.includes('{{')) templated = true; else names.add(text);
      return;
    }
    for (const x of Object.values(v)) visit(x, depth + 1);
  };
  for (const r of rules) { visit(r.actions, 0); visit(r.params, 0); }
  return templated ? null : names;
}

function isAction(v: object): v is ActionSpec {
  const a = v as Partial<ActionSpec>;
  return typeof a.plugin === 'string' && a.params !== null && typeof a.params === 'object' && a.loc !== undefined;
}

/** The limits by context name, or errors in `sink` (then the result is partial and the ruleset is refused anyway). */
export function resolveContextLimits(decls: readonly ContextDecl[], reader: ValueReader, sink: DiagnosticSink): Record<string, ContextLimits> {
  // A Map, not an object, while collecting: a context may be called `__proto__`.
  const out = new Map<string, { limits: ContextLimits; loc: SourceLoc }>();
  for (const d of decls) {
    const maxKeys = reader.number(`contexts.${d.name}.max_keys`, d.maxKeys, true, 1);
    if (maxKeys === null) continue;
    const prev = out.get(d.name);
    if (prev === undefined) out.set(d.name, { limits: Object.freeze({ maxKeys }), loc: d.loc });
    else if (prev.limits.maxKeys !== maxKeys) {
      const at = prev.loc;
      sink.error('VGL_CONTEXT_CONFLICT', d.loc,
        `context \`${d.name}\` is declared here with max_keys ${maxKeys} and at ${at.file}:${at.line}:${at.col} with max_keys ${prev.limits.maxKeys}; keep one declaration, or make them equal (to let a site tune it, write \`max_keys: $some_var\` once)`);
    }
  }
  return Object.fromEntries([...out].map(([name, v]) => [name, v.limits]));
}
