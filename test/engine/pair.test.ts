import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';

const SYN_THEN_RST = (absence: boolean) => `
rules:
  - id: closed-port
    description: Test rule closed-port.
    on: [packet]
    type: pair
    first: { when: "tcp.flags.syn && !tcp.flags.ack", key: [src.ip, dst.ip, src.port] }
    second: { when: "tcp.flags.rst", key: [dst.ip, src.ip, dst.port] }
    window: 2s
    absence: ${absence}
    message: "{{data.first['src.ip']}} got a reset"
`;

test('pair acts on the second event when it follows the first for the same key within the window', () => {
  const h = harness(SYN_THEN_RST(false));
  h.feed(
    pkt({ ts: 1000, src: '10.77.0.5', dst: '10.77.0.1', sport: 5000, flags: 'S' }),
    pkt({ ts: 1500, src: '10.77.0.1', dst: '10.77.0.6', dport: 5000, flags: 'R' }), // other key
    pkt({ ts: 3000, src: '10.77.0.1', dst: '10.77.0.5', dport: 5000, flags: 'R' }),  // exactly 2 s: pairs
  );
  assert.equal(h.hits.length, 1);
  const hit = h.hits[0];
  assert.deepEqual([hit.ts, hit.first_ts, hit.message], [3000, 1000, '10.77.0.5 got a reset']);
  assert.deepEqual(hit.key, { 'src.ip': '10.77.0.5', 'dst.ip': '10.77.0.1', 'src.port': 5000 });
  assert.equal(hit.src, '10.77.0.5', 'the pair key names src.ip');
  assert.equal(h.engine.stats().rules[0].liveKeys, 0, 'the pair is consumed');
});

test('pair: a second event after the window does not pair, and a pair is consumed once', () => {
  const h = harness(SYN_THEN_RST(false));
  h.feed(pkt({ ts: 1000, src: '10.77.0.5', sport: 5000, flags: 'S' }), pkt({ ts: 3001, src: '10.77.0.1', dst: '10.77.0.5', dport: 5000, flags: 'R' }));
  assert.equal(h.hits.length, 0);
  h.feed(pkt({ ts: 4000, src: '10.77.0.5', sport: 5000, flags: 'S' }), pkt({ ts: 4100, src: '10.77.0.1', dst: '10.77.0.5', dport: 5000, flags: 'R' }), pkt({ ts: 4200, src: '10.77.0.1', dst: '10.77.0.5', dport: 5000, flags: 'R' }));
  assert.deepEqual(h.hits.map((x) => x.ts), [4100]);
});

test('pair: a repeated first does not restart the pending window', () => {
  const h = harness(SYN_THEN_RST(false));
  h.feed(pkt({ ts: 1000, src: '10.77.0.5', sport: 5000, flags: 'S' }), pkt({ ts: 2500, src: '10.77.0.5', sport: 5000, flags: 'S' }), pkt({ ts: 3500, src: '10.77.0.1', dst: '10.77.0.5', dport: 5000, flags: 'R' }));
  assert.equal(h.hits.length, 0, 'window counted from 1000, not 2500');
});

test('pair with absence acts 1 ms after the window when the second never came, with no event', () => {
  const h = harness(SYN_THEN_RST(true));
  h.feed(pkt({ ts: 1000, src: '10.77.0.5', sport: 5000, flags: 'S' }), pkt({ ts: 1200, src: '10.77.0.7', sport: 6000, flags: 'S' }));
  h.feed(pkt({ ts: 3000, src: '10.77.0.1', dst: '10.77.0.7', dport: 6000, flags: 'R' })); // .7 answered in time
  h.advance(3000);
  assert.equal(h.hits.length, 0, 'at exactly 2 s the window is still open');
  h.advance(3001);
  assert.equal(h.hits.length, 1);
  assert.deepEqual([h.hits[0].ts, h.hits[0].first_ts, h.hits[0].src, h.hits[0].message], [3001, 1000, '10.77.0.5', '10.77.0.5 got a reset']);
  h.advance(10_000);
  assert.equal(h.hits.length, 1, '.7 was answered: no absence hit');
  assert.equal(h.clock.pending, 0, 'no timers left');
});

test('pair without key lists uses the rule key for both sides', () => {
  const h = harness(`
rules:
  - id: login-then-fail
    description: Test rule login-then-fail.
    on: [packet]
    type: pair
    key: [src.ip]
    first: { when: "dst.port == 22" }
    second: { when: "dst.port == 23" }
    window: 10s
`);
  h.feed(pkt({ ts: 1, dport: 22 }), pkt({ ts: 2, dport: 23, src: '10.77.0.2' }), pkt({ ts: 3, dport: 23 }));
  assert.deepEqual(h.hits.map((x) => [x.ts, x.src]), [[3, '10.77.0.9']]);
});

test('pair reports the key tuple as typed whether the pending first kept it or only its key string', () => {
  const rule = (key: string) => `
rules:
  - id: probe-then-reset
    description: Test rule probe-then-reset.
    on: [packet]
    type: pair
    key: ${key}
    first: { when: "tcp.flags.syn" }
    second: { when: "tcp.flags.rst" }
    window: 10s
`;
  const feed = (key: string) => {
    const h = harness(rule(key));
    h.feed(pkt({ ts: 1000, src: '10.77.0.5', sport: 5000, flags: 'S' }), pkt({ ts: 1500, src: '10.77.0.5', sport: 5000, flags: 'R' }));
    assert.equal(h.hits.length, 1, key);
    return h.hits[0];
  };
  // A one-part string key: the pending first is held as its key string alone.
  const byIp = feed('[src.ip]');
  assert.deepEqual([byIp.key, byIp.data, byIp.first_ts, byIp.src], [{ 'src.ip': '10.77.0.5' }, { first: { 'src.ip': '10.77.0.5' } }, 1000, '10.77.0.5']);
  // A number is not its key string: the tuple is kept and the port stays a number.
  const byPort = feed('[src.port]');
  assert.deepEqual([byPort.key, byPort.data, byPort.first_ts], [{ 'src.port': 5000 }, { first: { 'src.port': 5000 } }, 1000]);
  const byBoth = feed('[src.ip, src.port]');
  assert.deepEqual(byBoth.key, { 'src.ip': '10.77.0.5', 'src.port': 5000 });
});

test('pending firsts older than the window are dropped without waiting for max_keys (expiry, not eviction)', () => {
  const h = harness(SYN_THEN_RST(false));
  // 3,000 connection attempts that never see a reset, one per ms.
  for (let i = 0; i < 3000; i++) h.feed(pkt({ ts: i, src: `10.77.${i >> 8}.${i & 255}`, sport: 40000, flags: 'S' }));
  assert.equal(h.engine.stats().rules[0].liveKeys, 3000);
  // A minute later, ordinary traffic from one client: a few thousand events pass before the next sweep.
  for (let i = 0; i < 1200; i++) h.feed(pkt({ ts: 60_000 + i, src: '10.77.99.1', sport: 50000 + i, flags: 'S' }));
  const r = h.engine.stats().rules[0];
  assert.equal(r.evictions, 0);
  assert.ok(r.liveKeys <= 1200, `only firsts still inside the window remain, got ${r.liveKeys}`);
  // A reset for a swept first does not pair (it could not have: the window was over).
  h.feed(pkt({ ts: 62_000, src: '10.77.0.1', dst: '10.77.0.5', dport: 40000, flags: 'R' }));
  assert.equal(h.hits.length, 0);
});
