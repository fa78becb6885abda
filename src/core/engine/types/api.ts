/**
 * Contract of a correlation type (single, threshold, pair, group, first_seen,
 * anomaly, schedule). One file per type under src/core/engine/types/, one
 * line in the registry. The core never branches on a type's name.
 */
import type { Rule, CompiledExpr, CompiledTemplate, SourceLoc, ActionSpec } from '../../rules/types.ts';
import type { VigilEvent } from '../../event.generated.ts';
import type { Clock } from '../../clock.ts';

/** Tools the rule loader hands to `validate` so errors carry locations. */
export interface ParamTools {
  /** The raw value of a parameter (from YAML, `$var` references already resolved). */
  raw(name: string): unknown;
  has(name: string): boolean;
  /** Compile a jexl expression parameter; on error records a diagnostic and returns null. */
  expr(name: string, required?: boolean): CompiledExpr | null;
  template(name: string): CompiledTemplate | null;
  /** A duration ("3s", "10m") in ms. */
  duration(name: string, required?: boolean): number | null;
  /** A positive integer / number. */
  int(name: string, required?: boolean, min?: number): number | null;
  number(name: string, required?: boolean): number | null;
  bool(name: string, dflt: boolean): boolean;
  /** Nested object parameter (e.g. `first:` of a pair, `recover:`) as its own ParamTools. */
  sub(name: string, required?: boolean): ParamTools | null;
  /** Actions list nested in a parameter (e.g. `recover.actions`). */
  actions(name: string): ActionSpec[];
  /**
   * A list of jexl expressions (e.g. `first.key: [src.ip, dst.ip]` of a pair);
   * a single string is a one-element list. Null (with a diagnostic) on error.
   */
  exprList?(name: string, required?: boolean): CompiledExpr[] | null;
  /** Keys of a map parameter (e.g. the names under `groups:` or `collect:`). */
  keys(name: string): string[];
  /** Record an error located at the parameter. */
  error(name: string, message: string, code?: string): void;
  loc(name: string): SourceLoc;
}

/** Services a rule runtime gets from the engine. */
export interface RuntimeEnv {
  readonly clock: Clock;
  /** Emit a hit for this rule: the engine renders message/actions, applies `limit`, counts. */
  fire(h: FireArgs): void;
  /** Persistent memory for first_seen (SQLite in production, in-memory in tests). */
  readonly memory: KeyMemory;
  /** Count an eviction caused by max_keys or a per-key cap. */
  evicted(n?: number): void;
  /**
   * Run `fn` once event time is known: at once when the clock has moved past
   * 0, else just before the first event is processed. Lets period timers
   * (schedule, anomaly) anchor on real event time instead of the epoch.
   * Returns what stops the wait: a rule disposed before then calls it.
   */
  whenTimeKnown?(fn: (now: number) => void): () => void;
}

export interface FireArgs {
  /** The event that completed the match (for templates); null for timer-driven hits. */
  readonly event: VigilEvent | null;
  readonly key: readonly unknown[];
  /** Names of the key parts when they are not the rule's `key` names (a pair with its own key lists). */
  readonly keyNames?: readonly string[];
  readonly ts: number;
  readonly count?: number;
  readonly first_ts?: number;
  readonly data?: Record<string, unknown>;
  /** Override the rule's message/actions/tags (e.g. `recover:` hits). */
  readonly message?: CompiledTemplate | null;
  readonly actions?: readonly ActionSpec[];
  readonly extraTags?: readonly string[];
}

/**
 * Where first_seen keeps its sightings: one store per engine, shared by every
 * first_seen rule and kept across reloads (SQLite in `vigil run`, in memory
 * for replays and tests).
 */
export interface KeyMemory {
  /**
   * The memory of one rule. Asking again for the same rule id (a reload of
   * a changed rule) keeps the keys it holds and applies the new bound.
   */
  forRule(rule: string, bound: MemoryBound): RuleMemory;
}

/** How much one rule may remember. */
export interface MemoryBound {
  /** At most this many keys; beyond it the least recently seen keys are forgotten. */
  readonly maxKeys: number;
  /** A key not seen for more than this is new again (null: never). */
  readonly forgetAfterMs: number | null;
  /** Told how many keys were forgotten to stay within `maxKeys` (the rule's eviction counter). */
  readonly evicted: (n: number) => void;
}

/** One rule's sightings. */
export interface RuleMemory {
  /** True when the key was seen before and is not forgotten; records the sighting at ts. */
  seen(key: string, ts: number): boolean;
  /** Keys held for the rule. */
  size(): number;
}

/** Per-rule runtime: receives events that matched `on` and `when`, with the key already computed. */
/** A condition of a rule's own, beyond its `when` (pair's sides, a group's groups). */
export interface OwnCondition {
  readonly source: string;
  readonly fn: (scope: object) => unknown;
}

/** Most conditions a runtime may hand the dispatcher: their truths travel as the bits of one small integer. */
export const MAX_OWN_CONDITIONS = 30;

export interface RuleRuntime {
  /**
   * `key` is the tuple; `keyStr` its canonical string (for Map keys).
   * `tests` holds in bit i whether `conditions[i]` holds for this event;
   * it is given exactly when the runtime declares `conditions`.
   */
  onEvent(ev: VigilEvent, key: readonly unknown[], keyStr: string, tests?: number): void;
  /**
   * Conditions the type tests on each event it is given (at most
   * MAX_OWN_CONDITIONS). The dispatcher evaluates them in place, where a
   * macro or an equal condition other rules use is computed once per
   * event, and passes their truth as `tests`.
   */
  readonly conditions?: readonly OwnCondition[];
  /** Live keys (for metrics and bound checks). */
  size(): number;
  /** Release timers. */
  dispose(): void;
}

export interface CorrelationType<P = Record<string, unknown>> {
  readonly name: string;
  readonly description: string;
  /** Parameter names this type accepts (others are errors naming the nearest). */
  readonly params: readonly string[];
  validate(t: ParamTools): P | null;
  build(rule: Rule & { params: P }, env: RuntimeEnv): RuleRuntime;
}
