/**
 * threshold: N matching events (or distinct values, or weight) per key within
 * a sliding window and/or with no pause longer than `gap`. After a hit the
 * key is silent until its episode ends; with `recover` it waits for the
 * lower threshold instead (SEC SingleWith2Thresholds).
 *
 * "Within D" means elapsed ≤ D everywhere: an event exactly `window` after
 * the oldest counted one still counts with it; a pause of exactly `gap` does
 * not reset. Deadlines waiting for "more than D" fire 1 ms after D.
 */
import type { ActionSpec, CompiledExpr, CompiledTemplate, Rule } from '../../rules/types.ts';
import type { VigilEvent } from '../../event.generated.ts';
import type { TimerHandle } from '../../clock.ts';
import type { CorrelationType, ParamTools, RuntimeEnv } from './api.ts';
import { counterFactory, type Counter } from '../pieces/counters.ts';
import { Collector, COLLECT_OPS, type Collected, type CollectOp, type CollectSpec } from '../pieces/collect.ts';
import { TimeRing } from '../pieces/time-ring.ts';
import { StateTable } from './state-table.ts';
import { copyKey } from '../key.ts';

export interface RecoverParams {
  readonly count: number;
  readonly window: number;
  readonly message: CompiledTemplate | null;
  readonly actions: readonly ActionSpec[];
}

export interface ThresholdParams {
  readonly count: number;
  readonly window: number | null;
  readonly gap: number | null;
  readonly distinct: CompiledExpr | null;
  readonly weight: CompiledExpr | null;
  readonly suppress: number | null;
  readonly maxEntries: number;
  readonly recover: RecoverParams | null;
  readonly collect: readonly CollectSpec[];
}

const ARMED = 0, SILENT = 1, RECOVERING = 2;

class TState {
  timer: TimerHandle | null = null;
  phase = ARMED;
  lastCounted = -Infinity;
  firedAt = -Infinity;
  /** Times of matching events since the hit (recover only): the newest N2+1. */
  since: TimeRing | null = null;
  constructor(
    /** The key tuple, kept only when a timer may fire for the key (`recover`); null otherwise. */
    readonly key: readonly unknown[] | null,
    readonly counter: Counter,
    public collected: Collected | null,
  ) {}
}

/**
 * A key that has seen one event, which did not make a hit: most keys (a
 * one-off probe, a spoofed source) never see a second, so until they do the
 * table holds only what that event left instead of a TState with its counter.
 * The event's time is the key's last touch in the table. NOTHING: the event
 * counted nothing (its distinct value was missing); ONE: a plain count with
 * nothing else to remember; else the collect cells followed by the event's
 * distinct value and weight. Grown into a TState, by replaying the event
 * into a fresh counter, on the key's next event.
 */
type Seed = typeof NOTHING | typeof ONE | unknown[];
const NOTHING = 0, ONE = 1;

export function validateCollect(t: ParamTools): CollectSpec[] {
  const out: CollectSpec[] = [];
  if (!t.has('collect')) return out;
  const c = t.sub('collect', true);
  if (!c) return out;
  for (const name of t.keys('collect')) {
    const e = c.sub(name, true);
    if (!e) continue;
    const names = c.keys(name);
    // `max` is the cap of `values` when both are given, else the max aggregate.
    const capped = names.includes('values');
    const ops = names.filter((k) => (COLLECT_OPS as readonly string[]).includes(k) && !(capped && k === 'max'));
    // Keys that are neither an aggregate nor the cap are never asked for, so the loader reports them as unknown.
    if (ops.length !== 1) { c.error(name, `collect \`${name}\` needs exactly one of ${COLLECT_OPS.join(', ')}, got ${ops.length ? ops.join(', ') : 'none'}`, 'VGL_RULE_BAD_PARAM'); continue; }
    const op = ops[0] as CollectOp;
    const expr = e.expr(op, true);
    const max = capped && e.has('max') ? e.int('max', true, 1) : 100;
    if (expr && max !== null) out.push({ name, op, expr, max });
  }
  return out;
}

