import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';
import { zscore, bounds } from '../../src/core/engine/anomaly/detectors.ts';

const RULE = `
rules:
  - id: byte-spike
    description: Test rule byte-spike.
    on: [packet]
    type: anomaly
    key: [src.ip]
    value: bytes
    interval: 5s
    history: 10
    warmup: 4
    sensitivity: 0.99
`;

test('anomaly sums value per key per interval and acts when the new point stands out', () => {
  const h = harness(RULE);
  // Six steady intervals of ~100 bytes, then one of 5000.
  const per = [100, 110, 90, 100, 105, 95];
  per.forEach((b, i) => h.feed(pkt({ ts: i * 5000 + 1, bytes: b / 2 }), pkt({ ts: i * 5000 + 2, bytes: b / 2 })));
  h.feed(pkt({ ts: 30_001, bytes: 5000 }));
  h.advance(34_999);
  assert.equal(h.hits.length, 0, 'the interval [30 s, 35 s) is not over yet');
  h.advance(35_000);
  assert.equal(h.hits.length, 1);
  const hit = h.hits[0];
  assert.equal(hit.ts, 35_000);
  assert.equal(hit.src, '10.77.0.9');
  const data = hit.data as { value: number; score: number; series: number[] };
  assert.equal(data.value, 5000);
  assert.deepEqual(data.series, [...per, 5000]);
  assert.ok(data.score >= 0.99);
});

test('anomaly stays quiet during warmup and for ordinary variation', () => {
  const h = harness(RULE);
  const per = [100, 5000, 100, 120, 90, 110, 100, 130];
  per.forEach((b, i) => h.feed(pkt({ ts: i * 5000 + 1, bytes: b })));
  h.advance(per.length * 5000);
  assert.equal(h.hits.length, 0, 'the spike came during warmup; the rest is ordinary');
});

test('an event exactly on a boundary belongs to the next interval; idle intervals count as 0', () => {
  const h = harness(`
rules:
  - id: bytes-over
    description: Test rule bytes-over.
    on: [packet]
    type: anomaly
    key: [src.ip]
    value: bytes
    interval: 5s
    history: 4
    warmup: 1
    sensitivity: 1
    detectors: { bounds: { upper: 150 } }
`);
  h.feed(pkt({ ts: 4999, bytes: 100 }), pkt({ ts: 5000, bytes: 100 }));
  h.advance(15_000);
  assert.equal(h.hits.length, 0, 'each interval holds 100');
  h.feed(pkt({ ts: 15_000, bytes: 100 }), pkt({ ts: 19_999, bytes: 100 }));
  h.advance(20_000);
  assert.equal(h.hits.length, 1);
  assert.deepEqual((h.hits[0].data as { series: number[] }).series, [100, 100, 0, 200]);
});

test('a key quiet for a whole history is dropped', () => {
  const h = harness(RULE);
  h.feed(pkt({ ts: 1, bytes: 10 }));
  h.advance(5000 * 10);
  assert.equal(h.engine.stats().rules[0].liveKeys, 1);
  h.advance(5000 * 11);
  assert.equal(h.engine.stats().rules[0].liveKeys, 0);
  assert.equal(h.clock.pending, 0, 'the interval timer stops with no keys');
});

test('zscore scores rises by their distance from the mean; bounds scores 0 or 1', () => {
  assert.equal(zscore.score([1, 2, 3], {}), null, 'needs 3 earlier points');
  assert.equal(zscore.score([10, 10, 10, 10], {}), 0);
  assert.equal(zscore.score([10, 10, 10, 11], {}), 1, 'any change from a flat history');
  const z2 = zscore.score([9, 11, 9, 11, 10 + 2 * Math.sqrt(4 / 3)], {})!;
  assert.ok(Math.abs(z2 - 0.9545) < 1e-3, `two standard deviations ≈ 0.9545, got ${z2}`);
  assert.equal(zscore.score([10, 12, 10, 12, 0], {}), 0, 'a drop does not count when direction is up');
  assert.ok(zscore.score([10, 12, 10, 12, 0], { direction: 'down' })! > 0.99);
  assert.equal(bounds.score([1, 200], { upper: 150 }), 1);
  assert.equal(bounds.score([1, 100], { upper: 150, lower: 50 }), 0);
  assert.equal(zscore.check({ direction: 'sideways' }), 'zscore `direction` must be up, down or both, got "sideways"');
});
