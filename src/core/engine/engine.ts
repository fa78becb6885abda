/**
 * The engine: runs a compiled Ruleset over events, synchronously.
 *
 * Time: the caller drives the clock. `feed(ev)` does `clock.advance(ev.ts)`
 * then `push(ev)`; `push` alone evaluates the event without moving time
 * (live mode, where a wall ticker advances the clock). Correlation types
 * measure windows on `ev.ts`; events are expected in non-decreasing `ts`
 * order, and events with equal `ts` are taken in arrival order.
 *
 * Events are never retained: the decoder reuses its event object, so types
 * copy the fields they keep. The key tuple handed to a type is a per-rule
 * scratch array valid during the call only.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { HitSink, Hit } from '../hit.ts';
import type { HostFacts } from '../host.ts';
import type { VigilEvent } from '../event.generated.ts';
import type { Rule, Ruleset } from '../rules/types.ts';
import type { HelperRuntime } from '../expr/api.ts';
import type { FireArgs, KeyMemory, RuleRuntime, RuntimeEnv } from './types/api.ts';
import { CORRELATION_TYPES } from './types/index.ts';
import { ContextStore, type ContextStats, type ContextStoreOptions } from './contexts.ts';
import { InMemoryKeyMemory } from './memory.ts';
import { SqliteKeyMemory } from './memory-sqlite.ts';
import { encodeKey } from './key.ts';
import { buildDispatch, type Dispatch } from './dispatch.ts';
import { renderActions, renderHit, templateScope } from './render-hit.ts';
import { ENGINE_ACTIONS } from './engine-actions.ts';
import { Limiter, noticeActions } from './limiter.ts';
import { conditionFacts, type ConditionFacts } from '../expr/pins.ts';
import { eventTimeText, isEventTime } from '../event-time.ts';

export type EngineLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface EngineOptions {
  readonly clock: Clock;
  readonly sink: HitSink;
  readonly host: HostFacts;
  /** first_seen memory; default in-memory. A SqliteKeyMemory also holds persistent contexts. */
  readonly memory?: KeyMemory;
  readonly logger?: EngineLogger;
  readonly contexts?: ContextStoreOptions;
  /** Live mode (`vigil run`): see LiveTime. Absent in replay and rule tests, where event time alone rules. */
  readonly live?: LiveTime;
}

/**
 * Live, the clock follows the wall (a ticker) and the events (`feed`), and
 * it never goes back. One event stamped far ahead of the wall (a JSON-lines
 * source with a wrong clock, a damaged record) would move it there for
 * good: every timer would fire at once (suppressions, absence deadlines,
 * timed unblocks), every context would expire, first_seen would forget
 * every key, and all later events would be late. So live, an event more
 * than `maxAheadMs` ahead of `now()` is refused and counted instead.
 */
export interface LiveTime {
  /** Wall time, ms since the epoch. */
  readonly now: () => number;
  readonly maxAheadMs: number;
}

/** How far ahead of the wall clock `vigil run` takes an event's time: generous for a skewed source, far short of what would wreck state. */
export const LIVE_MAX_AHEAD_MS = 10 * 60_000;
/** Between two warnings about events from the future, in wall time. */
const FUTURE_WARN_EVERY_MS = 60_000;

export interface RuleStats {
  readonly id: string;
  readonly type: string;
  /** Events that passed `on` and `when`. */
  readonly matches: number;
  readonly hits: number;
  readonly liveKeys: number;
  readonly evictions: number;
  /** Hits turned into a notice or dropped by `limit`. */
  readonly limited: number;
  /** Matching events skipped because a key part was missing. */
  readonly unkeyed: number;
}

export interface EngineStats {
  readonly events: number;
  /** Events refused because their time lies outside the event-time range (see event-time.ts). */
  readonly badTime: number;
  /** Live only: events refused because their time was too far ahead of the wall clock (see LiveTime). */
  readonly futureTime: number;
  readonly matches: number;
  readonly hits: number;
  readonly liveKeys: number;
  readonly evictions: number;
  readonly limited: number;
  readonly actionErrors: number;
  readonly reloads: number;
  readonly rules: readonly RuleStats[];
  readonly contexts: ContextStats;
}

interface Slot {
  rule: Rule;
  runtime: RuleRuntime;
  readonly when: ((s: object) => unknown) | null;
  readonly keyFns: readonly ((s: object) => unknown)[];
  readonly keySources: readonly string[];
  readonly keyBuf: unknown[];
  readonly limiter: Limiter | null;
  matches: number;
  hits: number;
  evictions: number;
  limited: number;
  unkeyed: number;
}

/**
 * A condition shared by the rules of one event kind whose \`when\` has the
 * same source (same ruleset, so the same meaning): it runs at most once per
 * event for all of them. Stock packs repeat conditions such as a bare SYN.
 */
