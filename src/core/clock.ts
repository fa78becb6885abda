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
}

export interface TimerHandle { readonly id: number }

interface Timer { id: number; due: number; seq: number; fn: (due: number) => void; cancelled: boolean }

/** Event-time clock with a binary min-heap of timers. */
export class EventClock implements Clock {
  private t: number;
  private heap: Timer[] = [];
  private seq = 0;
  private live = new Map<number, Timer>();

  constructor(start = 0) { this.t = start; }

  now(): number { return this.t; }

  /** Number of pending timers (for metrics and tests). */
  get pending(): number { return this.live.size; }

  at(due: number, fn: (due: number) => void): TimerHandle {
    const timer: Timer = { id: ++this.seq, due, seq: this.seq, fn, cancelled: false };
    this.live.set(timer.id, timer);
    this.push(timer);
    return { id: timer.id };
  }

  cancel(h: TimerHandle): void {
    const timer = this.live.get(h.id);
    if (timer) { timer.cancelled = true; this.live.delete(h.id); }
  }

  advance(t: number): void {
    if (!(t > this.t)) return;
    while (this.heap.length && this.heap[0].due <= t) {
      const timer = this.pop()!;
      if (timer.cancelled) continue;
      this.live.delete(timer.id);
      // Timers observe their own due time, not the new event's time.
      if (timer.due > this.t) this.t = timer.due;
      timer.fn(timer.due);
    }
    this.t = t;
  }

  private less(a: Timer, b: Timer): boolean { return a.due < b.due || (a.due === b.due && a.seq < b.seq); }

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
