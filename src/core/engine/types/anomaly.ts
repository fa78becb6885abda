/**
 * anomaly: `value` summed per key per `interval` of event time (intervals
 * are [k·I, (k+1)·I), aligned on multiples of I; an event stamped exactly on
 * a boundary belongs to the next interval; a late event, whose interval
 * has already ended, is added to the one still open). At each boundary every live
 * key's sum is appended to its series (0 when the key had no event) and,
 * once the key has `warmup` points, the series is judged by the detectors;
 * the hit comes when the mean score reaches `sensitivity`. A key whose last
 * `history` points are all quiet is dropped.
 */
import type { CompiledExpr, Rule } from '../../rules/types.ts';
import type { TimerHandle } from '../../clock.ts';
import type { VigilEvent } from '../../event.generated.ts';
import type { CorrelationType, RuntimeEnv } from './api.ts';
import { ANOMALY_DETECTORS, type AnomalyDetector, type DetectorParams } from '../anomaly/detectors.ts';
import { StateTable, timerRelease, type KeyState } from './state-table.ts';
import { copyKey } from '../key.ts';

export interface AnomalyParams {
  readonly value: CompiledExpr;
  readonly interval: number;
  readonly history: number;
  readonly warmup: number;
  readonly sensitivity: number;
  readonly detectors: readonly { readonly detector: AnomalyDetector; readonly params: DetectorParams }[];
}

interface AState extends KeyState {
  /** The key tuple, copied: interval timers fire without an event. */
  readonly key: readonly unknown[];
  sum: number;
  series: Float64Array;
  points: number;
  quiet: number;
}

/** Points a key's series may hold. */
export const MAX_HISTORY = 10_000;

/** Points a new key's series has room for: it grows by doubling up to `history` as points come. */
const FIRST_POINTS = 8;

/**
 * Where the key's next point goes. The series is a ring of `history` points
 * once full size; until then it holds points 0…n-1 in place and doubles when
 * full, so a spoofed one-packet key pays for the points it has, not for a
 * whole history (80 kB at the largest).
 */
function nextSlot(s: AState, history: number): number {
  const cap = s.series.length;
  if (s.points === cap && cap < history) {
    const grown = new Float64Array(Math.min(history, cap * 2));
    grown.set(s.series);
    s.series = grown;
  }
  // Below full size points < length ≤ history, so the ring index is the plain one.
  return s.points % history;
}

export const anomaly: CorrelationType<AnomalyParams> = {
  name: 'anomaly',
  description: 'A numeric series per key per interval judged by statistical detectors.',
  params: ['value', 'interval', 'history', 'warmup', 'sensitivity', 'detectors'],
  validate(t) {
    const value = t.expr('value', true);
    const interval = t.duration('interval', true);
    const history = t.has('history') ? t.int('history', true, 3) : 20;
    // Each key holds its whole series: the cap keeps a key's memory (8 bytes a point) bounded like every other per-key state.
    if (history !== null && history > MAX_HISTORY) { t.error('history', `\`history\` is at most ${MAX_HISTORY} points (each key keeps them all), got ${history}; use a longer \`interval\` to look further back`, 'VGL_RULE_BAD_PARAM'); return null; }
    const warmup = t.has('warmup') ? t.int('warmup', true, 1) : Math.min(history ?? 20, 8);
    const sensitivity = t.has('sensitivity') ? t.number('sensitivity', true) : 0.99;
    if (sensitivity !== null && !(sensitivity > 0 && sensitivity <= 1)) t.error('sensitivity', `\`sensitivity\` is a score in (0, 1], got ${sensitivity}`, 'VGL_RULE_BAD_PARAM');
    if (history !== null && warmup !== null && warmup > history) t.error('warmup', `\`warmup\` (${warmup}) cannot exceed \`history\` (${history})`, 'VGL_RULE_BAD_PARAM');
    const detectors: { detector: AnomalyDetector; params: DetectorParams }[] = [];
    if (t.has('detectors')) {
      const d = t.sub('detectors', true);
      const names = t.keys('detectors');
      if (d !== null && names.length === 0) t.error('detectors', `\`detectors\` names no detector; known: ${[...ANOMALY_DETECTORS.keys()].join(', ')} (leave it out for zscore)`, 'VGL_RULE_BAD_PARAM');
      for (const name of names) {
        const det = ANOMALY_DETECTORS.get(name);
        if (!det) {
          d?.has(name); // asked, so the loader does not report it a second time
          d?.error(name, `unknown detector \`${name}\`; known: ${[...ANOMALY_DETECTORS.keys()].join(', ')}`, 'VGL_RULE_BAD_PARAM');
          continue;
        }
        const sub = d?.sub(name, false);
        const params: Record<string, number | string> = {};
        // Asking for every known parameter lets the loader name them when it reports an unknown one.
        for (const k of Object.keys(det.params)) if (sub?.has(k)) params[k] = sub.raw(k) as number | string;
        const err = det.check(params);
        if (err) { d?.error(name, err, 'VGL_RULE_BAD_PARAM'); continue; }
        if (history !== null && tooShort(det, params, history, (m) => d?.error(name, m, 'VGL_RULE_BAD_PARAM'))) continue;
        detectors.push({ detector: det, params });
      }
    } else {
      const det = ANOMALY_DETECTORS.get('zscore')!;
      if (history === null || !tooShort(det, {}, history, (m) => t.error('history', m, 'VGL_RULE_BAD_PARAM'))) detectors.push({ detector: det, params: {} });
    }
    if (!value || interval === null || history === null || warmup === null || sensitivity === null || detectors.length === 0) return null;
    return { value, interval, history, warmup, sensitivity, detectors };
  },
  build(rule, env) { return buildAnomaly(rule, env); },
};

