/**
 * Runs the actions a hit asks for, off the engine's path: hits are queued
 * (bounded; overflow is counted and logged, never blocks the engine) and
 * delivered one at a time. Phase 1 has no durable outbox and no retry: a
 * failed delivery is logged with the plugin and counted. A delivery that
 * does not end within its time limit counts as failed and the queue moves
 * on: one hung plugin (a webhook that never answers) must not stop every
 * other action, nor vigil's shutdown.
 */
import type { Logger } from 'pino';
import type { ActionInstance, Hit, ActionRequest, Metrics } from '../plugin-api.ts';
import { BUILTIN_ACTIONS } from '../rules/builtin-actions.ts';


/** How long one delivery may take before it counts as failed. */
export const ACTION_RUN_TIMEOUT_MS = 30_000;

const TIMED_OUT = Symbol('timed out');

export class ActionRunner {
  private readonly queue: Array<{ hit: Hit; req: ActionRequest }> = [];
  private busy: Promise<void> | null = null;
  private readonly ran;
  private readonly failed;
  private readonly dropped;
  private readonly unknown;
  private readonly warnedUnknown = new Set<string>();

  constructor(
    private readonly actions: ReadonlyMap<string, ActionInstance>,
    private readonly logger: Logger,
    metrics: Metrics,
    private readonly maxQueue = 10_000,
    private readonly runTimeoutMs = ACTION_RUN_TIMEOUT_MS,
  ) {
    this.ran = metrics.counter('runs_total', 'Action requests delivered.');
    this.failed = metrics.counter('failures_total', 'Action requests whose plugin failed.');
    this.dropped = metrics.counter('dropped_total', 'Action requests dropped because the queue was full.');
    this.unknown = metrics.counter('unknown_total', 'Action requests naming no configured action plugin.');
  }

  /** Queue a hit's actions. Synchronous and cheap: usable as (part of) the engine's sink. */
  submit(hit: Hit): void {
    for (const req of hit.actions) {
      // The engine runs these itself (contexts); hits carry them as data only.
      if (BUILTIN_ACTIONS.has(req.plugin)) continue;
      if (!this.actions.has(req.plugin)) {
        this.unknown.inc();
        if (!this.warnedUnknown.has(req.plugin)) { this.warnedUnknown.add(req.plugin); this.logger.warn({ action: req.plugin, rule: hit.rule }, 'no action plugin of this name is configured; its requests are skipped'); }
        continue;
      }
      if (this.queue.length >= this.maxQueue) { this.dropped.inc(); continue; }
      this.queue.push({ hit, req });
    }
    if (this.queue.length && !this.busy) this.busy = this.work();
  }

  /**
   * Resolves when every queued request has been delivered (or failed), or
   * once `withinMs` have passed; returns how many requests were left
   * undelivered (0 when the queue emptied).
   */
  async drain(withinMs = Infinity): Promise<number> {
    const deadline = Date.now() + withinMs;
    while (this.busy) {
      const left = deadline - Date.now();
      if (left <= 0) return this.queue.length + 1;
      if (left === Infinity) { await this.busy; continue; }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.busy, new Promise<void>((r) => { timer = setTimeout(r, left); })]);
      clearTimeout(timer);
    }
    return 0;
  }

  private async work(): Promise<void> {
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        let timer: NodeJS.Timeout | undefined;
        try {
          const limit = new Promise<typeof TIMED_OUT>((r) => { timer = setTimeout(() => r(TIMED_OUT), this.runTimeoutMs); });
          const outcome = await Promise.race([this.actions.get(job.req.plugin)!.run(job.hit, job.req), limit]);
          if (outcome === TIMED_OUT) {
            this.failed.inc();
            this.logger.error({ action: job.req.plugin, rule: job.hit.rule }, `action did not finish within ${this.runTimeoutMs} ms; counted as failed, the next request goes on`);
          } else this.ran.inc();
        } catch (e) {
          this.failed.inc();
          this.logger.error({ action: job.req.plugin, rule: job.hit.rule, err: (e as Error).message }, 'action failed');
        } finally { clearTimeout(timer); }
      }
    } finally { this.busy = null; }
  }
}
