/**
 * Hot reload: watch the rule directories (and the config file) with
 * chokidar, and reload on SIGHUP. A change builds the whole ruleset off to
 * the side; on any error every diagnostic is logged as one located line, a
 * failure counter goes up and the old ruleset keeps running. On success the
 * engine swaps it in between two events (push is synchronous, so a swap can
 * never split an event) and rules with an unchanged hash keep their state.
 */
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import type { Diagnostic, Ruleset } from '../rules/types.ts';
import { formatDiagnostic } from '../rules/diagnostics.ts';
import type { Engine } from './engine.ts';

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

  const reload = (reason: ReloadReason = 'manual'): ReloadOutcome => {
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

  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => { timer = null; reload('change'); }, debounceMs);
  };

  const paths = [...opts.dirs, ...(opts.configPath ? [opts.configPath] : [])];
  const watcher: FSWatcher = watch(paths, { ignoreInitial: true, persistent: true });
  watcher.on('all', (event, path) => { if (event === 'unlinkDir' || isRelevant(path, opts.configPath)) schedule(); });
  watcher.on('error', (e) => logger.warn({ err: (e as Error).message }, 'rules watcher error'));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  const onSighup = (): void => { reload('sighup'); };
  if (opts.sighup !== false) process.on('SIGHUP', onSighup);

  return {
    ready,
    reload,
    onSighup,
    stats: () => ({ reloads, failures, lastError }),
    async close() {
      if (timer) clearTimeout(timer);
      timer = null;
      process.off('SIGHUP', onSighup);
      await watcher.close();
    },
  };
}

/** Rule files and the config file matter; editor droppings do not. */
function isRelevant(path: string, configPath?: string): boolean {
  if (configPath && path === configPath) return true;
  return /\.ya?ml$/.test(path);
}
