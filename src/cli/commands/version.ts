import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../core/config/paths.ts';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function registerVersion(program: Command): void {
  program.command('version')
    .description('print the vigil version')
    .action(() => { process.stdout.write(`vigil ${packageVersion()} (node ${process.version})\n`); });
}
