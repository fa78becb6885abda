/**
 * One generated function per list of condition groups: the engine's inner
 * loop unrolled into straight-line code, built once per ruleset load.
 *
 * Why: a loop over groups calls every rule's condition, key expressions and
 * runtime through the same few call sites, which V8 then treats as
 * megamorphic (a full indirect call each, no inlining). Unrolled, each call
 * site always calls the same function on the same object, so its feedback is
 * monomorphic and small conditions are inlined. Key expressions with the
 * same source (`src.ip` in most rules) are computed once per event and
 * shared by the rules that use them.
 *
 * Semantics are exactly the loop's: groups and their rules run in list
 * order; a guard shared by several groups is evaluated at most once per
 * event; a rule whose key has a missing part (null or undefined) counts the
 * event as unkeyed and skips it.
 */
import type { VigilEvent } from '../event.generated.ts';
import type { RuleRuntime } from './types/api.ts';
import { KEY_SEP, partString } from './key.ts';

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

export interface DispatchGroup {
  readonly when: Fn | null;
  readonly slots: readonly DispatchSlot[];
  /** Index into the guard list, or -1. */
  readonly guard: number;
}

export type Dispatch = (ev: VigilEvent) => void;

const NOTHING = (): void => {};

/** Builds the dispatcher for `groups`; `guards` is the engine's shared guard list. */
export function buildDispatch(groups: readonly DispatchGroup[], guards: readonly Fn[]): Dispatch {
  if (groups.length === 0) return NOTHING;
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

  const usedGuards = new Set<number>();
  for (const g of groups) if (g.guard >= 0) usedGuards.add(g.guard);
  // Key values shared across rules: one lazily computed local per distinct source.
  const keyVar = new Map<string, string>();
  const keyCount = new Map<string, number>();
  for (const g of groups) for (const s of g.slots) for (const src of s.keySources) keyCount.set(src, (keyCount.get(src) ?? 0) + 1);

  const lines: string[] = [];
  for (const gi of usedGuards) lines.push(`let g${gi} = 2;`);
  for (const [src, n] of keyCount) {
    if (n < 2) continue;
    const v = `k${keyVar.size}`;
    keyVar.set(src, v);
    lines.push(`let ${v} = U;`);
  }

  const valueOf = (s: DispatchSlot, k: number): string => {
    const fn = bind(s.keyFns[k]);
    const shared = keyVar.get(s.keySources[k]);
    return shared === undefined ? `${fn}(ev)` : `(${shared} === U ? (${shared} = ${fn}(ev)) : ${shared})`;
  };

  for (const g of groups) {
    const tests: string[] = [];
    if (g.guard >= 0) {
      const gv = `g${g.guard}`;
      lines.push(`if (${gv} === 2) ${gv} = ${bind(guards[g.guard])}(ev) ? 1 : 0;`);
      tests.push(`${gv} === 1`);
    }
    if (g.when !== null) tests.push(`${bind(g.when)}(ev)`);
    lines.push(tests.length ? `if (${tests.join(' && ')}) {` : '{');
    for (const s of g.slots) {
      const S = bind(s), R = bind(s.runtime), B = bind(s.keyBuf);
      lines.push(`  ${S}.matches++;`);
      const n = s.keyFns.length;
      if (n === 0) {
        lines.push(`  ${R}.onEvent(ev, ${B}, '');`);
        continue;
      }
      const names = s.keyFns.map((_, k) => `v${k}`);
      lines.push('  {');
      // Stop at the first missing part, as the loop did (key expressions are pure; this only saves work).
      for (let k = 0; k < n; k++) {
        lines.push(`    const ${names[k]} = ${valueOf(s, k)};`);
        lines.push(`    if (${names[k]} === undefined || ${names[k]} === null) { ${S}.unkeyed++; } else {`);
      }
      for (let k = 0; k < n; k++) lines.push(`    ${B}[${k}] = ${names[k]};`);
      const str = (v: string) => `(typeof ${v} === 'string' ? ${v} : ${psName}(${v}))`;
      const keyStr = names.map(str).join(` + ${sep} + `);
      lines.push(`    ${R}.onEvent(ev, ${B}, ${keyStr});`);
      lines.push(`    ${'}'.repeat(n)}`);
      lines.push('  }');
    }
    lines.push('}');
  }
  const body = `${consts.join('\n')}\nreturn function vigilDispatch(ev) {\n${lines.join('\n')}\n};`;
  const factory = new Function('d', 'U', body) as (d: unknown[], u: object) => Dispatch;
  return factory(deps, {});
}
