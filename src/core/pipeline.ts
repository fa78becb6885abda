/**
 * inputs → enrichers → engine. Shared by `vigil run` and `vigil replay`.
 * The engine's `feed` moves the one clock to the event's time before
 * evaluating it; in replay that is what drives every window, live a wall
 * ticker moves the clock as well (events carry wall time, and the clock
 * never goes backwards, so the two agree).
 */
import type { VigilEvent } from './event.generated.ts';
import type { EnricherInstance } from './plugin-api.ts';
import type { Instance } from './plugins/instantiate.ts';

/** Where enriched events go; the engine (`Engine.feed`) in practice. */
export interface EventConsumer { feed(ev: VigilEvent): void }

export interface PipelineOptions {
  readonly enrichers: readonly EnricherInstance[];
  readonly consumer: EventConsumer;
}

export interface InputFailure { readonly input: string; readonly error: Error }

export class Pipeline {
  /** Events that reached the consumer. */
  events = 0;
  private readonly running = new Set<Instance<'input'>>();
  private readonly enrichers: readonly EnricherInstance[];
  private readonly consumer: EventConsumer;

  constructor(opts: PipelineOptions) {
    this.enrichers = opts.enrichers;
    this.consumer = opts.consumer;
  }

  /** What inputs call for each event (synchronous: the engine never waits). */
  readonly emit = (ev: VigilEvent): void => {
    const en = this.enrichers;
    for (let i = 0; i < en.length; i++) en[i].enrich(ev);
    this.events++;
    this.consumer.feed(ev);
  };

  /**
   * Run inputs until each is exhausted (batch) or stopped (stream).
   * `sequential` runs them one after another in the order given (replay of
   * several files: deterministic order); otherwise all at once. A failing
   * input is reported and the others go on.
   */
  async run(inputs: readonly Instance<'input'>[], sequential: boolean): Promise<InputFailure[]> {
    const failures: InputFailure[] = [];
    const one = async (inp: Instance<'input'>): Promise<void> => {
      this.running.add(inp);
      try { await inp.instance.start(this.emit); } catch (e) {
        failures.push({ input: inp.name, error: e instanceof Error ? e : new Error(String(e)) });
      } finally {
        this.running.delete(inp);
        await inp.instance.stop().catch((e: unknown) => failures.push({ input: inp.name, error: e as Error }));
      }
    };
    if (sequential) for (const inp of inputs) await one(inp);
    else await Promise.all(inputs.map(one));
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

  /** Stop every running input (idempotent); `run` then resolves. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.running].map((i) => i.instance.stop()));
  }
}
