/**
 * Process attribution without root (docs/plugins.md, procnet): vigil run as
 * an unprivileged user cannot read other users' /proc/<pid>/fd, so their
 * sockets stay unattributed, and its own are still named. The reader runs
 * as `nobody` through setpriv; it gets the attributor's code on its command
 * line (compiled here from src/), because a checkout need not be readable
 * by `nobody`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import ts from 'typescript';
import { parseNetTable } from '../../src/core/procfs/net-table.ts';

const NOBODY = 65534;
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
const skip = process.getuid?.() !== 0 ? 'needs root, to run a reader as another user (CI runs as root)'
  : !setpriv ? 'needs setpriv (util-linux) to run a reader as nobody'
  : !existsSync('/proc/net/tcp') ? 'needs /proc/net (Linux)' : false;

/** Inode of the listening TCP socket on 127.0.0.1:port. */
function listenerInode(port: number): number {
  const row = parseNetTable('tcp', readFileSync('/proc/net/tcp', 'utf8')).rows.find((r) => r.state === 'LISTEN' && r.localPort === port);
  assert.ok(row, `no LISTEN row for port ${port} in /proc/net/tcp`);
  return row.inode;
}

test('run as nobody, the attributor names its own socket and leaves root\'s unattributed without failing', { skip, timeout: 30_000 }, async (t) => {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const rootInode = listenerInode((server.address() as { port: number }).port);

  const source = readFileSync(new URL('../../src/core/procfs/processes.ts', import.meta.url), 'utf8');
  const attributor = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  // The reader opens a listener of its own, finds its inode, and asks for both.
  const reader = `${attributor}
import { createServer as listen } from 'node:net';
import { readFileSync as read } from 'node:fs';
const own = listen();
own.listen(0, '127.0.0.1', () => {
  const hexPort = own.address().port.toString(16).toUpperCase().padStart(4, '0');
  const line = read('/proc/net/tcp', 'utf8').split('\\n').find((l) => l.includes(':' + hexPort + ' ') && l.trim().split(/\\s+/)[3] === '0A');
  const ownInode = Number(line.trim().split(/\\s+/)[9]);
  const a = new ProcessAttributor();
  const got = a.resolve([${rootInode}, ownInode]);
  const o = got.get(ownInode);
  process.stdout.write(JSON.stringify({ uid: process.getuid(), pid: process.pid, root: got.has(${rootInode}), own: o ? { pid: o.pid, uid: o.uid, exe: o.exe } : null, scans: a.scans }));
  own.close();
});
`;
  const r = spawnSync(setpriv!, [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', process.execPath, '--input-type=module', '-e', reader],
    { encoding: 'utf8', timeout: 20_000, cwd: '/' });
  assert.equal(r.status, 0, `reader failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { uid: number; pid: number; root: boolean; own: { pid: number; uid: number; exe: string } | null; scans: number };
  assert.equal(out.uid, NOBODY, 'the reader ran as nobody');
  assert.equal(out.root, false, 'a root-owned socket stays unattributed');
  assert.deepEqual(out.own && { pid: out.own.pid, uid: out.own.uid }, { pid: out.pid, uid: NOBODY }, 'its own socket is named');
  assert.equal(out.own!.exe, process.execPath, 'its own executable is readable');
  assert.equal(out.scans, 1, 'one scan of /proc for both');
});
