/** Builds the context a plugin instance receives: its own logger, metrics, store and the shared clock and host facts. */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { HostFacts } from '../host.ts';
import type { PluginContext, Store } from '../plugin-api.ts';
import type { MetricsRegistry } from '../metrics/registry.ts';

/** Shared services; `host` is read at each access so a refresh of live host facts reaches every plugin. */
export interface PluginServices {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: MetricsRegistry;
  /** Opens the store namespace of one instance. */
  store(ns: string): Store;
  host(): HostFacts;
}

export function pluginContext(svc: PluginServices, plugin: string, instance: string): PluginContext {
  const logger = svc.logger.child({ plugin, instance });
  // Metrics of an instance named like its plugin read `vigil_procnet_*`; a second instance gets its own prefix.
  const metrics = svc.metrics.namespace(instance === plugin ? plugin : `${plugin}_${instance}`);
  const store = svc.store(`${plugin}/${instance}`);
  return {
    name: instance,
    logger,
    clock: svc.clock,
    metrics,
    store,
    get host() { return svc.host(); },
  };
}
