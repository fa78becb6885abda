/**
 * A rule's `limit: {count, per, notice}`: at most `count` hits per period of
 * `per` on event time. A period starts with the first hit after the previous
 * one ended (elapsed > per). The first hit over the limit becomes a notice,
 * later ones are dropped; both are counted as limited.
 */
import type { ActionSpec } from '../rules/types.ts';

export type LimitVerdict = 'pass' | 'notice' | 'drop';

export class Limiter {
  private start = -Infinity;
  private n = 0;
  constructor(private readonly count: number, private readonly perMs: number) {}

  check(ts: number): LimitVerdict {
    if (ts - this.start > this.perMs) { this.start = ts; this.n = 0; }
    this.n++;
    if (this.n <= this.count) return 'pass';
    return this.n === this.count + 1 ? 'notice' : 'drop';
  }
}

/**
 * Plugins whose requests the notice keeps. The notice has to reach wherever
 * the rule's lines go (scanlogd's "More possible port scans follow" is a log
 * line), but it speaks for hits that were dropped, so it must never act on
 * an address or a key: not `block`, not `context.*`, and not a site plugin,
 * which the engine cannot tell from one that blocks. `log` is the one stock
 * plugin that only records.
 */
const NOTICE_PLUGINS: ReadonlySet<string> = new Set(['log']);

/** The actions of the hit over the limit that its notice asks for, in the rule's order. */
export function noticeActions(specs: readonly ActionSpec[]): readonly ActionSpec[] {
  return specs.filter((a) => NOTICE_PLUGINS.has(a.plugin));
}
