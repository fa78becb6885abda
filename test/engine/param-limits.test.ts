/**
 * Rule parameters at their limits. The loader accepts any count for a group
 * and any history for an anomaly rule; what it accepts the engine must run,
 * and per-key memory must not be paid up front for events that never came.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRulesetFromText } from '../../src/core/rules/load.ts';
import { harness, pkt } from '../engine/helpers/harness.ts';
import { EventClock } from '../../src/core/clock.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { emptyHostFacts } from '../../src/core/host.ts';

test('an anomaly history the loader accepts is one the engine can load', () => {
  const text = `
rules:
  - id: bytes-spike
    description: d
    on: [packet]
    type: anomaly
    key: [src.ip]
    value: bytes
    interval: 5s
    history: 1e12
`;
  const engine = new Engine({ clock: new EventClock(0), sink: () => {}, host: emptyHostFacts() });
  const r = loadRulesetFromText([{ path: 'site.yaml', text }], { runtime: engine.helpers });
  if (!r.ruleset) {
    // Refusing is fine, if it points at `history`.
    assert.ok(r.diagnostics.some((d) => d.severity === 'error' && d.loc.line === 10), 'refused at the history line');
    return;
  }
  // Before the fix: `rules check` says ok, then `vigil run`/`replay` die with
  // "RangeError: Invalid typed array length: 1000000000000" (Float64Array(history) in anomaly.ts).
  assert.doesNotThrow(() => engine.load(r.ruleset!));
});

test('a group with a large count does not allocate count slots for every new key', () => {
  // group.ts clones a number[] of sum(count) cells for each new key on its first
  // event: with count 200,000 that is 1.6 MB per one-packet spoofed source, so a
  // flood exhausts memory long before max_keys (default 100,000) is reached.
  const h = harness(`
rules:
  - id: many-syns
    description: d
    on: [packet]
    type: group
    key: [src.ip]
    window: 10s
    groups:
      syn: { when: "tcp.flags.syn", count: 200000 }
`);
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 60; i++) h.feed(pkt({ ts: 1000 + i, src: `10.77.0.${i + 1}` }));
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(h.engine.stats().rules[0].liveKeys, 60);
  assert.ok(grown < 32 * 2 ** 20, `60 one-packet keys took ${Math.round(grown / 2 ** 20)} MB of heap`);
});
