/**
 * "Within D" is measured between event times, not arrival order: an event
 * a few ms late (live inputs interleave) still counts exactly while it is
 * ≤ D older than the newest event, and reports its own time in first_ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';

const rule = (params: string) => `
rules:
  - id: burst
    description: Three SYNs from one source within 10 s.
    on: [packet]
    type: threshold
    key: [src.ip]
    count: 3
${params}`;

test('threshold: a late event leaves the window by its own time, not by its arrival', () => {
  const h = harness(rule('    window: 10s'));
  // 19 995 arrives after 20 000; at 30 000 it is 10 005 ms old and must not count.
  h.feed(pkt({ ts: 20_000 }), pkt({ ts: 19_995 }), pkt({ ts: 30_000 }));
  assert.equal(h.hits.length, 0);
  h.feed(pkt({ ts: 30_000 }));
  assert.deepEqual(h.hits.map((x) => [x.ts, x.count, x.first_ts]), [[30_000, 3, 20_000]]);
});

test('threshold: a late event still inside the window is the oldest counted one in first_ts', () => {
  const h = harness(rule('    window: 10s'));
  h.feed(pkt({ ts: 20_000 }), pkt({ ts: 19_995 }), pkt({ ts: 29_995 }));
  assert.deepEqual(h.hits.map((x) => [x.ts, x.count, x.first_ts]), [[29_995, 3, 19_995]]);
});

test('threshold weight: a late event leaves the window by its own time', () => {
  const h = harness(rule('    window: 10s\n    weight: "bytes / 60"'));
  h.feed(pkt({ ts: 20_000 }), pkt({ ts: 19_995 }), pkt({ ts: 30_000 }));
  assert.equal(h.hits.length, 0);
});

test('threshold gap: a late event does not shorten the episode it belongs to', () => {
  const h = harness(rule('    gap: 3s'));
  // 5 000 (late) must not make the pause before 8 500 look like 3 500 ms.
  h.feed(pkt({ ts: 6_000 }), pkt({ ts: 5_000 }), pkt({ ts: 8_500 }));
  assert.deepEqual(h.hits.map((x) => [x.ts, x.count, x.first_ts]), [[8_500, 3, 5_000]]);
});

test('group: a late event leaves the window by its own time', () => {
  const h = harness(`
rules:
  - id: mixed
    description: Two SYNs and a FIN within 10 s.
    on: [packet]
    type: group
    key: [src.ip]
    window: 10s
    groups:
      syn: { when: "tcp.flags.str == 'S'", count: 2 }
      fin: { when: "tcp.flags.str == 'F'", count: 1 }
`);
  h.feed(pkt({ ts: 20_000 }), pkt({ ts: 19_995 }), pkt({ ts: 30_000, flags: 'F' }));
  assert.equal(h.hits.length, 0);
  h.feed(pkt({ ts: 30_000 }));
  assert.deepEqual(h.hits.map((x) => [x.ts, x.first_ts, x.data]), [[30_000, 20_000, { counts: { syn: 2, fin: 1 } }]]);
});
