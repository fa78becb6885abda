/**
 * `vigil run` with broken site plugins beside a working input (docs/plugins.md
 * "Lifecycle", docs/cli.md "vigil run"): SIGINT/SIGTERM stop the inputs,
 * deliver queued actions, flush the database and exit 0; a broken plugin is
 * reported with plugin and hook and does not take vigil down.
 *
 * The plugin directory gets a package.json with "type": "module": how a
 * plugin file is loaded is test/plugins/site-plugin-example.test.ts's
 * subject, not this file's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SSH_RULE } from './run-cli.ts';

const BIN = join(ROOT, 'bin', 'vigil.js');

/** Emits a valid packet to port 22 every 50 ms until stopped. */
const TICKER = `export default ({ z, defineInput }) => defineInput({
  name: 'ticker', description: 'Emits a packet every 50 ms.', schema: z.strictObject({}), example: {}, emits: ['packet'],
  create() {
    let t, done;
    return {
      start(emit) { return new Promise((r) => { done = r; let n = 0; t = setInterval(() => emit({ kind: 'packet', ts: Date.now(), proto: 'tcp', src: { ip: '10.9.9.9', port: 40000 + (n++ % 1000) }, dst: { ip: '10.0.0.1', port: 22 } }), 50); }); },
      async stop() { clearInterval(t); done?.(); },
    };
  },
});
`;

const PLUGINS: Record<string, string> = {
  'hang-stop.mjs': `export default ({ z, defineInput }) => defineInput({
  name: 'hang-stop', description: 'A stream input whose stop never resolves.', schema: z.strictObject({}), example: {}, emits: ['packet'],
  create() { return { start() { return new Promise(() => {}); }, stop() { return new Promise(() => {}); } }; },
});
`,
  'emit-null.mjs': `export default ({ z, defineInput }) => defineInput({
  name: 'emit-null', description: 'Emits null from a timer.', schema: z.strictObject({}), example: {}, emits: ['packet'],
  create() {
    let t, done;
    return {
      start(emit) { return new Promise((r) => { done = r; t = setTimeout(() => emit(null), 200); }); },
      async stop() { clearTimeout(t); done?.(); },
    };
  },
});
`,
  'throws-start.mjs': `export default ({ z, defineInput }) => defineInput({
  name: 'throws-start', description: 'Throws in start.', schema: z.strictObject({}), example: {}, emits: ['packet'],
  create() { return { start() { throw new Error('cannot open /dev/nonexistent'); }, async stop() {} }; },
});
`,
  'hang-action.mjs': `export default ({ z, defineAction }) => defineAction({
  name: 'hang-action', description: 'An action whose stop never resolves.', schema: z.strictObject({}), example: {}, paramsSchema: z.strictObject({}),
  create() { return { async run() {}, stop() { return new Promise(() => {}); } }; },
});
`,
};


interface Running {
  child: ChildProcess;
  logs: Array<Record<string, unknown>>;
  stdout: () => string;
  /** Exit code (null: killed by a signal) once the child has closed; rejects after `ms`, killing it by its pid. */
  exit(ms: number): Promise<number | null>;
}

/** Starts `vigil run` on a config with the given site plugins and inputs; resolves once it logged "vigil running". */
async function start(t: { after(fn: () => void): void }, plugins: string[], inputs: string, opts: { stdinPipe?: boolean } = {}): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-r3-run-'));
  mkdirSync(join(dir, 'plugins'));
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'plugins', 'package.json'), '{"type":"module"}\n');
  writeFileSync(join(dir, 'plugins', 'ticker.mjs'), TICKER);
  for (const p of plugins) writeFileSync(join(dir, 'plugins', p), PLUGINS[p]);
  writeFileSync(join(dir, 'rules', 'r.yaml'), SSH_RULE);
  writeFileSync(join(dir, 'vigil.yaml'), `data_dir: data\nrules: { stock: false, dirs: [rules] }\nplugins: { dirs: [plugins] }\nhits: { print: json }\ninputs:\n${inputs}`);
  const child = spawn(process.execPath, [BIN, 'run', '--config', join(dir, 'vigil.yaml')], { cwd: dir, stdio: [opts.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let closed = false;
  const closedP = new Promise<number | null>((r) => child.on('close', (c) => { closed = true; r(c); }));
  t.after(() => { if (!closed) child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });
  const logs: Array<Record<string, unknown>> = [];
  let out = '', errBuf = '';
  child.stdout!.on('data', (d: Buffer) => { out += d; });
  let onRunning: (() => void) | null = null;
  child.stderr!.on('data', (d: Buffer) => {
    errBuf += d;
    let i;
    while ((i = errBuf.indexOf('\n')) >= 0) {
      const line = errBuf.slice(0, i); errBuf = errBuf.slice(i + 1);
      try { logs.push(JSON.parse(line) as Record<string, unknown>); } catch { logs.push({ msg: line }); }
      if (logs.at(-1)!.msg === 'vigil running') onRunning?.();
    }
  });
  const exit = async (ms: number): Promise<number | null> => {
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => { timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`vigil run did not exit within ${ms} ms; logs: ${JSON.stringify(logs)}`)); }, ms); });
    try { return await Promise.race([closedP, guard]); } finally { clearTimeout(timer); }
  };
  await Promise.race([
    new Promise<void>((r) => { onRunning = r; }),
    exit(8_000).then((c) => { throw new Error(`vigil exited (${c}) before running: ${JSON.stringify(logs)}`); }),
  ]);
  return { child, logs, stdout: () => out, exit };
}

