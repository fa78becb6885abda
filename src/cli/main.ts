/**
 * The `vigil` command. Each subcommand lives in its own file under
 * commands/; this file only wires them up and maps failures to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, CliExit } from './exit.ts';
import { registerFields } from './commands/fields.ts';
import { registerVersion, packageVersion } from './commands/version.ts';
import { register as registerReplay } from './commands/replay.ts';
import { register as registerRules } from './commands/rules.ts';
import { register as registerRun } from './commands/run.ts';
import { register as registerPlugins } from './commands/plugins.ts';
import { register as registerConfig } from './commands/config.ts';

const program = new Command('vigil')
  .description('Linux host network-security correlator: typed network events, YAML rules, actions')
  .version(packageVersion(), '-V, --version')
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)');

registerRun(program);
registerReplay(program);
registerRules(program);
registerConfig(program);
registerFields(program);
registerPlugins(program);
registerVersion(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // help and version end with code 0; everything else commander rejects is a usage error
    process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  } else if (e instanceof CliExit) {
    if (e.message) process.stderr.write(e.message.endsWith('\n') ? e.message : e.message + '\n');
    process.exitCode = e.code;
  } else {
    process.stderr.write(`vigil: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = EXIT.RUNTIME;
  }
}
