/**
 * A socket held by several processes (docs/plugins.md, procnet `attribute`):
 * the lowest pid holding it names it (a server's parent before the workers
 * it forked), except pid 1, which comes last: with socket activation
 * systemd keeps every listening socket it passed to a service, and the
 * answer is the service. Run on a directory laid out as /proc is, since no
 * test can make the real pid 1 hold a socket of its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessAttributor } from '../../src/core/procfs/processes.ts';

interface FakeProcess { pid: number; comm: string; exe: string; unit: string; sockets: number[] }

/** A /proc-like tree: per process its fd links, stat (start time = pid), status, cmdline, cgroup and exe link. */
function fakeProc(t: { after(fn: () => void): void }, procs: FakeProcess[]): string {
  const root = mkdtempSync(join(tmpdir(), 'vigil-fakeproc-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const p of procs) {
    const dir = join(root, String(p.pid));
    mkdirSync(join(dir, 'fd'), { recursive: true });
    p.sockets.forEach((inode, i) => symlinkSync(`socket:[${inode}]`, join(dir, 'fd', String(3 + i))));
    symlinkSync('/dev/null', join(dir, 'fd', '0'));
    writeFileSync(join(dir, 'stat'), `${p.pid} (${p.comm}) S ${Array.from({ length: 18 }, () => '0').join(' ')} ${1000 + p.pid} 0 0\n`);
    writeFileSync(join(dir, 'status'), `Name:\t${p.comm}\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n`);
    writeFileSync(join(dir, 'cmdline'), `${p.exe}\0--flag\0`);
    writeFileSync(join(dir, 'cgroup'), `0::/system.slice/${p.unit}\n`);
    symlinkSync(p.exe, join(dir, 'exe'));
  }
  mkdirSync(join(root, 'sys'));
  return root;
}

test('a listening socket systemd passed to a service is the service\'s; a parent comes before its workers; pid 1 alone keeps its own', (t) => {
  const root = fakeProc(t, [
    { pid: 1, comm: 'systemd', exe: '/usr/lib/systemd/systemd', unit: 'init.scope', sockets: [5001, 5002, 5003] },
    { pid: 740, comm: 'sshd', exe: '/usr/sbin/sshd', unit: 'ssh.service', sockets: [5001] },
    { pid: 900, comm: 'nginx', exe: '/usr/sbin/nginx', unit: 'nginx.service', sockets: [5002] },
    { pid: 901, comm: 'nginx', exe: '/usr/sbin/nginx', unit: 'nginx.service', sockets: [5002, 5004] },
  ]);
  const a = new ProcessAttributor(100, root);
  const got = a.resolve([5001, 5002, 5003, 5004, 5999]);
  const who = (inode: number) => { const p = got.get(inode); return p ? [p.pid, p.unit, p.cmdline] : null; };
  assert.deepEqual(who(5001), [740, 'ssh.service', '/usr/sbin/sshd --flag'], 'socket activation: the service, not systemd');
  assert.deepEqual(who(5002), [900, 'nginx.service', '/usr/sbin/nginx --flag'], 'shared by parent and worker: the parent');
  assert.deepEqual(who(5003), [1, 'init.scope', '/usr/lib/systemd/systemd --flag'], 'held by pid 1 alone: pid 1');
  assert.deepEqual(who(5004), [901, 'nginx.service', '/usr/sbin/nginx --flag'], 'a worker\'s own connection');
  assert.equal(who(5999), null, 'held by nobody: unattributed');
  assert.equal(a.scans, 1);
  // Cached: asking again reads no more of the tree.
  a.resolve([5001, 5002]);
  assert.equal(a.scans, 1);
});
