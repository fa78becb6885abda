/** Runs the real `vigil` command as a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'vigil.js');

/** A one-rule set for daemon tests: a hit per packet to port 22, its message naming the source port. */
export const SSH_RULE = `rules:
  - id: to-ssh
    description: A packet to port 22.
    on: [packet]
    when: dst.port == 22
    type: single
    severity: low
    message: "p {{src.port}}"
`;

export interface CliResult { code: number; stdout: string; stderr: string }

export function vigil(args: readonly string[], opts: { cwd?: string; input?: string | Buffer } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, input: opts.input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
