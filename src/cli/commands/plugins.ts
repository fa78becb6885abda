/** `vigil plugins`: the plugins this vigil knows (stock and the config's site plugins). */
import type { Command } from 'commander';

export function register(program: Command): void {
  program.command('plugins')
    .description('list the input, enricher and action plugins (stock, and site plugins from --config)')
    .option('--config <file>', 'config file naming site plugin directories and packages')
    .option('--json', 'one JSON object per plugin')
    .action(async (flags: { config?: string; json?: boolean }) => {
      const { loadConfigOrExit, makeLogger, buildCatalog } = await import('../setup.ts');
      const cfg = loadConfigOrExit(flags.config, 'defaults');
      const catalog = await buildCatalog(cfg, makeLogger('warn'));
      const rows = catalog.entries()
        .map((e) => ({ kind: e.plugin.kind, name: e.plugin.name, origin: e.origin, description: e.plugin.description }))
        .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
      if (flags.json) { process.stdout.write(rows.map((r) => JSON.stringify(r)).join('\n') + '\n'); return; }
      const w = Math.max(...rows.map((r) => r.name.length));
      for (const r of rows) process.stdout.write(`${r.kind.padEnd(8)}  ${r.name.padEnd(w)}  ${r.origin === 'stock' ? '' : `[${r.origin}] `}${r.description}\n`);
    });
}
