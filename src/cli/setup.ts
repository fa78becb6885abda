/**
 * What `run`, `replay` and `rules …` share: config loading, rule
 * directories and vars from flags, the plugin catalog, the logger, and
 * printing diagnostics. Failures end the command with a located message.
 */
import { parse as parseYamlValue } from 'yaml';
import { relative, isAbsolute } from 'node:path';
import pino, { type Logger } from 'pino';
import type { ZodType } from 'zod';
import type { Diagnostic } from '../core/rules/types.ts';
import { loadConfigFile, loadConfigText, formatLocated, type LoadedConfig } from '../core/config/load.ts';
import { STOCK_RULES_DIR, resolveFrom } from '../core/config/paths.ts';
import { PluginCatalog } from '../core/plugins/catalog.ts';
import { loadSitePlugins } from '../core/plugins/site-loader.ts';
import { STOCK_PLUGINS } from '../plugins/registry.ts';
import { formatDiagnostic, diagnosticToJson } from '../core/rules/diagnostics.ts';
import { EXIT, CliExit } from './exit.ts';

/** Options several commands accept. */
export interface CommonFlags {
  config?: string;
  rules?: string[];
  var?: string[];
}

export { collect } from './collect.ts';

/** Config from --config, else the embedded default (`run`) or plain defaults (`replay`, `rules`). */
export function loadConfigOrExit(path: string | undefined, fallback: 'embedded' | 'defaults'): LoadedConfig {
  const r = path !== undefined ? loadConfigFile(path)
    : fallback === 'embedded' ? loadConfigFile(null)
    : loadConfigText('', '<defaults>', process.cwd());
  if (!r.loaded) throw new CliExit(EXIT.FINDINGS, r.diagnostics.map(formatLocated).join('\n'));
  return r.loaded;
}

/** `--rules` wins; else the config's (stock packs first, then its dirs). */
export function ruleDirs(flags: CommonFlags, cfg: LoadedConfig): string[] {
  if (flags.rules?.length) return flags.rules;
  return [...(cfg.config.rules.stock ? [STOCK_RULES_DIR] : []), ...cfg.config.rules.dirs.map((d) => resolveFrom(cfg.baseDir, d))].map(shortPath);
}

/** Paths under the working directory are shown relative (`rules/portscan/…`), as a user would type them. */
export function shortPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
}

/** Config vars, then `--var name=value` (values read as YAML scalars: 30 is a number, true a boolean). */
export function varOverrides(flags: CommonFlags, cfg: LoadedConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...cfg.config.rules.vars };
  for (const v of flags.var ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new CliExit(EXIT.USAGE, `--var ${JSON.stringify(v)} must look like name=value (e.g. --var port_scan_threshold=30)`);
    out[v.slice(0, eq).replace(/^\$/, '')] = parseYamlValue(v.slice(eq + 1)) as unknown;
  }
  return out;
}

export function makeLogger(level: string): Logger {
  return pino({ level, base: { name: 'vigil' } }, pino.destination({ dest: 2, sync: true }));
}

/** Stock plugins plus the config's site plugins; broken site plugins are logged and left out. */
export async function buildCatalog(cfg: LoadedConfig, logger: Logger): Promise<PluginCatalog> {
  const catalog = new PluginCatalog();
  for (const p of STOCK_PLUGINS) catalog.add(p, 'stock');
  const { plugins, errors } = await loadSitePlugins({
    dirs: cfg.config.plugins.dirs.map((d) => resolveFrom(cfg.baseDir, d)),
    packages: cfg.config.plugins.packages,
    resolveFrom: cfg.baseDir,
  });
  // The codes match what `vigil config check` prints for the same problems.
  for (const e of errors) logger.error({ plugin: e.origin, code: 'VGL_PLUGIN_INVALID' }, `site plugin ${e.origin} ${e.message}; it is not loaded`);
  for (const p of plugins) {
    const clash = catalog.add(p.plugin, p.origin);
    if (clash) logger.error({ plugin: p.origin, code: 'VGL_PLUGIN_DUPLICATE_NAME' }, clash);
  }
  return catalog;
}

/** Per-rule params schemas of every known action, for the rule loader. */
export function actionSchemas(catalog: PluginCatalog): Map<string, { paramsSchema: ZodType }> {
  const m = new Map<string, { paramsSchema: ZodType }>();
  for (const e of catalog.entries()) if (e.plugin.kind === 'action') m.set(e.plugin.name, { paramsSchema: e.plugin.paramsSchema as ZodType });
  return m;
}

export function printDiagnostics(ds: readonly Diagnostic[], json: boolean, out: NodeJS.WritableStream = process.stderr): void {
  if (json) { for (const d of ds) out.write(JSON.stringify(diagnosticToJson(d)) + '\n'); return; }
  for (const d of ds) out.write(formatDiagnostic(d) + '\n');
}