/**
 * A detector that needs more points than `history` keeps would abstain
 * forever: the rule would load and never act, so it is refused instead.
 */
function tooShort(det: AnomalyDetector, params: DetectorParams, history: number, report: (message: string) => void): boolean {
  const err = det.checkHistory?.(params, history) ?? null;
  if (err !== null) report(err);
  return err !== null;
}

function buildAnomaly(rule: Rule & { params: AnomalyParams }, env: RuntimeEnv) {
  const { value, interval, history, warmup, sensitivity, detectors } = rule.params;
  // Keys are dropped by the boundary pass, not by the idle sweep.
  const states = new StateTable<AState>(rule.maxKeys, env, Infinity, timerRelease(env.clock));
  let timer: TimerHandle | null = null;
  const view = new Float64Array(history);

  const judge = (s: AState, due: number): void => {
    const n = Math.min(s.points, history);
    // Oldest first: the ring's write position is points % history.
    for (let i = 0; i < n; i++) view[i] = s.series[(s.points - n + i) % history];
    const series = view.subarray(0, n);
    let sum = 0, m = 0;
    const scores: Record<string, number | null> = {};
    for (const d of detectors) {
      const sc = d.detector.score(series, d.params);
      scores[d.detector.name] = sc;
      if (sc !== null) { sum += sc; m++; }
    }
    if (m === 0) return;
    const score = sum / m;
    if (score >= sensitivity) {
      env.fire({ event: null, key: s.key, ts: due, count: series[n - 1], first_ts: due - interval, data: { value: series[n - 1], score, scores, series: Array.from(series) } });
    }
  };

  const boundary = (due: number): void => {
    timer = null;
    const drop: string[] = [];
    states.table.forEach((s, k) => {
      const x = s.sum;
      s.sum = 0;
      const i = nextSlot(s, history); // first: it may replace s.series
      s.series[i] = x;
      s.points++;
      s.quiet = x === 0 ? s.quiet + 1 : 0;
      if (s.points >= warmup) judge(s, due);
      if (s.quiet >= history) drop.push(k);
    });
    for (const k of drop) states.delete(k);
    if (states.size() > 0) timer = env.clock.at(due + interval, boundary);
  };

  return {
    onEvent(ev: VigilEvent, key: readonly unknown[], keyStr: string): void {
      const t = ev.ts;
      const x = Number(value.fn(ev));
      const s = states.find(keyStr, t) ?? states.insert(keyStr, { key: copyKey(key), timer: null, sum: 0, series: new Float64Array(Math.min(history, FIRST_POINTS)), points: 0, quiet: 0 }, t);
      if (Number.isFinite(x)) s.sum += x;
      // From the clock, not the event: a late event must not arm a boundary that has already passed,
      // which would put the events after it in an interval that ended, and make that boundary twice.
      if (timer === null) timer = env.clock.at((Math.floor(Math.max(t, env.clock.now()) / interval) + 1) * interval, boundary);
    },
    size: () => states.size(),
    dispose: () => { states.dispose(); if (timer) env.clock.cancel(timer); timer = null; },
  };
}
