/**
 * The one clock of vigil. Event time drives windows, expiries and schedules:
 * in replay the clock follows event timestamps (`advance(ev.ts)` before each
 * event), live it follows the wall clock (a ticker calls `advance(Date.now())`).
 * Timers fire inside `advance`, in due-time order, so a replay gives the same
 * result at any speed and tests never sleep.
 */
export interface Clock {
  /** Current event time, ms since epoch. */
  now(): number;
  /** Run `fn(dueTime)` once the clock reaches `at`. Returns a handle for `cancel`. */
  at(at: number, fn: (due: number) => void): TimerHandle;
  cancel(h: TimerHandle): void;
  /** Move time forward to `t` (never backwards), firing due timers first. */
  advance(t: number): void;
  /** While `advance(t)` fires due timers: that `t`, where time is going. Otherwise `now()`. */
  horizon(): number;
}

export interface TimerHandle { readonly id: number }

const PENDING = 0, FIRED = 1, CANCELLED = 2;

/** A timer is its own handle: no lookup table to keep, which under a flood of absence pairs was a Map insert and delete per timer. */
class Timer implements TimerHandle {
  state = PENDING;
  constructor(readonly id: number, readonly due: number, readonly fn: (due: number) => void) {}
}

/** Event-time clock with a binary min-heap of timers (ties fire in the order they were set). */
export class EventClock implements Clock {
  private t: number;
  /** The time `advance` is moving to while it fires timers. */
  private to: number;
  private heap: Timer[] = [];
  private seq = 0;
  private live = 0;

  constructor(start = 0) { this.t = start; this.to = start; }

  now(): number { return this.t; }

  horizon(): number { return this.to > this.t ? this.to : this.t; }

  /** Number of pending timers (for metrics and tests). */
  get pending(): number { return this.live; }

  at(due: number, fn: (due: number) => void): TimerHandle {
    const timer = new Timer(++this.seq, due, fn);
    this.live++;
    this.push(timer);
    return timer;
  }

  /** Handles come only from `at` of this clock; a cancelled or fired timer is left as it is. */
  cancel(h: TimerHandle): void {
    const timer = h as Timer;
    if (timer.state === PENDING) { timer.state = CANCELLED; this.live--; }
  }

  advance(t: number): void {
    if (!(t > this.t)) return;
    this.to = t;
    while (this.heap.length && this.heap[0].due <= t) {
      const timer = this.pop()!;
      if (timer.state !== PENDING) continue;
      timer.state = FIRED;
      this.live--;
      // Timers observe their own due time, not the new event's time.
      if (timer.due > this.t) this.t = timer.due;
      timer.fn(timer.due);
    }
    this.t = t;
  }

  private less(a: Timer, b: Timer): boolean { return a.due < b.due || (a.due === b.due && a.id < b.id); }

  private push(x: Timer): void {
    const h = this.heap; h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]]; i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap; if (!h.length) return undefined;
    const top = h[0]; const last = h.pop()!;
    if (h.length) {
      h[0] = last; let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1; let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]]; i = m;
      }
    }
    return top;
  }
}

/** Drives an EventClock from the wall clock in live mode. */
export function startWallTicker(clock: Clock, periodMs = 250): () => void {
  clock.advance(Date.now());
  const h = setInterval(() => clock.advance(Date.now()), periodMs);
  h.unref();
  return () => clearInterval(h);
}
