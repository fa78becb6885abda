import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';

const RULE = `
rules:
  - id: three-probes
    description: Three SYNs from one source within a minute.
    on: [packet]
    type: threshold
    key: [src.ip]
    count: 3
    window: 60s
    max_keys: 1000
`;

const established = (i: number) => `10.77.1.${i}`;
const spoofed = (i: number) => `10.77.${100 + (i >> 8)}.${i & 255}`;

test('sources the table held before a flood of one-off sources keep their counts through it', () => {
  const h = harness(RULE);
  let t = 1_000_000;
  // 200 sources with one event each, then 2,000 spoofed sources (twice the table) with one each,
  // then the 200 sources again with two more: the flood churns only the admission window.
  for (let i = 0; i < 200; i++) h.feed(pkt({ ts: t++, src: established(i) }));
  for (let i = 0; i < 2000; i++) h.feed(pkt({ ts: t++, src: spoofed(i) }));
  for (let round = 0; round < 2; round++) for (let i = 0; i < 200; i++) h.feed(pkt({ ts: t++, src: established(i) }));
  const reported = h.hits.filter((x) => x.count === 3).map((x) => x.src);
  // Only the doorkeeper's false positives (about 0.5 % of the flood) can push an established key out.
  assert.ok(reported.length >= 200 - 0.01 * 2000, `${reported.length} of 200 established sources reached their third event`);
  assert.ok(reported.every((s) => s!.startsWith('10.77.1.')), 'no spoofed source is reported');
  const st = h.engine.stats().rules[0];
  assert.equal(st.liveKeys, 1000);
  assert.equal(st.evictions, 200 + 2000 - 1000, 'every key beyond the cap was evicted and counted');
});

test('a burst from a new source during a flood is counted from its first event', () => {
  const h = harness(RULE);
  let t = 1_000_000;
  for (let i = 0; i < 5000; i++) h.feed(pkt({ ts: t++, src: spoofed(i) }));
  // Three back-to-back probes: the second finds the first still in the admission window.
  for (let i = 0; i < 3; i++) h.feed(pkt({ ts: t++, src: '10.77.250.1', dport: 20 + i }));
  assert.deepEqual(h.hits.map((x) => [x.src, x.count]), [['10.77.250.1', 3]]);
});
