import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';

test('schedule fires a tick at every multiple of the period once event time is known', () => {
  const h = harness(`
rules:
  - id: digest
    description: Test rule digest.
    on: [tick]
    type: schedule
    every: 1m
    message: "digest at {{ts}}"
`);
  assert.equal(h.clock.pending, 0, 'no ticks before time is known');
  h.feed(pkt({ ts: 1_764_000_030_000 }));
  h.advance(1_764_000_200_000);
  assert.deepEqual(h.hits.map((x) => x.ts), [1_764_000_060_000, 1_764_000_120_000, 1_764_000_180_000]);
  assert.equal(h.hits[0].message, 'digest at 1764000060000');
  assert.deepEqual(h.hits[0].key, {});
});

test('schedule tests its when on the tick', () => {
  const h = harness(`
rules:
  - id: hourly
    description: Test rule hourly.
    on: [tick]
    when: "ts % 7200000 == 0"
    type: schedule
    every: 1h
`);
  h.feed(pkt({ ts: 1 }));
  h.advance(5 * 3_600_000);
  assert.deepEqual(h.hits.map((x) => x.ts / 3_600_000), [2, 4]);
});

test('removing a schedule rule cancels its timer', () => {
  const h = harness(`
rules:
  - id: digest
    description: Test rule digest.
    on: [tick]
    type: schedule
    every: 1m
`);
  h.feed(pkt({ ts: 1 }));
  assert.equal(h.clock.pending, 1);
  h.load('rules: []');
  assert.equal(h.clock.pending, 0);
});

test('a schedule rule loaded after time is known starts at the next multiple of its period', () => {
  const h = harness('rules: []');
  h.feed(pkt({ ts: 90_000 }));
  h.load(`
rules:
  - id: digest
    description: Every minute.
    on: [tick]
    type: schedule
    every: 1m
`);
  h.advance(185_000);
  assert.deepEqual(h.hits.map((x) => x.ts), [120_000, 180_000]);
});

test('push evaluates without moving the clock; feed moves it first', () => {
  const h = harness(`
rules:
  - id: digest
    description: Every second.
    on: [tick]
    type: schedule
    every: 1s
`);
  h.engine.push(pkt({ ts: 500 }));
  h.engine.push(pkt({ ts: 5000 }));
  assert.equal(h.hits.length, 0, 'push alone never fires timers');
  h.engine.feed(pkt({ ts: 2500 }));
  assert.deepEqual(h.hits.map((x) => x.ts), [1000, 2000]);
});
