/**
 * A fixed-capacity ring of event times. A threshold of `count` events in a
 * window never needs more than the newest `count` times: an older one can
 * never be part of a window holding `count` newer ones.
 */
export class TimeRing {
  private readonly buf: Float64Array;
  private head = 0;
  private n = 0;

  constructor(readonly capacity: number) { this.buf = new Float64Array(Math.max(1, capacity)); }

  get length(): number { return this.n; }

  /** Append; when full the oldest time is overwritten. */
  push(t: number): void {
    const cap = this.buf.length;
    if (this.n < cap) { this.buf[(this.head + this.n) % cap] = t; this.n++; }
    else { this.buf[this.head] = t; this.head = (this.head + 1) % cap; }
  }

  oldest(): number { return this.buf[this.head]; }
  newest(): number { return this.buf[(this.head + this.n - 1) % this.buf.length]; }

  /** Drop times strictly before `cutoff` (a time equal to the cutoff stays: "within D" includes D). */
  expireBefore(cutoff: number): void {
    while (this.n > 0 && this.buf[this.head] < cutoff) { this.head = (this.head + 1) % this.buf.length; this.n--; }
  }

  clear(): void { this.head = 0; this.n = 0; }
}
