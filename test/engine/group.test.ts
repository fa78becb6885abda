import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';

const RULE = `
rules:
  - id: mixed-scan
    description: Test rule mixed-scan.
    on: [packet]
    type: group
    key: [src.ip]
    window: 10s
    groups:
      syn: { when: "tcp.flags.str == 'S'", count: 2 }
      fin: { when: "tcp.flags.str == 'F'", count: 1 }
`;

test('group acts when every sub-condition reached its count within one window, reporting counts', () => {
  const h = harness(RULE);
  h.feed(pkt({ ts: 1000, flags: 'S' }), pkt({ ts: 2000, flags: 'S' }), pkt({ ts: 2500, flags: 'A' }));
  assert.equal(h.hits.length, 0, 'no FIN yet');
  h.feed(pkt({ ts: 11_000, flags: 'F' }));
  assert.equal(h.hits.length, 1, 'the first SYN is exactly 10 s old: still inside');
  assert.deepEqual([h.hits[0].count, h.hits[0].first_ts, h.hits[0].data], [3, 1000, { counts: { syn: 2, fin: 1 } }]);
});

test('group: counts that fell out of the window no longer help', () => {
  const h = harness(RULE);
  h.feed(pkt({ ts: 1000, flags: 'S' }), pkt({ ts: 2000, flags: 'S' }), pkt({ ts: 11_001, flags: 'F' }));
  assert.equal(h.hits.length, 0);
  h.feed(pkt({ ts: 11_002, flags: 'S' }));
  assert.equal(h.hits.length, 1);
});

test('group: after a hit the key is silent for one window, then counts afresh', () => {
  const h = harness(RULE);
  h.feed(pkt({ ts: 1, flags: 'S' }), pkt({ ts: 2, flags: 'S' }), pkt({ ts: 3, flags: 'F' }));
  h.feed(pkt({ ts: 4, flags: 'S' }), pkt({ ts: 5, flags: 'S' }), pkt({ ts: 6, flags: 'F' }));
  assert.equal(h.hits.length, 1);
  h.feed(pkt({ ts: 20_000, flags: 'S' }), pkt({ ts: 20_001, flags: 'S' }), pkt({ ts: 20_002, flags: 'F' }));
  assert.deepEqual(h.hits.map((x) => x.ts), [3, 20_002]);
});

test('group: a group holds its newest `count` times, so first_ts is the oldest of those', () => {
  const h = harness(RULE);
  // Five SYNs: only the newest two are held (4000 and 5000); the FIN completes the groups.
  h.feed(pkt({ ts: 1000, flags: 'S' }), pkt({ ts: 2000, flags: 'S' }), pkt({ ts: 3000, flags: 'S' }), pkt({ ts: 4000, flags: 'S' }), pkt({ ts: 5000, flags: 'S' }));
  h.feed(pkt({ ts: 6000, flags: 'F' }));
  assert.deepEqual([h.hits[0].count, h.hits[0].first_ts, h.hits[0].data], [3, 4000, { counts: { syn: 2, fin: 1 } }]);
});

test('group: keys count apart, and an event matching two groups counts in both', () => {
  const h = harness(`
rules:
  - id: overlap
    description: Test rule overlap.
    on: [packet]
    type: group
    key: [src.ip]
    window: 10s
    groups:
      syn: { when: "tcp.flags.syn", count: 3 }
      synfin: { when: "tcp.flags.syn && tcp.flags.fin", count: 1 }
`);
  h.feed(pkt({ ts: 1, flags: 'S', src: '10.77.0.1' }), pkt({ ts: 2, flags: 'S', src: '10.77.0.2' }), pkt({ ts: 3, flags: 'S', src: '10.77.0.1' }));
  assert.equal(h.hits.length, 0);
  h.feed(pkt({ ts: 4, flags: 'SF', src: '10.77.0.2' }));
  assert.equal(h.hits.length, 0, '10.77.0.2 has two SYNs, not three');
  h.feed(pkt({ ts: 5, flags: 'SF', src: '10.77.0.1' }));
  assert.equal(h.hits.length, 1);
  assert.deepEqual([h.hits[0].key, h.hits[0].count, h.hits[0].first_ts, h.hits[0].data], [{ 'src.ip': '10.77.0.1' }, 4, 1, { counts: { syn: 3, synfin: 1 } }]);
});

test('group: large counts (rings that grow as times come) count and slide as small ones do', () => {
  const h = harness(RULE.replace('count: 2 }', 'count: 70 }'));
  for (let i = 0; i < 75; i++) h.feed(pkt({ ts: 1000 + i * 100, flags: 'S' }));
  // The ring holds the newest 70 SYNs (1.5 s to 8.4 s); at 11.55 s the one at 1.5 s is out of the window: 69 remain.
  h.feed(pkt({ ts: 11_550, flags: 'F' }));
  assert.equal(h.hits.length, 0);
  h.feed(pkt({ ts: 11_560, flags: 'S' }));
  assert.equal(h.hits.length, 1);
  assert.deepEqual([h.hits[0].count, h.hits[0].first_ts, h.hits[0].data], [71, 1600, { counts: { syn: 70, fin: 1 } }]);
});

test('group: rules sharing a sub-condition, and a rule with 32 groups, count each group on its own', () => {
  // 32 groups: more than the dispatcher hands a runtime as bits, so this rule tests its groups itself.
  const many = Array.from({ length: 32 }, (_, i) => `      p${i}: { when: "dst.port == ${i + 1}", count: 1 }`).join('\n');
  const h = harness(`${RULE}
  - id: same-syn
    description: Shares the syn sub-condition with mixed-scan.
    on: [packet]
    type: group
    key: [src.ip]
    window: 10s
    groups:
      syn: { when: "tcp.flags.str == 'S'", count: 3 }
  - id: ports-32
    description: One probe of each of 32 ports.
    on: [packet]
    type: group
    key: [src.ip]
    window: 10s
    groups:
${many}
`);
  for (let p = 1; p <= 31; p++) h.feed(pkt({ ts: 1000 + p, flags: 'A', dport: p }));
  assert.deepEqual(h.hits.map((x) => x.rule), [], '31 of 32 ports, no SYN');
  h.feed(pkt({ ts: 2000, flags: 'S', dport: 32 }), pkt({ ts: 2001, flags: 'S', dport: 32 }));
  assert.deepEqual(h.hits.map((x) => x.rule), ['ports-32']);
  h.feed(pkt({ ts: 2002, flags: 'S', dport: 40 }), pkt({ ts: 2003, flags: 'F', dport: 40 }));
  assert.deepEqual(h.hits.map((x) => x.rule), ['ports-32', 'same-syn', 'mixed-scan']);
  assert.deepEqual(h.hits[1].data, { counts: { syn: 3 } });
  assert.deepEqual(h.hits[2].data, { counts: { syn: 2, fin: 1 } }, 'a ring keeps the newest `count` times');
});
