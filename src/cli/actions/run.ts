/**
 * `vigil run`: live mode. Inputs from the config (the embedded default
 * watches the socket table), the stock and site rules, hits printed and
 * handed to actions, first_seen memory and plugin stores in
 * `<data_dir>/vigil.db`, optional /metrics. The clock follows the wall
 * clock; SIGINT/SIGTERM stop inputs, flush the database and exit 0 (during
 * start-up too: then no input is started). SIGHUP reloads the rules; one
 * during start-up is applied once the watcher runs, one while stopping is
 * ignored (never the default action, which would kill vigil). One `run` per
 * data_dir: a second is refused (LOCK_FILE). Each
 * plugin's stop is bounded in time (PLUGIN_STOP_TIMEOUT_MS): one that hangs
 * is logged and left behind; a second signal exits at once.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EventClock, startWallTicker } from '../../core/clock.ts';
import { Engine, LIVE_MAX_AHEAD_MS } from '../../core/engine/engine.ts';
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
import { buildHostFacts, policyGatewaysAsync } from '../../core/host-live.ts';
import { parseDuration } from '../../core/config/duration.ts';
import { resolveFrom } from '../../core/config/paths.ts';
import { formatLocated, loadConfigFile, type LoadedConfig } from '../../core/config/load.ts';
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

/**
 * Beside vigil.db: a second `vigil run` on the same data_dir would double
 * every first_seen write and action, so the first holds an exclusive SQLite
 * lock on this file for as long as it runs. The OS drops the lock when the
 * process ends, however it ends, so there is no stale lock to clean up.
 */
const LOCK_FILE = 'vigil.lock';

function lockDataDir(dataDir: string): { close(): void } {
  const file = join(dataDir, LOCK_FILE);
  try { mkdirSync(dataDir, { recursive: true }); } catch (e) {
    throw new CliExit(EXIT.RUNTIME, `data_dir ${dataDir}: cannot be created (${(e as Error).message}); check the path and its permissions`);
  }
  let lock: Database.Database | null = null;
  try {
    lock = new Database(file, { timeout: 0 });
    lock.pragma('locking_mode = EXCLUSIVE');
    // A real write: in exclusive locking mode that is what takes the lock for good. The pid tells a later reader who held it.
    lock.exec(`BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder; INSERT INTO holder VALUES (${process.pid}); COMMIT`);
    return lock;
  } catch (e) {
    try { lock?.close(); } catch { /* the lock error is the one reported */ }
    const code = String((e as { code?: unknown }).code);
    if (/^SQLITE_(BUSY|LOCKED)/.test(code)) throw new CliExit(EXIT.RUNTIME, `data_dir ${dataDir} is in use by another vigil run (it holds ${file}); stop that one or give this one another data_dir`);
    throw new CliExit(EXIT.RUNTIME, `data_dir ${dataDir}: cannot lock ${file} (${(e as Error).message}); check the directory and its permissions`);
  }
}