export const threshold: CorrelationType<ThresholdParams> = {
  name: 'threshold',
  description: 'N matches (or distinct values, or weight) per key within a sliding window or without a long pause.',
  params: ['count', 'window', 'gap', 'distinct', 'weight', 'suppress', 'recover', 'collect', 'max_entries'],
  validate(t) {
    const count = t.number('count', true);
    if (count !== null && !(count > 0)) t.error('count', `\`count\` must be greater than 0, got ${count}`, 'VGL_RULE_BAD_PARAM');
    const window = t.has('window') ? t.duration('window', true) : null;
    const gap = t.has('gap') ? t.duration('gap', true) : null;
    if (!t.has('window') && !t.has('gap')) t.error('count', 'threshold needs `window: D` (sliding window) or `gap: D` (longest pause), e.g. `window: 60s`', 'VGL_RULE_MISSING_PARAM');
    const distinct = t.has('distinct') ? t.expr('distinct', true) : null;
    const weight = t.has('weight') ? t.expr('weight', true) : null;
    const suppress = t.has('suppress') ? t.duration('suppress', true) : null;
    const maxEntries = t.has('max_entries') ? t.int('max_entries', true, 1) : 1024;
    let recover: RecoverParams | null = null;
    if (t.has('recover')) {
      const r = t.sub('recover', true);
      if (r) {
        const rc = r.int('count', true, 0);
        const rw = r.duration('window', true);
        const message = r.has('message') ? r.template('message') : null;
        if (rc !== null && rw !== null) recover = { count: rc, window: rw, message, actions: r.has('actions') ? r.actions('actions') : [] };
      }
    }
    const collect = validateCollect(t);
    if (count === null || maxEntries === null) return null;
    return { count, window, gap, distinct, weight, suppress, maxEntries, recover, collect };
  },
  build(rule, env) { return buildThreshold(rule, env); },
};

