/**
 * `vigil run` as a daemon, through a real process: signals at awkward
 * moments (start-up, shutdown), two daemons on one data_dir, and hot reload
 * of the config file (docs/cli.md "vigil run", docs/operations.md).
 *
 * Events come from the jsonl input reading standard input, so the test
 * decides when each event arrives; no root and no network are needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { ROOT, SSH_RULE } from './run-cli.ts';

const BIN = join(ROOT, 'bin', 'vigil.js');

type Log = Record<string, unknown>;


/** A site plugin module whose import takes long: start-up is then visibly in progress. */
const SLOW_LOADING = `process.stderr.write(JSON.stringify({ msg: 'slow plugin loading' }) + '\\n');
await new Promise((r) => setTimeout(r, 4000));
export default ({ z, defineAction }) => defineAction({
  name: 'slow-loading', description: 'Takes 4 s to import.', schema: z.strictObject({}), example: {}, paramsSchema: z.strictObject({}),
  create() { return { async run() {} }; },
});
`;

/** An action whose stop says so and then hangs: shutdown is then visibly in progress, after the rules watcher stopped. */
const HANGING_STOP = `export default ({ z, defineAction }) => defineAction({
  name: 'hang-stop-action', description: 'Its stop never resolves.', schema: z.strictObject({}), example: {}, paramsSchema: z.strictObject({}),
  create() { return { async run() {}, stop() { process.stderr.write(JSON.stringify({ msg: 'action stop called' }) + '\\n'); return new Promise(() => {}); } }; },
});
`;

interface Daemon {
  readonly dir: string;
  readonly child: ChildProcess;
  readonly logs: Log[];
  /** Resolves with the first log line `pred` accepts; rejects after `ms` naming what was logged. */
  until(pred: (l: Log) => boolean, ms: number, what: string): Promise<Log>;
  /** Exit code once the child closed (null: killed by a signal); rejects after `ms`. */
  exit(ms: number): Promise<number | null>;
}

interface Setup { plugins?: Record<string, string>; config?: string }

const configText = (extra = '') => `data_dir: data\nrules: { stock: false, dirs: [rules] }\nplugins: { dirs: [plugins] }\nhits: { print: json }\ninputs:\n  - use: jsonl\n    path: "-"\n${extra}`;

/** A temp dir with rules, plugins and a config; removed after the test. */
function makeDir(t: { after(fn: () => void): void }, s: Setup = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-run-audit-'));
  mkdirSync(join(dir, 'plugins'), { recursive: true });
  mkdirSync(join(dir, 'rules'), { recursive: true });
  writeFileSync(join(dir, 'plugins', 'package.json'), '{"type":"module"}\n');
  for (const [name, text] of Object.entries(s.plugins ?? {})) writeFileSync(join(dir, 'plugins', name), text);
  writeFileSync(join(dir, 'rules', 'r.yaml'), SSH_RULE);
  writeFileSync(join(dir, 'vigil.yaml'), s.config ?? configText());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function spawnVigil(t: { after(fn: () => void): void }, dir: string): Daemon {
  const child = spawn(process.execPath, [BIN, 'run', '--config', join(dir, 'vigil.yaml')], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let closed = false;
  const closedP = new Promise<number | null>((r) => child.on('close', (c) => { closed = true; r(c); }));
  // Registered after makeDir's cleanup, so it runs first: the process is gone before its directory is.
  t.after(() => { if (!closed) child.kill('SIGKILL'); });
  const logs: Log[] = [];
  const waiters: Array<() => void> = [];
  let buf = '';
  child.stderr!.on('data', (d: Buffer) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i); buf = buf.slice(i + 1);
      try { logs.push(JSON.parse(line) as Log); } catch { logs.push({ msg: line }); }
      for (const w of [...waiters]) w();
    }
  });
  child.stdout!.resume();
  const exit = async (ms: number): Promise<number | null> => {
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`vigil run did not exit within ${ms} ms; logs: ${JSON.stringify(logs)}`)), ms); });
    try { return await Promise.race([closedP, guard]); } finally { clearTimeout(timer); }
  };
  const until = (pred: (l: Log) => boolean, ms: number, what: string): Promise<Log> => new Promise((resolve, reject) => {
    const check = () => {
      const hit = logs.find(pred);
      if (!hit) return;
      waiters.splice(waiters.indexOf(check), 1);
      clearTimeout(timer);
      resolve(hit);
    };
    const timer = setTimeout(() => { waiters.splice(waiters.indexOf(check), 1); reject(new Error(`no log line ${what} within ${ms} ms; logs: ${JSON.stringify(logs)}`)); }, ms);
    waiters.push(check);
    check();
    void closedP.then(() => { setTimeout(() => { if (waiters.includes(check)) { waiters.splice(waiters.indexOf(check), 1); clearTimeout(timer); reject(new Error(`vigil exited before logging ${what}; logs: ${JSON.stringify(logs)}`)); } }, 50); });
  });
  return { dir, child, logs, until, exit };
}

