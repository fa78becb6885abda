/**
 * Hot reload: watch the rule directories (and the config file) with
 * chokidar, and reload on SIGHUP. A change builds the whole ruleset off to
 * the side; on any error every diagnostic is logged as one located line, a
 * failure counter goes up and the old ruleset keeps running. On success the
 * engine swaps it in between two events (push is synchronous, so a swap can
 * never split an event) and rules with an unchanged hash keep their state.
 *
 * A watch holds on to the directory it found at start, so a rule directory
 * that is removed and made again, renamed over, or a symlink switched to a
 * new release would go unseen. Each rule directory's parent is therefore
 * watched too, for that one name: when the entry is replaced, the chokidar
 * watch is made afresh on whatever the path now is, then the rules reload.
 * The config file's parent is watched the same way for the config's name.
 *
 * Many editors save by truncating the file and then writing it. Reloading
 * in between would run the ruleset without that file's rules, and their
 * state would be lost though the definitions come back unchanged. So a
 * change-triggered reload waits while a rule file is empty, at most
 * EMPTY_FILE_HOLD_MS; a file still empty then is taken as meant. SIGHUP
 * reloads at once: the operator asked for what is on disk.
 */
import { statSync, watch as watchEntries, type FSWatcher as EntryWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import type { Diagnostic, Ruleset } from '../rules/types.ts';
import { formatDiagnostic } from '../rules/diagnostics.ts';
import { listRuleFiles } from '../rules/files.ts';
import type { Engine } from './engine.ts';

/** How long a change-triggered reload waits for an empty rule file to be written. */
export const EMPTY_FILE_HOLD_MS = 2_000;

/** Rule files of 0 bytes: a save caught between truncating and writing, most likely. */
function emptyRuleFiles(dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of listRuleFiles(dirs).files) {
    try { if (statSync(f).size === 0) out.push(f); } catch { /* gone meanwhile: the loader reports it */ }
  }
  return out;
}

export interface LoadResult { readonly ruleset: Ruleset | null; readonly diagnostics: readonly Diagnostic[] }

export type ReloadReason = 'change' | 'sighup' | 'manual';

export interface ReloadOutcome {
  readonly ok: boolean;
  readonly reason: ReloadReason;
  readonly diagnostics: readonly Diagnostic[];
  /** Time to build the ruleset, ms. */
  readonly buildMs: number;
  /** Time the engine spent swapping (events wait at most this long), ms. */
  readonly swapMs: number;
  readonly kept: number;
  readonly fresh: number;
  readonly removed: number;
}

export interface WatchRulesOptions {
  readonly dirs: readonly string[];
  readonly configPath?: string;
  /** Build the new ruleset (the rule loader with the engine's helpers). */
  readonly load: () => LoadResult;
  readonly engine: Engine;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly onResult?: (r: ReloadOutcome) => void;
  /** Quiet time after the last file event before reloading, default 100 ms. */
  readonly debounceMs?: number;
  /** Listen for SIGHUP (default true). */
  readonly sighup?: boolean;
}

export interface RulesWatcher {
  /** Resolves once the initial scan of the watched paths is done. */
  readonly ready: Promise<void>;
  /** Reload now (what a file change or SIGHUP does). */
  reload(reason?: ReloadReason): ReloadOutcome;
  /** The SIGHUP handler, exposed so it can be invoked directly. */
  readonly onSighup: () => void;
  stats(): { reloads: number; failures: number; lastError: string | null };
  close(): Promise<void>;
}

