import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';

const SCAN = `
rules:
  - id: syn-burst
    description: Test rule syn-burst.
    on: [packet]
    when: tcp.flags.syn && !tcp.flags.ack
    type: threshold
    key: [src.ip]
    count: 3
    window: 10s
`;

test('threshold acts when the count is reached within the window, with count and first_ts', () => {
  const h = harness(SCAN);
  h.feed(pkt({ ts: 1000 }), pkt({ ts: 2000, flags: 'SA' }), pkt({ ts: 3000 }), pkt({ ts: 4000 }));
  assert.equal(h.hits.length, 1);
  assert.deepEqual([h.hits[0].ts, h.hits[0].count, h.hits[0].first_ts], [4000, 3, 1000]);
});

test('an event exactly one window after the oldest counted one still counts with it', () => {
  const h = harness(SCAN);
  h.feed(pkt({ ts: 0 + 1 }), pkt({ ts: 5000 }), pkt({ ts: 10_001 }));
  assert.equal(h.hits.length, 1);
  assert.equal(h.hits[0].first_ts, 1);
});

test('the window slides: events older than the window no longer count', () => {
  const h = harness(SCAN);
  h.feed(pkt({ ts: 1 }), pkt({ ts: 5000 }), pkt({ ts: 10_002 }));
  assert.equal(h.hits.length, 0);
  h.feed(pkt({ ts: 12_000 }));
  assert.deepEqual([h.hits[0].count, h.hits[0].first_ts], [3, 5000]);
});

test('events with the same ts all count, in arrival order', () => {
  const h = harness(SCAN);
  h.feed(pkt({ ts: 7000 }), pkt({ ts: 7000 }), pkt({ ts: 7000 }));
  assert.deepEqual(h.hits.map((x) => [x.ts, x.count]), [[7000, 3]]);
});

test('after a hit the key is silent until the window has slid past the hit, then counts afresh', () => {
  const h = harness(SCAN);
  for (let t = 0; t <= 30_000; t += 1000) h.feed(pkt({ ts: 1 + t }));
  // hits at 3rd event (t=2001); silent through 12001 (≤ 10 s after the hit); counting restarts at 13001 → hit at 15001; and so on
  assert.deepEqual(h.hits.map((x) => x.ts), [2001, 15_001, 28_001]);
});

test('keys are counted separately', () => {
  const h = harness(SCAN);
  h.feed(pkt({ ts: 1, src: '10.77.0.2' }), pkt({ ts: 2, src: '10.77.0.3' }), pkt({ ts: 3, src: '10.77.0.2' }), pkt({ ts: 4, src: '10.77.0.3' }), pkt({ ts: 5, src: '10.77.0.2' }));
  assert.deepEqual(h.hits.map((x) => x.src), ['10.77.0.2']);
  assert.equal(h.engine.stats().rules[0].liveKeys, 2);
});

test('distinct counts distinct values; a repeated value does not count again', () => {
  const h = harness(`
rules:
  - id: port-scan
    description: Test rule port-scan.
    on: [packet]
    type: threshold
    key: [src.ip]
    distinct: dst.port
    count: 3
    window: 60s
    collect:
      ports: { values: dst.port }
`);
  h.feed(pkt({ ts: 1, dport: 22 }), pkt({ ts: 2, dport: 22 }), pkt({ ts: 3, dport: 80 }), pkt({ ts: 4, dport: 80 }));
  assert.equal(h.hits.length, 0);
  h.feed(pkt({ ts: 5, dport: 443 }));
  assert.equal(h.hits[0].count, 3);
  assert.deepEqual(h.hits[0].data, { ports: [22, 80, 443] });
});

test('distinct values slide by their last sighting', () => {
  const h = harness(`
rules:
  - id: port-scan
    description: Test rule port-scan.
    on: [packet]
    type: threshold
    key: [src.ip]
    distinct: dst.port
    count: 3
    window: 10s
`);
  // port 22 seen at 1 and again at 9000: its last sighting keeps it in the window at 15000
  h.feed(pkt({ ts: 1, dport: 22 }), pkt({ ts: 2, dport: 80 }), pkt({ ts: 9000, dport: 22 }), pkt({ ts: 15_000, dport: 443 }));
  assert.equal(h.hits.length, 0, 'port 80 fell out of the window');
  h.feed(pkt({ ts: 16_000, dport: 8080 }));
  // first_ts is the event that first counted a value still in the window: port 22 at 1
  assert.deepEqual([h.hits[0].count, h.hits[0].first_ts], [3, 1]);
});

test('weight sums an expression; with distinct each value weighs once (scanlogd)', () => {
  const h = harness(`
rules:
  - id: scanlogd-like
    description: Test rule scanlogd-like.
    on: [packet]
    type: threshold
    key: [src.ip]
    distinct: dst.port
    weight: "dst.port < 1024 ? 3 : 1"
    count: 7
    gap: 3s
`);
  h.feed(pkt({ ts: 0 + 1, dport: 22 }), pkt({ ts: 100, dport: 22 }), pkt({ ts: 200, dport: 2000 }), pkt({ ts: 300, dport: 2001 }));
  assert.equal(h.hits.length, 0, '3 + 1 + 1 = 5');
  h.feed(pkt({ ts: 400, dport: 25 }));
  assert.deepEqual([h.hits[0].count, h.hits[0].first_ts], [8, 1]);
});

