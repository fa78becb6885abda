/**
 * Absurd event timestamps. A JSON line's `ts` is accepted when it is any
 * finite number, so a line can carry a time past what a Date can hold
 * (8.64e15 ms) or past 2^53 ms, where adding a millisecond changes nothing.
 * Such a line must be refused and counted like any other bad line, and the
 * engine must not spin forever on it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonEvent } from '../../src/core/decode/json-event.ts';
import { EventClock } from '../../src/core/clock.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { emptyHostFacts } from '../../src/core/host.ts';
import { hitToJson, type Hit } from '../../src/core/hit.ts';
import { rulesFromYaml } from '../engine/helpers/harness.ts';
import type { VigilEvent } from '../../src/core/event.generated.ts';

test('a JSON line whose ts no date can hold is refused naming `ts`, not accepted', () => {
  // Once accepted: every hit it causes then throws in hitToJson ("Invalid time
  // value") and is logged and dropped by the engine, and `replay --events`
  // stops the whole file with "plugin jsonl failed in start".
  for (const ts of ['1e16', '9007199254740993', '1e300', '-1e16']) {
    const r = parseJsonEvent(`{"kind": "packet", "ts": ${ts}}`, { input: 'jsonl' });
    assert.equal(r.ok, false, `ts ${ts} was accepted`);
    if (!r.ok) assert.equal(r.field, 'ts');
  }
});

test('whatever ts an accepted event has, its hit renders as JSON', () => {
  const r = parseJsonEvent('{"kind": "packet", "ts": 1e16}', { input: 'jsonl' });
  if (!r.ok) return; // refused at the input: nothing further to check
  const hits: Hit[] = [];
  const clock = new EventClock(0);
  const engine = new Engine({ clock, sink: (h) => hits.push(h), host: emptyHostFacts() });
  engine.load(rulesFromYaml('rules:\n  - id: any\n    description: d\n    on: [packet]\n    type: single\n', engine.helpers));
  engine.feed(r.event);
  assert.equal(hits.length, 1);
  assert.doesNotThrow(() => hitToJson(hits[0]), 'the hit cannot be printed: replay logs "hit sink threw" and loses it');
});

/** An event clock that refuses to set more than `max` timers, so a runaway loop fails the test instead of hanging it. */
class GuardedClock extends EventClock {
  timers = 0;
  constructor(private readonly max: number) { super(0); }
  override at(due: number, fn: (due: number) => void) {
    if (++this.timers > this.max) throw new Error(`more than ${this.max} timers set: runaway timer loop at due ${due}`);
    return super.at(due, fn);
  }
}

test('a schedule rule does not tick forever once event time passes 2^53 ms', () => {
  // At 2^53, due + 1 === due: the tick re-arms itself at the instant it fires,
  // and clock.advance loops forever (vigil replay hangs on one such line).
  const clock = new GuardedClock(10_000);
  const hits: Hit[] = [];
  const engine = new Engine({ clock, sink: (h) => hits.push(h), host: emptyHostFacts() });
  engine.load(rulesFromYaml(`
rules:
  - id: every-ms
    description: A tick every millisecond.
    on: [tick]
    type: schedule
    every: 1ms
`, engine.helpers));
  const ev = (ts: number): VigilEvent => ({ ts, kind: 'packet', input: 'test' });
  assert.doesNotThrow(() => {
    engine.feed(ev(2 ** 53));
    engine.feed(ev(2 ** 53 + 16));
  });
  assert.ok(hits.length <= 20, `${hits.length} ticks for 16 ms of event time`);
});
