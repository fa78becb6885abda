/**
 * Each macro is checked on its own, so a mistake in one is reported once, at
 * the macro, even when no rule (or many rules) use it.
 *
 * Checked alone, a macro's uses of other macros read as stand-ins (`true`):
 * their own mistakes are found by their own checks, and checking n macros
 * costs their own sizes. Expanded in full, a chain of 2,000 macros, each
 * using the next, cost 2,000 × 2,000 expansions (8 s, a hot reload frozen
 * meanwhile). Only a cycle needs macros together: of each group of macros
 * that may reach one another, the first written is checked expanded, as a
 * rule would expand it, so the group's cycle is reported once, where it
 * closes (every member expanded would cost the square again, each with its
 * own copy of the cycle). "May": references are found by scanning words,
 * which can only find too many (a macro's name inside a string literal);
 * a rule that uses a macro of a real cycle reports it in any case.
 */
import type { CompileEnv } from '../expr/api.ts';
import type { LNode } from './source.ts';
import type { ExprTools } from './exprs.ts';
import { namesIn } from './hash.ts';

type Macros = CompileEnv['macros'];

/** Checks every macro of `env`; `node(name)` is the macro's scalar node, located where it is written. */
export function checkMacros(env: CompileEnv, node: (name: string) => LNode, tools: (env: CompileEnv) => ExprTools): void {
  const names = Object.keys(env.macros);
  if (names.length === 0) return;
  const expanded = new Set(cycleGroups(env.macros).map((group) => names.find((n) => group.has(n))!));
  const stubs: Record<string, Macros[string]> = {};
  for (const name of names) stubs[name] = { source: 'true', loc: env.macros[name].loc };
  const alone = tools({ ...env, macros: Object.freeze(stubs) });
  const together = tools(env);
  for (const name of names) (expanded.has(name) ? together : alone).expr(`macro ${name}`, node(name));
}

/**
 * Groups of macros that may reach themselves through the words of their
 * sources: strongly connected components with a cycle (Tarjan's algorithm,
 * iteratively: chains run thousands long).
 */
export function cycleGroups(macros: Macros): Set<string>[] {
  const edges = new Map<string, string[]>();
  for (const name of Object.keys(macros)) {
    edges.set(name, [...new Set(namesIn(macros[name].source).filter((w) => Object.hasOwn(macros, w)))]);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: Set<string>[] = [];
  let next = 0;
  for (const start of edges.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ name: string; at: number }> = [{ name: start, at: 0 }];
    index.set(start, next); low.set(start, next); next++;
    stack.push(start); onStack.add(start);
    while (work.length) {
      const top = work[work.length - 1];
      const kids = edges.get(top.name)!;
      if (top.at < kids.length) {
        const k = kids[top.at++];
        if (!index.has(k)) {
          index.set(k, next); low.set(k, next); next++;
          stack.push(k); onStack.add(k);
          work.push({ name: k, at: 0 });
        } else if (onStack.has(k)) low.set(top.name, Math.min(low.get(top.name)!, index.get(k)!));
        continue;
      }
      work.pop();
      if (work.length) { const parent = work[work.length - 1].name; low.set(parent, Math.min(low.get(parent)!, low.get(top.name)!)); }
      if (low.get(top.name) !== index.get(top.name)) continue;
      const component: string[] = [];
      let m: string;
      do { m = stack.pop()!; onStack.delete(m); component.push(m); } while (m !== top.name);
      if (component.length > 1 || kids.includes(top.name)) out.push(new Set(component));
    }
  }
  return out;
}
