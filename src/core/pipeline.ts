/**
 * inputs → enrichers → engine. Shared by `vigil run` and `vigil replay`.
 * The engine's `feed` moves the one clock to the event's time before
 * evaluating it; in replay that is what drives every window, live a wall
 * ticker moves the clock as well (events carry wall time, and the clock
 * never goes backwards, so the two agree).
 */
import type { Logger } from 'pino';
import type { VigilEvent } from './event.generated.ts';
import type { EnricherInstance, Emit } from './plugin-api.ts';
import type { Instance } from './plugins/instantiate.ts';
import { PluginError, PLUGIN_STOP_TIMEOUT_MS } from './plugins/guard.ts';

/** Where enriched events go; the engine (`Engine.feed`) in practice. */
export interface EventConsumer { feed(ev: VigilEvent): void }

export interface PipelineOptions {
  readonly enrichers: readonly EnricherInstance[];
  readonly consumer: EventConsumer;
  /** Where input failures (as they happen) and refused events (rate-limited) are logged; none: only counted. */
  readonly logger?: Logger;
}

/** One log line per input at most this often for refused events; the rest are only counted. */
export const REFUSED_LOG_INTERVAL_MS = 60_000;

export interface InputFailure { readonly input: string; readonly error: Error }

export class Pipeline {
  /** Events that reached the consumer. */
  events = 0;
  /** Emitted values dropped for not being an event (null, a non-object, no string `kind` or numeric `ts`). */
  refused = 0;
  /** Inputs that failed (start threw or rejected, stop failed or timed out). */
  inputFailures = 0;
  private readonly running = new Set<Instance<'input'>>();
  /** Set by stop(): an input not yet started (the next of a sequential run, a signal before run) is not started at all. */
  private stopped = false;
  private readonly enrichers: readonly EnricherInstance[];
  private readonly consumer: EventConsumer;
  private readonly logger: Logger | null;
  private giveUpTimer: NodeJS.Timeout | null = null;
  private giveUp: () => void = () => {};
  /** Resolves PLUGIN_STOP_TIMEOUT_MS after `stop()`: `run` stops waiting for inputs whose start has not ended by then. */
  private readonly gaveUp: Promise<false>;

  constructor(opts: PipelineOptions) {
    this.enrichers = opts.enrichers;
    this.consumer = opts.consumer;
    this.logger = opts.logger ?? null;
    this.gaveUp = new Promise((r) => { this.giveUp = () => r(false); });
  }

  /**
   * What one input calls for each event (synchronous: the engine never
   * waits). A site input can emit anything; the engine trusts `kind` and
   * `ts`, so those are checked here, with typeof only, to keep the hot path
   * cheap. A `ts` out of range is the engine's to count.
   */
  private emitFor(inp: Instance<'input'>): Emit {
    let unlogged = 0;
    let loggedAt = -Infinity;
    const refuse = (ev: unknown): void => {
      this.refused++;
      unlogged++;
      const now = Date.now();
      if (!this.logger || now - loggedAt < REFUSED_LOG_INTERVAL_MS) return;
      const what = ev === null ? 'null' : typeof ev !== 'object' ? `a ${typeof ev}`
        : typeof (ev as { kind?: unknown }).kind !== 'string' ? 'an object without a string kind' : 'an object without a numeric ts';
      this.logger.error({ plugin: inp.plugin.name, instance: inp.name, refused: unlogged },
        `input "${inp.name}" (plugin ${inp.plugin.name}) emitted ${what} instead of an event; dropped, logged at most once a minute (fix the plugin to emit objects with a kind and a ts)`);
      loggedAt = now;
      unlogged = 0;
    };
    return (ev: VigilEvent): void => {
      if (typeof ev !== 'object' || ev === null || typeof ev.kind !== 'string' || typeof ev.ts !== 'number') { refuse(ev); return; }
      const en = this.enrichers;
      for (let i = 0; i < en.length; i++) en[i].enrich(ev);
      this.events++;
      this.consumer.feed(ev);
    };
  }

  /**
   * Run inputs until each is exhausted (batch) or stopped (stream).
   * `sequential` runs them one after another in the order given (replay of
   * several files: deterministic order); otherwise all at once. A failing
   * input is logged when it fails, returned at the end, and the others go on.
   */
  async run(inputs: readonly Instance<'input'>[], sequential: boolean): Promise<InputFailure[]> {
    const failures: InputFailure[] = [];
    const fail = (inp: Instance<'input'>, e: unknown): void => {
      const error = e instanceof Error ? e : new Error(String(e));
      failures.push({ input: inp.name, error });
      this.inputFailures++;
      this.logger?.error({ plugin: inp.plugin.name, instance: inp.name }, error.message);
    };
    const one = async (inp: Instance<'input'>): Promise<void> => {
      if (this.stopped) return;
      this.running.add(inp);
      let ended = true;
      try {
        ended = await Promise.race([inp.instance.start(this.emitFor(inp)).then(() => true), this.gaveUp]);
      } catch (e) {
        fail(inp, e);
      } finally {
        this.running.delete(inp);
        let stopFailed = false;
        await inp.instance.stop().catch((e: unknown) => { stopFailed = true; fail(inp, e); });
        // A stop that timed out is already reported; this is the input whose stop resolved but whose start never ended.
        if (!ended && !stopFailed) fail(inp, new PluginError(inp.plugin.name, inp.name, 'start', new Error(`did not end within ${PLUGIN_STOP_TIMEOUT_MS / 1000} s of stop(); shutdown went on without it (start() must settle once stop() is called)`)));
      }
    };
    try {
      if (sequential) for (const inp of inputs) await one(inp);
      else await Promise.all(inputs.map(one));
    } finally {
      if (this.giveUpTimer) clearTimeout(this.giveUpTimer);
    }
    return failures;
  }

  /** Progress summed over the running batch inputs. */
  progress(): { done: number; total: number } {
    let done = 0, total = 0;
    for (const inp of this.running) {
      const p = inp.instance.progress?.();
      if (p) { done += p.done; total += p.total; }
    }
    return { done, total };
  }

  /** Stop every running input and start no other (idempotent); `run` then resolves, within PLUGIN_STOP_TIMEOUT_MS even if an input never stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.giveUpTimer && this.running.size) this.giveUpTimer = setTimeout(this.giveUp, PLUGIN_STOP_TIMEOUT_MS);
    await Promise.allSettled([...this.running].map((i) => i.instance.stop()));
  }
}
