import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventClock } from '../../src/core/clock.ts';
import { emptyHostFacts } from '../../src/core/host.ts';
import type { Hit } from '../../src/core/hit.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { watchRules, type ReloadOutcome, type RulesWatcher } from '../../src/core/engine/reload.ts';
import { loadRuleset } from '../../src/core/rules/load.ts';
import { pkt } from './helpers/harness.ts';

const rule = (id: string, count: number) => `
  - id: ${id}
    description: SYNs per source.
    on: [packet]
    type: threshold
    key: [src.ip]
    count: ${count}
    window: 60s
`;

interface Lines { level: string; msg: string }

function setup(t: { after(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-reload-'));
  const clock = new EventClock(0);
  const hits: Hit[] = [];
  const engine = new Engine({ clock, sink: (h) => hits.push(h), host: emptyHostFacts() });
  const logs: Lines[] = [];
  const logger = {
    info: (_o: unknown, msg?: string) => { logs.push({ level: 'info', msg: msg ?? '' }); },
    warn: (_o: unknown, msg?: string) => { logs.push({ level: 'warn', msg: msg ?? '' }); },
    error: (_o: unknown, msg?: string) => { logs.push({ level: 'error', msg: msg ?? '' }); },
  } as never;
  const outcomes: ReloadOutcome[] = [];
  let waiter: ((r: ReloadOutcome) => void) | null = null;
  const load = () => loadRuleset([dir], { runtime: engine.helpers });
  const write = (name: string, text: string) => {
    // Write then rename, as editors do, so the watcher never sees half a file.
    writeFileSync(join(dir, `.${name}.tmp`), text);
    renameSync(join(dir, `.${name}.tmp`), join(dir, name));
  };
  let watcher: RulesWatcher | null = null;
  t.after(async () => { await watcher?.close(); rmSync(dir, { recursive: true, force: true }); });
  return {
    dir, engine, hits, logs, outcomes, write,
    start(sighup = true) {
      const first = load();
      assert.ok(first.ruleset, 'initial rules load');
      engine.load(first.ruleset!);
      watcher = watchRules({ dirs: [dir], load, engine, logger, debounceMs: 50, sighup, onResult: (r) => { outcomes.push(r); waiter?.(r); } });
      return watcher;
    },
    /** Resolves with the next reload outcome (fails the test after 10 s instead of hanging). */
    next(): Promise<ReloadOutcome> {
      return new Promise((resolve, reject) => {
        const guard = setTimeout(() => reject(new Error('no reload within 10 s')), 10_000);
        waiter = (r) => { clearTimeout(guard); waiter = null; resolve(r); };
      });
    },
  };
}

test('a changed file reloads: unchanged rules keep state, changed rules start fresh', { timeout: 30_000 }, async (t) => {
  const s = setup(t);
  s.write('a.yaml', `rules:${rule('kept', 3)}${rule('changed', 3)}`);
  const w = s.start();
  await w.ready;
  s.engine.feed(pkt({ ts: 1 })); s.engine.feed(pkt({ ts: 2 }));
  const reloaded = s.next();
  s.write('a.yaml', `rules:${rule('kept', 3)}${rule('changed', 4)}`);
  const r = await reloaded;
  assert.deepEqual([r.ok, r.reason, r.kept, r.fresh, r.removed], [true, 'change', 1, 1, 0]);
  s.engine.feed(pkt({ ts: 3 }));
  assert.deepEqual(s.hits.map((h) => h.rule), ['kept']);
  assert.equal(w.stats().reloads, 1);
});

test('a broken file is reported with its location, counted, and the old rules keep running with nothing dropped', { timeout: 30_000 }, async (t) => {
  const s = setup(t);
  s.write('a.yaml', `rules:${rule('scan', 3)}`);
  const w = s.start();
  await w.ready;
  s.engine.feed(pkt({ ts: 1 })); s.engine.feed(pkt({ ts: 2 }));
  const failed = s.next();
  s.write('b.yaml', `rules:\n  - id: broken\n    description: x.\n    on: [packet]\n    type: threshold\n    count: 3\n    window: 60\n`);
  const r = await failed;
  assert.equal(r.ok, false);
  assert.deepEqual(w.stats().failures, 1);
  const errorLines = s.logs.filter((l) => l.level === 'error').map((l) => l.msg);
  assert.ok(errorLines.some((m) => /b\.yaml:7:\d+ rule `broken`: .*window/.test(m)), `located error line, got ${JSON.stringify(errorLines)}`);
  assert.ok(errorLines.every((m) => !m.includes('\n')), 'one line per diagnostic');
  s.engine.feed(pkt({ ts: 3 }));
  assert.deepEqual(s.hits.map((h) => [h.rule, h.count]), [['scan', 3]], 'the old rule kept its state and saw every event');
  assert.equal(s.engine.stats().rules[0].matches, 3);
});

test('SIGHUP reloads: by calling the handler and by a real signal to this process', { timeout: 30_000 }, async (t) => {
  const s = setup(t);
  s.write('a.yaml', `rules:${rule('one', 3)}`);
  const w = s.start(true);
  await w.ready;
  w.onSighup();
  assert.deepEqual([s.outcomes.at(-1)!.ok, s.outcomes.at(-1)!.reason, s.outcomes.at(-1)!.kept], [true, 'sighup', 1]);
  const viaSignal = s.next();
  process.kill(process.pid, 'SIGHUP');
  const r = await viaSignal;
  assert.deepEqual([r.ok, r.reason], [true, 'sighup']);
  await w.close();
  assert.equal(process.listenerCount('SIGHUP'), 0, 'close removes the handler');
});
