/**
 * One wrapper around every plugin hook: start/stop become idempotent and
 * every error names the plugin, the instance and the hook, so a log line
 * says which of several instances failed and where. `stop` is also bounded
 * in time: one plugin that never finishes stopping must not keep vigil from
 * closing the engine and the database.
 */
import type { InputInstance, EnricherInstance, ActionInstance, Emit, Hit, ActionRequest, VigilEvent } from '../plugin-api.ts';

export class PluginError extends Error {
  constructor(readonly plugin: string, readonly instance: string, readonly hook: string, override readonly cause: unknown) {
    super(`${instance === plugin ? `plugin "${plugin}"` : `plugin "${plugin}" instance "${instance}"`} failed in ${hook}: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/** How long a plugin's `stop()` may take before it is reported and the shutdown goes on without it. */
export const PLUGIN_STOP_TIMEOUT_MS = 2_000;

function tagged<T>(plugin: string, instance: string, hook: string, f: () => Promise<T>): Promise<T> {
  let p: Promise<T>;
  try { p = f(); } catch (e) { return Promise.reject(new PluginError(plugin, instance, hook, e)); }
  return Promise.resolve(p).catch((e: unknown) => { throw e instanceof PluginError ? e : new PluginError(plugin, instance, hook, e); });
}

/** `stop` tagged like every hook, and rejected with a PluginError once PLUGIN_STOP_TIMEOUT_MS have passed. */
function boundedStop(plugin: string, instance: string, f: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  // Not unref'd: a stop promise nothing else keeps alive must still settle, or Node exits mid-shutdown (code 13).
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PluginError(plugin, instance, 'stop',
      new Error(`did not finish within ${PLUGIN_STOP_TIMEOUT_MS / 1000} s; shutdown went on without it (its stop() must release its timers and sockets and resolve)`))), PLUGIN_STOP_TIMEOUT_MS);
  });
  return Promise.race([tagged(plugin, instance, 'stop', f), late]).finally(() => clearTimeout(timer));
}

export function guardInput(plugin: string, instance: string, inner: InputInstance): InputInstance {
  let started: Promise<void> | null = null;
  let stopped: Promise<void> | null = null;
  const g: InputInstance = {
    start: (emit: Emit) => (started ??= tagged(plugin, instance, 'start', () => inner.start(emit))),
    stop: () => (stopped ??= boundedStop(plugin, instance, () => inner.stop())),
  };
  if (inner.progress) g.progress = () => inner.progress!();
  return g;
}

/** Enricher errors are counted by the caller; an enricher that throws leaves the event as it was and the pipeline goes on. */
export function guardEnricher(plugin: string, instance: string, inner: EnricherInstance, onError: (e: PluginError) => void): EnricherInstance {
  let stopped: Promise<void> | null = null;
  return {
    enrich: (ev: VigilEvent) => {
      try { inner.enrich(ev); } catch (e) { onError(new PluginError(plugin, instance, 'enrich', e)); }
    },
    stop: () => (stopped ??= inner.stop ? boundedStop(plugin, instance, () => inner.stop!()) : Promise.resolve()),
  };
}

export function guardAction(plugin: string, instance: string, inner: ActionInstance): ActionInstance {
  let stopped: Promise<void> | null = null;
  return {
    run: (hit: Hit, req: ActionRequest) => tagged(plugin, instance, 'run', () => inner.run(hit, req)),
    stop: () => (stopped ??= inner.stop ? boundedStop(plugin, instance, () => inner.stop!()) : Promise.resolve()),
  };
}
