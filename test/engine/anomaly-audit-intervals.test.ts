/**
 * Anomaly intervals on event time (docs/rules.md "### anomaly" and the time
 * rules): intervals are [k·D, (k+1)·D), an event belongs to the interval of
 * its own `ts`, and a boundary that already passed is not made again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';

const RULE = `
rules:
  - id: bytes-over
    description: More than 50 bytes from a source in 5 s.
    on: [packet]
    type: anomaly
    key: [src.ip]
    value: bytes
    interval: 5s
    history: 3
    warmup: 1
    sensitivity: 1
    detectors: { bounds: { upper: 50 } }
`;

type Point = { src: string | undefined; ts: number; first_ts: number | undefined; series: number[] };
const points = (h: ReturnType<typeof harness>): Point[] =>
  h.hits.map((x) => ({ src: x.src, ts: x.ts, first_ts: x.first_ts, series: (x.data as { series: number[] }).series }));

test('a late event on an idle rule does not put later events in an interval that already ended', () => {
  const h = harness(RULE);
  h.advance(20_002); // other traffic has moved event time past the boundary at 20 000
  h.feed(pkt({ ts: 19_999, src: '10.0.0.1', bytes: 10 })); // a few ms late
  h.feed(pkt({ ts: 20_002, src: '10.0.0.2', bytes: 100 }));
  h.advance(25_000);
  // 10.0.0.2's bytes were sent at 20 002: they belong to [20 000, 25 000).
  assert.deepEqual(points(h), [{ src: '10.0.0.2', ts: 25_000, first_ts: 20_000, series: [100] }]);
});

test('a boundary is made once: a late event after the last key was dropped waits for the next one', () => {
  const h = harness(RULE);
  h.feed(pkt({ ts: 1, bytes: 100 }));
  h.advance(20_000); // points at 5 000 (100), then 0, 0, 0: dropped at 20 000
  assert.equal(h.engine.stats().rules[0].liveKeys, 0);
  h.feed(pkt({ ts: 19_998, bytes: 60 }));
  h.advance(30_000);
  // Every hit is stamped later than the one before it; none at 20 000 a second time.
  assert.deepEqual(points(h).map((p) => [p.ts, p.series]), [[5_000, [100]], [25_000, [60]]]);
});

test('a late event while the rule is running counts in the interval still open', () => {
  const h = harness(RULE);
  h.feed(pkt({ ts: 4_000, bytes: 10 }), pkt({ ts: 5_001, bytes: 10 }), pkt({ ts: 4_999, bytes: 45 }));
  h.advance(10_000);
  assert.deepEqual(points(h).map((p) => [p.ts, p.first_ts, p.series]), [[10_000, 5_000, [10, 55]]]);
});
