import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { ROOT } from './run-cli.ts';

/**
 * The exit code of a child we started, once it has exited and its output is read in full ('close');
 * fails, killing that child (by its pid), if that takes longer than `ms`.
 */
async function exitCode(child: ChildProcess, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  const guard = new Promise<never>((_, reject) => { timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`vigil run did not exit within ${ms} ms`)); }, ms); });
  try { return await Promise.race([exited, guard]); } finally { clearTimeout(timer); }
}

const get = (url: string) => new Promise<string>((resolve, reject) => {
  request(url, (res) => { let b = ''; res.on('data', (c: Buffer) => { b += c; }); res.on('end', () => resolve(b)); }).on('error', reject).end();
});

test('vigil run watches the socket table, fires a rule on a new loopback connection, serves /metrics and stops cleanly on SIGTERM', { skip: !existsSync('/proc/net/tcp') && 'no /proc/net/tcp (not Linux)', timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-run-'));
  const server = createServer((s) => s.on('error', () => {}));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'watch.yaml'), `rules:
  - id: test-connect-to-port
    description: A connection to the test's listener appeared in the socket table.
    on: [socket]
    when: sock.change == "appeared" && sock.direction == "out" && dst.port == ${port}
    type: single
    severity: low
    message: "{{proc.exe}} connected to port {{dst.port}}"
`);
  writeFileSync(join(dir, 'vigil.yaml'), `data_dir: data
rules:
  stock: false
  dirs: [rules]
inputs:
  - use: procnet
    interval: 100ms
    existing: true
hits:
  print: json
metrics:
  listen: "127.0.0.1:0"
log:
  level: info
`);
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.js'), 'run', '--config', join(dir, 'vigil.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const client = { sock: null as ReturnType<typeof connect> | null };
  t.after(() => { child.kill('SIGKILL'); client.sock?.destroy(); server.close(); rmSync(dir, { recursive: true, force: true }); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const stderr = createInterface({ input: child.stderr });
  const stdout = createInterface({ input: child.stdout });
  const logs: Array<Record<string, unknown>> = [];
  const running = new Promise<Record<string, unknown>>((resolve, reject) => {
    stderr.on('line', (l) => {
      let o: Record<string, unknown>;
      try { o = JSON.parse(l) as Record<string, unknown>; } catch { reject(new Error(`not a JSON log line: ${l}`)); return; }
      logs.push(o);
      if (o.msg === 'vigil running') resolve(o);
    });
    void exited.then((code) => reject(new Error(`vigil exited with ${code} before running: ${JSON.stringify(logs)}`)));
  });
  const started = await running;
  assert.deepEqual(started.inputs, ['procnet']);
  assert.equal(started.rules, 1);
  assert.equal(started.data, join(dir, 'data', 'vigil.db'));

  const firstHit = new Promise<Record<string, unknown>>((resolve) => stdout.once('line', (l) => resolve(JSON.parse(l) as Record<string, unknown>)));
  client.sock = connect(port, '127.0.0.1');
  const hit = await firstHit;
  assert.equal(hit.rule, 'test-connect-to-port');
  assert.match(String(hit.message), new RegExp(`connected to port ${port}$`));
  assert.equal(hit.severity, 'low');

  // Hot reload: a broken edit is refused and logged, a good one swaps in (seen on the next connection's hit).
  const ruleFile = join(dir, 'rules', 'watch.yaml');
  const logLine = (msg: string) => new Promise<Record<string, unknown>>((resolve) => {
    const onLine = (l: string) => { const o = JSON.parse(l) as Record<string, unknown>; if (o.msg === msg) { stderr.off('line', onLine); resolve(o); } };
    stderr.on('line', onLine);
  });
  const refused = logLine('rules reload failed; the previous rules keep running');
  writeFileSync(ruleFile, readFileSync(ruleFile, 'utf8').replace('type: single', 'type: singel'));
  await refused;
  const reloaded = logLine('rules reloaded');
  writeFileSync(ruleFile, readFileSync(ruleFile, 'utf8').replace('type: singel', 'type: single').replace('severity: low', 'severity: high'));
  await reloaded;
  const secondHit = new Promise<Record<string, unknown>>((resolve) => stdout.once('line', (l) => resolve(JSON.parse(l) as Record<string, unknown>)));
  const second = connect(port, '127.0.0.1');
  t.after(() => second.destroy());
  assert.equal((await secondHit).severity, 'high');

  const metrics = await get(String(started.metrics));
  assert.match(metrics, /^vigil_procnet_polls_total [1-9]\d*$/m);
  assert.match(metrics, /^vigil_engine_hits_total 1$/m); // counters of a changed rule start afresh
  assert.match(metrics, /^vigil_rules_reload_failures_total 1$/m);
  assert.match(metrics, /^vigil_pipeline_events_total [1-9]\d*$/m);
  assert.match(metrics, /^# TYPE vigil_engine_events_total counter$/m);

  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.ok(existsSync(join(dir, 'data', 'vigil.db')));
  assert.ok(logs.some((l) => l.msg === 'stopping' && l.signal === 'SIGTERM'));
});

test('vigil run refuses a config with an unknown input plugin, naming the line (exit 1)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-run-'));
  let child: ChildProcess | null = null;
  try {
    writeFileSync(join(dir, 'vigil.yaml'), 'data_dir: data\nrules:\n  stock: false\ninputs:\n  - use: procnett\n');
    const proc = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.js'), 'run', '--config', join(dir, 'vigil.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let err = '';
    proc.stderr.on('data', (c: Buffer) => { err += c; });
    const code = await exitCode(proc, 30_000);
    assert.equal(code, 1);
    assert.match(err, new RegExp(`${join(dir, 'vigil.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5:10 input plugin \`procnett\` is not known; did you mean \`procnet\`\\? \\[VGL_PLUGIN_UNKNOWN\\]`));
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('vigil run with a data_dir that cannot be created ends with exit 3 naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-run-'));
  let child: ChildProcess | null = null;
  try {
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    writeFileSync(join(dir, 'vigil.yaml'), 'data_dir: not-a-dir/data\nrules:\n  stock: false\ninputs:\n  - use: procnet\n');
    const proc = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.js'), 'run', '--config', join(dir, 'vigil.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let err = '';
    proc.stderr.on('data', (c: Buffer) => { err += c; });
    const code = await exitCode(proc, 30_000);
    assert.equal(code, 3);
    assert.match(err, new RegExp(`data_dir ${join(dir, 'not-a-dir', 'data').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot be created \\(ENOTDIR`));
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('vigil run on a vigil.db written by a newer vigil ends with exit 3, saying so and leaving the file as it was', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-run-'));
  let child: ChildProcess | null = null;
  try {
    mkdirSync(join(dir, 'data'));
    const dbFile = join(dir, 'data', 'vigil.db');
    const newer = new Database(dbFile);
    newer.pragma('user_version = 999');
    newer.close();
    const before = readFileSync(dbFile);
    writeFileSync(join(dir, 'vigil.yaml'), 'data_dir: data\nrules:\n  stock: false\ninputs:\n  - use: procnet\n');
    const proc = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.js'), 'run', '--config', join(dir, 'vigil.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let err = '';
    proc.stderr.on('data', (c: Buffer) => { err += c; });
    assert.equal(await exitCode(proc, 30_000), 3);
    assert.ok(err.includes(`${dbFile} was written by a newer vigil (schema version 999`), err);
    assert.doesNotMatch(err, /permissions/, 'not sent to look at permissions');
    assert.deepEqual(readFileSync(dbFile), before, 'the file is untouched');
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
