/** The work of `vigil config check`. */
import { loadConfigFile, formatLocated } from '../../core/config/load.ts';
import { loadSitePlugins } from '../../core/plugins/site-loader.ts';
import { PluginCatalog } from '../../core/plugins/catalog.ts';
import { instantiate, currentRunEnv, requestFromRef } from '../../core/plugins/instantiate.ts';
import { resolveFrom } from '../../core/config/paths.ts';
import { loadRuleset } from '../../core/rules/load.ts';
import { hasErrors } from '../../core/rules/diagnostics.ts';
import { EventClock } from '../../core/clock.ts';
import { MetricsRegistry } from '../../core/metrics/registry.ts';
import { emptyHostFacts } from '../../core/host.ts';
import { STOCK_PLUGINS } from '../../plugins/registry.ts';
import type { Store } from '../../core/plugin-api.ts';
import { EXIT } from '../exit.ts';
import { makeLogger, ruleDirs, varOverrides, actionSchemas, printDiagnostics } from '../setup.ts';

const NO_STORE: Store = { get: () => undefined, set: () => {}, delete: () => {}, keys: () => [], size: () => 0 };

export async function checkConfig(file: string | undefined): Promise<number> {
  const r = loadConfigFile(file ?? null);
  if (!r.loaded) { process.stdout.write(r.diagnostics.map(formatLocated).join('\n') + '\n'); return EXIT.FINDINGS; }
  const cfg = r.loaded;
  const lines: string[] = [];
  const catalog = new PluginCatalog();
  for (const p of STOCK_PLUGINS) catalog.add(p, 'stock');
  const site = await loadSitePlugins({
    dirs: cfg.config.plugins.dirs.map((d) => resolveFrom(cfg.baseDir, d)), packages: cfg.config.plugins.packages, resolveFrom: cfg.baseDir,
  });
  for (const e of site.errors) lines.push(`${e.origin} site plugin ${e.message} [VGL_PLUGIN_INVALID]`);
  for (const p of site.plugins) { const clash = catalog.add(p.plugin, p.origin); if (clash) lines.push(`${p.origin} ${clash} [VGL_PLUGIN_DUPLICATE_NAME]`); }
  const services = { logger: makeLogger('silent'), clock: new EventClock(0), metrics: new MetricsRegistry(), store: () => NO_STORE, host: () => emptyHostFacts() };
  const env = { catalog, services, run: currentRunEnv(), source: cfg.source, validateOnly: true };
  const ds = [
    ...instantiate('input', cfg.config.inputs.map((x, i) => requestFromRef(x, ['inputs', i])), env).diagnostics,
    ...instantiate('enricher', cfg.config.enrichers.map((x, i) => requestFromRef(x, ['enrichers', i])), env).diagnostics,
    ...instantiate('action', Object.entries(cfg.config.actions).map(([use, c]) => requestFromRef({ use, ...c }, ['actions', use])), env).diagnostics,
  ];
  lines.push(...ds.map(formatLocated));
  if (lines.length) process.stdout.write(lines.join('\n') + '\n');
  const rules = loadRuleset(ruleDirs({}, cfg), { actions: actionSchemas(catalog), varOverrides: varOverrides({}, cfg), varOverridesSource: cfg.source.file });
  printDiagnostics(rules.diagnostics, false, process.stdout);
  const ok = !lines.length && rules.ruleset !== null && !hasErrors(rules.diagnostics);
  process.stdout.write(ok ? `ok: ${cfg.source.file}: ${cfg.config.inputs.length} inputs, ${cfg.config.enrichers.length} enrichers, ${rules.ruleset!.rules.length} rules\n` : 'the config has errors; vigil run would refuse it or leave parts out\n');
  return ok ? EXIT.OK : EXIT.FINDINGS;
}
