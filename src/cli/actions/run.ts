/**
 * `vigil run`: live mode. Inputs from the config (the embedded default
 * watches the socket table), the stock and site rules, hits printed and
 * handed to actions, first_seen memory and plugin stores in
 * `<data_dir>/vigil.db`, optional /metrics. The clock follows the wall
 * clock; SIGINT/SIGTERM stop inputs, flush the database and exit 0. Each
 * plugin's stop is bounded in time (PLUGIN_STOP_TIMEOUT_MS): one that hangs
 * is logged and left behind; a second signal exits at once.
 */
import { join } from 'node:path';
import { EventClock, startWallTicker } from '../../core/clock.ts';
import { Engine } from '../../core/engine/engine.ts';
import { SqliteKeyMemory } from '../../core/engine/memory-sqlite.ts';
import { watchRules } from '../../core/engine/reload.ts';
import { loadRuleset } from '../../core/rules/load.ts';
import { hasErrors } from '../../core/rules/diagnostics.ts';
import { hitToJson, type Hit } from '../../core/hit.ts';
import { Pipeline } from '../../core/pipeline.ts';
import { MetricsRegistry } from '../../core/metrics/registry.ts';
import { serveMetrics, type MetricsServer } from '../../core/metrics/server.ts';
import { registerEngineMetrics } from '../../core/metrics/engine-metrics.ts';
import { KvStore } from '../../core/store/kv.ts';
import { openDatabase, DB_FILE } from '../../core/store/database.ts';
import { buildHostFacts } from '../../core/host-live.ts';
import { parseDuration } from '../../core/config/duration.ts';
import { resolveFrom } from '../../core/config/paths.ts';
import { formatLocated, loadConfigFile } from '../../core/config/load.ts';
import { instantiate, currentRunEnv, requestFromRef, type InstanceRequest } from '../../core/plugins/instantiate.ts';
import type { PluginServices } from '../../core/plugins/context.ts';
import type { Diagnostic } from '../../core/rules/types.ts';
import { ActionRunner } from '../../core/plugins/action-runner.ts';
import { hitText } from '../../core/plugins/hit-text.ts';
import { EXIT, CliExit } from '../exit.ts';
import { loadConfigOrExit, ruleDirs, varOverrides, makeLogger, buildCatalog, actionSchemas, printDiagnostics, type CommonFlags } from '../setup.ts';

/**
 * A database error at start (opening the tables, reading the stored keys) as
 * one sentence naming the file and what to do, or null for any other error.
 * A damaged vigil.db is not repaired in place: moved aside, vigil starts with
 * an empty memory, and SQLite's own recovery may save what it held.
 */
function databaseFailure(file: string, e: unknown): CliExit | null {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  const why = `${(e as Error).message}, ${code}`;
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new CliExit(EXIT.RUNTIME, `${file} is damaged (${why}); move it aside (vigil then starts with an empty memory) and try \`sqlite3 ${file} .recover | sqlite3 recovered.db\` to save what it held`);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new CliExit(EXIT.RUNTIME, `${file} is locked by another process (${why}); stop it (another vigil with the same data_dir?) and start again`);
  }
  if (code.startsWith('SQLITE_FULL')) return new CliExit(EXIT.RUNTIME, `${file} cannot be written (${why}); free some disk space and start again`);
  return new CliExit(EXIT.RUNTIME, `${file}: ${why}; check the file, its directory and their permissions`);
}

/** Config mistakes that stop `run`; a plugin that cannot run or throws in create is logged and left out. */
const FATAL = new Set(['VGL_CONFIG_INVALID', 'VGL_CONFIG_UNKNOWN_KEY', 'VGL_PLUGIN_UNKNOWN', 'VGL_PLUGIN_DUPLICATE_NAME']);

/**
 * How long the process may outlive a finished shutdown: a plugin that was
 * left behind (its stop timed out) or leaked a timer or socket would
 * otherwise keep vigil alive after the database is closed.
 */
const EXIT_AFTER_SHUTDOWN_MS = 1_000;
/** How long queued actions are delivered after stopping; what is left then is logged, not waited for. */
const SHUTDOWN_DRAIN_MS = 10_000;


