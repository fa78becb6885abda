/**
 * What a threshold counts, as interchangeable pieces: plain events, distinct
 * values, weights, or distinct values each weighted once. Every piece slides
 * on event time (entries older than `now - window` drop out; `window` null
 * means no sliding, as with a gap-only threshold) and is bounded.
 */
import { TimeRing } from './time-ring.ts';

export interface Counter {
  /** Record a matching event; returns true when it counted (a repeated distinct value does not). */
  add(t: number, value: unknown, weight: number): boolean;
  /** Drop what fell out of the window ending at t. */
  slide(t: number): void;
  /** Count, distinct count or weight sum now in the window. */
  total(): number;
  /** Time of the oldest entry still counted (NaN when empty). */
  firstTs(): number;
  clear(): void;
}

export interface CounterFactory { (): Counter }

export interface CounterSpec {
  readonly count: number;
  readonly window: number | null;
  readonly distinct: boolean;
  readonly weighted: boolean;
  /** Cap on entries per key for weighted counters. */
  readonly maxEntries: number;
  /** Called when a per-key cap pushes an entry out. */
  readonly onCapEvict: () => void;
}

/** Picks the piece from the options; the threshold type never branches on them itself. */
export function counterFactory(s: CounterSpec): CounterFactory {
  if (s.distinct && s.weighted) return () => new DistinctWeightCounter(s.window, s.maxEntries, s.onCapEvict);
  if (s.distinct) return () => new DistinctCounter(s.window, s.count);
  if (s.weighted) return () => new WeightCounter(s.window, s.maxEntries, s.onCapEvict);
  return () => new EventCounter(s.window, s.count);
}

/** The newest `count` event times; a ring itself rather than holding one, an object less per key. */
class EventCounter extends TimeRing implements Counter {
  constructor(private readonly window: number | null, count: number) { super(count); }
  add(t: number): boolean { this.push(t); return true; }
  slide(t: number): void { if (this.window !== null) this.expireBefore(t - this.window); }
  total(): number { return this.length; }
  firstTs(): number { return this.length ? this.oldest() : NaN; }
}

/**
 * value → first and last sighting, in last-sighting order (re-inserted on
 * repeat), at most `count` values. A value leaves the window when its last
 * sighting does; first_ts reports the earliest first sighting still held.
 * The first value is held inline and the Map made only for a second one:
 * most keys of a spoofed flood never see a second value.
 */
class DistinctCounter implements Counter {
  private seen: Map<unknown, { t: number; f: number; w: number }> | null = null;
  private v1: unknown = undefined;
  private t1 = NaN;
  private f1 = NaN;
  private has1 = false;
  constructor(private readonly window: number | null, private readonly cap: number) {}
  add(t: number, value: unknown): boolean {
    if (this.seen === null) {
      if (!this.has1) { this.v1 = value; this.t1 = t; this.f1 = t; this.has1 = true; return true; }
      if (this.v1 === value) { if (t > this.t1) this.t1 = t; return false; }
      this.seen = new Map();
      this.seen.set(this.v1, { t: this.t1, f: this.f1, w: 1 });
      this.has1 = false; this.v1 = undefined;
    }
    const e = this.seen.get(value);
    if (e) {
      // A late sighting (older than the last) must not move the value behind newer ones: the Map is kept in last-sighting order.
      if (t < e.t) return false;
      // A refresh can only raise the oldest last-sighting: the cached one stays a lower bound.
      this.seen.delete(value); e.t = t; this.seen.set(value, e);
      return false;
    }
    this.seen.set(value, { t, f: t, w: 1 });
    if (this.seen.size > this.cap) { for (const k of this.seen.keys()) { this.seen.delete(k); break; } this.oldestT = NaN; }
    return true;
  }
  /** A lower bound of the oldest last-sighting, so most slides need no Map iteration (NaN: unknown). */
  private oldestT = NaN;
  slide(t: number): void {
    if (this.window === null) return;
    const cutoff = t - this.window;
    if (this.seen === null) { if (this.has1 && this.t1 < cutoff) { this.has1 = false; this.v1 = undefined; } return; }
    // A lower bound at or after the cutoff means nothing expires.
    if (this.oldestT >= cutoff) return;
    let oldest = Infinity;
    for (const [k, e] of this.seen) { if (e.t >= cutoff) { oldest = e.t; break; } this.seen.delete(k); }
    this.oldestT = oldest === Infinity ? NaN : oldest;
  }
  total(): number { return this.seen === null ? (this.has1 ? 1 : 0) : this.seen.size; }
  firstTs(): number { return this.seen === null ? (this.has1 ? this.f1 : NaN) : earliestFirst(this.seen); }
  clear(): void { this.seen = null; this.has1 = false; this.v1 = undefined; this.oldestT = NaN; }
}

