/**
 * single: act on every matching event; with `suppress: D`, act once per key
 * and stay silent for that key while the time since that hit is ≤ D.
 */
import type { CorrelationType } from './api.ts';
import { StateTable, timerRelease, type KeyState } from './state-table.ts';

export interface SingleParams { readonly suppress: number | null }

interface SState extends KeyState { hitAt: number }

export const single: CorrelationType<SingleParams> = {
  name: 'single',
  description: 'Acts on each matching event; with `suppress` once per key per period.',
  params: ['suppress'],
  validate(t) {
    return { suppress: t.has('suppress') ? t.duration('suppress', true) : null };
  },
  build(rule, env) {
    const suppress = rule.params.suppress;
    if (suppress === null) {
      return {
        onEvent(ev, key) { env.fire({ event: ev, key, ts: ev.ts }); },
        size: () => 0,
        dispose() {},
      };
    }
    const states = new StateTable<SState>(rule.maxKeys, env, suppress + 1, timerRelease(env.clock));
    return {
      onEvent(ev, key, keyStr) {
        const t = ev.ts;
        const s = states.find(keyStr, t) ?? states.insert(keyStr, { timer: null, hitAt: -Infinity }, t);
        if (t - s.hitAt <= suppress) return;
        s.hitAt = t;
        env.fire({ event: ev, key, ts: t });
      },
      size: () => states.size(),
      dispose: () => states.dispose(),
    };
  },
};
