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
    let disposed = false;
    const tick = (due: number): void => {
      timer = env.clock.at(due + every, tick);
      const ev: VigilEvent = { ts: due, kind: 'tick', input: 'schedule' };
      if (when === null || when(ev)) env.fire({ event: ev, key: [], ts: due });
    };
    const start = (now: number): void => {
      if (disposed) return;
      timer = env.clock.at((Math.floor(now / every) + 1) * every, tick);
    };
    if (env.whenTimeKnown) env.whenTimeKnown(start); else start(env.clock.now());
    return {
      // Ticks are made here, not received: other events of kind tick are ignored.
      onEvent() {},
      size: () => 0,
      dispose() { disposed = true; if (timer) env.clock.cancel(timer); timer = null; },
    };
  },
};