test('gap: a pause of exactly gap does not reset, a longer pause does', () => {
  const rules = `
rules:
  - id: slow-scan
    description: Test rule slow-scan.
    on: [packet]
    type: threshold
    key: [src.ip]
    count: 3
    gap: 3s
`;
  const a = harness(rules);
  a.feed(pkt({ ts: 1000 }), pkt({ ts: 4000 }), pkt({ ts: 7000 }));
  assert.equal(a.hits.length, 1, 'pauses of exactly 3 s keep the episode');
  const b = harness(rules);
  b.feed(pkt({ ts: 1000 }), pkt({ ts: 4000 }), pkt({ ts: 7001 }));
  assert.equal(b.hits.length, 0, 'a pause of 3 s + 1 ms resets the count');
  b.feed(pkt({ ts: 8000 }), pkt({ ts: 9000 }));
  assert.deepEqual([b.hits[0].count, b.hits[0].first_ts], [3, 7001]);
});

test('gap: after a hit the key stays silent while the scan continues, and re-arms after a pause', () => {
  const h = harness(`
rules:
  - id: slow-scan
    description: Test rule slow-scan.
    on: [packet]
    type: threshold
    key: [src.ip]
    count: 2
    gap: 3s
`);
  for (let t = 1000; t <= 20_000; t += 2000) h.feed(pkt({ ts: t }));
  assert.deepEqual(h.hits.map((x) => x.ts), [3000], 'one hit for one continuous scan');
  h.feed(pkt({ ts: 30_000 }), pkt({ ts: 31_000 }));
  assert.deepEqual(h.hits.map((x) => x.ts), [3000, 31_000]);
});

test('suppress silences the key for a period after a hit instead of until the episode ends', () => {
  const h = harness(`
rules:
  - id: noisy
    description: Test rule noisy.
    on: [packet]
    type: threshold
    key: [src.ip]
    count: 2
    window: 1s
    suppress: 5s
`);
  for (let t = 0; t <= 13_000; t += 500) h.feed(pkt({ ts: 1 + t }));
  // hit at 501; silent while ≤ 5 s after it (through 5501); 6001 counts afresh, 6501 is the 2nd → hit; and so on
  assert.deepEqual(h.hits.map((x) => x.ts), [501, 6501, 12_501]);
});

test('collect reports first, same, or, and, max, min and capped values', () => {
  const h = harness(`
rules:
  - id: agg
    description: Test rule agg.
    on: [packet]
    type: threshold
    key: [src.ip]
    count: 4
    window: 10s
    collect:
      first_port: { first: dst.port }
      ttl: { same: ip.ttl }
      bytes_or: { or: bytes }
      bytes_and: { and: bytes }
      biggest: { max: bytes }
      smallest: { min: bytes }
      ports: { values: dst.port, max: 2 }
`);
  h.feed(pkt({ ts: 1, dport: 80, bytes: 6 }), pkt({ ts: 2, dport: 81, bytes: 3 }), pkt({ ts: 3, dport: 82, bytes: 7, ttl: 64 }), pkt({ ts: 4, dport: 83, bytes: 5 }));
  assert.deepEqual(h.hits[0].data, { first_port: 80, ttl: 64, bytes_or: 7, bytes_and: 0, biggest: 7, smallest: 3, ports: [80, 81] });
  const g = harness(`
rules:
  - id: agg
    description: Test rule agg.
    on: [packet]
    type: threshold
    key: [src.ip]
    count: 2
    window: 10s
    collect:
      ttl: { same: ip.ttl }
`);
  g.feed(pkt({ ts: 1, ttl: 64 }), pkt({ ts: 2, ttl: 128 }));
  assert.deepEqual(g.hits[0].data, { ttl: null }, 'same is null when the values differ');
});

test('recover: a second hit tagged RECOVERED once no more than N2 events came within D2, then the key re-arms', () => {
  const h = harness(`
rules:
  - id: flood
    description: Test rule flood.
    on: [packet]
    type: threshold
    key: [src.ip]
    count: 3
    window: 10s
    tags: [FLOOD]
    recover:
      count: 1
      window: 5s
      message: "{{src.ip}} calmed down"
      actions:
        - log: { text: "{{src.ip}} ok" }
`);
  h.feed(pkt({ ts: 1000 }), pkt({ ts: 1100 }), pkt({ ts: 1200 }));
  assert.equal(h.hits.length, 1);
  // still busy: two events 1 s apart keep the trailing 5 s window above 1
  h.feed(pkt({ ts: 3000 }), pkt({ ts: 4000 }));
  h.advance(8000);
  assert.equal(h.hits.length, 1, 'at 8000 the trailing 5 s [3000, 8000] still holds 2 events');
  h.advance(8001);
  assert.equal(h.hits.length, 2, 'at 8001 the trailing 5 s [3001, 8001] holds 1 event');
  const r = h.hits[1];
  assert.deepEqual([r.ts, r.message, r.tags, r.count, r.src], [8001, '10.77.0.9 calmed down', ['FLOOD', 'RECOVERED'], 1, '10.77.0.9']);
  assert.deepEqual(r.actions, [{ plugin: 'log', params: { text: '10.77.0.9 ok' } }]);
  h.feed(pkt({ ts: 20_000 }), pkt({ ts: 20_001 }), pkt({ ts: 20_002 }));
  assert.equal(h.hits.length, 3, 're-armed after recovery');
});
