/**
 * One generated function per list of rules (one event kind and protocol):
 * the engine's inner loop unrolled into straight-line code, built once per
 * ruleset load.
 *
 * Why: a loop over rules calls every rule's condition, key expressions and
 * runtime through the same few call sites, which V8 then treats as
 * megamorphic (a full indirect call each, no inlining). Unrolled, each call
 * site always calls the same function on the same object, so its feedback is
 * monomorphic. Conditions and key expressions are written in place (see
 * inline.ts, which also has a macro several of them expand computed once per
 * event). Key expressions with the same source (`src.ip` in most rules) are
 * computed once per event and shared by the rules that use them. So are a
 * rule's own conditions beyond `when` (pair's sides, a group's groups): they
 * are written in place too, their truth handed to the runtime as bits, and
 * a macro or an equal condition several rules test is computed once.
 *
 * Semantics: rules run in file order; a condition shared by several rules
 * and a guard shared by several conditions are evaluated at most once per
 * event; a rule whose key has a missing part (null or undefined) counts the
 * event as unkeyed and skips it.
 */
import type { VigilEvent } from '../event.generated.ts';
import type { RuleRuntime } from './types/api.ts';
import { KEY_SEP, partString } from './key.ts';
import { Inliner } from './inline.ts';

type Fn = (s: object) => unknown;

export interface DispatchSlot {
  readonly runtime: RuleRuntime;
  readonly keyFns: readonly Fn[];
  /** Source text of each key expression: equal sources share one computed value per event. */
  readonly keySources: readonly string[];
  readonly keyBuf: unknown[];
  matches: number;
  unkeyed: number;
}

/** A condition; rules whose `when` has the same source share one object. */
export interface DispatchCond {
  readonly when: Fn | null;
  /** Index into the guard list, or -1. */
  readonly guard: number;
}

/** One rule listening to the kind, in file order. */
export interface DispatchEntry {
  readonly cond: DispatchCond;
  readonly slot: DispatchSlot;
}

export type Dispatch = (ev: VigilEvent) => void;

const NOTHING = (): void => {};

/**
 * Rules per generated function when a list is long. V8 does not optimise a
 * function past a size limit, and a dispatcher for hundreds of rules left in
 * the interpreter cost about 200 µs per event (1,000 rules); functions of
 * this many rules are each optimised.
 */
const CHUNK_RULES = 64;

