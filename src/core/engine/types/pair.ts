/**
 * pair: an event matching `first`, then one matching `second` for the same
 * key within `window` (elapsed ≤ window): act on the second. With
 * `absence: true`, act when the second has not come once the window is over
 * (a deadline 1 ms after `window`, on event time).
 *
 * A key holds at most one pending first: later firsts do not restart it
 * (SEC PairWithWindow). An event that completes a pair is consumed and does
 * not start a new one; an event matching both sides with nothing pending
 * starts one.
 */
import type { CompiledExpr, Rule } from '../../rules/types.ts';
import type { VigilEvent } from '../../event.generated.ts';
import type { CorrelationType, ParamTools, RuntimeEnv } from './api.ts';
import { StateTable, type KeyState } from './state-table.ts';
import { encodeKey } from '../key.ts';
import { copyKey } from '../key.ts';

interface Side { readonly when: CompiledExpr | null; readonly key: readonly CompiledExpr[] | null }

export interface PairParams {
  readonly first: Side;
  readonly second: Side;
  readonly window: number;
  readonly absence: boolean;
}

interface PState extends KeyState { firstTs: number }

function side(t: ParamTools, name: string): Side | null {
  const s = t.sub(name, true);
  if (!s) return null;
  const when = s.has('when') ? s.expr('when', true) : null;
  let key: CompiledExpr[] | null = null;
  if (s.has('key')) {
    if (!s.exprList) { s.error('key', 'this rule loader cannot read expression lists; leave `key` out to use the rule key', 'VGL_RULE_BAD_PARAM'); return null; }
    key = s.exprList('key', true);
    if (!key) return null;
  }
  return { when, key };
}

export const pair: CorrelationType<PairParams> = {
  name: 'pair',
  description: 'A then B for the same key within a window (acting on B), or B missing in time (absence).',
  params: ['first', 'second', 'window', 'absence'],
  validate(t) {
    const first = side(t, 'first');
    const second = side(t, 'second');
    const window = t.duration('window', true);
    const absence = t.bool('absence', false);
    if (first && second && (first.key === null) !== (second.key === null)) {
      t.error('second', '`first.key` and `second.key` go together: give both (lists of equal length) or neither (the rule key is used)', 'VGL_RULE_BAD_PARAM');
      return null;
    }
    if (first?.key && second?.key && first.key.length !== second.key.length) {
      t.error('second', `\`second.key\` must have as many expressions as \`first.key\` (${first.key.length}), got ${second.key.length}`, 'VGL_RULE_BAD_PARAM');
      return null;
    }
    if (!first || !second || window === null) return null;
    return { first, second, window, absence };
  },
  build(rule, env) { return buildPair(rule, env); },
};

function buildPair(rule: Rule & { params: PairParams }, env: RuntimeEnv) {
  const { first, second, window, absence } = rule.params;
  const states = new StateTable<PState>(rule.maxKeys, env, window + 2);
  const names = first.key ? first.key.map((e) => e.source) : rule.key.names;
  const firstBuf: unknown[] = new Array(first.key?.length ?? 0);
  const secondBuf: unknown[] = new Array(second.key?.length ?? 0);

  /** The side's key string for this event (its tuple is then in `buf`), or null when a part is missing. */
  const keyStrOf = (s: Side, buf: unknown[], ev: VigilEvent, ruleKeyStr: string): string | null => {
    if (!s.key) return ruleKeyStr;
    for (let i = 0; i < s.key.length; i++) {
      const v = s.key[i].fn(ev);
      if (v === undefined || v === null) return null;
      buf[i] = v;
    }
    return encodeKey(buf);
  };

  const firstData = (key: readonly unknown[]): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) o[names[i]] = key[i];
    return o;
  };

  const expire = (s: PState, keyStr: string, due: number): void => {
    s.timer = null;
    states.delete(keyStr);
    env.fire({ event: null, key: s.key, keyNames: names, ts: due, first_ts: s.firstTs, data: { first: firstData(s.key) } });
  };

  return {
    onEvent(ev: VigilEvent, key: readonly unknown[], keyStr: string): void {
      const t = ev.ts;
      if (second.when === null || second.when.fn(ev)) {
        const k2 = keyStrOf(second, secondBuf, ev, keyStr);
        const pending = k2 !== null ? states.get(k2) : undefined;
        if (pending && t - pending.firstTs <= window) {
          states.delete(k2!);
          if (!absence) env.fire({ event: ev, key: pending.key, keyNames: names, ts: t, first_ts: pending.firstTs, data: { first: firstData(pending.key) } });
          return;
        }
      }
      if (first.when === null || first.when.fn(ev)) {
        const k1 = keyStrOf(first, firstBuf, ev, keyStr);
        if (k1 === null) return;
        const existing = states.get(k1);
        if (existing && t - existing.firstTs <= window) return;
        if (existing) states.delete(k1);
        const s = states.insert(k1, { key: copyKey(first.key ? firstBuf : key), last: t, timer: null, firstTs: t });
        // Without absence a stale pending first is ignored when looked up and swept
        // as idle (the table's horizon is the window), so only absence needs a timer.
        if (absence) s.timer = env.clock.at(t + window + 1, (due) => expire(s, k1, due));
      }
    },
    size: () => states.size(),
    dispose: () => states.dispose(),
  };
}
