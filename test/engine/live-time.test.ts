/**
 * Live mode (`vigil run`): an event stamped too far ahead of the wall clock
 * is refused and counted, because taking it would move the one clock there
 * for good (docs/operations.md "Event time in vigil run"). Replay and rule
 * tests keep pure event time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';
import { LIVE_MAX_AHEAD_MS, type EngineLogger } from '../../src/core/engine/engine.ts';

const WALL = Date.UTC(2026, 10, 26, 12, 0, 0);
const RULES = `
rules:
  - id: once
    description: A hit per source, then quiet for 10 minutes.
    on: [packet]
    type: single
    key: [src.ip]
    suppress: 10m
  - id: no-answer
    description: A SYN left without a SYN-ACK for 5 s.
    on: [packet]
    type: pair
    key: [src.ip]
    first: { when: "tcp.flags.syn && !tcp.flags.ack" }
    second: { when: "tcp.flags.syn && tcp.flags.ack" }
    window: 5s
    absence: true
`;

function liveHarness(wall: { now: number }, logs: string[] = []) {
  // The engine logs as pino does: fields first, then the message.
  const logger = { info: () => {}, warn: (_o: object, msg: string) => { logs.push(msg); }, error: () => {} } as unknown as EngineLogger;
  const h = harness(RULES, { live: { now: () => wall.now, maxAheadMs: LIVE_MAX_AHEAD_MS }, logger });
  h.clock.advance(WALL);
  return h;
}

test('live, an event more than the allowance ahead of the wall clock is refused: no hit, the clock stays, suppressions and pending pairs keep', () => {
  const wall = { now: WALL };
  const logs: string[] = [];
  const h = liveHarness(wall, logs);
  h.feed(pkt({ ts: WALL, src: '10.77.0.2' }));
  assert.deepEqual(h.hits.map((x) => x.rule), ['once'], 'the first SYN: a hit, and a pending pair');
  const future = WALL + 24 * 3_600_000;
  h.feed(pkt({ ts: future, src: '10.77.0.3' }));
  assert.equal(h.engine.stats().futureTime, 1);
  assert.equal(h.clock.now(), WALL, 'the clock did not move to the future event');
  assert.deepEqual(h.hits.map((x) => x.rule), ['once'], 'no hit from the refused event, and no absence fired early');
  // One second later: 10.77.0.2 is still suppressed and its SYN-ACK still answers the pending SYN.
  wall.now = WALL + 1000;
  h.feed(pkt({ ts: WALL + 1000, src: '10.77.0.2', flags: 'S' }), pkt({ ts: WALL + 1000, src: '10.77.0.2', flags: 'SA' }));
  h.clock.advance(WALL + 10_000);
  assert.deepEqual(h.hits.map((x) => x.rule), ['once'], 'suppression held and the pair was answered in time');
  assert.equal(logs.length, 1);
  assert.match(logs[0], /1 event\(s\) refused: their time is more than 10 min ahead of this host's clock \(the latest from input test, 2026-11-27T12:00:00\.000Z\); check that source's clock/);
});

test('live, an event within the allowance is taken as it is', () => {
  const wall = { now: WALL };
  const h = liveHarness(wall);
  h.feed(pkt({ ts: WALL + LIVE_MAX_AHEAD_MS, src: '10.77.0.4' }));
  assert.equal(h.engine.stats().futureTime, 0);
  assert.deepEqual(h.hits.map((x) => [x.rule, x.ts]), [['once', WALL + LIVE_MAX_AHEAD_MS]]);
  assert.equal(h.clock.now(), WALL + LIVE_MAX_AHEAD_MS);
});

test('live, refusals are logged at most once a minute of wall time, each warning counting those since the last', () => {
  const wall = { now: WALL };
  const logs: string[] = [];
  const h = liveHarness(wall, logs);
  const far = WALL + 3_600_000;
  for (let i = 0; i < 5; i++) h.feed(pkt({ ts: far + i }));
  assert.equal(logs.length, 1, 'the first refusal warns at once');
  wall.now = WALL + 30_000;
  for (let i = 0; i < 3; i++) h.feed(pkt({ ts: far + i }));
  assert.equal(logs.length, 1, 'within the minute: counted, not logged');
  wall.now = WALL + 61_000;
  h.feed(pkt({ ts: far }));
  assert.equal(logs.length, 2);
  assert.match(logs[1], /^8 event\(s\) refused/, 'the seven held back since the first warning, and this one');
  assert.equal(h.engine.stats().futureTime, 9);
});

test('push (no clock move) refuses a future event live too', () => {
  const h = liveHarness({ now: WALL });
  h.engine.push(pkt({ ts: WALL + 2 * LIVE_MAX_AHEAD_MS }));
  assert.equal(h.engine.stats().futureTime, 1);
  assert.equal(h.hits.length, 0);
});

test('outside live mode (replay, rule tests) event time alone rules: a far-future event is taken and moves the clock', () => {
  const h = harness(RULES);
  h.feed(pkt({ ts: WALL }), pkt({ ts: WALL + 365 * 86_400_000, src: '10.77.0.5' }));
  assert.equal(h.engine.stats().futureTime, 0);
  assert.equal(h.hits.filter((x) => x.rule === 'once').length, 2);
  assert.equal(h.clock.now(), WALL + 365 * 86_400_000);
});
