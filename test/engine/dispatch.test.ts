/**
 * The generated dispatcher must behave exactly like running the rules one by
 * one in file order: same hits, same order, same per-rule counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';
import { compileExpr, inlineCode } from '../../src/core/expr/compile.ts';
import { emptyHostFacts } from '../../src/core/host.ts';

const rule = (id: string, when: string, key: string) => `
  - id: ${id}
    description: Test rule ${id}.
    on: [packet]
    when: ${when}
    type: single
    key: ${key}
    message: "${id}"`;

test('rules sharing a key expression each see the key; a rule whose key part is missing skips the event and counts it', () => {
  const h = harness(`rules:${rule('by-src', 'dst.port == 23', '[src.ip]')}${rule('by-src-port', 'dst.port == 23', '[src.ip, dst.port]')}${rule('by-flow', 'dst.port == 23', '[src.ip, flow.id]')}${rule('by-src-again', 'tcp.flags.syn', '[src.ip]')}
`);
  h.feed(pkt({ ts: 1, dport: 23, src: '10.77.0.5' }));
  assert.deepEqual(h.hits.map((x) => [x.rule, x.key]), [
    ['by-src', { 'src.ip': '10.77.0.5' }],
    ['by-src-port', { 'src.ip': '10.77.0.5', 'dst.port': 23 }],
    ['by-src-again', { 'src.ip': '10.77.0.5' }],
  ]);
  const byId = new Map(h.engine.stats().rules.map((r) => [r.id, r]));
  assert.equal(byId.get('by-flow')?.matches, 1);
  assert.equal(byId.get('by-flow')?.unkeyed, 1, 'flow.id is missing on a packet');
  assert.equal(byId.get('by-src')?.unkeyed, 0);
});

test('hits come in file order across rules with different, shared and inlined conditions', () => {
  const h = harness(`rules:${rule('c', 'tcp.flags.syn && dst.port == 23', '[src.ip]')}${rule('a', 'dst.port in [22, 23]', '[src.ip]')}${rule('b', 'tcp.flags.syn && dst.port == 23', '[dst.ip]')}${rule('d', 'proto == "tcp" && tcp.flags.syn', '[src.ip]')}
`);
  h.feed(pkt({ ts: 1, dport: 23 }), pkt({ ts: 2, dport: 22, flags: 'A' }));
  assert.deepEqual(h.hits.map((x) => [x.ts, x.rule]), [[1, 'c'], [1, 'a'], [1, 'b'], [1, 'd'], [2, 'a']]);
});

test('a condition reading only the event is offered for inlining; one needing helpers or constants is not', () => {
  const env = { macros: {}, lists: { hot: [23] }, vars: {}, runtime: { host: emptyHostFacts(), hasContext: () => false } };
  const compile = (src: string) => { const r = compileExpr(src, { file: 'r.yaml', line: 1, col: 1 }, env); assert.ok(r.ok); return r.value.fn; };
  const plain = compile('tcp.flags.syn && dst.port == 23');
  const code = inlineCode(plain);
  assert.ok(code !== undefined);
  // The inlined text computes what the function computes.
  const run = new Function('s', `try { return (${code}); } catch { return undefined; }`) as (s: object) => unknown;
  for (const ev of [pkt({ ts: 1, dport: 23 }), pkt({ ts: 1, dport: 22 }), { ts: 1, kind: 'flow' }]) assert.equal(run(ev), plain(ev));
  assert.equal(inlineCode(compile('context("scanner", src.ip)')), undefined);
  assert.equal(inlineCode(compile('dst.port in hot')), undefined);
});


test('long conditions built from a macro, shared by rules apart or not, give hits in file order', () => {
  // A long macro (fourteen ports) expanded into three rules' conditions, two of them identical and not adjacent.
  const ports = [23, 2323, 3389, 445, 1433, 5900, 6379, 8080, 8443, 9200, 11211, 27017, 5432, 3306];
  const longCond = ports.map((p) => `dst.port == ${p}`).join(' || ');
  const h = harness(`
macros:
  watched: "${longCond}"
rules:${rule('long-a', 'tcp.flags.syn && (watched)', '[src.ip]')}${rule('short', 'dst.port == 23', '[src.ip]')}${rule('long-b', 'tcp.flags.syn && (watched)', '[dst.ip]')}${rule('long-c', '(watched) && !tcp.flags.ack && src.port > 0 && ip.ttl > 0', '[src.ip, dst.port]')}
`);
  h.feed(pkt({ ts: 1, dport: 23 }), pkt({ ts: 2, dport: 27017 }), pkt({ ts: 3, dport: 22 }), pkt({ ts: 4, dport: 5432, flags: 'A' }));
  assert.deepEqual(h.hits.map((x) => [x.ts, x.rule]), [
    [1, 'long-a'], [1, 'short'], [1, 'long-b'], [1, 'long-c'],
    [2, 'long-a'], [2, 'long-b'], [2, 'long-c'],
  ]);
  const byId = new Map(h.engine.stats().rules.map((r) => [r.id, r.matches]));
  assert.deepEqual([...byId], [['long-a', 2], ['short', 1], ['long-b', 2], ['long-c', 2]]);
});

test('a long rule list (split over several generated functions) keeps file order and shares memos and keys across the split', () => {
  // 150 rules: every condition appears three times, 50 rules apart; all expand one macro and most share the key src.ip.
  const rules = Array.from({ length: 150 }, (_, i) => rule(`r${i}`, `bare_syn && dst.port == ${1000 + (i % 50)}`, i % 3 === 2 ? '[src.ip, dst.port]' : '[src.ip]')).join('');
  const h = harness(`
macros:
  bare_syn: tcp.flags.syn && !tcp.flags.ack
rules:${rules}
`);
  h.feed(pkt({ ts: 1, dport: 1007, src: '10.77.0.5' }), pkt({ ts: 2, dport: 1049, src: '10.77.0.9' }), pkt({ ts: 3, dport: 1007, flags: 'SA' }), pkt({ ts: 4, dport: 999 }));
  assert.deepEqual(h.hits.map((x) => [x.ts, x.rule]), [[1, 'r7'], [1, 'r57'], [1, 'r107'], [2, 'r49'], [2, 'r99'], [2, 'r149']]);
  assert.deepEqual(h.hits.map((x) => x.key), [
    { 'src.ip': '10.77.0.5' }, { 'src.ip': '10.77.0.5' }, { 'src.ip': '10.77.0.5', 'dst.port': 1007 },
    { 'src.ip': '10.77.0.9' }, { 'src.ip': '10.77.0.9' }, { 'src.ip': '10.77.0.9', 'dst.port': 1049 },
  ]);
  const matches = h.engine.stats().rules.reduce((n, r) => n + r.matches, 0);
  assert.equal(matches, 6, 'the SYN-ACK and the unwatched port match nothing');
});