interface CondGroup {
  readonly when: ((s: object) => unknown) | null;
  readonly facts: ConditionFacts | null;
  /** Index of the condition's guard in the engine's guard list (-1: none); see ConditionFacts.guard. */
  guard: number;
}

/** A rule listening to a kind, with its shared condition; lists keep file order. */
interface Entry { readonly cond: CondGroup; readonly slot: Slot }

/**
 * The rules of one event kind, also split by the event's `proto`: a rule
 * whose condition pins `proto` (`proto == "tcp" && …`) sits only in the
 * lists of the values it allows; an unpinned one sits in every list. A
 * condition that can never be true is left out. Each list keeps file order
 * and becomes one generated dispatcher (dispatch.ts).
 */
interface KindIndex {
  /** For events whose proto is not a string. */
  readonly all: Dispatch;
  /** proto value → the rules that can match it. */
  readonly byProto: Map<string, Dispatch>;
  /** Rules that do not pin proto: for a string proto no rule names. */
  readonly unpinned: Dispatch;
}

/** Guards must be assigned before this runs. */
function indexKind(entries: readonly Entry[], guards: readonly ((s: object) => unknown)[]): KindIndex {
  const all = entries.filter((e) => !e.cond.facts?.never);
  const protoOf = (e: Entry) => e.cond.facts?.pins.get('proto');
  const unpinned = all.filter((e) => protoOf(e) === undefined);
  const byProto = new Map<string, Entry[]>();
  for (const e of all) for (const v of protoOf(e) ?? []) byProto.set(v, []);
  for (const [v, list] of byProto) for (const e of all) { const p = protoOf(e); if (p === undefined || p.has(v)) list.push(e); }
  const d = (list: readonly Entry[]) => buildDispatch(list, guards);
  return { all: d(all), byProto: new Map([...byProto].map(([v, list]) => [v, d(list)])), unpinned: d(unpinned) };
}

type PendingAction = { plugin: string; params: Readonly<Record<string, unknown>>; ts: number; rule: string };

const CONTEXT_SWEEP_MS = 60_000;

/**
 * The hit that replaces the first one over a rule's limit: its message is the
 * notice, and it asks only for the actions that record (see noticeActions).
 * Their templates see the hit's key, count and data but not the event: the
 * notice speaks for the hits the period drops from here on, not for the one
 * event that tripped it, so an event field renders empty.
 */
function limitNotice(rule: Rule, f: FireArgs, hit: Hit): Hit {
  const specs = noticeActions(f.actions ?? rule.actions);
  const actions = specs.length ? renderActions(specs, templateScope(rule, { ...f, event: null }, { ...hit.key })) : [];
  return { ...hit, message: rule.limit!.notice, actions, tags: [...hit.tags, 'LIMITED'] };
}

export class Engine {
  readonly clock: Clock;
  /** Pass this to the rule loader's compile env: `context()` and host helpers read it at call time. */
  readonly helpers: HelperRuntime;
  readonly contexts: ContextStore;
  private readonly sink: HitSink;
  private readonly memory: KeyMemory;
  private readonly logger?: EngineLogger;
  private slots = new Map<string, Slot>();
  private index = new Map<string, KindIndex>();
  /** The dispatcher the last event's kind and proto chose: inputs send long runs of one kind and proto, so two Map lookups per event become two compares. */
  private lastKind: string | null = null;
  private lastProto: unknown = undefined;
  private lastDispatch: Dispatch | null = null;
  private events = 0;
  private badTime = 0;
  private futureTime = 0;
  private readonly live: LiveTime | null;
  private futureWarnedAt = -Infinity;
  private futureSinceWarn = 0;
  private reloads = 0;
  private actionErrors = 0;
  private inPush = false;
  private pending: PendingAction[] = [];
  private timeKnown: boolean;
  /** Rules waiting for the first event's time; a rule disposed meanwhile leaves (reloads before any event must not pile them up). */
  private waitingForTime = new Set<(now: number) => void>();
  private lastSweep = -Infinity;
  private ruleset: Ruleset | null = null;

  constructor(opts: EngineOptions) {
    this.clock = opts.clock;
    this.sink = opts.sink;
    this.logger = opts.logger;
    this.live = opts.live ?? null;
    this.memory = opts.memory ?? new InMemoryKeyMemory();
    const db = opts.contexts?.db ?? (this.memory instanceof SqliteKeyMemory ? this.memory.db : undefined);
    this.contexts = new ContextStore({ ...opts.contexts, db }, this.clock.now());
    const contexts = this.contexts;
    const clock = this.clock;
    this.helpers = {
      host: opts.host,
      hasContext(name: string, key: readonly unknown[]): boolean { return contexts.has(name, encodeKey(key), clock.now()); },
    };
    this.timeKnown = this.clock.now() > 0;
  }

