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

test('limit: the notice asks for the rule\'s log actions only, rendered without the event', () => {
  const h = harness(`
rules:
  - id: noisy
    description: Every SYN.
    on: [packet]
    type: single
    key: [src.ip]
    limit: { count: 1, per: 10s, notice: "noisy: more hits suppressed" }
    actions:
      - block: { address: "{{src.ip}}" }
      - log: { note: "{{src.ip}} to {{dst.ip}}:{{dst.port}}, {{rule}}" }
      - context.set: { name: seen, key: "{{src.ip}}", ttl: 1h }
`);
  h.feed(pkt({ ts: 1000, dport: 22 }), pkt({ ts: 1001, dport: 23 }), pkt({ ts: 1002, dport: 24 }));
  assert.deepEqual(h.hits.map((x) => x.message), ['noisy 10.77.0.9', 'noisy: more hits suppressed']);
  assert.deepEqual(h.hits[0].actions.map((a) => a.plugin), ['block', 'log', 'context.set']);
  const notice = h.hits[1];
  assert.deepEqual(notice.tags, ['LIMITED']);
  // The key's src.ip is known without the event; the event's destination is not.
  assert.deepEqual(notice.actions, [{ plugin: 'log', params: { note: '10.77.0.9 to :, noisy' } }]);
  assert.equal(notice.src, '10.77.0.9');
});
