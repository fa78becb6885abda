/** Exposes the engine's own counters as metrics, computed at scrape time (nothing on the hot path). */
import type { MetricsRegistry } from './registry.ts';

export interface EngineStatsSource {
  stats(): { events: number; badTime: number; futureTime: number; matches: number; hits: number; liveKeys: number; evictions: number; limited: number; actionErrors: number; reloads: number };
}

export function registerEngineMetrics(reg: MetricsRegistry, engine: EngineStatsSource): void {
  const s = (k: keyof ReturnType<EngineStatsSource['stats']>) => () => engine.stats()[k];
  reg.computed('vigil_engine_events_total', 'Events evaluated by the engine.', 'counter', s('events'));
  reg.computed('vigil_engine_bad_time_events_total', 'Events refused because their time is outside what a date can hold.', 'counter', s('badTime'));
  reg.computed('vigil_engine_future_time_events_total', 'Events refused because their time is too far ahead of the host clock (vigil run only).', 'counter', s('futureTime'));
  reg.computed('vigil_engine_matches_total', 'Events that matched a rule\'s on/when.', 'counter', s('matches'));
  reg.computed('vigil_engine_hits_total', 'Hits emitted.', 'counter', s('hits'));
  reg.computed('vigil_engine_live_keys', 'Keys with live state across all rules.', 'gauge', s('liveKeys'));
  reg.computed('vigil_engine_evictions_total', 'Keys evicted by max_keys or per-key caps.', 'counter', s('evictions'));
  reg.computed('vigil_engine_limited_total', 'Hits replaced or dropped by a rule\'s limit.', 'counter', s('limited'));
  reg.computed('vigil_engine_action_errors_total', 'Engine-run actions (contexts) that failed.', 'counter', s('actionErrors'));
  reg.computed('vigil_engine_reloads_total', 'Rulesets loaded.', 'counter', s('reloads'));
}
