/**
 * `vigil replay` inputs that are not regular files, and option values out of
 * range. docs/cli.md: exit 2 for "a bad option value", exit 3 for "an input
 * file that cannot be read", errors on stderr naming what is wrong. Before these tests,
 * sniffFormat (src/cli/actions/replay.ts) reads the first 64 KB with a
 * positioned readSync: a directory ends in a raw EISDIR stack trace, and a
 * FIFO (`replay <(zcat x.jsonl.gz)`, a named pipe) in an ESPIPE stack trace
 * instead of being read. `--listen` is checked by LISTEN_RE only, so port 0
 * or 65536 passes, and so does the string form in a config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../cli/run-cli.ts';
import { sniffFormat, replay, type ReplayFlags } from '../../src/cli/actions/replay.ts';
import { CliExit, EXIT } from '../../src/cli/exit.ts';
import { loadConfigText } from '../../src/core/config/load.ts';

test('replay of a directory is an unreadable input (exit 3) named with the path, not a stack trace', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-r2-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.throws(() => sniffFormat(dir), (e: unknown) => {
    // Before the fix: a plain Error "EISDIR: illegal operation on a directory, read", printed by main.ts with its stack.
    assert.ok(e instanceof CliExit, `a CliExit, got ${(e as Error).constructor.name}: ${(e as Error).message}`);
    assert.equal(e.code, EXIT.RUNTIME);
    assert.ok(e.message.includes(dir), e.message);
    return true;
  });
});

test('replay takes a "modified pcap" (Kuznetsov magic) file for a capture, as its reader does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-r2-cli-'));
  try {
    const file = join(dir, 'modified.pcap');
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2cd34, 0); header.writeUInt16LE(2, 4); header.writeUInt16LE(4, 6);
    header.writeUInt32LE(65535, 16); header.writeUInt32LE(1, 20);
    writeFileSync(file, header);
    assert.equal(sniffFormat(file), 'pcapfile');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('replay reads JSON lines from a named pipe', { skip: process.platform !== 'linux' && 'needs mkfifo', timeout: 30_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-r2-cli-'));
  const fifo = join(dir, 'events.jsonl');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const line = JSON.stringify({ ts: 1_767_225_600_000, kind: 'packet', proto: 'tcp', src: { ip: '10.77.0.9', port: 40000 }, dst: { ip: '10.77.0.2', port: 22 } });
  // The writer blocks until vigil opens the pipe; it is killed (by pid) if still there at the end.
  const writer = spawn('sh', ['-c', `printf '%s\\n' '${line}' > "$1"`, 'sh', fifo], { stdio: 'ignore' });
  t.after(() => { if (writer.exitCode === null && writer.signalCode === null) writer.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'vigil.js'), 'replay', fifo, '--events', '--format', 'json'], { cwd: ROOT, encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
  // Before the fix: exit 3, "vigil: Error: ESPIPE: invalid seek, read" and a stack trace.
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.trim()).src.ip, '10.77.0.9');
});

test('a gzip-compressed named pipe is read like a file: a bad line is named by pipe:line and skipped, the rest replayed', { skip: process.platform !== 'linux' && 'needs mkfifo', timeout: 30_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-r2-cli-'));
  const fifo = join(dir, 'events.jsonl');
  const plain = join(dir, 'plain.jsonl');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const ev = (ip: string) => JSON.stringify({ ts: 1_767_225_600_000, kind: 'packet', proto: 'tcp', src: { ip, port: 40000 }, dst: { ip: '10.77.0.2', port: 22 } });
  writeFileSync(plain, `${ev('10.77.0.9')}\n{"ts": 1, "kind": "packet", "nosuch": 1}\n${ev('10.77.0.10')}\n`);
  const writer = spawn('sh', ['-c', 'gzip -c "$1" > "$2"', 'sh', plain, fifo], { stdio: 'ignore' });
  t.after(() => { if (writer.exitCode === null && writer.signalCode === null) writer.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'vigil.js'), 'replay', fifo, '--events', '--format', 'json'], { cwd: ROOT, encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l).src.ip), ['10.77.0.9', '10.77.0.10']);
  assert.ok(r.stderr.includes(`${fifo}:2`), r.stderr);
  assert.match(r.stderr, /nosuch/);
});

test('a capture in a named pipe, plain or gzip (as <(zcat x.pcap.gz) gives), replays to the same hits as the file', { skip: process.platform !== 'linux' && 'needs mkfifo', timeout: 60_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-r2-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const capture = join(ROOT, 'test', 'fixtures', 'captures', 'syn-scan.pcap');
  const args = (path: string) => [join(ROOT, 'bin', 'vigil.js'), 'replay', path, '--format', 'json', '--host', '10.77.0.2', '--listen', '22', '--listen', '80'];
  const run = (path: string) => spawnSync(process.execPath, args(path), { cwd: ROOT, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  const fromFile = run(capture);
  assert.equal(fromFile.status, 0, fromFile.stderr);
  assert.ok(fromFile.stdout.trim().length > 0, 'the file gives hits');
  for (const [name, writerCmd] of [['plain', 'cat "$1" > "$2"'], ['gzip', 'gzip -c "$1" > "$2"']] as const) {
    const fifo = join(dir, `${name}.pcap`);
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    // The writer blocks until vigil opens the pipe; it is killed (by pid) if still there at the end.
    const writer = spawn('sh', ['-c', writerCmd, 'sh', capture, fifo], { stdio: 'ignore' });
    t.after(() => { if (writer.exitCode === null && writer.signalCode === null) writer.kill('SIGKILL'); });
    const fromPipe = run(fifo);
    assert.equal(fromPipe.status, 0, `${name}: ${fromPipe.stderr}`);
    assert.equal(fromPipe.stdout, fromFile.stdout, `${name}: the same hits, in the same order`);
  }
});

test('replay --listen with a port outside 1..65535 is a usage error (exit 2)', async () => {
  for (const bad of ['0', '65536', '70000/udp']) {
    const flags = { format: 'text', stdinFormat: 'jsonl', listen: [bad], progress: false } as ReplayFlags;
    // A file that does not exist: the flag check comes first (the replay once got as far as the file, exit 3).
    await assert.rejects(replay([join(tmpdir(), 'vigil-r2-no-such-file.jsonl')], flags), (e: unknown) => {
      assert.ok(e instanceof CliExit);
      assert.equal(e.code, EXIT.USAGE, `--listen ${bad}: ${e.message}`);
      return true;
    });
  }
});

test('a config `host.listen` port written as a string is range-checked like a number', () => {
  const r = loadConfigText('host:\n  listen: [22, "70000/udp"]\n', 'vigil.yaml', tmpdir());
  // 70000 (a number) is refused, and so is "70000/udp" (once accepted).
  assert.equal(r.loaded, null, 'refused');
  assert.ok(r.diagnostics.some((d) => d.loc.line === 2), JSON.stringify(r.diagnostics));
});