export async function run(flags: CommonFlags): Promise<number> {
  const cfg = loadConfigOrExit(flags.config, 'embedded');
  const c = cfg.config;
  const logger = makeLogger(c.log.level);
  const dataDir = resolveFrom(cfg.baseDir, c.data_dir);
  const dbFile = join(dataDir, DB_FILE);
  let db;
  try { db = openDatabase(dataDir); } catch (e) {
    // A file that is there but damaged needs another fix than a directory vigil cannot write.
    if (/^SQLITE_(CORRUPT|NOTADB)/.test(String((e as { code?: unknown }).code))) throw databaseFailure(dbFile, e)!;
    throw new CliExit(EXIT.RUNTIME, `data_dir ${dataDir}: cannot open ${DB_FILE} (${(e as Error).message}); check the directory and its permissions`);
  }
  let kv: KvStore;
  try { kv = new KvStore(db); } catch (e) {
    db.close();
    throw databaseFailure(dbFile, e) ?? e;
  }
  const metrics = new MetricsRegistry();
  const hostOver = c.host;
  let host = buildHostFacts(hostOver, hostOver.live);
  const clock = new EventClock(Date.now());
  const stopTicker = startWallTicker(clock);
  const services: PluginServices = { logger, clock, metrics, store: (ns) => kv.namespace(ns), host: () => host };
  const catalog = await buildCatalog(cfg, logger);

  let runner: ActionRunner | null = null;
  let print = c.hits.print;
  // A reader that went away (`vigil run | head`) stops the printing, not vigil.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    print = 'none';
    logger.warn('stdout was closed; hits are no longer printed');
  });
  const sink = (hit: Hit): void => {
    if (print !== 'none') process.stdout.write((print === 'json' ? JSON.stringify(hitToJson(hit)) : hitText(hit)) + '\n');
    runner?.submit(hit);
  };
  // Closes what is open so far, quietly: it runs on the way out of a failure that is already being reported.
  const closeAll = (...parts: Array<{ close(): void } | null>): void => {
    for (const p of parts) { try { p?.close(); } catch { /* the first error is the one reported */ } }
    stopTicker();
  };
  const memoryLog = logger.child({ component: 'first_seen' });
  let memory: SqliteKeyMemory | null = null;
  let engine: Engine;
  try {
    memory = new SqliteKeyMemory(dbFile, {
      onWriteError: (err, { pending, dropped, closing }) => memoryLog.error({ db: dbFile, err: err.message, code: (err as { code?: string }).code, pending, dropped },
        closing ? `${dbFile}: the last first_seen sightings could not be written; ${pending} are lost` : `${dbFile}: first_seen sightings could not be written; kept for a retry`),
    });
    engine = new Engine({ clock, sink, host, memory, logger: logger.child({ component: 'engine' }) });
  } catch (e) {
    closeAll(memory, kv, db);
    throw databaseFailure(dbFile, e) ?? e;
  }
  const mem = memory;
  const dirs = ruleDirs(flags, cfg);
  const knownActions = actionSchemas(catalog);
  const loaded = loadRuleset(dirs, { runtime: engine.helpers, actions: knownActions, varOverrides: varOverrides(flags, cfg), varOverridesSource: '--var' });
  if (loaded.diagnostics.length) printDiagnostics(loaded.diagnostics, false);
  if (!loaded.ruleset || hasErrors(loaded.diagnostics)) { engine.close(); kv.close(); db.close(); stopTicker(); return EXIT.FINDINGS; }
  // Loading reads each first_seen rule's stored keys: the first place a damaged database shows.
  try { engine.load(loaded.ruleset); } catch (e) {
    const failure = databaseFailure(dbFile, e);
    if (!failure) throw e;
    closeAll(engine, kv, db);
    throw failure;
  }

  const env = { catalog, services, run: currentRunEnv(), source: cfg.source, onEnricherError: (e: Error) => logger.error({ err: e.message }, 'enricher failed') };
  // Every known action runs: those named under `actions:` with their config, the rest with their defaults when those are valid.
  const actionReqs: InstanceRequest[] = Object.entries(c.actions).map(([use, conf]) => requestFromRef({ use, ...conf }, ['actions', use]));
  for (const name of catalog.names('action')) {
    if (c.actions[name] || !catalog.get('action', name)!.plugin.schema.safeParse({}).success) continue;
    actionReqs.push({ use: name, config: {}, at: null });
  }
  const actions = instantiate('action', actionReqs, env);
  const enrichers = instantiate('enricher', c.enrichers.map((r, i) => requestFromRef(r, ['enrichers', i])), env);
  const inputs = instantiate('input', c.inputs.map((r, i) => requestFromRef(r, ['inputs', i])), env);
  const problems: Diagnostic[] = [...actions.diagnostics, ...enrichers.diagnostics, ...inputs.diagnostics];
  if (problems.some((d) => FATAL.has(d.code))) {
    process.stderr.write(problems.map(formatLocated).join('\n') + '\n');
    engine.close(); kv.close(); db.close(); stopTicker();
    return EXIT.FINDINGS;
  }
  for (const d of problems) logger.error({ code: d.code }, formatLocated(d));
  if (!inputs.instances.length) {
    engine.close(); kv.close(); db.close(); stopTicker();
    throw new CliExit(EXIT.RUNTIME, 'no input could start; see the errors above (the config needs at least one working `inputs:` entry)');
  }
  runner = new ActionRunner(new Map(actions.instances.map((a) => [a.plugin.name, a.instance])), logger.child({ component: 'actions' }), metrics.namespace('actions'));
  registerEngineMetrics(metrics, engine);
  metrics.computed('vigil_first_seen_write_failures_total', 'first_seen batch writes that failed (kept for a retry).', 'counter', () => mem.writeFailures);
  metrics.computed('vigil_first_seen_dropped_total', 'first_seen sightings dropped because too many waited to be written.', 'counter', () => mem.droppedSightings);
  metrics.computed('vigil_first_seen_pending', 'first_seen sightings waiting to be written.', 'gauge', () => mem.pending());

  // Hot reload: rule files and the config's vars. A broken change is logged and the old rules keep running.
  const reloadRules = () => {
    let current = cfg;
    if (flags.config !== undefined) {
      const again = loadConfigFile(flags.config);
      if (!again.loaded) return { ruleset: null, diagnostics: again.diagnostics };
      current = again.loaded;
    }
    return loadRuleset(dirs, { runtime: engine.helpers, actions: knownActions, varOverrides: varOverrides(flags, current), varOverridesSource: '--var' });
  };
  const watcher = watchRules({ dirs, configPath: flags.config, load: reloadRules, engine, logger: logger.child({ component: 'reload' }) });
  await watcher.ready;
  metrics.computed('vigil_rules_reload_failures_total', 'Rule reloads refused (the previous rules kept running).', 'counter', () => watcher.stats().failures);

  let server: MetricsServer | null = null;
  if (c.metrics.listen) {
    try { server = await serveMetrics(metrics, c.metrics.listen); } catch (e) {
      logger.error({ listen: c.metrics.listen, err: (e as Error).message }, 'metrics endpoint could not start; running without it');
    }
  }
  const refreshMs = parseDuration(hostOver.refresh)!;
  const refresher = setInterval(() => { host = buildHostFacts(hostOver, hostOver.live); engine.helpers.host = host; }, refreshMs);
  refresher.unref();

  const pipeline = new Pipeline({ enrichers: enrichers.instances.map((e) => e.instance), consumer: engine, logger: logger.child({ component: 'inputs' }) });
  metrics.computed('vigil_pipeline_events_total', 'Events from all inputs, after the enrichers.', 'counter', () => pipeline.events);
  metrics.computed('vigil_pipeline_refused_events_total', 'Values inputs emitted that were not events (null, no string kind or numeric ts); dropped.', 'counter', () => pipeline.refused);
  metrics.computed('vigil_pipeline_input_failures_total', 'Input failures: start threw or rejected, stop failed or did not finish in time.', 'counter', () => pipeline.inputFailures);
  let stopping = false;
  let closed = false;
  const stop = (signal: string): void => {
    if (closed) process.exit();
    if (stopping) {
      // The operator's way out of a shutdown that takes too long (a slow action queue, say); SQLite's WAL keeps vigil.db consistent.
      logger.warn({ signal }, `${signal} while stopping; exiting at once (queued actions and first_seen sightings not yet written are lost)`);
      process.exit(EXIT.RUNTIME);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    void pipeline.stop();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  logger.info({
    inputs: inputs.instances.map((i) => i.name), rules: loaded.ruleset.rules.length, data: dbFile,
    metrics: server ? `http://${c.metrics.listen!.replace(/:\d+$/, '')}:${server.port}/metrics` : null,
  }, 'vigil running');

  const failures = await pipeline.run(inputs.instances, false);
  if (failures.length) logger.error({ failures: failures.map((f) => ({ input: f.input, err: f.error.message })) }, `inputs that failed during this run: ${[...new Set(failures.map((f) => f.input))].join(', ')} (each was logged when it failed)`);
  clearInterval(refresher);
  await watcher.close();
  stopTicker();
  const undelivered = await runner.drain(SHUTDOWN_DRAIN_MS);
  if (undelivered) logger.error({ undelivered }, `${undelivered} action requests were not delivered within ${SHUTDOWN_DRAIN_MS / 1000} s of stopping; shutdown went on without them`);
  // In parallel: each stop is bounded by the guard, so several hanging plugins cost one time limit, not one each.
  const stopAll = (list: ReadonlyArray<{ plugin: { name: string }; name: string; instance: { stop?(): Promise<void> } }>) =>
    Promise.all(list.map((p) => p.instance.stop?.().catch((e: unknown) => logger.error({ plugin: p.plugin.name, instance: p.name }, (e as Error).message))));
  await stopAll([...actions.instances, ...enrichers.instances]);
  await server?.close();
  engine.close();
  kv.close();
  db.close();
  closed = true;
  setTimeout(() => {
    logger.warn('shutdown done, but a timer or socket (of a plugin that did not stop cleanly) still keeps the process alive; exiting');
    process.exit();
  }, EXIT_AFTER_SHUTDOWN_MS).unref();
  return failures.length && !stopping ? EXIT.RUNTIME : EXIT.OK;
}
