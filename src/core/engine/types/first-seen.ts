/**
 * first_seen: act the first time a key is seen. Sightings live in the
 * engine's KeyMemory (SQLite in production: remembered across restarts).
 * With `forget_after: D` a key not seen for more than D is new again; each
 * sighting refreshes it. The memory holds at most the rule's `max_keys`
 * keys: beyond that the least recently seen key is forgotten (an eviction),
 * so it is new again if it comes back.
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
    const memory = env.memory.forRule(rule.id, {
      maxKeys: rule.maxKeys,
      forgetAfterMs: rule.params.forgetAfter,
      evicted: (n) => env.evicted(n),
    });
    return {
      onEvent(ev, key, keyStr) {
        if (!memory.seen(keyStr, ev.ts)) env.fire({ event: ev, key, ts: ev.ts });
      },
      size: () => memory.size(),
      dispose() {},
    };
  },
};