export function watchRules(opts: WatchRulesOptions): RulesWatcher {
  const { engine, logger } = opts;
  const debounceMs = opts.debounceMs ?? 100;
  let reloads = 0, failures = 0;
  let lastError: string | null = null;
  let timer: NodeJS.Timeout | null = null;

  // Files already empty at the last load (a placeholder `touch site.yaml`) are no save in progress: they hold nothing up.
  let knownEmpty = new Set(emptyRuleFiles(opts.dirs));

  const reload = (reason: ReloadReason = 'manual'): ReloadOutcome => {
    knownEmpty = new Set(emptyRuleFiles(opts.dirs));
    const t0 = performance.now();
    let result: LoadResult;
    try { result = opts.load(); } catch (e) {
      result = { ruleset: null, diagnostics: [{ code: 'VGL_FILE_READ', severity: 'error', loc: { file: opts.dirs.join(','), line: 1, col: 1 }, message: `rule loading failed: ${(e as Error).message}` }] };
    }
    const t1 = performance.now();
    for (const d of result.diagnostics) {
      const line = formatDiagnostic(d).split('\n')[0];
      if (d.severity === 'error') logger.error({ code: d.code, reason }, line); else logger.warn({ code: d.code, reason }, line);
    }
    let outcome: ReloadOutcome;
    if (!result.ruleset) {
      failures++;
      lastError = result.diagnostics.find((d) => d.severity === 'error')?.message ?? 'ruleset refused';
      logger.error({ reason, errors: result.diagnostics.filter((d) => d.severity === 'error').length }, 'rules reload failed; the previous rules keep running');
      outcome = { ok: false, reason, diagnostics: result.diagnostics, buildMs: t1 - t0, swapMs: 0, kept: 0, fresh: 0, removed: 0 };
    } else {
      try {
        const s0 = performance.now();
        const r = engine.load(result.ruleset);
        const swapMs = performance.now() - s0;
        reloads++;
        logger.info({ reason, ...r, rules: result.ruleset.rules.length, buildMs: Math.round(t1 - t0), swapMs: Math.round(swapMs * 100) / 100 }, 'rules reloaded');
        outcome = { ok: true, reason, diagnostics: result.diagnostics, buildMs: t1 - t0, swapMs, ...r };
      } catch (e) {
        failures++;
        lastError = (e as Error).message;
        logger.error({ reason }, `rules reload failed: ${lastError}; the previous rules keep running`);
        outcome = { ok: false, reason, diagnostics: result.diagnostics, buildMs: t1 - t0, swapMs: 0, kept: 0, fresh: 0, removed: 0 };
      }
    }
    opts.onResult?.(outcome);
    return outcome;
  };

  let closed = false;
  let rearmNeeded = false;
  // Re-arming is async (the new watch must be ready before the rules are read); queue so two never overlap.
  let queue: Promise<void> = Promise.resolve();

  let heldSince: number | null = null;
  const fire = (): void => {
    timer = null;
    const empty = closed ? [] : emptyRuleFiles(opts.dirs).filter((f) => !knownEmpty.has(f));
    if (empty.length) {
      const now = Date.now();
      if (heldSince === null) {
        heldSince = now;
        logger.info({ files: empty }, `${empty.join(', ')} is empty; waiting up to ${EMPTY_FILE_HOLD_MS / 1000} s for it to be written before reloading the rules`);
      }
      // Polled, not only event-driven: a file that stays empty must still be reloaded once the hold ends.
      if (now - heldSince < EMPTY_FILE_HOLD_MS) { timer = setTimeout(fire, debounceMs); return; }
    }
    heldSince = null;
    queue = queue.then(async () => {
      if (closed) return;
      if (rearmNeeded) {
        rearmNeeded = false;
        // A rejected step would stop every later reload in the queue; reload anyway, the loader reads the path afresh.
        try { await rearm(); } catch (e) { logger.warn({ err: (e as Error).message }, 'rules watcher could not be renewed'); }
      }
      // Read only once the new watch is ready: a file written before is in this load, one written after is an event.
      if (!closed) reload('change');
    });
  };
  const schedule = (replaced = false): void => {
    if (replaced) rearmNeeded = true;
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  };

  const paths = [...opts.dirs, ...(opts.configPath ? [opts.configPath] : [])];
  const arm = (): { watcher: FSWatcher; ready: Promise<void> } => {
    const w: FSWatcher = watch(paths, { ignoreInitial: true, persistent: true });
    w.on('all', (event, path) => { if (event === 'unlinkDir' || isRelevant(path, opts.configPath)) schedule(); });
    w.on('error', (e) => logger.warn({ err: (e as Error).message }, 'rules watcher error'));
    return { watcher: w, ready: new Promise<void>((resolve) => w.once('ready', () => resolve())) };
  };
  const first = arm();
  let watcher = first.watcher;
  const ready = first.ready;
  const rearm = async (): Promise<void> => {
    // The new watch starts before the old one stops, so no change falls in between.
    const old = watcher;
    const next = arm();
    watcher = next.watcher;
    await old.close();
    // close() drops the listeners, so a watch closed meanwhile would never be ready.
    if (!closed) await next.ready;
  };

  // Parent directory -> the entry names in it that are rule directories.
  const entries = new Map<string, Set<string>>();
  // The config file too: once it is deleted, chokidar's watch on it ends, and the file written anew would go unseen.
  for (const dir of [...opts.dirs, ...(opts.configPath ? [opts.configPath] : [])]) {
    const name = basename(dir);
    if (!name) continue;
    const parent = dirname(dir);
    const names = entries.get(parent) ?? new Set<string>();
    names.add(name);
    entries.set(parent, names);
  }
  const entryWatchers: EntryWatcher[] = [];
  for (const [parent, names] of entries) {
    try {
      const w = watchEntries(parent, { persistent: false }, (event, name) => {
        // 'rename' is the entry appearing, going or being renamed over; 'change' (its times) is not a replacement.
        // Unrelated names in the parent are ignored; inotify always gives the name.
        if (event === 'rename' && name !== null && names.has(name)) schedule(true);
      });
      w.on('error', (e) => logger.warn({ err: e.message, path: parent }, 'rules directory parent watcher error; a replaced rules directory is seen only after SIGHUP'));
      entryWatchers.push(w);
    } catch (e) {
      logger.warn({ err: (e as Error).message, path: parent }, 'cannot watch the parent of a rules directory; a replaced rules directory is seen only after SIGHUP');
    }
  }

  const onSighup = (): void => { reload('sighup'); };
  if (opts.sighup !== false) process.on('SIGHUP', onSighup);

  return {
    ready,
    reload,
    onSighup,
    stats: () => ({ reloads, failures, lastError }),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      process.off('SIGHUP', onSighup);
      for (const w of entryWatchers) w.close();
      await watcher.close();
    },
  };
}

/** Rule files and the config file matter; editor droppings do not. */
function isRelevant(path: string, configPath?: string): boolean {
  if (configPath && path === configPath) return true;
  return /\.ya?ml$/.test(path);
}
