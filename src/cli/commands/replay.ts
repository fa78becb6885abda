/** `vigil replay`: options here; the work (and its heavy imports) in ../actions/replay.ts, loaded on use. */
import type { Command } from 'commander';
import { collect } from '../collect.ts';
import type { ReplayFlags } from '../actions/replay.ts';

export function register(program: Command): void {
  program.command('replay')
    .description('run capture files (pcap, pcapng) or JSON-lines events through the rules on event time')
    .argument('<files...>', 'pcap, pcapng or .jsonl files ("-" reads JSON lines from stdin), replayed in the order given')
    .option('--format <fmt>', 'output: json (one hit object per line) or text', 'text')
    .option('--events', 'print the decoded events instead of running rules')
    .option('--rules <dir>', 'rules directory (repeatable); default: the stock packs, or the config\'s rules', collect)
    .option('--config <file>', 'config file (rules, vars, host facts, site plugins)')
    .option('--host <addr>', 'an address of the protected host (repeatable)', collect)
    .option('--gateway <addr>', 'a default gateway of the host (repeatable)', collect)
    .option('--listen <port>', 'a listening port, PORT or PORT/udp (repeatable)', collect)
    .option('--allow <cidr>', 'an allow-listed address or CIDR (repeatable)', collect)
    .option('--var <name=value>', 'set a rule variable (repeatable)', collect)
    .option('--actions', 'run the actions hits ask for (default: print them as data only)')
    .option('--stdin-format <fmt>', 'what "-" (standard input) holds: jsonl or pcap (pcap or pcapng)', 'jsonl')
    .option('--no-progress', 'no progress bar even on a terminal')
    .action(async (files: string[], flags: ReplayFlags) => {
      const { replay } = await import('../actions/replay.ts');
      process.exitCode = await replay(files, flags);
    });
}
