import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';

const rule = (id: string, count: number) => `
  - id: ${id}
    description: SYN count.
    on: [packet]
    type: threshold
    key: [src.ip]
    count: ${count}
    window: 60s`;

test('load: an unchanged rule keeps its state, a changed rule starts fresh, a removed rule is disposed', () => {
  const h = harness(`rules:${rule('kept', 3)}${rule('changed', 3)}${rule('removed', 3)}`);
  h.feed(pkt({ ts: 1 }), pkt({ ts: 2 }));
  const r = h.load(`rules:${rule('kept', 3)}${rule('changed', 4)}`);
  assert.deepEqual(r, { kept: 1, fresh: 1, removed: 1 });
  h.feed(pkt({ ts: 3 }));
  assert.deepEqual(h.hits.map((x) => x.rule), ['kept'], 'kept had 2 events before the swap; changed starts at 1');
  h.feed(pkt({ ts: 4 }), pkt({ ts: 5 }), pkt({ ts: 6 }));
  assert.deepEqual(h.hits.map((x) => x.rule), ['kept', 'changed']);
  const st = h.engine.stats();
  assert.deepEqual(st.rules.map((x) => [x.id, x.matches]), [['kept', 6], ['changed', 4]], 'counters carry over with the state');
});

test('load: a ruleset naming an unknown type is refused and the old one keeps running', () => {
  const h = harness(`rules:${rule('kept', 2)}`);
  const bad = { rules: [{ ...h.engine.current!.rules[0], id: 'x', type: 'nope' }], vars: {}, lists: {}, files: [] };
  assert.throws(() => h.engine.load(bad), /unknown correlation type `nope`/);
  h.feed(pkt({ ts: 1 }), pkt({ ts: 2 }));
  assert.deepEqual(h.hits.map((x) => x.rule), ['kept']);
});

test('load: a removed rule with pending timers leaves none behind', () => {
  const h = harness(`
rules:
  - id: absent-reply
    description: SYN without a reply.
    on: [packet]
    type: pair
    key: [src.ip]
    first: { when: "tcp.flags.syn" }
    second: { when: "tcp.flags.rst" }
    window: 5s
    absence: true
`);
  h.feed(pkt({ ts: 1 }), pkt({ ts: 2, src: '10.77.0.3' }));
  assert.equal(h.clock.pending, 2);
  h.load('rules: []');
  assert.equal(h.clock.pending, 0);
  h.advance(100_000);
  assert.equal(h.hits.length, 0);
});