function earliestFirst(m: Map<unknown, { f: number }>): number {
  let f = NaN;
  for (const e of m.values()) if (!(e.f >= f)) f = e.f;
  return f;
}

/** A deque of (time, weight) with a running sum. */
class WeightCounter implements Counter {
  private ts: number[] = [];
  private ws: number[] = [];
  private start = 0;
  private sum = 0;
  constructor(private readonly window: number | null, private readonly cap: number, private readonly onCapEvict: () => void) {}
  add(t: number, _v: unknown, w: number): boolean {
    if (!(w > 0)) return false;
    const n = this.ts.length;
    if (n > this.start && t < this.ts[n - 1]) {
      // A late event goes in its place (rare: a splice), so the deque stays in time order for slide and firstTs.
      let j = n;
      while (j > this.start && this.ts[j - 1] > t) j--;
      this.ts.splice(j, 0, t); this.ws.splice(j, 0, w);
    } else { this.ts.push(t); this.ws.push(w); }
    this.sum += w;
    if (this.ts.length - this.start > this.cap) { this.dropFront(); this.onCapEvict(); }
    return true;
  }
  slide(t: number): void {
    if (this.window === null) return;
    const cutoff = t - this.window;
    while (this.start < this.ts.length && this.ts[this.start] < cutoff) this.dropFront();
  }
  total(): number { return this.sum; }
  firstTs(): number { return this.start < this.ts.length ? this.ts[this.start] : NaN; }
  clear(): void { this.ts = []; this.ws = []; this.start = 0; this.sum = 0; }
  private dropFront(): void {
    this.sum -= this.ws[this.start]; this.start++;
    if (this.start === this.ts.length) this.clear();
    else if (this.start > 64 && this.start * 2 > this.ts.length) {
      this.ts = this.ts.slice(this.start); this.ws = this.ws.slice(this.start); this.start = 0;
    }
  }
}

/**
 * Distinct values, each adding its weight once (scanlogd: privileged ports
 * weigh 3, others 1). As DistinctCounter, the first value is held inline and
 * the Map made only for a second one.
 */
class DistinctWeightCounter implements Counter {
  private seen: Map<unknown, { t: number; f: number; w: number }> | null = null;
  private v1: unknown = undefined;
  private t1 = NaN;
  private f1 = NaN;
  private w1 = 0;
  private has1 = false;
  private sum = 0;
  constructor(private readonly window: number | null, private readonly cap: number, private readonly onCapEvict: () => void) {}
  add(t: number, value: unknown, w: number): boolean {
    const weight = w > 0 ? w : 0;
    if (this.seen === null) {
      if (!this.has1) { this.v1 = value; this.t1 = t; this.f1 = t; this.w1 = weight; this.has1 = true; this.sum = weight; return true; }
      if (this.v1 === value) { if (t > this.t1) this.t1 = t; return false; }
      this.seen = new Map();
      this.seen.set(this.v1, { t: this.t1, f: this.f1, w: this.w1 });
      this.has1 = false; this.v1 = undefined;
    }
    const e = this.seen.get(value);
    if (e) { if (t >= e.t) { this.seen.delete(value); e.t = t; this.seen.set(value, e); } return false; }
    this.seen.set(value, { t, f: t, w: weight });
    this.sum += weight;
    if (this.seen.size > this.cap) { this.dropOldest(); this.onCapEvict(); }
    return true;
  }
  slide(t: number): void {
    if (this.window === null) return;
    const cutoff = t - this.window;
    if (this.seen === null) { if (this.has1 && this.t1 < cutoff) { this.has1 = false; this.v1 = undefined; this.sum = 0; } return; }
    for (const [k, e] of this.seen) { if (e.t >= cutoff) break; this.seen.delete(k); this.sum -= e.w; }
  }
  total(): number { return this.sum; }
  firstTs(): number { return this.seen === null ? (this.has1 ? this.f1 : NaN) : earliestFirst(this.seen); }
  clear(): void { this.seen = null; this.has1 = false; this.v1 = undefined; this.sum = 0; }
  private dropOldest(): void {
    for (const [k, e] of this.seen!) { this.seen!.delete(k); this.sum -= e.w; return; }
  }
}
