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
import type { CorrelationType, OwnCondition, ParamTools, RuntimeEnv } from './api.ts';
import type { TimerHandle } from '../../clock.ts';
import { StateTable } from './state-table.ts';
import { copyKey, encodeKey } from '../key.ts';

interface Side { readonly when: CompiledExpr | null; readonly key: readonly CompiledExpr[] | null }

export interface PairParams {
  readonly first: Side;
  readonly second: Side;
  readonly window: number;
  readonly absence: boolean;
}

/**
 * A pending first. Its time is the table's last-touch time of the key (a
 * pending first is never touched again). Most pending firsts (every SYN-ACK
 * of a busy server, for the stock handshake rules) never see their second,
 * so when no timer is needed (no absence) and the key tuple is the key
 * string itself (a one-part string key), the table holds just BARE and the
 * tuple is rebuilt from the key string for the rare hit: a pending first
 * then costs no object at all.
 */
const BARE = 0;
class Pending {
  timer: TimerHandle | null = null;
  constructor(readonly key: readonly unknown[]) {}
}
type Entry = typeof BARE | Pending;

const ALWAYS: OwnCondition = { source: 'true', fn: () => true };

const tupleOf = (e: Entry, keyStr: string): readonly unknown[] => e === BARE ? [keyStr] : e.key;

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
  // A pending first older than the window can never pair: it is ignored when
  // looked up, and the table's sweep drops such firsts (expiry, not eviction),
  // so they do not wait for max_keys to push them out. With absence a first's
  // timer (due 1 ms after the window) has always fired before its entry is that old.
  const states = new StateTable<Entry>(rule.maxKeys, env, window + (absence ? 1 : 0), (e) => {
    if (e !== BARE && e.timer !== null) { env.clock.cancel(e.timer); e.timer = null; }
  });
  const table = states.table;
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

  const expire = (p: Pending, keyStr: string, firstTs: number, due: number): void => {
    p.timer = null;
    table.delete(keyStr);
    env.fire({ event: null, key: p.key, keyNames: names, ts: due, first_ts: firstTs, data: { first: firstData(p.key) } });
  };

  // The dispatcher tests them (bit 0: first's condition, bit 1: second's; a side without one always holds).
  const conditions: OwnCondition[] = [first.when ?? ALWAYS, second.when ?? ALWAYS];

  return {
    conditions,
    onEvent(ev: VigilEvent, key: readonly unknown[], keyStr: string, tests?: number): void {
      const t = ev.ts;
      states.sweepWhenDue(t);
      if ((tests! & 2) !== 0) {
        const k2 = keyStrOf(second, secondBuf, ev, keyStr);
        // NaN (nothing pending) fails the test.
        const firstTs = k2 !== null ? table.lastOf(k2) : NaN;
        if (t - firstTs <= window) {
          const pending = table.peek(k2!)!;
          states.delete(k2!);
          if (!absence) {
            const tuple = tupleOf(pending, k2!);
            env.fire({ event: ev, key: tuple, keyNames: names, ts: t, first_ts: firstTs, data: { first: firstData(tuple) } });
          }
          return;
        }
      }
      if ((tests! & 1) !== 0) {
        const k1 = keyStrOf(first, firstBuf, ev, keyStr);
        if (k1 === null) return;
        const existingTs = table.lastOf(k1);
        if (t - existingTs <= window) return;
        if (!Number.isNaN(existingTs)) states.delete(k1);
        const tuple = first.key ? firstBuf : key;
        // Without absence a stale pending first is ignored when looked up, so only absence needs a timer.
        if (!absence && tuple.length === 1 && tuple[0] === k1) { states.insert(k1, BARE, t); return; }
        const p = states.insert(k1, new Pending(copyKey(tuple)), t);
        if (absence) p.timer = env.clock.at(t + window + 1, (due) => expire(p, k1, t, due));
      }
    },
    size: () => states.size(),
    dispose: () => states.dispose(),
  };
}
