/**
 * schedule after a jump in event time (docs/rules.md, schedule): up to
 * MAX_CATCH_UP_TICKS missed ticks are all fired; past that, the ticks in
 * between are left out and the first tick after the gap says how many
 * (`data.skipped`), so a stray early timestamp in a capture cannot make
 * the engine fire millions of ticks.
 */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';
import { MAX_CATCH_UP_TICKS } from '../../src/core/engine/types/schedule.ts';
import { EventClock } from '../../src/core/clock.ts';

const RULE = `
rules:
  - id: every-second
    description: A tick every second.
    on: [tick]
    type: schedule
    every: 1s
`;

test('a jump of more than MAX_CATCH_UP_TICKS periods fires the tick before the gap and the last one, which counts the ticks left out', () => {
  const h = harness(RULE);
  h.feed(pkt({ ts: 500 }));
  h.feed(pkt({ ts: 10_000_500 })); // 10,000 periods later
  assert.deepEqual(h.hits.map((x) => [x.ts, x.data]), [[1000, undefined], [10_000_000, { skipped: 9_998 }]]);
  h.feed(pkt({ ts: 10_002_000 }));
  assert.deepEqual(h.hits.slice(2).map((x) => [x.ts, x.data]), [[10_001_000, undefined], [10_002_000, undefined]], 'then every tick again');
});

test('a jump of MAX_CATCH_UP_TICKS periods or fewer fires every tick, none marked', () => {
  const h = harness(RULE);
  h.feed(pkt({ ts: 500 }));
  h.feed(pkt({ ts: 500 + MAX_CATCH_UP_TICKS * 1000 }));
  assert.equal(h.hits.length, MAX_CATCH_UP_TICKS);
  assert.deepEqual(h.hits.map((x) => x.ts), Array.from({ length: MAX_CATCH_UP_TICKS }, (_, i) => 1000 * (i + 1)));
  assert.ok(h.hits.every((x) => x.data === undefined));
});

test('a capture whose first timestamp is the epoch and the rest today ends at once', { timeout: 10_000 }, () => {
  const h = harness(RULE);
  h.feed(pkt({ ts: 1 }), pkt({ ts: Date.UTC(2026, 10, 26) }));
  assert.equal(h.hits.length, 2);
  assert.equal(h.hits[1].ts, Date.UTC(2026, 10, 26));
  assert.equal((h.hits[1].data as { skipped: number }).skipped, Date.UTC(2026, 10, 26) / 1000 - 2);
});

test('the clock tells timers where an advance is going, and now() outside one', () => {
  const c = new EventClock(100);
  const seen: Array<[number, number]> = [];
  c.at(150, () => seen.push([c.now(), c.horizon()]));
  assert.equal(c.horizon(), 100);
  c.advance(400);
  assert.deepEqual(seen, [[150, 400]]);
  assert.equal(c.horizon(), 400);
});

test('the rule language reference states the catch-up bound as the code defines it', () => {
  const doc = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');
  assert.ok(doc.includes(`up to ${MAX_CATCH_UP_TICKS.toLocaleString('en-US')} of`), 'docs/rules.md, schedule');
});

test('schedule rules reloaded again and again before the first event leave no waiting callbacks behind, and tick once each', () => {
  const h = harness(RULE);
  for (let i = 2; i <= 200; i++) h.load(RULE.replace('every: 1s', `every: ${i}s`));
  // The engine's list of rules waiting for event time: reading it is the only way to see the leak this guards against.
  assert.equal((h.engine as unknown as { waitingForTime: Set<unknown> }).waitingForTime.size, 1);
  h.feed(pkt({ ts: 500 }), pkt({ ts: 200_500 }));
  assert.deepEqual(h.hits.map((x) => x.ts), [200_000], 'only the rule now loaded (every 200s) ticks');
});

