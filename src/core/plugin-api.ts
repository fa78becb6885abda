/**
 * The plugin API: inputs, enrichers and actions share one shape.
 *
 * A plugin module default-exports a definition made with `defineInput`,
 * `defineEnricher` or `defineAction`. Stock plugins are listed in
 * src/plugins/registry.ts; site plugins load from a directory or an npm
 * package and go through the same validation.
 *
 * Lifecycle: the config is validated with `schema` (zod) at load; `canRun`
 * answers privilege/platform questions before `create`; `start`/`stop` are
 * idempotent and `stop` releases every timer and socket.
 */
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import type { HostFacts } from './host.ts';
import type { VigilEvent } from './event.generated.ts';
import type { Hit, ActionRequest } from './hit.ts';

export type { VigilEvent, Hit, ActionRequest };

/** Counters and gauges a plugin exports; names are prefixed with `vigil_<plugin>_`. */
export interface Metrics {
  counter(name: string, help: string): { inc(n?: number): void; value(): number };
  gauge(name: string, help: string): { set(v: number): void; value(): number };
}

/** A small persistent key/value namespace (SQLite) private to one plugin instance. */
export interface Store {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  keys(prefix?: string): string[];
  /** Keys held. A store holds at most STORE_MAX_KEYS keys and STORE_MAX_BYTES of keys and JSON values (src/core/store/kv.ts; docs/plugins.md gives the numbers): past either, `set` of a new key or a larger value throws a RangeError. */
  size(): number;
}

export interface PluginContext {
  /** Instance name from the config (defaults to the plugin name). */
  readonly name: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly store: Store;
  readonly host: HostFacts;
}

/** What `canRun` is told about the process. */
export interface RunEnv {
  readonly isRoot: boolean;
  readonly platform: NodeJS.Platform;
}

interface Common<C> {
  /** Lower-kebab-case name used in config (`inputs: [{ use: pcapfile, … }]`). */
  readonly name: string;
  readonly description: string;
  /** Config schema; every field should carry `.describe()` for the docs. */
  readonly schema: z.ZodType<C>;
  /** A valid example config, shown in docs and checked by the compliance test. */
  readonly example: C;
  /** Return null when the plugin can run here, else the reason it cannot (and what to do). */
  canRun?(env: RunEnv): string | null;
}

/** Receives events from an input. Events may be reused after the call returns: copy what you keep. */
export type Emit = (ev: VigilEvent) => void;

export interface InputInstance {
  /** Begin producing events. For batch inputs, resolves when the input is exhausted. */
  start(emit: Emit): Promise<void>;
  stop(): Promise<void>;
  /** Batch inputs report how far they are (bytes or records). */
  progress?(): { done: number; total: number };
}

export interface InputPlugin<C = unknown> extends Common<C> {
  readonly kind: 'input';
  /** Event kinds this input emits. */
  readonly emits: readonly ('packet' | 'flow' | 'socket')[];
  create(ctx: PluginContext, config: C): InputInstance;
}

export interface EnricherInstance {
  /** Synchronous, on the hot path: add fields to the event in place. */
  enrich(ev: VigilEvent): void;
  stop?(): Promise<void>;
}

export interface EnricherPlugin<C = unknown> extends Common<C> {
  readonly kind: 'enricher';
  create(ctx: PluginContext, config: C): EnricherInstance;
}

export interface ActionInstance {
  /** Deliver one hit's action request. Rejecting (or not settling within 30 s) makes the delivery count as failed and logged; the durable outbox of phase 2 will retry it with backoff. */
  run(hit: Hit, req: ActionRequest): Promise<void>;
  stop?(): Promise<void>;
}

export interface ActionPlugin<C = unknown> extends Common<C> {
  readonly kind: 'action';
  /** Schema of the per-rule params (`actions: - name: {params}`), checked at rule load. */
  readonly paramsSchema: z.ZodType<unknown>;
  create(ctx: PluginContext, config: C): ActionInstance;
}

export type AnyPlugin = InputPlugin<any> | EnricherPlugin<any> | ActionPlugin<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const defineInput = <C>(p: Omit<InputPlugin<C>, 'kind'>): InputPlugin<C> => ({ kind: 'input', ...p });
export const defineEnricher = <C>(p: Omit<EnricherPlugin<C>, 'kind'>): EnricherPlugin<C> => ({ kind: 'enricher', ...p });
export const defineAction = <C>(p: Omit<ActionPlugin<C>, 'kind'>): ActionPlugin<C> => ({ kind: 'action', ...p });
