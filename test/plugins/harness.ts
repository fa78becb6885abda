/** Real services for plugin tests: an in-memory SQLite store, a metrics registry, a silent logger. */
import type Database from 'better-sqlite3';
import { openDatabase } from '../../src/core/store/database.ts';
import pino from 'pino';
import { EventClock } from '../../src/core/clock.ts';
import { emptyHostFacts, type HostFacts } from '../../src/core/host.ts';
import { MetricsRegistry } from '../../src/core/metrics/registry.ts';
import { KvStore } from '../../src/core/store/kv.ts';
import type { PluginServices } from '../../src/core/plugins/context.ts';

export function testServices(host: HostFacts = emptyHostFacts()): PluginServices & { metrics: MetricsRegistry; kv: KvStore; db: Database.Database } {
  const db = openDatabase(null);
  const kv = new KvStore(db);
  const metrics = new MetricsRegistry();
  return { logger: pino({ level: 'silent' }), clock: new EventClock(0), metrics, kv, db, store: (ns) => kv.namespace(ns), host: () => host };
}
