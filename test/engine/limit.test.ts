import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';

test('limit: at most count hits per period, one notice for the first over, the rest dropped and counted', () => {
  const h = harness(`
rules:
  - id: noisy
    description: Every SYN.
    on: [packet]
    type: single
    key: [src.ip]
    limit: { count: 2, per: 10s, notice: "noisy: more hits suppressed" }
    actions:
      - block: { address: "{{src.ip}}" }
`);
  for (let i = 0; i < 5; i++) h.feed(pkt({ ts: 1000 + i }));
  assert.deepEqual(h.hits.map((x) => x.message), ['noisy 10.77.0.9', 'noisy 10.77.0.9', 'noisy: more hits suppressed']);
  const notice = h.hits[2];
  assert.deepEqual([notice.actions, notice.tags], [[], ['LIMITED']]);
  assert.equal(h.engine.stats().rules[0].limited, 3);
  h.feed(pkt({ ts: 11_000 }));
  assert.equal(h.hits.length, 3, 'exactly 10 s after the period began: same period');
  h.feed(pkt({ ts: 11_001 }));
  assert.equal(h.hits.length, 4, 'a new period');
});
