import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import jsonl from '../../src/plugins/inputs/jsonl.ts';
import { pluginContext } from '../../src/core/plugins/context.ts';
import type { VigilEvent } from '../../src/core/plugin-api.ts';
import { testServices } from '../plugins/harness.ts';

let dir = '';
before(() => { dir = mkdtempSync(join(tmpdir(), 'vigil-jsonl-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function setup(config: Record<string, unknown>) {
  const logs: { msg: string; line?: number; level: number }[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { logs.push(JSON.parse(String(chunk))); cb(); } });
  const svc = { ...testServices(), logger: pino({ level: 'info' }, sink) };
  const ctx = pluginContext(svc, 'jsonl', 'replay');
  const inst = jsonl.create(ctx, jsonl.schema.parse(config));
  return { svc, inst, logs };
}

const GOOD = [
  '# a comment, then a blank line',
  '',
  '{"kind":"packet","ts":1000,"src":{"ip":"10.77.0.9","port":40000},"dst":{"ip":"10.77.0.2","port":22},"proto":"tcp","tcp":{"flags":{"syn":true}}}',
  '{"kind":"flow","ts":"2026-01-15T12:00:00Z","flow.state":"new","src.ip":"fd77::0:9"}\r',
  '{"kind":"socket","ts":3000,"sock":{"state":"LISTEN","change":"appeared"},"dst":{"port":8080}}',
].join('\n');

describe('jsonl input', () => {
  it('has a valid example and defaults to skipping bad lines', () => {
    assert.ok(jsonl.schema.safeParse(jsonl.example).success);
    assert.equal(jsonl.schema.parse({ path: 'x' }).on_error, 'skip');
    assert.equal(jsonl.schema.safeParse({ path: 'x', onError: 'stop' }).success, false);
  });

  it('emits every good line as an event, in order, with the instance as input', async () => {
    const p = write('good.jsonl', GOOD);
    const { inst, svc } = setup({ path: p });
    const events: VigilEvent[] = [];
    await inst.start((ev) => events.push(ev));
    assert.deepEqual(events.map((e) => [e.kind, e.ts, e.input]), [['packet', 1000, 'replay'], ['flow', Date.UTC(2026, 0, 15, 12), 'replay'], ['socket', 3000, 'replay']]);
    assert.equal(events[1].src?.ip, 'fd77::9');
    assert.equal(events[1].flow?.state, 'new');
    assert.equal(events[0].tcp?.flags?.syn, true);
    assert.equal(svc.metrics.value('vigil_jsonl_replay_events_total'), 3);
    assert.equal(svc.metrics.value('vigil_jsonl_replay_lines_total'), 5);
    assert.deepEqual(inst.progress?.(), { done: GOOD.length, total: GOOD.length });
  });

  it('skips a bad line, logging file:line and the problem, and goes on', async () => {
    const p = write('bad.jsonl', [
      '{"kind":"packet","ts":1}',
      '{"kind":"packet","ts":2,"dst":{"prot":22}}',
      '{"kind":"packet","ts":3',
      '{"kind":"packet","ts":4}',
    ].join('\n') + '\n');
    const { inst, logs, svc } = setup({ path: p });
    const ts: number[] = [];
    await inst.start((ev) => ts.push(ev.ts));
    assert.deepEqual(ts, [1, 4]);
    const errors = logs.filter((l) => l.level >= 50);
    assert.equal(errors.length, 2);
    assert.equal(errors[0].msg, `${p}:2: \`dst.prot\` is not a known field; did you mean \`dst.port\`?`);
    assert.equal(errors[0].line, 2);
    assert.match(errors[1].msg, new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: not valid JSON`));
    assert.equal(svc.metrics.value('vigil_jsonl_replay_bad_lines_total'), 2);
  });

  it('with on_error: stop, ends at the first bad line with its location', async () => {
    const p = write('stop.jsonl', '{"kind":"packet","ts":1}\n{"ts":2}\n{"kind":"packet","ts":3}\n');
    const { inst } = setup({ path: p, on_error: 'stop' });
    const ts: number[] = [];
    await assert.rejects(inst.start((ev) => ts.push(ev.ts)), (e: Error) => {
      assert.equal(e.message, `${p}:2: \`kind\` is missing; add "kind": one of packet, flow, socket, tick`);
      return true;
    });
    assert.deepEqual(ts, [1]);
  });

  it('refuses an over-long line without holding it, and reads the next', async () => {
    const p = write('long.jsonl', `{"kind":"packet","ts":1,"prefix":"${'x'.repeat(5000)}"}\n{"kind":"packet","ts":2}\n`);
    const { inst, logs } = setup({ path: p, max_line_bytes: 1024 });
    const ts: number[] = [];
    await inst.start((ev) => ts.push(ev.ts));
    assert.deepEqual(ts, [2]);
    assert.match(logs.find((l) => l.level >= 50)!.msg, /:1: line is \d+ bytes or more, over max_line_bytes 1024/);
  });

  it('logs only the first bad lines one by one, then a summary', async () => {
    const p = write('many-bad.jsonl', Array.from({ length: 10 }, () => 'nope').join('\n'));
    const { inst, logs, svc } = setup({ path: p, max_logged_errors: 3 });
    await inst.start(() => undefined);
    const errors = logs.filter((l) => l.level >= 50).map((l) => l.msg);
    assert.equal(errors.length, 4);
    assert.match(errors[3], /10 bad lines in all, 7 of them not logged one by one/);
    assert.equal(svc.metrics.value('vigil_jsonl_replay_bad_lines_total'), 10);
  });

  it('reads standard input when the path is "-"', () => {
    const root = resolve(import.meta.dirname, '..', '..');
    const script = write('stdin-run.mts', `
      import jsonl from ${JSON.stringify(join(root, 'src/plugins/inputs/jsonl.ts'))};
      import { pluginContext } from ${JSON.stringify(join(root, 'src/core/plugins/context.ts'))};
      import { testServices } from ${JSON.stringify(join(root, 'test/plugins/harness.ts'))};
      const inst = jsonl.create(pluginContext(testServices(), 'jsonl', 'jsonl'), jsonl.schema.parse({ path: '-' }));
      const out = [];
      await inst.start((ev) => out.push([ev.kind, ev.ts, ev.dst?.port]));
      console.log(JSON.stringify(out));
    `);
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, input: GOOD, encoding: 'utf8', timeout: 30000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [['packet', 1000, 22], ['flow', Date.UTC(2026, 0, 15, 12), null], ['socket', 3000, 8080]]);
  });
});

describe('jsonl input on compressed files', () => {
  it('reads a gzip-compressed file, recognised by content', async () => {
    const p = join(dir, 'events.jsonl.gz');
    writeFileSync(p, gzipSync(GOOD));
    const { inst } = setup({ path: p });
    const kinds: string[] = [];
    await inst.start((ev) => kinds.push(ev.kind));
    assert.deepEqual(kinds, ['packet', 'flow', 'socket']);
  });
});