/** Config keys `run` reads at start only; a change to them needs a restart (rules.vars are reloaded). */
function restartOnlyChanges(before: LoadedConfig['config'], after: LoadedConfig['config']): string[] {
  const changed: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof LoadedConfig['config']>;
  for (const k of [...keys].sort()) {
    if (k === 'rules') {
      const { vars: _a, ...r0 } = before.rules;
      const { vars: _b, ...r1 } = after.rules;
      for (const rk of new Set([...Object.keys(r0), ...Object.keys(r1)])) {
        if (JSON.stringify((r0 as Record<string, unknown>)[rk]) !== JSON.stringify((r1 as Record<string, unknown>)[rk])) changed.push(`rules.${rk}`);
      }
    } else if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) changed.push(k);
  }
  return changed;
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

  // Listening from the first moment: before, a SIGTERM during start-up killed vigil outright (no flush, exit by signal).
  let stopping = false;
  let closed = false;
  let pipeline: Pipeline | null = null;
  const stop = (signal: string): void => {
    if (closed) process.exit();
    if (stopping) {
      // The operator's way out of a shutdown that takes too long (a slow action queue, say); SQLite's WAL keeps vigil.db consistent.
      logger.warn({ signal }, `${signal} while stopping; exiting at once (queued actions and first_seen sightings not yet written are lost)`);
      process.exit(EXIT.RUNTIME);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    void pipeline?.stop();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // SIGHUP's default action ends the process; the rules watcher listens only while it runs, so starting and stopping need their own listener.
  let watching = false;
  let watcherClosed = false;
  let hupWhileStarting = false;
  process.on('SIGHUP', () => {
    if (watching) return;
    if (stopping || watcherClosed) { logger.warn({ signal: 'SIGHUP' }, 'SIGHUP while stopping; ignored'); return; }
    // `systemctl reload` right after start: the rules may have changed since they were read, so the reload is owed.
    hupWhileStarting = true;
    logger.info({ signal: 'SIGHUP' }, 'SIGHUP while starting; the rules are reloaded once vigil runs');
  });

  // The lock first: a second vigil must not even open (and upgrade) the database the first one runs on.
  const lock = lockDataDir(dataDir);
  let db;
  try { db = openDatabase(dataDir); } catch (e) {
    lock.close();
    const code = String((e as { code?: unknown }).code);
    // A file that is there but damaged needs another fix than a directory vigil cannot write.
    if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) throw databaseFailure(dbFile, e)!;
    // Its message names the file, both versions and what to do.
    if (code === 'VIGIL_SCHEMA_NEWER') throw new CliExit(EXIT.RUNTIME, (e as Error).message);
    throw new CliExit(EXIT.RUNTIME, `data_dir ${dataDir}: cannot open ${DB_FILE} (${(e as Error).message}); check the directory and its permissions`);
  }
  let kv: KvStore;
  try {
    kv = new KvStore(db, {
      onWriteError: (err, pending) => logger.error({ db: dbFile, err: err.message, code: (err as { code?: string }).code, pending },
        `${dbFile}: plugin store writes failed; ${pending} kept for a retry`),
    });
  } catch (e) {
    db.close();
    lock.close();
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
    lock.close();
  };
  const memoryLog = logger.child({ component: 'first_seen' });
  let memory: SqliteKeyMemory | null = null;
  let engine: Engine;
  try {
    memory = new SqliteKeyMemory(dbFile, {
      onWriteError: (err, { pending, dropped, closing }) => memoryLog.error({ db: dbFile, err: err.message, code: (err as { code?: string }).code, pending, dropped },
        closing ? `${dbFile}: the last first_seen sightings could not be written; ${pending} are lost` : `${dbFile}: first_seen sightings could not be written; kept for a retry`),
    });
    engine = new Engine({ clock, sink, host, memory, logger: logger.child({ component: 'engine' }), live: { now: Date.now, maxAheadMs: LIVE_MAX_AHEAD_MS } });
  } catch (e) {
    closeAll(memory, kv, db);
    throw databaseFailure(dbFile, e) ?? e;
  }
  const mem = memory;
  const dirs = ruleDirs(flags, cfg);
  const knownActions = actionSchemas(catalog);
  const loaded = loadRuleset(dirs, { runtime: engine.helpers, actions: knownActions, varOverrides: varOverrides(flags, cfg), varOverridesSource: '--var' });
  if (loaded.diagnostics.length) printDiagnostics(loaded.diagnostics, false);
  if (!loaded.ruleset || hasErrors(loaded.diagnostics)) { engine.close(); kv.close(); db.close(); lock.close(); stopTicker(); return EXIT.FINDINGS; }
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
    engine.close(); kv.close(); db.close(); lock.close(); stopTicker();
    return EXIT.FINDINGS;
  }
  for (const d of problems) logger.error({ code: d.code }, formatLocated(d));
  if (!inputs.instances.length) {
    engine.close(); kv.close(); db.close(); lock.close(); stopTicker();
    throw new CliExit(EXIT.RUNTIME, 'no input could start; see the errors above (the config needs at least one working `inputs:` entry)');
  }
  runner = new ActionRunner(new Map(actions.instances.map((a) => [a.plugin.name, a.instance])), logger.child({ component: 'actions' }), metrics.namespace('actions'));
  registerEngineMetrics(metrics, engine);
  metrics.computed('vigil_first_seen_write_failures_total', 'first_seen batch writes that failed (kept for a retry).', 'counter', () => mem.writeFailures);
  metrics.computed('vigil_first_seen_dropped_total', 'first_seen sightings dropped because too many waited to be written.', 'counter', () => mem.droppedSightings);
  metrics.computed('vigil_first_seen_pending', 'first_seen sightings waiting to be written.', 'gauge', () => mem.pending());

  // Hot reload: rule files and the config's vars. A broken change is logged and the old rules keep running.
  let lastPending = JSON.stringify({ ...cfg.config, rules: { ...cfg.config.rules, vars: null } });
  const reloadRules = () => {
    let current = cfg;
    if (flags.config !== undefined) {
      const again = loadConfigFile(flags.config);
      if (!again.loaded) return { ruleset: null, diagnostics: again.diagnostics };
      current = again.loaded;
      // Said once per edit of the config, not again at each rule save while the restart is pending.
      const pending = restartOnlyChanges(cfg.config, current.config);
      const key = JSON.stringify({ ...current.config, rules: { ...current.config.rules, vars: null } });
      if (key !== lastPending) {
        lastPending = key;
        if (pending.length) logger.warn({ config: flags.config, changed: pending }, `${flags.config} changed ${pending.join(', ')}: read at start only, so the running vigil keeps the old settings until a restart (rules.vars and the rules are reloaded now)`);
        else logger.info({ config: flags.config }, `${flags.config} matches the running settings again; no restart needed`);
      }
    }
    return loadRuleset(dirs, { runtime: engine.helpers, actions: knownActions, varOverrides: varOverrides(flags, current), varOverridesSource: '--var' });
  };
  const watcher = watchRules({ dirs, configPath: flags.config, load: reloadRules, engine, logger: logger.child({ component: 'reload' }) });
  watching = true;
  await watcher.ready;
  if (hupWhileStarting && !stopping) watcher.reload('sighup');
  metrics.computed('vigil_rules_reload_failures_total', 'Rule reloads refused (the previous rules kept running).', 'counter', () => watcher.stats().failures);

  let server: MetricsServer | null = null;
  if (c.metrics.listen) {
    try { server = await serveMetrics(metrics, c.metrics.listen); } catch (e) {
      logger.error({ listen: c.metrics.listen, err: (e as Error).message }, 'metrics endpoint could not start; running without it');
    }
  }
  const refreshMs = parseDuration(hostOver.refresh)!;
  // The routing tables are read by a child process (ip): awaited, not waited for, so events keep flowing meanwhile.
  const refreshHost = async (): Promise<void> => {
    const tables = hostOver.live ? await policyGatewaysAsync() : [];
    host = buildHostFacts(hostOver, hostOver.live, tables);
    engine.helpers.host = host;
  };
  const refresher = setInterval(() => {
    refreshHost().catch((e: unknown) => logger.error({ err: (e as Error).message }, 'host facts could not be re-read; the previous ones stay'));
  }, refreshMs);
  refresher.unref();

  pipeline = new Pipeline({ enrichers: enrichers.instances.map((e) => e.instance), consumer: engine, logger: logger.child({ component: 'inputs' }) });
  const pipe = pipeline;
  metrics.computed('vigil_pipeline_events_total', 'Events from all inputs, after the enrichers.', 'counter', () => pipe.events);
  metrics.computed('vigil_pipeline_refused_events_total', 'Values inputs emitted that were not events (null, no string kind or numeric ts); dropped.', 'counter', () => pipe.refused);
  metrics.computed('vigil_pipeline_input_failures_total', 'Input failures: start threw or rejected, stop failed or did not finish in time.', 'counter', () => pipe.inputFailures);
  // A signal during start-up: nothing is started, and the way out is the ordinary shutdown below.
  if (!stopping) logger.info({
    inputs: inputs.instances.map((i) => i.name), rules: loaded.ruleset.rules.length, data: dbFile,
    metrics: server ? `http://${c.metrics.listen!.replace(/:\d+$/, '')}:${server.port}/metrics` : null,
  }, 'vigil running');

  const inputsRan = !stopping;
  const failures = inputsRan ? await pipe.run(inputs.instances, false) : [];
  if (failures.length) logger.error({ failures: failures.map((f) => ({ input: f.input, err: f.error.message })) }, `inputs that failed during this run: ${[...new Set(failures.map((f) => f.input))].join(', ')} (each was logged when it failed)`);
  clearInterval(refresher);
  await watcher.close();
  watcherClosed = true;
  watching = false;
  stopTicker();
  const undelivered = await runner.drain(SHUTDOWN_DRAIN_MS);
  if (undelivered) logger.error({ undelivered }, `${undelivered} action requests were not delivered within ${SHUTDOWN_DRAIN_MS / 1000} s of stopping; shutdown went on without them`);
  // In parallel: each stop is bounded by the guard, so several hanging plugins cost one time limit, not one each.
  const stopAll = (list: ReadonlyArray<{ plugin: { name: string }; name: string; instance: { stop?(): Promise<void> } }>) =>
    Promise.all(list.map((p) => p.instance.stop?.().catch((e: unknown) => logger.error({ plugin: p.plugin.name, instance: p.name }, (e as Error).message))));
  // Inputs that never started were still created, and may hold what create() opened.
  await stopAll([...actions.instances, ...enrichers.instances, ...(inputsRan ? [] : inputs.instances)]);
  await server?.close();
  engine.close();
  kv.close();
  db.close();
  lock.close();
  closed = true;
  setTimeout(() => {
    logger.warn('shutdown done, but a timer or socket (of a plugin that did not stop cleanly) still keeps the process alive; exiting');
    process.exit();
  }, EXIT_AFTER_SHUTDOWN_MS).unref();
  return failures.length && !stopping ? EXIT.RUNTIME : EXIT.OK;
}
