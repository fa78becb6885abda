const NO_TIMES: number[] = [];

/**
 * A fixed-capacity ring of event times. A threshold of `count` events in a
 * window never needs more than the newest `count` times: an older one can
 * never be part of a window holding `count` newer ones.
 */
export class TimeRing {
  /**
   * A plain array grown up to the capacity: a typed array's backing store
   * costs far more to create, and most keys (one-off probes, a spoofed
   * flood) only ever hold one time. So the first time makes a one-element
   * array (pushing onto an empty one would reserve room for 16), and until
   * then the ring shares an empty array it never writes to.
   */
  private buf: number[] = NO_TIMES;
  private readonly cap: number;
  private head = 0;
  private n = 0;

  constructor(capacity: number) { this.cap = Math.max(1, capacity); }

  get length(): number { return this.n; }

  /**
   * Append; when full the oldest time is overwritten. A time older than the
   * newest (an event a few ms late) is put in its place, so the ring stays
   * in time order and `expireBefore` and `oldest` stay exact.
   */
  push(t: number): void {
    if (this.n > 0 && t < this.newest()) { this.pushLate(t); return; }
    this.append(t);
  }

  private append(t: number): void {
    const cap = this.cap;
    if (this.n < cap) {
      const i = (this.head + this.n) % cap;
      if (i === this.buf.length) { if (i === 0) this.buf = [t]; else this.buf.push(t); } else this.buf[i] = t;
      this.n++;
    } else { this.buf[this.head] = t; this.head = (this.head + 1) % cap; }
  }

  /** Rare (late events only): O(count), no allocation once the buffer has grown. */
  private pushLate(t: number): void {
    const cap = this.cap;
    if (this.n === cap) {
      // The ring keeps the newest `cap` times: one older than all of them can never count.
      if (t <= this.buf[this.head]) return;
      this.head = (this.head + 1) % cap; this.n--;
    }
    this.append(t);
    let i = this.n - 1;
    for (; i > 0; i--) {
      const prev = this.buf[(this.head + i - 1) % cap];
      if (prev <= t) break;
      this.buf[(this.head + i) % cap] = prev;
    }
    this.buf[(this.head + i) % cap] = t;
  }

  oldest(): number { return this.buf[this.head]; }
  newest(): number { return this.buf[(this.head + this.n - 1) % this.cap]; }

  /** Drop times strictly before `cutoff` (a time equal to the cutoff stays: "within D" includes D). */
  expireBefore(cutoff: number): void {
    while (this.n > 0 && this.buf[this.head] < cutoff) { this.head = (this.head + 1) % this.cap; this.n--; }
  }

  clear(): void { this.head = 0; this.n = 0; }
}