const hitsIn = (s: string) => s.split('\n').filter(Boolean).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('SIGINT stops vigil in bounded time even when a site input\'s stop never resolves', { timeout: 15_000 }, async (t) => {
  const v = await start(t, ['hang-stop.mjs'], '  - use: ticker\n  - use: hang-stop\n');
  await sleep(300);
  v.child.kill('SIGINT');
  const code = await v.exit(3_000);
  assert.notEqual(code, null, 'vigil had to be killed');
  assert.ok(v.logs.some((l) => String(l.msg ?? '').includes('hang-stop') || String(l.err ?? '').includes('hang-stop')), `no log line names the input that did not stop: ${JSON.stringify(v.logs)}`);
});

test('SIGINT exits 0 (database closed) when a site action plugin\'s stop never resolves', { timeout: 15_000 }, async (t) => {
  // The action is not even configured: every known action with valid defaults is instantiated.
  const v = await start(t, ['hang-action.mjs'], '  - use: ticker\n');
  await sleep(300);
  v.child.kill('SIGINT');
  assert.equal(await v.exit(5_000), 0, `logs: ${JSON.stringify(v.logs)}`);
});

test('a site input that emits null from a timer does not take vigil down; the other input\'s events go on', { timeout: 15_000 }, async (t) => {
  const v = await start(t, ['emit-null.mjs'], '  - use: ticker\n  - use: emit-null\n');
  await sleep(800); // the null is emitted 200 ms after start
  const before = hitsIn(v.stdout());
  await sleep(400);
  assert.equal(v.child.exitCode, null, `vigil died: ${JSON.stringify(v.logs)}`);
  assert.ok(hitsIn(v.stdout()) > before, 'the ticker\'s events stopped making hits');
  v.child.kill('SIGINT');
  assert.equal(await v.exit(5_000), 0);
});

test('a site input that throws in start is reported while vigil runs, not only at shutdown', { timeout: 15_000 }, async (t) => {
  const v = await start(t, ['throws-start.mjs'], '  - use: ticker\n  - use: throws-start\n');
  await sleep(1_000);
  const reported = v.logs.some((l) => l.level === 50 && JSON.stringify(l).includes('throws-start'));
  v.child.kill('SIGINT');
  await v.exit(5_000);
  assert.ok(reported, `1 s after start, no error names throws-start; logs: ${JSON.stringify(v.logs)}`);
});

test('SIGINT stops vigil run reading jsonl from an open stdin (`tail -f events.jsonl | vigil run`)', { timeout: 15_000 }, async (t) => {
  const v = await start(t, [], '  - use: jsonl\n    path: "-"\n', { stdinPipe: true });
  t.after(() => v.child.stdin?.destroy());
  v.child.stdin!.write('{"kind":"packet","ts":"2026-01-15T12:00:00Z","proto":"tcp","src":{"ip":"10.77.0.9","port":40000},"dst":{"ip":"10.77.0.1","port":22}}\n');
  await sleep(500);
  assert.equal(hitsIn(v.stdout()), 1);
  v.child.kill('SIGINT');
  assert.equal(await v.exit(3_000), 0);
});

test('vigil run refuses an event stamped a day ahead of the host clock, warns naming its input, and goes on with the next', { timeout: 15_000 }, async (t) => {
  const v = await start(t, [], '  - use: jsonl\n    path: "-"\n', { stdinPipe: true });
  t.after(() => v.child.stdin?.destroy());
  const line = (ts: string, port: number) => `{"kind":"packet","ts":"${ts}","proto":"tcp","src":{"ip":"10.77.0.9","port":${port}},"dst":{"ip":"10.77.0.1","port":22}}\n`;
  v.child.stdin!.write(line(new Date(Date.now() + 86_400_000).toISOString(), 40001));
  v.child.stdin!.write(line(new Date().toISOString(), 40002));
  await sleep(700);
  assert.deepEqual(v.stdout().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { message: string }).message), ['p 40002'], 'only the event of now made a hit');
  const warning = v.logs.find((l) => /refused: their time is more than 10 min ahead/.test(String(l.msg)));
  assert.ok(warning, `no warning about the future event: ${JSON.stringify(v.logs)}`);
  assert.equal(warning.input, 'jsonl');
  v.child.kill('SIGINT');
  assert.equal(await v.exit(3_000), 0);
});
