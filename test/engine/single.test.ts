import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';

test('single acts on every matching event and ignores the rest', () => {
  const h = harness(`
rules:
  - id: syn-to-telnet
    description: Test rule syn-to-telnet.
    on: [packet]
    when: dst.port == 23
    type: single
    key: [src.ip]
    severity: high
    tags: [HOT_PORT]
    message: "{{src.ip}} touched {{dst.port}}"
`);
  h.feed(pkt({ ts: 1000, dport: 23 }), pkt({ ts: 1001, dport: 22 }), pkt({ ts: 1002, dport: 23, src: '10.77.0.5' }));
  assert.deepEqual(h.hits.map((x) => [x.ts, x.message, x.src, x.severity, x.tags]), [
    [1000, '10.77.0.9 touched 23', '10.77.0.9', 'high', ['HOT_PORT']],
    [1002, '10.77.0.5 touched 23', '10.77.0.5', 'high', ['HOT_PORT']],
  ]);
  assert.deepEqual(h.hits[0].key, { 'src.ip': '10.77.0.9' });
});

test('single with suppress acts once per key while the time since the hit is at most the period', () => {
  const h = harness(`
rules:
  - id: once
    description: Test rule once.
    on: [packet]
    type: single
    key: [src.ip]
    suppress: 10s
`);
  h.feed(
    pkt({ ts: 0 + 1, src: '10.77.0.2' }),
    pkt({ ts: 5_001, src: '10.77.0.2' }),   // suppressed
    pkt({ ts: 6_000, src: '10.77.0.3' }),   // other key: acts
    pkt({ ts: 10_001, src: '10.77.0.2' }),  // exactly 10 s after the hit: still suppressed
    pkt({ ts: 10_002, src: '10.77.0.2' }),  // 10 s + 1 ms: acts again
  );
  assert.deepEqual(h.hits.map((x) => [x.ts, x.src]), [[1, '10.77.0.2'], [6_000, '10.77.0.3'], [10_002, '10.77.0.2']]);
});

test('default message is the rule id followed by the key values', () => {
  const h = harness(`
rules:
  - id: pair-key
    description: Test rule pair-key.
    on: [packet]
    type: single
    key: [src.ip, dst.port]
`);
  h.feed(pkt({ ts: 5, dport: 443 }));
  assert.equal(h.hits[0].message, 'pair-key 10.77.0.9 443');
  assert.deepEqual(h.hits[0].key, { 'src.ip': '10.77.0.9', 'dst.port': 443 });
});

test('src is the event source when the key has no src.ip, and absent when neither has one', () => {
  const h = harness(`
rules:
  - id: by-port
    description: Test rule by-port.
    on: [packet]
    type: single
    key: [dst.port]
  - id: by-flow
    description: Test rule by-flow.
    on: [flow]
    type: single
`);
  h.feed(pkt({ ts: 5, src: '10.77.0.44' }), { ts: 6, kind: 'flow', input: 'test' });
  assert.equal(h.hits[0].src, '10.77.0.44');
  assert.equal('src' in h.hits[1], false);
});

test('events whose key is missing are skipped and counted as unkeyed', () => {
  const h = harness(`
rules:
  - id: by-src
    description: Test rule by-src.
    on: [flow]
    type: single
    key: [src.ip]
`);
  h.feed({ ts: 5, kind: 'flow', input: 'test' });
  assert.equal(h.hits.length, 0);
  assert.equal(h.engine.stats().rules[0].unkeyed, 1);
});

test('action parameters are rendered with the template scope', () => {
  const h = harness(`
rules:
  - id: block-telnet
    description: Test rule block-telnet.
    on: [packet]
    type: single
    key: [src.ip]
    actions:
      - block: { address: "{{src.ip}}", reason: "{{rule}} on {{key['src.ip']}} port {{dst.port}}", duration: 3600 }
`);
  h.feed(pkt({ ts: 5, dport: 23 }));
  assert.deepEqual(h.hits[0].actions, [{ plugin: 'block', params: { address: '10.77.0.9', reason: 'block-telnet on 10.77.0.9 port 23', duration: 3600 } }]);
});

test('hits and kept state never share objects with the event, which inputs reuse', () => {
  const h = harness(`
rules:
  - id: by-flags
    description: Keyed by the flags object (unusual, but allowed).
    on: [packet]
    type: threshold
    key: [tcp.flags]
    count: 2
    window: 10s
    collect:
      first_flags: { first: tcp.flags }
`);
  const ev = pkt({ ts: 1, flags: 'S' });
  h.feed(ev);
  ev.ts = 2;
  h.feed(ev);
  ev.tcp!.flags!.str = 'R';
  assert.equal((h.hits[0].key['tcp.flags'] as { str: string }).str, 'S');
  assert.equal((h.hits[0].data!.first_flags as { str: string }).str, 'S');
});