const msg = (l: Log) => String(l.msg ?? '');
const running = (l: Log) => msg(l) === 'vigil running';

test('SIGTERM during start-up (site plugins still loading) stops vigil with exit 0 and no input started', { timeout: 30_000 }, async (t) => {
  const v = spawnVigil(t, makeDir(t, { plugins: { 'slow.mjs': SLOW_LOADING } }));
  await v.until((l) => msg(l) === 'slow plugin loading', 15_000, 'from the slow plugin');
  v.child.kill('SIGTERM');
  assert.equal(await v.exit(15_000), 0, `logs: ${JSON.stringify(v.logs)}`);
  assert.ok(!v.logs.some(running), 'vigil went on to run its inputs after SIGTERM');
});

test('SIGHUP during start-up neither kills vigil nor is lost: the rules are reloaded once vigil runs', { timeout: 30_000 }, async (t) => {
  const v = spawnVigil(t, makeDir(t, { plugins: { 'slow.mjs': SLOW_LOADING } }));
  await v.until((l) => msg(l) === 'slow plugin loading', 15_000, 'from the slow plugin');
  v.child.kill('SIGHUP');
  await v.until((l) => msg(l) === 'rules reloaded' && l.reason === 'sighup', 15_000, 'of a reload by SIGHUP');
  await v.until(running, 15_000, '"vigil running"');
  v.child.kill('SIGTERM');
  assert.equal(await v.exit(15_000), 0);
});

test('SIGHUP while shutting down (a plugin still stopping) does not kill vigil: it still exits 0', { timeout: 30_000 }, async (t) => {
  const v = spawnVigil(t, makeDir(t, { plugins: { 'hang.mjs': HANGING_STOP } }));
  await v.until(running, 15_000, '"vigil running"');
  v.child.kill('SIGTERM');
  await v.until((l) => msg(l) === 'action stop called', 10_000, 'from the action\'s stop');
  v.child.kill('SIGHUP');
  assert.equal(await v.exit(15_000), 0, `logs: ${JSON.stringify(v.logs)}`);
});

test('a second vigil run on the same data_dir ends with exit 3 naming the directory; the first keeps running', { timeout: 40_000 }, async (t) => {
  const dir = makeDir(t);
  const first = spawnVigil(t, dir);
  await first.until(running, 15_000, '"vigil running"');
  const second = spawnVigil(t, dir);
  const code = await second.exit(15_000);
  const said = second.logs.map(msg).join('\n');
  assert.equal(code, 3, `the second vigil ran beside the first: ${said}`);
  assert.match(said, new RegExp(`${join(dir, 'data').replace(/[/.]/g, '\\$&')}.*in use`));
  assert.equal(first.child.exitCode, null, 'the first vigil stopped');
  first.child.kill('SIGTERM');
  assert.equal(await first.exit(15_000), 0);
  // Once the first has stopped, the data_dir is free again.
  const third = spawnVigil(t, dir);
  await third.until(running, 15_000, '"vigil running" after the first stopped');
  third.child.kill('SIGTERM');
  assert.equal(await third.exit(15_000), 0);
});

test('a config change that only a restart applies says so in the log, naming the keys', { timeout: 30_000 }, async (t) => {
  const dir = makeDir(t);
  const v = spawnVigil(t, dir);
  await v.until(running, 15_000, '"vigil running"');
  writeFileSync(join(dir, 'vigil.yaml'), configText('  - use: jsonl\n    path: other.jsonl\n'));
  const line = await v.until((l) => /restart/.test(msg(l)), 10_000, 'saying a restart is needed');
  assert.match(msg(line), /inputs/);
  v.child.kill('SIGTERM');
  assert.equal(await v.exit(15_000), 0);
});

test('the metrics endpoint answers while vigil runs, and a scraper holding a half-sent request does not stall the shutdown', { timeout: 40_000 }, async (t) => {
  const v = spawnVigil(t, makeDir(t, { config: configText() + 'metrics: { listen: "127.0.0.1:0" }\n' }));
  const url = new URL(String((await v.until(running, 15_000, '"vigil running"')).metrics));
  const body = await (await fetch(url)).text();
  assert.match(body, /^vigil_rules_reload_failures_total 0$/m);
  // A client that stalls mid-request (a hung scraper, a port scan) holds a connection the server is not done with.
  const sock = connect(Number(url.port), url.hostname);
  t.after(() => sock.destroy());
  await new Promise<void>((r, j) => { sock.once('connect', () => r()); sock.once('error', j); });
  sock.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
  v.child.kill('SIGTERM');
  assert.equal(await v.exit(15_000), 0, `logs: ${JSON.stringify(v.logs)}`);
  await assert.rejects(fetch(url), 'the metrics endpoint still answers after vigil stopped');
});