  /** The ruleset now running (null before the first load). */
  get current(): Ruleset | null { return this.ruleset; }

  /**
   * Swap in a ruleset. Runs between two events (push is synchronous). A rule
   * whose id and hash are unchanged keeps its runtime state and counters; a
   * changed or new rule starts fresh; a removed one is disposed.
   * Throws (changing nothing) when a rule names an unknown correlation type.
   */
  load(ruleset: Ruleset): { kept: number; fresh: number; removed: number } {
    for (const r of ruleset.rules) {
      if (!CORRELATION_TYPES.has(r.type)) throw new Error(`${r.loc.file}:${r.loc.line}:${r.loc.col} rule \`${r.id}\`: unknown correlation type \`${r.type}\``);
    }
    const next = new Map<string, Slot>();
    let kept = 0, fresh = 0;
    const built: Slot[] = [];
    try {
      for (const r of ruleset.rules) {
        const old = this.slots.get(r.id);
        if (old && old.rule.hash === r.hash && old.rule.type === r.type) { next.set(r.id, old); kept++; continue; }
        const slot = this.buildSlot(r);
        built.push(slot);
        next.set(r.id, slot);
        fresh++;
      }
    } catch (e) {
      for (const s of built) s.runtime.dispose();
      throw e;
    }
    let removed = 0;
    for (const [id, s] of this.slots) if (next.get(id) !== s) { s.runtime.dispose(); if (!next.has(id)) removed++; }
    const byKind = new Map<string, Entry[]>();
    const bySource = new Map<string, CondGroup>();
    for (const s of next.values()) {
      for (const kind of s.rule.on) {
        const src = kind + '\u0000' + (s.rule.when ? s.rule.when.source : '');
        let g = bySource.get(src);
        if (!g) {
          g = { when: s.when, facts: s.when ? conditionFacts(s.when) : null, guard: -1 };
          bySource.set(src, g);
        }
        let list = byKind.get(kind);
        if (!list) { list = []; byKind.set(kind, list); }
        list.push({ cond: g, slot: s });
      }
    }
    // A guard pays only when several groups share it: it is then evaluated once per event for all of them.
    const users = new Map<string, CondGroup[]>();
    for (const g of bySource.values()) {
      const code = g.facts?.guard?.code;
      if (code !== undefined) { let l = users.get(code); if (!l) users.set(code, (l = [])); l.push(g); }
    }
    const guards: ((s: object) => unknown)[] = [];
    for (const list of users.values()) {
      if (list.length < 2) continue;
      for (const g of list) g.guard = guards.length;
      guards.push(list[0].facts!.guard!.fn);
    }
    const index = new Map<string, KindIndex>();
    for (const [kind, groups] of byKind) index.set(kind, indexKind(groups, guards));
    this.slots = next;
    this.index = index;
    this.lastKind = null;
    this.contexts.setLimits(ruleset.contexts ?? {});
    this.ruleset = ruleset;
    this.reloads++;
    return { kept, fresh, removed };
  }

  /** Advance the clock to the event's time (firing due timers), then evaluate it. */
  feed(ev: VigilEvent): void {
    // Checked before the clock moves: past 2^53 ms adding a period changes nothing, and a periodic timer would never end.
    if (this.refused(ev)) return;
    this.clock.advance(ev.ts);
    this.evaluate(ev);
  }

  /** True, and counted, when the event's time cannot be taken: outside what a date holds, or (live) too far ahead of the wall. */
  private refused(ev: VigilEvent): boolean {
    if (!isEventTime(ev.ts)) { this.badTime++; return true; }
    if (this.live !== null && ev.ts > this.live.now() + this.live.maxAheadMs) { this.refuseFuture(ev); return true; }
    return false;
  }

  private refuseFuture(ev: VigilEvent): void {
    this.futureTime++;
    this.futureSinceWarn++;
    const wall = this.live!.now();
    if (wall - this.futureWarnedAt < FUTURE_WARN_EVERY_MS) return;
    this.futureWarnedAt = wall;
    this.logger?.warn({ input: ev.input, ts: ev.ts, aheadMs: ev.ts - wall, refused: this.futureSinceWarn, refusedTotal: this.futureTime },
      `${this.futureSinceWarn} event(s) refused: their time is more than ${this.live!.maxAheadMs / 60_000} min ahead of this host's clock (the latest from input ${ev.input}, ${eventTimeText(ev.ts)}); check that source's clock`);
    this.futureSinceWarn = 0;
  }

  /** Evaluate one event against every rule listening to its kind. Does not move the clock. */
  push(ev: VigilEvent): void {
    if (this.refused(ev)) return;
    this.evaluate(ev);
  }

