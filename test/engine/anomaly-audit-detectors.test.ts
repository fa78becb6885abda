/**
 * The anomaly detectors against docs/rules.md ("### anomaly"): a detector
 * scores the newest point against the earlier ones, and a rule the loader
 * accepts must be one whose detectors can ever judge.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';
import { zscore } from '../../src/core/engine/anomaly/detectors.ts';

test('zscore: an unchanged point after a flat history of fractional values scores 0', () => {
  // 0.1 + 0.1 + 0.1 is not 0.3 in binary floating point; a mean computed by
  // summing lands a hair off the common value and made "no change" look
  // like a fraction of a standard deviation of rounding noise.
  for (const v of [0.1, 0.2, 0.7, 1.1, 123.456]) {
    for (const earlier of [3, 5, 7, 9, 11, 19]) {
      const series = [...Array<number>(earlier).fill(v), v];
      for (const direction of ['up', 'down', 'both']) {
        assert.equal(zscore.score(series, { direction }), 0, `${earlier} × ${v} then ${v}, direction ${direction}`);
      }
    }
  }
});

test('zscore: any rise from a flat history of fractional values scores 1', () => {
  assert.equal(zscore.score([0.1, 0.1, 0.1, 0.1, 0.2], {}), 1);
  assert.equal(zscore.score([0.7, 0.7, 0.7, 0.7, 0.6], { direction: 'down' }), 1);
});

test('a perfectly steady fractional value never makes an anomaly hit', () => {
  const h = harness(`
rules:
  - id: steady-ratio
    description: A steady ratio per source.
    on: [packet]
    type: anomaly
    key: [src.ip]
    value: "bytes / 600"
    interval: 5s
    history: 12
    warmup: 4
    sensitivity: 0.5
    detectors: { zscore: { direction: both } }
`);
  for (let i = 0; i < 20; i++) h.feed(pkt({ ts: i * 5000 + 1, bytes: 60 }));
  h.advance(20 * 5000);
  assert.deepEqual(h.hits.map((x) => (x.data as { score: number }).score), []);
});

const rule = (params: string) => `
rules:
  - id: spike
    description: Bytes per source far above their recent level.
    on: [packet]
    type: anomaly
    key: [src.ip]
    value: bytes
    interval: 5s
${params}`;

test('a history too short for zscore to ever judge is refused when the rules load', () => {
  // history 3 is the documented minimum, but zscore needs 3 earlier points
  // (4 in all): such a rule would load and never act.
  assert.throws(() => harness(rule('    history: 3')), /min_points.*history|history.*min_points/);
  assert.throws(() => harness(rule('    history: 10\n    detectors: { zscore: { min_points: 10 } }')), /min_points.*history|history.*min_points/);
});

test('the shortest history zscore can judge loads and acts', () => {
  const h = harness(rule('    history: 3\n    detectors: { zscore: { min_points: 2 } }'));
  [100, 100, 9000].forEach((b, i) => h.feed(pkt({ ts: i * 5000 + 1, bytes: b })));
  h.advance(15_000);
  assert.deepEqual(h.hits.map((x) => [x.ts, (x.data as { series: number[] }).series]), [[15_000, [100, 100, 9000]]]);
});

test('history 3 is still accepted for a detector that judges one point', () => {
  assert.doesNotThrow(() => harness(rule('    history: 3\n    detectors: { bounds: { upper: 1000 } }')));
});

test('an empty detectors map is refused with a reason', () => {
  assert.throws(() => harness(rule('    detectors: {}')), /`detectors` names no detector; known: zscore, bounds/);
});
