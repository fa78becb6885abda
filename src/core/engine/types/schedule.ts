/**
 * schedule: fires every `every` on event time, at multiples of the period
 * (so replays and restarts tick at the same instants). Each tick is a `tick`
 * event ({ts, kind: "tick", input: "schedule"}); the rule's `when`, if any,
 * is tested on it and the rule acts on it. Ticks start once event time is
 * known (the first event), so a replay does not tick from the epoch.
 */
import type { TimerHandle } from '../../clock.ts';
import type { VigilEvent } from '../../event.generated.ts';
import type { CorrelationType } from './api.ts';

export interface ScheduleParams { readonly every: number }

/**
 * Periods a jump in event time may span and still have every tick fired.
 * Past it (a stray early timestamp in a capture, a host back from a long
 * suspend) firing each one would stall the engine for as long as it takes
 * (`every: 1s` over a year is 31 million hits); the ticks in between are
 * left out instead, and the first tick after the gap says how many.
 */
export const MAX_CATCH_UP_TICKS = 1000;

export const schedule: CorrelationType<ScheduleParams> = {
  name: 'schedule',
  description: 'Fires on a period of event time, for digests and housekeeping.',
  params: ['every'],
  validate(t) {
    const every = t.duration('every', true);
    if (every !== null && every < 1) { t.error('every', '`every` must be at least 1ms', 'VGL_RULE_BAD_PARAM'); return null; }
    return every === null ? null : { every };
  },
  build(rule, env) {
    const every = rule.params.every;
    const when = rule.when ? rule.when.fn : null;
    let timer: TimerHandle | null = null;
    /** Ticks left out before the next one (see MAX_CATCH_UP_TICKS). */
    let skipped = 0;
    const tick = (due: number): void => {
      const gap = skipped;
      skipped = 0;
      let next = due + every;
      const horizon = env.clock.horizon();
      if (horizon - due > MAX_CATCH_UP_TICKS * every) {
        const last = Math.floor(horizon / every) * every;
        skipped = (last - next) / every;
        next = last;
      }
      timer = env.clock.at(next, tick);
      const ev: VigilEvent = { ts: due, kind: 'tick', input: 'schedule' };
      if (when === null || when(ev)) env.fire({ event: ev, key: [], ts: due, ...(gap > 0 ? { data: { skipped: gap } } : {}) });
    };
    const start = (now: number): void => {
      timer = env.clock.at((Math.floor(now / every) + 1) * every, tick);
    };
    const stopWaiting = env.whenTimeKnown ? env.whenTimeKnown(start) : (start(env.clock.now()), null);
    return {
      // Ticks are made here, not received: other events of kind tick are ignored.
      onEvent() {},
      size: () => 0,
      dispose() { stopWaiting?.(); if (timer) env.clock.cancel(timer); timer = null; },
    };
  },
};
