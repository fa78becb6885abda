/**
 * A rule's `limit: {count, per, notice}`: at most `count` hits per period of
 * `per` on event time. A period starts with the first hit after the previous
 * one ended (elapsed > per). The first hit over the limit becomes a notice,
 * later ones are dropped; both are counted as limited.
 */
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
