/**
 * group: several named sub-conditions, each with its own count, all reached
 * for the key within one sliding window (elapsed ≤ window between the
 * oldest counted event of any group and the newest). An event may count in
 * several groups. After a hit the key is silent until the window has slid
 * past the hit, then counts afresh (as threshold).
 */
import type { CompiledExpr, Rule } from '../../rules/types.ts';
import type { VigilEvent } from '../../event.generated.ts';
import type { CorrelationType, RuntimeEnv } from './api.ts';
import { TimeRing } from '../pieces/time-ring.ts';
import { StateTable, timerRelease, type KeyState } from './state-table.ts';

interface GroupSpec { readonly name: string; readonly when: CompiledExpr; readonly count: number }

export interface GroupParams { readonly groups: readonly GroupSpec[]; readonly window: number }

interface GState extends KeyState { rings: TimeRing[]; firedAt: number }

export const group: CorrelationType<GroupParams> = {
  name: 'group',
  description: 'Several named sub-conditions, each reaching its own count for the key within one window.',
  params: ['groups', 'window'],
  validate(t) {
    const window = t.duration('window', true);
    const g = t.sub('groups', true);
    const groups: GroupSpec[] = [];
    if (g) {
      const names = t.keys('groups');
      if (names.length === 0) t.error('groups', '`groups` needs at least one named sub-condition, e.g. `groups: {syn: {when: "tcp.flags.syn", count: 5}}`', 'VGL_RULE_BAD_PARAM');
      for (const name of names) {
        const sub = g.sub(name, true);
        if (!sub) continue;
        const when = sub.expr('when', true);
        const count = sub.int('count', true, 1);
        if (when && count !== null) groups.push({ name, when, count });
      }
    }
    if (window === null || !g || groups.length !== t.keys('groups').length || groups.length === 0) return null;
    return { groups, window };
  },
  build(rule, env) { return buildGroup(rule, env); },
};

function buildGroup(rule: Rule & { params: GroupParams }, env: RuntimeEnv) {
  const { groups, window } = rule.params;
  const states = new StateTable<GState>(rule.maxKeys, env, window + 1, timerRelease(env.clock));
  const n = groups.length;
  return {
    onEvent(ev: VigilEvent, key: readonly unknown[], keyStr: string): void {
      const t = ev.ts;
      let any = false;
      let s: GState | undefined;
      for (let i = 0; i < n; i++) {
        if (!groups[i].when.fn(ev)) continue;
        if (!any) {
          any = true;
          s = states.find(keyStr, t) ?? states.insert(keyStr, { timer: null, firedAt: -Infinity, rings: groups.map((g) => new TimeRing(g.count)) }, t);
          if (s.firedAt !== -Infinity) {
            if (t - s.firedAt <= window) return;
            s.firedAt = -Infinity;
            for (const r of s.rings) r.clear();
          }
        }
        s!.rings[i].push(t);
      }
      if (!s) return;
      const cutoff = t - window;
      let first = Infinity;
      for (let i = 0; i < n; i++) {
        const r = s.rings[i];
        r.expireBefore(cutoff);
        if (r.length < groups[i].count) return;
        if (r.oldest() < first) first = r.oldest();
      }
      s.firedAt = t;
      const counts: Record<string, number> = {};
      let total = 0;
      for (let i = 0; i < n; i++) { counts[groups[i].name] = s.rings[i].length; total += s.rings[i].length; }
      env.fire({ event: ev, key, ts: t, count: total, first_ts: first, data: { counts } });
    },
    size: () => states.size(),
    dispose: () => states.dispose(),
  };
}
