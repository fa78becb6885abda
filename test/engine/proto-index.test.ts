import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';
import { compileExpr } from '../../src/core/expr/compile.ts';
import { conditionFacts } from '../../src/core/expr/pins.ts';
import { emptyHostFacts } from '../../src/core/host.ts';
import type { CompileEnv } from '../../src/core/expr/api.ts';
import type { VigilEvent } from '../../src/core/event.generated.ts';

const env: CompileEnv = {
  macros: {
    is_tcp: { source: 'proto == "tcp"', loc: { file: 'm.yaml', line: 1, col: 1 } },
    udp_or_icmp: { source: 'proto == "udp" || proto in ["icmp", "icmp6"]', loc: { file: 'm.yaml', line: 2, col: 1 } },
  },
  lists: { none: [] },
  vars: { enforce: true },
  runtime: { host: emptyHostFacts(), hasContext: () => false },
};

function facts(source: string): { never: boolean; pins: Record<string, string[]> } {
  const r = compileExpr(source, { file: 'r.yaml', line: 1, col: 1 }, env);
  assert.ok(r.ok, `${source} compiles`);
  const f = conditionFacts(r.value.fn);
  return { never: f.never, pins: Object.fromEntries([...f.pins].map(([k, v]) => [k, [...v].sort()])) };
}

test('a condition pins a field through `==`, `in`, macros and both sides of `||`', () => {
  assert.deepEqual(facts('is_tcp && tcp.flags.syn'), { never: false, pins: { proto: ['tcp'] } });
  assert.deepEqual(facts('"tcp" == proto'), { never: false, pins: { proto: ['tcp'] } });
  assert.deepEqual(facts('udp_or_icmp && dst.port > 0'), { never: false, pins: { proto: ['icmp', 'icmp6', 'udp'] } });
  assert.deepEqual(facts('(proto == "tcp" && dst.port == 1) || (proto == "udp" && src.ip == "10.77.0.1")'), { never: false, pins: { proto: ['tcp', 'udp'] } });
});

test('a condition pins nothing where it could be true for any value', () => {
  assert.deepEqual(facts('proto == "tcp" || dst.port == 1'), { never: false, pins: {} });
  assert.deepEqual(facts('!(proto == "tcp")'), { never: false, pins: {} });
  assert.deepEqual(facts('proto != "tcp"'), { never: false, pins: {} });
  assert.deepEqual(facts('dst.port == 22'), { never: false, pins: {} }, 'a number compared loosely pins nothing');
});

test('a condition that constant folding makes false can never match', () => {
  assert.equal(facts('$enforce == false && is_tcp').never, true);
  assert.equal(facts('$enforce && is_tcp').never, false);
  assert.equal(facts('proto == "tcp" && proto == "udp"').never, true);
  assert.equal(facts('dst.port in none').never, true);
  assert.equal(facts('$enforce == false || is_tcp').never, false);
});

const RULES = `
rules:
  - id: tcp-only
    description: Pinned to tcp.
    on: [packet]
    when: proto == "tcp" && dst.port == 22
    type: single
    key: [src.ip]
  - id: any-proto
    description: Not pinned.
    on: [packet]
    when: dst.port == 22
    type: single
    key: [src.ip]
  - id: udp-only
    description: Pinned to udp.
    on: [packet]
    when: proto in ["udp"] && dst.port == 22
    type: single
    key: [src.ip]
  - id: never
    description: Constant false.
    on: [packet]
    when: 1 == 2 && dst.port == 22
    type: single
    key: [src.ip]
`;

test('rules pinned to a proto see only events of that proto, and hits keep rule order', () => {
  const h = harness(RULES);
  h.feed(pkt({ ts: 1, proto: 'tcp' }), pkt({ ts: 2, proto: 'udp' }), pkt({ ts: 3, proto: 'icmp' }));
  assert.deepEqual(h.hits.map((x) => [x.ts, x.rule]), [[1, 'tcp-only'], [1, 'any-proto'], [2, 'any-proto'], [2, 'udp-only'], [3, 'any-proto']]);
  const matches = Object.fromEntries(h.engine.stats().rules.map((r) => [r.id, r.matches]));
  assert.deepEqual(matches, { 'tcp-only': 1, 'any-proto': 3, 'udp-only': 1, never: 0 });
});

test('an event whose proto is not a string is still checked against every rule', () => {
  const h = harness(RULES);
  // jexl's loose `==` makes ["tcp"] equal "tcp": such an event (from JSON input) must still reach tcp-only.
  const ev = { ...pkt({ ts: 1 }), proto: ['tcp'] } as unknown as VigilEvent;
  h.feed(ev);
  assert.deepEqual(h.hits.map((x) => x.rule), ['tcp-only', 'any-proto']);
});

test('a condition names its first pure conjunct as a guard, skipping constants and proto pins', () => {
  const guard = (source: string) => {
    const r = compileExpr(source, { file: 'r.yaml', line: 1, col: 1 }, env);
    assert.ok(r.ok);
    return conditionFacts(r.value.fn).guard?.code;
  };
  assert.equal(guard('$enforce && is_tcp && tcp.flags.syn && dst.port == 22'), 's.tcp?.flags?.syn');
  assert.equal(guard('tcp.flags.syn && dst.port == 22'), guard('tcp.flags.syn && !tcp.flags.ack'), 'equal conjuncts give equal guards');
  assert.equal(guard('is_local(src.ip) && tcp.flags.syn'), undefined, 'a helper call is not a guard');
  assert.equal(guard('dst.port in none || tcp.flags.syn'), undefined, 'a disjunction has no conjunct to guard on');
});

test('rules sharing a guard still see exactly the events their whole condition accepts', () => {
  const rule = (id: string, when: string) => `  - id: ${id}\n    description: Guarded.\n    on: [packet]\n    when: ${when}\n    type: single\n    key: [src.ip]\n`;
  const h = harness(`rules:\n${rule('syn-22', 'tcp.flags.syn && dst.port == 22')}${rule('syn-only', 'tcp.flags.syn && !tcp.flags.ack')}${rule('syn-23', 'tcp.flags.syn && dst.port == 23')}`);
  h.feed(pkt({ ts: 1, dport: 22, flags: 'S' }), pkt({ ts: 2, dport: 22, flags: 'SA' }), pkt({ ts: 3, dport: 23, flags: 'A' }), pkt({ ts: 4, dport: 23, flags: 'S' }));
  assert.deepEqual(h.hits.map((x) => [x.ts, x.rule]), [[1, 'syn-22'], [1, 'syn-only'], [2, 'syn-22'], [4, 'syn-only'], [4, 'syn-23']]);
});
