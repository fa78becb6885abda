/** `vigil config check`: validate a config file, its site plugins and every plugin's own keys, without running anything. */
import type { Command } from 'commander';

export function register(program: Command): void {
  const config = program.command('config').description('check a config file');
  config.command('check')
    .description('validate a config (keys, values, plugins and their settings, rules it names); exit 1 on any error')
    .argument('[file]', 'config file; default: the embedded default config')
    .action(async (file: string | undefined) => {
      const { checkConfig } = await import('../actions/config.ts');
      process.exitCode = await checkConfig(file);
    });
}
