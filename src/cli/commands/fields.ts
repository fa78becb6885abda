import type { Command } from 'commander';
import { fieldsText, fieldsJson, fieldsMarkdown } from '../render/fields-table.ts';

export function registerFields(program: Command): void {
  program.command('fields')
    .description('list every event field rules may use')
    .option('--json', 'machine-readable JSON')
    .option('--markdown', 'the docs/fields.md page')
    .action((opts: { json?: boolean; markdown?: boolean }) => {
      process.stdout.write(opts.json ? fieldsJson() : opts.markdown ? fieldsMarkdown() : fieldsText());
    });
}
