/**
 * first_seen: act the first time a key is seen. Sightings live in the
 * engine's KeyMemory (SQLite in production: remembered across restarts).
 * With `forget_after: D` a key not seen for more than D is new again; each
 * sighting refreshes it.
 */
import type { CorrelationType } from './api.ts';

export interface FirstSeenParams { readonly forgetAfter: number | null }

export const firstSeen: CorrelationType<FirstSeenParams> = {
  name: 'first_seen',
  description: 'Acts the first time a key is seen; remembered persistently, optionally forgotten after a period.',
  params: ['forget_after'],
  validate(t) {
    return { forgetAfter: t.has('forget_after') ? t.duration('forget_after', true) : null };
  },
  build(rule, env) {
    const forget = rule.params.forgetAfter;
    const id = rule.id;
    return {
      onEvent(ev, key, keyStr) {
        if (!env.memory.seen(id, keyStr, ev.ts, forget)) env.fire({ event: ev, key, ts: ev.ts });
      },
      size: () => 0,
      dispose() {},
    };
  },
};
