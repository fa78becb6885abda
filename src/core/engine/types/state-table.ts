/**
 * The keyed state every stateful type keeps: a bounded KeyTable whose
 * evictions are counted on the rule and release the key's timers, plus an
 * occasional sweep of keys idle for longer than the type's horizon (so idle
 * keys do not wait for max_keys pressure to be freed).
 *
 * Evicted states are not recycled: a state reused again and again ages into
 * V8's old generation, and what its fields then allocate lands there as
 * garbage only a full collection frees (under a flood that doubled peak
 * memory). A fresh state per new key dies young, in a cheap scavenge.
 */
import type { Clock, TimerHandle } from '../../clock.ts';
import { KeyTable } from '../key-table.ts';
import type { RuntimeEnv } from './api.ts';

export interface KeyState {
  timer: TimerHandle | null;
}

/** Cancels a state's timer: how a table releases states that are all KeyStates. */
export function timerRelease(clock: Clock): (s: KeyState) => void {
  return (s) => { if (s.timer) { clock.cancel(s.timer); s.timer = null; } };
}

/** Lookups between two sweeps of keys idle past their horizon. */
export const SWEEP_EVERY = 4096;

/**
 * `S` is what a key holds: a KeyState, or (threshold) also a compact value of
 * the type's own; `release` frees whatever a value holds (its timer) when the
 * key is evicted, swept, deleted or disposed.
 */
export class StateTable<S> {
  readonly table: KeyTable<S>;
  private sinceSweep = 0;

  constructor(maxKeys: number, env: RuntimeEnv, private readonly horizonMs: number, readonly release: (s: S) => void) {
    this.table = new KeyTable<S>(maxKeys, (_k, s) => {
      release(s);
      env.evicted();
    });
  }

  /**
   * Existing state for the key, marked used at event time `t`; undefined
   * when the key is new (the caller then builds one and calls `insert`).
   * Every few thousand calls, keys idle past the horizon are swept first.
   */
  find(keyStr: string, t: number): S | undefined {
    this.sweepWhenDue(t);
    return this.table.touch(keyStr, t);
  }

  /** Counts a lookup at event time `t`; every SWEEP_EVERY of them, drops the keys idle past the horizon (expiry, not eviction). */
  sweepWhenDue(t: number): void {
    if (++this.sinceSweep >= SWEEP_EVERY) { this.sinceSweep = 0; this.table.sweep(t - this.horizonMs, (_k, s) => this.release(s)); }
  }

  /** Add the state of a new key, used at event time `t`. */
  insert<T extends S>(keyStr: string, s: T, t: number): T {
    this.table.add(keyStr, s, t);
    return s;
  }

  get(keyStr: string): S | undefined { return this.table.peek(keyStr); }

  delete(keyStr: string): void {
    const s = this.table.peek(keyStr);
    if (s !== undefined) { this.release(s); this.table.delete(keyStr); }
  }

  size(): number { return this.table.size; }

  dispose(): void { this.table.clear((_k, s) => this.release(s)); }
}