/** Builds the dispatcher for `entries` (file order); `guards` is the engine's shared guard list. */
export function buildDispatch(entries: readonly DispatchEntry[], guards: readonly Fn[]): Dispatch {
  if (entries.length === 0) return NOTHING;
  const deps: unknown[] = [];
  const dep = (v: unknown): string => { deps.push(v); return `d[${deps.length - 1}]`; };
  const consts: string[] = [];
  const constOf = new Map<unknown, string>();
  /** A `const` bound once at build time, so the hot code reads a closure variable, not an array. */
  const bind = (v: unknown): string => {
    let name = constOf.get(v);
    if (name === undefined) {
      name = `c${constOf.size}`;
      constOf.set(v, name);
      consts.push(`const ${name} = ${dep(v)};`);
    }
    return name;
  };
  const psName = bind(partString);
  const sep = JSON.stringify(KEY_SEP);
  // A long rule list is split into functions of CHUNK_RULES rules: per-event values shared across them live on `M`.
  const chunked = entries.length > CHUNK_RULES;
  const P = chunked ? 'M.' : '';
  const inliner = new Inliner(bind, P);
  const ownOf = (e: DispatchEntry) => e.slot.runtime.conditions ?? [];
  inliner.plan(new Set(entries.flatMap((e) => [...(e.cond.when ? [e.cond.when] : []), ...e.slot.keyFns, ...ownOf(e).map((c) => c.fn)])));

  const usedGuards = new Set<number>();
  for (const e of entries) if (e.cond.guard >= 0) usedGuards.add(e.cond.guard);
  // Key values shared across rules: one lazily computed local per distinct source.
  const keyVar = new Map<string, string>();
  const keyCount = new Map<string, number>();
  for (const e of entries) for (const src of e.slot.keySources) keyCount.set(src, (keyCount.get(src) ?? 0) + 1);
  // A condition shared by rules that are not next to each other: one lazily computed local.
  const condUses = new Map<DispatchCond, number>();
  for (let i = 0; i < entries.length; i++) if (i === 0 || entries[i - 1].cond !== entries[i].cond) condUses.set(entries[i].cond, (condUses.get(entries[i].cond) ?? 0) + 1);
  const condVar = new Map<DispatchCond, string>();

  /** Per-event values shared by rules: name and value at the start of each event. */
  const perEvent: [string, string][] = [];
  for (const gi of usedGuards) perEvent.push([`g${gi}`, '2']);
  for (const [c, n] of condUses) if (n > 1 && c.when !== null) { const v = `m${condVar.size}`; condVar.set(c, P + v); perEvent.push([v, '2']); }
  for (const [src, n] of keyCount) {
    if (n < 2) continue;
    const v = `k${keyVar.size}`;
    keyVar.set(src, P + v);
    perEvent.push([v, 'U']);
  }
  // A rule's own condition (pair side, group) whose source other rules' own conditions repeat: one lazily computed local.
  const ownCount = new Map<string, number>();
  for (const e of entries) for (const c of ownOf(e)) ownCount.set(c.source, (ownCount.get(c.source) ?? 0) + 1);
  const ownVar = new Map<string, string>();
  for (const [src, n] of ownCount) {
    if (n < 2) continue;
    const v = `y${ownVar.size}`;
    ownVar.set(src, P + v);
    perEvent.push([v, '2']);
  }
  const chunks: string[][] = [[]];
  let lines = chunks[0];

  /** Statements that set `target` to the value of the slot's k-th key expression. */
  const computeKey = (s: DispatchSlot, k: number, target: string): string => {
    const fn = s.keyFns[k];
    const code = inliner.code(fn);
    const assign = (to: string) => code === undefined ? `${to} = ${bind(fn)}(ev);` : `try { ${to} = (${code}); } catch { ${to} = undefined; }`;
    const shared = keyVar.get(s.keySources[k]);
    return shared === undefined ? assign(target) : `if (${shared} === U) { ${assign(shared)} } ${target} = ${shared};`;
  };

  let wn = 0;
  let tn = 0;
  /** Statements computing the slot's own conditions into a fresh local; the onEvent argument naming it ('' when it has none). */
  const ownTests = (s: DispatchSlot): string => {
    const own = s.runtime.conditions;
    if (own === undefined || own.length === 0) return '';
    const t = `t${tn++}`;
    lines.push(`    let ${t} = 0;`);
    own.forEach((c, i) => {
      const bit = 1 << i;
      const code = inliner.code(c.fn);
      const value = code === undefined ? `${bind(c.fn)}(ev)` : null;
      const memo = ownVar.get(c.source);
      if (memo !== undefined) {
        const set = value !== null ? `${memo} = ${value} ? 1 : 0;` : `try { ${memo} = (${code}) ? 1 : 0; } catch { ${memo} = 0; }`;
        lines.push(`    if (${memo} === 2) { ${set} } if (${memo} === 1) ${t} |= ${bit};`);
      } else if (value !== null) lines.push(`    if (${value}) ${t} |= ${bit};`);
      else lines.push(`    try { if (${code}) ${t} |= ${bit}; } catch { /* an error is false */ }`);
    });
    return `, ${t}`;
  };
  /** The test of a condition as an expression, with any statements it needs first. */
  const condTest = (c: DispatchCond): string => {
    const tests: string[] = [];
    if (c.guard >= 0) {
      const gv = `${P}g${c.guard}`;
      const code = inliner.code(guards[c.guard]);
      lines.push(code === undefined
        ? `if (${gv} === 2) ${gv} = ${bind(guards[c.guard])}(ev) ? 1 : 0;`
        : `if (${gv} === 2) { try { ${gv} = (${code}) ? 1 : 0; } catch { ${gv} = 0; } }`);
      tests.push(`${gv} === 1`);
    }
    if (c.when !== null) {
      const code = inliner.code(c.when);
      const memo = condVar.get(c);
      // Inlined: no call at all, whatever V8's inlining budget has left for this function.
      const value = code === undefined ? `${bind(c.when)}(ev)` : null;
      if (memo !== undefined) {
        const set = value !== null ? `${memo} = ${value} ? 1 : 0;` : `try { ${memo} = (${code}) ? 1 : 0; } catch { ${memo} = 0; }`;
        lines.push(`if (${memo} === 2${tests.length ? ` && ${tests[0]}` : ''}) { ${set} }`);
        tests.push(`${memo} === 1`);
      } else if (value !== null) tests.push(value);
      else {
        const w = `w${wn++}`;
        const evaluate = `try { ${w} = (${code}); } catch { ${w} = undefined; }`;
        // Only where the guard passed: the guard exists to spare this work.
        lines.push(`let ${w}; ${tests.length ? `if (${tests.join(' && ')}) { ${evaluate} }` : evaluate}`);
        tests.length = 0;
        tests.push(w);
      }
    }
    return tests.length ? tests.join(' && ') : 'true';
  };

  for (let i = 0; i < entries.length;) {
    const c = entries[i].cond;
    // A new chunk starts only between rules with different conditions (neighbours share one block).
    if (chunked && i >= chunks.length * CHUNK_RULES) { lines = []; chunks.push(lines); }
    lines.push(`if (${condTest(c)}) {`);
    // Neighbours with the same condition share its block.
    for (; i < entries.length && entries[i].cond === c; i++) {
      const s = entries[i].slot;
      const S = bind(s), R = bind(s.runtime), B = bind(s.keyBuf);
      lines.push(`  ${S}.matches++;`);
      const n = s.keyFns.length;
      if (n === 0) {
        const tests = ownTests(s);
        lines.push(`  ${R}.onEvent(ev, ${B}, ''${tests});`);
        continue;
      }
      const names = s.keyFns.map((_, k) => `v${k}`);
      lines.push('  {');
      // Stop at the first missing part (key expressions are pure; this only saves work).
      for (let k = 0; k < n; k++) {
        lines.push(`    let ${names[k]}; ${computeKey(s, k, names[k])}`);
        lines.push(`    if (${names[k]} === undefined || ${names[k]} === null) { ${S}.unkeyed++; } else {`);
      }
      for (let k = 0; k < n; k++) lines.push(`    ${B}[${k}] = ${names[k]};`);
      const str = (v: string) => `(typeof ${v} === 'string' ? ${v} : ${psName}(${v}))`;
      const tests = ownTests(s);
      lines.push(`    ${R}.onEvent(ev, ${B}, ${names.map(str).join(` + ${sep} + `)}${tests});`);
      lines.push(`    ${'}'.repeat(n)}`);
      lines.push('  }');
    }
    lines.push('}');
  }
  // Inlined conditions name their scope `s`.
  for (const x of inliner.memos) perEvent.push([x, 'U']);
  let body: string;
  if (!chunked) {
    const locals = perEvent.map(([v, init]) => `let ${v} = ${init};`);
    body = `${consts.join('\n')}\n${inliner.declarations.join('\n')}\nreturn function vigilDispatch(ev) {\nconst s = ev;\n${locals.join('\n')}\n${chunks[0].join('\n')}\n};`;
  } else {
    const scratch = `const M = { ${perEvent.map(([v, init]) => `${v}: ${init}`).join(', ')} };`;
    const fns = chunks.map((c, i) => `function ch${i}(ev) {\nconst s = ev;\n${c.join('\n')}\n}`);
    const reset = perEvent.map(([v, init]) => `M.${v} = ${init};`).join(' ');
    body = `${consts.join('\n')}\n${inliner.declarations.join('\n')}\n${scratch}\n${fns.join('\n')}\nreturn function vigilDispatch(ev) {\n${reset}\n${chunks.map((_, i) => `ch${i}(ev);`).join('\n')}\n};`;
  }
  const factory = new Function('d', 'U', body) as (d: unknown[], u: object) => Dispatch;
  return factory(deps, {});
}
