/**
 * A small seeded PRNG (mulberry32) so that synthetic captures, fuzz runs and
 * benches are the same bytes on every run and machine.
 */
export class Rng {
  private s: number;

  constructor(seed: number) { this.s = seed >>> 0; }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number { return Math.floor(this.next() * n); }

  /** Integer in [lo, hi] inclusive. */
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }

  /** True with probability p. */
  chance(p: number): boolean { return this.next() < p; }

  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]; }

  /** Exponentially distributed with the given mean (inter-arrival gaps). */
  exp(mean: number): number { return -Math.log(1 - this.next()) * mean; }

  /** A 32-bit unsigned value. */
  u32(): number { return Math.floor(this.next() * 4294967296) >>> 0; }
}