function buildThreshold(rule: Rule & { params: ThresholdParams }, env: RuntimeEnv) {
  const p = rule.params;
  const { count, window, gap, suppress, recover } = p;
  const distinctFn = p.distinct ? p.distinct.fn : null;
  const weightFn = p.weight ? p.weight.fn : null;
  const collector = p.collect.length ? new Collector(p.collect) : null;
  /** The event's weight: a number; anything else (true, "1") adds nothing, as the doc says. */
  const weightOf = (ev: VigilEvent): number => { const w = weightFn!(ev); return typeof w === 'number' ? w : 0; };
  const newCounter = counterFactory({
    count: Math.ceil(count), window, distinct: distinctFn !== null, weighted: weightFn !== null,
    maxEntries: p.maxEntries, onCapEvict: () => env.evicted(),
  });
  const horizon = Math.max(window ?? 0, gap ?? 0, suppress ?? 0, recover ? recover.window + 1 : 0) + 1;
  const states = new StateTable<TState | Seed>(rule.maxKeys, env, horizon, (s) => {
    if (s instanceof TState && s.timer !== null) { env.clock.cancel(s.timer); s.timer = null; }
  });
  // A key's first event is replayed when it grows: with `recover` the state keeps that event's key tuple, so it is built at once.
  const seeds = recover === null;
  const collectCells = collector ? p.collect.length : 0;
  const recoverMessage: CompiledTemplate | null = recover
    ? recover.message ?? { source: '', render: () => `${rule.id} recovered` }
    : null;

  // Only a recover timer fires without an event (whose key the caller hands in).
  const fresh = (key: readonly unknown[]): TState =>
    new TState(recover ? copyKey(key) : null, newCounter(), collector ? collector.fresh() : null);

  /** What a new key's first event leaves, or null when that event alone makes a hit (a full state is needed). */
  const seedOf = (ev: VigilEvent): Seed | null => {
    const value = distinctFn ? distinctFn(ev) : undefined;
    if (distinctFn && (value === undefined || value === null)) return NOTHING;
    const w = weightFn ? weightOf(ev) : 1;
    // Every counter holds one event as 1, or as its weight when positive.
    if ((weightFn ? (w > 0 ? w : 0) : 1) >= count) return null;
    if (!distinctFn && !weightFn && !collector) return ONE;
    const seed = collector ? collector.fresh(2) : [];
    if (collector) collector.add(seed, ev);
    seed[collectCells] = value;
    seed[collectCells + 1] = w;
    return seed;
  };

  /** The state of a key whose first event, at `t1`, left `seed`. */
  const grow = (seed: Seed, t1: number, key: readonly unknown[]): TState => {
    const s = fresh(key);
    if (seed === NOTHING) return s;
    let value: unknown, w = 1;
    if (seed !== ONE) {
      value = seed[collectCells];
      w = seed[collectCells + 1] as number;
      if (collector) { seed.length = collectCells; s.collected = seed; }
    }
    if (s.counter.add(t1, value, w)) s.lastCounted = t1;
    return s;
  };

  const rearm = (s: TState): void => {
    s.phase = ARMED; s.counter.clear(); s.lastCounted = -Infinity; s.since = null;
    if (s.collected !== null) collector!.reset(s.collected);
  };

  const silentOver = (s: TState, t: number): boolean => {
    if (suppress !== null) return t - s.firedAt > suppress;
    if (gap !== null) return t - s.lastCounted > gap;
    return t - s.firedAt > window!;
  };

  const checkRecovered = (s: TState, keyStr: string, due: number): void => {
    s.timer = null;
    const ring = s.since!;
    const ref = ring.length > recover!.count ? ring.oldest() : s.firedAt;
    const deadline = ref + recover!.window + 1;
    if (due < deadline) { s.timer = env.clock.at(deadline, (d) => checkRecovered(s, keyStr, d)); return; }
    ring.expireBefore(due - recover!.window);
    const inWindow = ring.length;
    rearm(s);
    env.fire({ event: null, key: s.key!, ts: due, count: inWindow, message: recoverMessage, actions: recover!.actions, extraTags: ['RECOVERED'] });
  };

  const fire = (ev: VigilEvent, key: readonly unknown[], keyStr: string, s: TState, t: number): void => {
    const total = s.counter.total();
    const first = s.counter.firstTs();
    const data = s.collected ? collector!.snapshot(s.collected) : undefined;
    s.firedAt = t;
    if (recover) {
      s.phase = RECOVERING;
      s.since = new TimeRing(recover.count + 1);
      s.timer = env.clock.at(t + recover.window + 1, (d) => checkRecovered(s, keyStr, d));
    } else {
      s.phase = SILENT;
    }
    env.fire({ event: ev, key, ts: t, count: total, first_ts: first, data });
  };

  return {
    onEvent(ev: VigilEvent, key: readonly unknown[], keyStr: string): void {
      const t = ev.ts;
      const held = states.find(keyStr, t);
      let s: TState;
      if (held instanceof TState) s = held;
      else if (held !== undefined) {
        s = grow(held, states.table.lastBeforeTouch, key);
        states.table.replaceTouched(s);
      } else {
        if (seeds) {
          const seed = seedOf(ev);
          if (seed !== null) { states.insert(keyStr, seed, t); return; }
        }
        s = states.insert(keyStr, fresh(key), t);
      }
      const value = distinctFn ? distinctFn(ev) : undefined;
      if (distinctFn && (value === undefined || value === null)) return;
      if (s.phase === RECOVERING) { s.since!.push(t); return; }
      if (s.phase === SILENT) {
        if (silentOver(s, t)) rearm(s);
        else {
          // Silent with a gap: new contributions keep the episode alive.
          if (gap !== null && suppress === null && s.counter.add(t, value, weightFn ? weightOf(ev) : 1) && t > s.lastCounted) s.lastCounted = t;
          return;
        }
      }
      if (gap !== null && s.lastCounted !== -Infinity && t - s.lastCounted > gap) rearm(s);
      if (gap === null && s.collected !== null) {
        // A window-only episode ends when the events it counted have all left the window: what was collected belongs to no count any more.
        const before = s.counter.total();
        s.counter.slide(t);
        if (before > 0 && s.counter.total() === 0) collector!.reset(s.collected);
      } else s.counter.slide(t);
      // A late event (a few ms behind the key's newest) must not move the episode's last counted time back.
      if (s.counter.add(t, value, weightFn ? weightOf(ev) : 1) && t > s.lastCounted) s.lastCounted = t;
      if (s.collected) collector!.add(s.collected, ev);
      if (s.counter.total() >= count) fire(ev, key, keyStr, s, t);
    },
    size: () => states.size(),
    dispose: () => states.dispose(),
  };
}
