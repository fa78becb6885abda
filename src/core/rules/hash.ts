/**
 * A rule's definition hash: sha256 over a canonical JSON of the rule as
 * written (overrides applied) plus the values of the vars, lists and macros
 * it uses, followed through macros. Changing a var a rule uses changes its
 * hash; changing anything the rule does not use leaves it alone, so the
 * engine keeps that rule's state across a reload.
 */
import { createHash } from 'node:crypto';

export interface HashEnv {
  readonly vars: Readonly<Record<string, unknown>>;
  readonly lists: Readonly<Record<string, readonly unknown[]>>;
  readonly macros: Readonly<Record<string, { readonly source: string }>>;
}

// Identifiers and `$vars` anywhere in a string, including inside string
// literals (`in_list(x, "hot_ports")` names a list that way). Taking a few
// words too many only makes the hash more cautious.
const WORD = /\$?[A-Za-z_][A-Za-z0-9_]*/g;

/** The words of an expression's source that may name a var (`$name`), list or macro; see WORD. */
export function namesIn(source: string): string[] {
  return Array.from(source.matchAll(WORD), (m) => m[0]);
}

/** The vars, lists and macros a rule's strings refer to, directly or through macros. */
export function ruleDependencies(definition: unknown, env: HashEnv): { vars: string[]; lists: string[]; macros: string[] } {
  const vars = new Set<string>();
  const lists = new Set<string>();
  const macros = new Set<string>();
  const queue: string[] = [];
  const scanString = (s: string): void => {
    for (const w of namesIn(s)) {
      if (w.startsWith('$')) { if (Object.hasOwn(env.vars, w.slice(1))) vars.add(w.slice(1)); continue; }
      if (Object.hasOwn(env.lists, w)) lists.add(w);
      if (Object.hasOwn(env.macros, w) && !macros.has(w)) { macros.add(w); queue.push(env.macros[w].source); }
    }
  };
  const walk = (v: unknown): void => {
    if (typeof v === 'string') scanString(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(definition);
  while (queue.length) scanString(queue.pop()!);
  return { vars: [...vars].sort(), lists: [...lists].sort(), macros: [...macros].sort() };
}

export function ruleHash(definition: unknown, env: HashEnv): string {
  const deps = ruleDependencies(definition, env);
  const used = {
    rule: definition,
    vars: Object.fromEntries(deps.vars.map((n) => [n, env.vars[n]])),
    lists: Object.fromEntries(deps.lists.map((n) => [n, env.lists[n]])),
    macros: Object.fromEntries(deps.macros.map((n) => [n, env.macros[n].source])),
  };
  return createHash('sha256').update(canonicalJson(used)).digest('hex');
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}
