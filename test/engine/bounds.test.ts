import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';
import { KeyTable } from '../../src/core/engine/key-table.ts';

const SCAN = (maxKeys: number) => `
rules:
  - id: port-scan
    description: Distinct ports per source.
    on: [packet]
    type: threshold
    key: [src.ip]
    distinct: dst.port
    count: 20
    window: 60s
    max_keys: ${maxKeys}
`;

/** A spoofed source address from an index: 10.77.x.y, never repeated within 65,000. */
const spoofed = (i: number) => `10.77.${(i >> 8) & 255}.${i & 255}`;

test('a flood of spoofed one-packet sources stays within max_keys and does not hide a real scanner', () => {
  const h = harness(SCAN(100));
  let t = 1_000_000;
  // The scanner probes one new port for every 500 spoofed packets: its key is
  // evicted from the 100-key table before its second probe. The doorkeeper
  // remembers it and the second probe lands in the protected segment, so
  // only the first port is lost: 21 probes make the 20 distinct ports.
  for (let port = 1; port <= 21; port++) {
    for (let i = 0; i < 500; i++) h.feed(pkt({ ts: t++, src: spoofed(port * 500 + i), dport: 80 }));
    h.feed(pkt({ ts: t++, src: '10.77.250.1', dport: port }));
  }
  const st = h.engine.stats().rules[0];
  assert.ok(st.liveKeys <= 100, `live keys ${st.liveKeys} ≤ max_keys`);
  assert.equal(st.evictions, 10_500 + 2 - 100, 'every key beyond the cap was evicted and counted (the scanner once)');
  assert.deepEqual(h.hits.map((x) => [x.src, x.count]), [['10.77.250.1', 20]]);
});

test('when every key is active the least recently touched key is evicted first', () => {
  const evicted: string[] = [];
  const t = new KeyTable<string>(3, (k) => evicted.push(k));
  t.add('a', 'A', 1); t.add('b', 'B', 2); t.add('c', 'C', 3);
  t.touch('a', 4); t.touch('b', 5); t.touch('c', 6); // all promoted (protected holds 2 of 3: the oldest is demoted)
  t.touch('a', 7);
  t.add('d', 'D', 8);
  assert.deepEqual(evicted, ['b'], 'b is the least recently touched');
  assert.equal(t.size, 3);
});

test('keys idle for longer than the rule horizon are swept without max_keys pressure', () => {
  const h = harness(`
rules:
  - id: burst
    description: Bursts.
    on: [packet]
    type: threshold
    key: [src.ip]
    count: 1000
    window: 1s
`);
  for (let i = 0; i < 1000; i++) h.feed(pkt({ ts: 1 + i, src: spoofed(i) }));
  assert.equal(h.engine.stats().rules[0].liveKeys, 1000);
  // 5000 events from one key much later: the periodic sweep drops the idle ones
  for (let i = 0; i < 5000; i++) h.feed(pkt({ ts: 10_000 + i, src: '10.77.250.250' }));
  assert.equal(h.engine.stats().rules[0].liveKeys, 1);
  assert.equal(h.engine.stats().rules[0].evictions, 0, 'expiry is not eviction');
});

test('weight counters are capped per key and the cap is counted as an eviction', () => {
  const h = harness(`
rules:
  - id: bytes
    description: Bytes per source.
    on: [packet]
    type: threshold
    key: [src.ip]
    weight: bytes
    count: 1000000
    window: 1h
    max_entries: 50
`);
  for (let i = 0; i < 200; i++) h.feed(pkt({ ts: 1 + i, bytes: 10 }));
  const st = h.engine.stats().rules[0];
  assert.equal(st.evictions, 150);
  assert.equal(h.hits.length, 0);
});