  /** push's work, for an event whose time was checked by its caller. */
  private evaluate(ev: VigilEvent): void {
    if (!this.timeKnown) this.startTime(ev.ts);
    this.events++;
    if (ev.ts - this.lastSweep > CONTEXT_SWEEP_MS) { this.lastSweep = ev.ts; this.contexts.sweep(ev.ts); }
    const kind = ev.kind, proto = ev.proto;
    let dispatch: Dispatch;
    if (kind === this.lastKind && proto === this.lastProto) dispatch = this.lastDispatch!;
    else {
      const idx = this.index.get(kind);
      if (idx === undefined) return;
      dispatch = typeof proto === 'string' ? (idx.byProto.get(proto) ?? idx.unpinned) : idx.all;
      this.lastKind = kind; this.lastProto = proto; this.lastDispatch = dispatch;
    }
    this.inPush = true;
    try {
      dispatch(ev);
    } finally {
      this.inPush = false;
      if (this.pending.length) this.runPending();
    }
  }

  stats(): EngineStats {
    const rules: RuleStats[] = [];
    let matches = 0, hits = 0, liveKeys = 0, evictions = 0, limited = 0;
    for (const s of this.slots.values()) {
      const live = s.runtime.size();
      rules.push({ id: s.rule.id, type: s.rule.type, matches: s.matches, hits: s.hits, liveKeys: live, evictions: s.evictions, limited: s.limited, unkeyed: s.unkeyed });
      matches += s.matches; hits += s.hits; liveKeys += live; evictions += s.evictions; limited += s.limited;
    }
    return { events: this.events, badTime: this.badTime, futureTime: this.futureTime, matches, hits, liveKeys, evictions, limited, actionErrors: this.actionErrors, reloads: this.reloads, rules, contexts: this.contexts.stats() };
  }

  /** Dispose every rule (cancelling timers) and flush memory. */
  close(): void {
    for (const s of this.slots.values()) s.runtime.dispose();
    this.slots = new Map();
    this.index = new Map();
    this.lastKind = null;
    const m = this.memory as { close?: () => void };
    m.close?.();
  }

  private buildSlot(rule: Rule): Slot {
    const type = CORRELATION_TYPES.get(rule.type)!;
    const slot: Slot = {
      rule,
      runtime: null as unknown as RuleRuntime,
      when: rule.when ? rule.when.fn : null,
      keyFns: rule.key.exprs.map((e) => e.fn),
      keySources: rule.key.exprs.map((e) => e.source),
      keyBuf: new Array<unknown>(rule.key.exprs.length),
      limiter: rule.limit ? new Limiter(rule.limit.count, rule.limit.perMs) : null,
      matches: 0, hits: 0, evictions: 0, limited: 0, unkeyed: 0,
    };
    const env: RuntimeEnv = {
      clock: this.clock,
      memory: this.memory,
      fire: (f: FireArgs) => this.emit(slot, f),
      evicted: (n = 1) => { slot.evictions += n; },
      whenTimeKnown: (fn) => {
        if (this.timeKnown) { fn(this.clock.now()); return () => {}; }
        this.waitingForTime.add(fn);
        return () => { this.waitingForTime.delete(fn); };
      },
    };
    slot.runtime = type.build(rule as Rule & { params: never }, env);
    return slot;
  }

  private startTime(ts: number): void {
    this.timeKnown = true;
    const now = Math.max(ts, this.clock.now());
    const fns = [...this.waitingForTime];
    this.waitingForTime.clear();
    for (const fn of fns) fn(now);
  }

  private emit(slot: Slot, f: FireArgs): void {
    const rule = slot.rule;
    const hit = renderHit(rule, f);
    for (const a of hit.actions) {
      if (!ENGINE_ACTIONS.has(a.plugin)) continue;
      const p: PendingAction = { plugin: a.plugin, params: a.params, ts: f.ts, rule: rule.id };
      if (this.inPush) this.pending.push(p); else this.runAction(p);
    }
    let out: Hit = hit;
    if (slot.limiter) {
      const verdict = slot.limiter.check(f.ts);
      if (verdict !== 'pass') {
        slot.limited++;
        if (verdict === 'drop') return;
        out = limitNotice(rule, f, hit);
      }
    }
    slot.hits++;
    try { this.sink(out); } catch (e) { this.logger?.error({ err: e, rule: rule.id }, 'hit sink threw'); }
  }

  private runPending(): void {
    const list = this.pending;
    this.pending = [];
    for (const p of list) this.runAction(p);
  }

  private runAction(p: PendingAction): void {
    try { ENGINE_ACTIONS.get(p.plugin)!(p.params, p.ts, this.contexts); }
    catch (e) {
      this.actionErrors++;
      this.logger?.warn({ rule: p.rule, action: p.plugin, err: (e as Error).message }, 'engine action failed');
    }
  }
}
