/**
 * Conditions written into the dispatcher's code must compute exactly what
 * their compiled functions compute, and a macro that several rules expand
 * is computed once per event, never carried over to the next event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpr } from '../../src/core/expr/compile.ts';
import { Inliner } from '../../src/core/engine/inline.ts';
import { CASES, LOC, makeEnv, randomEvent, rng } from '../expr/support.ts';
import { EventClock } from '../../src/core/clock.ts';
import { emptyHostFacts } from '../../src/core/host.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import type { Hit } from '../../src/core/hit.ts';
import type { HelperRuntime } from '../../src/core/expr/api.ts';
import { rulesFromYaml, pkt } from './helpers/harness.ts';

type Fn = (s: object) => unknown;

/** All expressions written into one function, as the dispatcher does: it returns every value for one scope. */
function inlinedTogether(fns: readonly Fn[]): { run: (s: object) => unknown[]; memos: number } {
  const values: unknown[] = [];
  const names = new Map<unknown, string>();
  const bind = (v: unknown): string => {
    let n = names.get(v);
    if (n === undefined) { n = `c${names.size}`; names.set(v, n); values.push(v); }
    return n;
  };
  const inliner = new Inliner(bind);
  inliner.plan(fns);
  const codes = fns.map((fn) => inliner.code(fn));
  assert.ok(codes.every((c) => c !== undefined), 'every compiled expression can be written in place');
  const body = [
    ...[...names.values()].map((n, i) => `const ${n} = d[${i}];`),
    ...inliner.declarations,
    'return function (s) {',
    ...inliner.memos.map((x) => `let ${x} = U;`),
    'const out = [];',
    ...codes.map((c) => `try { out.push(${c}); } catch { out.push(undefined); }`),
    'return out; };',
  ].join('\n');
  const run = new Function('d', 'U', body)(values, {}) as (s: object) => unknown[];
  return { run, memos: inliner.memos.length };
}

test('every expression written into one shared function gives what its own compiled function gives', () => {
  const env = makeEnv();
  const fns = CASES.map(([src]) => {
    const c = compileExpr(src, LOC, env);
    assert.ok(c.ok, src);
    return c.value.fn;
  });
  const { run, memos } = inlinedTogether(fns);
  assert.ok(memos >= 1, 'bare_syn is expanded by several expressions, so it is remembered');
  const r = rng(7);
  let pairs = 0;
  for (let i = 0; i < 120; i++) {
    const ev = randomEvent(r, i);
    const got = run(ev);
    fns.forEach((fn, k) => { assert.deepStrictEqual(got[k], fn(ev), `${CASES[k][0]} on ${JSON.stringify(ev)}`); pairs++; });
  }
  assert.ok(pairs >= 5000);
});

const RULES = `
macros:
  known: context("scanner", src.ip)
rules:
  - id: mark
    description: A telnet probe marks its source as a scanner.
    on: [packet]
    when: dst.port == 23
    type: single
    key: [src.ip]
    actions:
      - context.set: { name: scanner, key: "{{src.ip}}", ttl: 1h }
  - id: known-syn
    description: A known scanner's SYN.
    on: [packet]
    when: tcp.flags.syn && known
    type: single
    key: [src.ip]
  - id: known-ssh
    description: A known scanner on ssh.
    on: [packet]
    when: known && dst.port == 22
    type: single
    key: [src.ip]
  - id: known-or-smtp
    description: A known scanner, or anyone on smtp.
    on: [packet]
    when: dst.port == 25 || known
    type: single
    key: [src.ip]
`;

test('a macro several rules use is computed once per event, and each event computes it afresh', () => {
  const clock = new EventClock(0);
  const hits: Hit[] = [];
  const engine = new Engine({ clock, sink: (h) => hits.push(h), host: emptyHostFacts() });
  let lookups = 0;
  const counting: HelperRuntime = {
    get host() { return engine.helpers.host; },
    hasContext: (name, key) => { lookups++; return engine.helpers.hasContext(name, key); },
  };
  engine.load(rulesFromYaml(RULES, counting));

  engine.feed(pkt({ ts: 1000, src: '10.77.0.9', dport: 22 }));
  assert.equal(lookups, 1, 'three rules expand `known`; the context is looked up once');
  assert.deepEqual(hits.map((h) => h.rule), []);

  // The telnet probe sets the context after the event has been through every rule.
  engine.feed(pkt({ ts: 2000, src: '10.77.0.9', dport: 23 }));
  assert.equal(lookups, 2);
  assert.deepEqual(hits.map((h) => h.rule), ['mark']);

  engine.feed(pkt({ ts: 3000, src: '10.77.0.9', dport: 22 }));
  assert.equal(lookups, 3);
  assert.deepEqual(hits.map((h) => h.rule), ['mark', 'known-syn', 'known-ssh', 'known-or-smtp']);
});
