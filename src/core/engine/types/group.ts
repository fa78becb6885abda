/**
 * group: several named sub-conditions, each with its own count, all reached
 * for the key within one sliding window (elapsed ≤ window between the
 * oldest counted event of any group and the newest). An event may count in
 * several groups. After a hit the key is silent until the window has slid
 * past the hit, then counts afresh (as threshold).
 */
import type { CompiledExpr, Rule } from '../../rules/types.ts';
import type { VigilEvent } from '../../event.generated.ts';
import { MAX_OWN_CONDITIONS, type CorrelationType, type RuntimeEnv } from './api.ts';
import { TimeRing } from '../pieces/time-ring.ts';
import { StateTable, timerRelease, type KeyState } from './state-table.ts';

interface GroupSpec { readonly name: string; readonly when: CompiledExpr; readonly count: number }

export interface GroupParams { readonly groups: readonly GroupSpec[]; readonly window: number }

/**
 * One key's state: per group, a ring of the newest `count` event times.
 * Small groups (FLAT_CELLS in all) keep their rings side by side in one
 * array (group i owns `count_i` cells from its offset), their heads and
 * lengths in another, so a match reads and writes two arrays only. Larger
 * counts keep a TimeRing per group, which grows as times come: memory is
 * paid for events that came, not for the count (a flood of one-packet
 * sources must not cost `count` cells each).
 */
interface GState extends KeyState { times: number[]; hn: number[]; rings: TimeRing[] | null; firedAt: number }

/** Cells of all a rule's groups up to which rings are laid out flat. */
const FLAT_CELLS = 64;

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
  const bits = n <= MAX_OWN_CONDITIONS;
  const offs: number[] = [];
  let total = 0;
  for (const g of groups) { offs.push(total); total += g.count; }
  const flat = total <= FLAT_CELLS;
  // Cloned per new key: doubles from the start, so storing an event time never converts the array.
  const timesTemplate: number[] = [];
  if (flat) for (let i = 0; i < total; i++) timesTemplate.push(-0.5);
  const hnTemplate: number[] = [];
  for (let i = 0; i < 2 * n; i++) hnTemplate.push(0);
  const fresh = (): GState => ({
    timer: null, firedAt: -Infinity,
    times: flat ? timesTemplate.slice() : timesTemplate, hn: flat ? hnTemplate.slice() : hnTemplate,
    rings: flat ? null : groups.map((g) => new TimeRing(g.count)),
  });

  // The layout is chosen once per rule: each piece below is one of two plain functions, never a branch per call.
  /** Appends `t` to group i's ring; when full, the oldest time is overwritten. */
  const push = flat
    ? (s: GState, i: number, t: number): void => {
      const hn = s.hn, cap = groups[i].count, off = offs[i];
      let h = hn[2 * i], len = hn[2 * i + 1];
      let at = h + len;
      if (at >= cap) at -= cap;
      // A late event (older than the group's newest time) goes in its place: expiry reads the ring oldest first.
      if (len > 0 && t < s.times[off + (at === 0 ? cap - 1 : at - 1)]) {
        if (len === cap) {
          // The ring keeps the newest `cap` times: one older than all of them can never count.
          if (t <= s.times[off + h]) return;
          h = h + 1 === cap ? 0 : h + 1; hn[2 * i] = h; len--;
        }
        let j = len;
        for (; j > 0; j--) {
          const prev = s.times[off + (h + j - 1) % cap];
          if (prev <= t) break;
          s.times[off + (h + j) % cap] = prev;
        }
        s.times[off + (h + j) % cap] = t;
        hn[2 * i + 1] = len + 1;
        return;
      }
      s.times[off + at] = t;
      if (len < cap) hn[2 * i + 1] = len + 1;
      else hn[2 * i] = h + 1 === cap ? 0 : h + 1;
    }
    : (s: GState, i: number, t: number): void => { s.rings![i].push(t); };

  /** Drops group i's times before `cutoff`; returns how many remain. */
  const expire = flat
    ? (s: GState, i: number, cutoff: number): number => {
      const hn = s.hn, cap = groups[i].count, off = offs[i];
      let h = hn[2 * i], len = hn[2 * i + 1];
      while (len > 0 && s.times[off + h] < cutoff) { if (++h === cap) h = 0; len--; }
      hn[2 * i] = h; hn[2 * i + 1] = len;
      return len;
    }
    : (s: GState, i: number, cutoff: number): number => { const r = s.rings![i]; r.expireBefore(cutoff); return r.length; };

  const oldest = flat ? (s: GState, i: number): number => s.times[offs[i] + s.hn[2 * i]] : (s: GState, i: number): number => s.rings![i].oldest();
  const length = flat ? (s: GState, i: number): number => s.hn[2 * i + 1] : (s: GState, i: number): number => s.rings![i].length;
  const reset = flat ? (s: GState): void => { s.hn.fill(0); } : (s: GState): void => { for (const r of s.rings!) r.clear(); };

  return {
    // Bit i of `tests`: group i's condition; past the bits a small integer holds, groups are tested here.
    conditions: bits ? groups.map((g) => g.when) : undefined,
    onEvent(ev: VigilEvent, key: readonly unknown[], keyStr: string, tests?: number): void {
      const t = ev.ts;
      let s: GState | undefined;
      for (let i = 0; i < n; i++) {
        if (bits ? (tests! & (1 << i)) === 0 : !groups[i].when.fn(ev)) continue;
        if (s === undefined) {
          s = states.find(keyStr, t) ?? states.insert(keyStr, fresh(), t);
          if (s.firedAt !== -Infinity) {
            if (t - s.firedAt <= window) return;
            s.firedAt = -Infinity;
            reset(s);
          }
        }
        push(s, i, t);
      }
      if (s === undefined) return;
      const cutoff = t - window;
      let first = Infinity;
      for (let i = 0; i < n; i++) {
        if (expire(s, i, cutoff) < groups[i].count) return;
        const o = oldest(s, i);
        if (o < first) first = o;
      }
      s.firedAt = t;
      const counts: Record<string, number> = {};
      let sum = 0;
      for (let i = 0; i < n; i++) { const c = length(s, i); counts[groups[i].name] = c; sum += c; }
      env.fire({ event: ev, key, ts: t, count: sum, first_ts: first, data: { counts } });
    },
    size: () => states.size(),
    dispose: () => states.dispose(),
  };
}
