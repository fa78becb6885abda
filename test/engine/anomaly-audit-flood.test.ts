/**
 * A spoofed flood of one-packet sources against an anomaly rule: each key
 * keeps at most `history` points (8 bytes a point), but a key that has sent
 * one packet has one point to keep, and must not pay for the rest up front.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';

const memory = (): number => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };

test('one-packet sources do not each allocate a whole history', () => {
  const h = harness(`
rules:
  - id: long-look
    description: Bytes per source against a long history.
    on: [packet]
    type: anomaly
    key: [src.ip]
    value: bytes
    interval: 5s
    history: 10000
`);
  const before = memory();
  // 2,000 spoofed sources, one packet each: a whole history is 80 kB a key, 160 MB in all.
  for (let i = 0; i < 2000; i++) h.feed(pkt({ ts: 1000 + i, src: `10.${(i >> 8) & 255}.${i & 255}.1` }));
  h.advance(5000);
  const grown = memory() - before;
  assert.equal(h.engine.stats().rules[0].liveKeys, 2000);
  assert.ok(grown < 32 * 2 ** 20, `2,000 one-packet keys took ${Math.round(grown / 2 ** 20)} MB`);
});

test('a key whose series outgrows its first allocation keeps every point, oldest first', () => {
  const h = harness(`
rules:
  - id: bytes-over
    description: Bytes per source over a bound.
    on: [packet]
    type: anomaly
    key: [src.ip]
    value: bytes
    interval: 1s
    history: 40
    warmup: 1
    sensitivity: 1
    detectors: { bounds: { upper: 0 } }
`);
  const sent = Array.from({ length: 100 }, (_, i) => i + 1);
  sent.forEach((b, i) => h.feed(pkt({ ts: i * 1000 + 1, bytes: b })));
  h.advance(100_000);
  const series = h.hits.map((x) => (x.data as { series: number[] }).series);
  assert.equal(series.length, 100);
  series.forEach((s, i) => assert.deepEqual(s, sent.slice(Math.max(0, i + 1 - 40), i + 1), `point ${i + 1}`));
});
