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
import { StateTable, timerRelease, type KeyState } from './state-table.ts';

interface GroupSpec { readonly name: string; readonly when: CompiledExpr; readonly count: number }

export interface GroupParams { readonly groups: readonly GroupSpec[]; readonly window: number }

/**
 * One key's state: the groups' rings of event times side by side in one
 * array (group i owns `count_i` cells from its offset), their heads and
 * lengths in another. A match reads and writes these two arrays only, not an
 * object per group.
 */
interface GState extends KeyState { times: number[]; hn: number[]; firedAt: number }

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
  const offs: number[] = [];
  let total = 0;
  for (const g of groups) { offs.push(total); total += g.count; }
  // Cloned per new key: doubles from the start, so storing an event time never converts the array.
  const timesTemplate: number[] = [];
  for (let i = 0; i < total; i++) timesTemplate.push(-0.5);
  const hnTemplate: number[] = [];
  for (let i = 0; i < 2 * n; i++) hnTemplate.push(0);
  const fresh = (): GState => ({ timer: null, firedAt: -Infinity, times: timesTemplate.slice(), hn: hnTemplate.slice() });

  /** Drops group i's times before `cutoff`; returns how many remain. */
  const expire = (s: GState, i: number, cutoff: number): number => {
    const hn = s.hn, cap = groups[i].count, off = offs[i];
    let h = hn[2 * i], len = hn[2 * i + 1];
    while (len > 0 && s.times[off + h] < cutoff) { if (++h === cap) h = 0; len--; }
    hn[2 * i] = h; hn[2 * i + 1] = len;
    return len;
  };

  return {
    onEvent(ev: VigilEvent, key: readonly unknown[], keyStr: string): void {
      const t = ev.ts;
      let s: GState | undefined;
      for (let i = 0; i < n; i++) {
        if (!groups[i].when.fn(ev)) continue;
        if (s === undefined) {
          s = states.find(keyStr, t) ?? states.insert(keyStr, fresh(), t);
          if (s.firedAt !== -Infinity) {
            if (t - s.firedAt <= window) return;
            s.firedAt = -Infinity;
            s.hn.fill(0);
          }
        }
        // Append to group i's ring; when full, the oldest time is overwritten.
        const hn = s.hn, cap = groups[i].count;
        const h = hn[2 * i], len = hn[2 * i + 1];
        let at = h + len;
        if (at >= cap) at -= cap;
        s.times[offs[i] + at] = t;
        if (len < cap) hn[2 * i + 1] = len + 1;
        else hn[2 * i] = h + 1 === cap ? 0 : h + 1;
      }
      if (s === undefined) return;
      const cutoff = t - window;
      let first = Infinity;
      for (let i = 0; i < n; i++) {
        if (expire(s, i, cutoff) < groups[i].count) return;
        const oldest = s.times[offs[i] + s.hn[2 * i]];
        if (oldest < first) first = oldest;
      }
      s.firedAt = t;
      const counts: Record<string, number> = {};
      let sum = 0;
      for (let i = 0; i < n; i++) { counts[groups[i].name] = s.hn[2 * i + 1]; sum += s.hn[2 * i + 1]; }
      env.fire({ event: ev, key, ts: t, count: sum, first_ts: first, data: { counts } });
    },
    size: () => states.size(),
    dispose: () => states.dispose(),
  };
}
