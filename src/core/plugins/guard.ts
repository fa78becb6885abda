/**
 * One wrapper around every plugin hook: start/stop become idempotent and
 * every error names the plugin, the instance and the hook, so a log line
 * says which of several instances failed and where.
 */
import type { InputInstance, EnricherInstance, ActionInstance, Emit, Hit, ActionRequest, VigilEvent } from '../plugin-api.ts';

export class PluginError extends Error {
  constructor(readonly plugin: string, readonly instance: string, readonly hook: string, override readonly cause: unknown) {
    super(`${instance === plugin ? `plugin "${plugin}"` : `plugin "${plugin}" instance "${instance}"`} failed in ${hook}: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

function tagged<T>(plugin: string, instance: string, hook: string, f: () => Promise<T>): Promise<T> {
  let p: Promise<T>;
  try { p = f(); } catch (e) { return Promise.reject(new PluginError(plugin, instance, hook, e)); }
  return Promise.resolve(p).catch((e: unknown) => { throw e instanceof PluginError ? e : new PluginError(plugin, instance, hook, e); });
}

export function guardInput(plugin: string, instance: string, inner: InputInstance): InputInstance {
  let started: Promise<void> | null = null;
  let stopped: Promise<void> | null = null;
  const g: InputInstance = {
    start: (emit: Emit) => (started ??= tagged(plugin, instance, 'start', () => inner.start(emit))),
    stop: () => (stopped ??= tagged(plugin, instance, 'stop', () => inner.stop())),
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
    stop: () => (stopped ??= inner.stop ? tagged(plugin, instance, 'stop', () => inner.stop!()) : Promise.resolve()),
  };
}

export function guardAction(plugin: string, instance: string, inner: ActionInstance): ActionInstance {
  let stopped: Promise<void> | null = null;
  return {
    run: (hit: Hit, req: ActionRequest) => tagged(plugin, instance, 'run', () => inner.run(hit, req)),
    stop: () => (stopped ??= inner.stop ? tagged(plugin, instance, 'stop', () => inner.stop!()) : Promise.resolve()),
  };
}
