/**
 * Hot reload after the watched rules directory itself is replaced. The
 * watcher (reload.ts) is a chokidar watch on the directory path given at
 * start; once that directory is removed and made again (a deploy that
 * `rm -rf`s and re-copies, `mv rules rules.old && mv rules.new rules`), or a
 * symlinked rules dir is pointed at a new release, no later change is seen:
 * vigil keeps running the old rules until SIGHUP or a restart, with no
 * error and no failure counted. docs/cli.md: "the rule directories and the
 * config file are watched. A change (or SIGHUP) reloads the rules".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventClock } from '../../src/core/clock.ts';
import { emptyHostFacts } from '../../src/core/host.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { watchRules, type ReloadOutcome, type RulesWatcher } from '../../src/core/engine/reload.ts';
import { loadRuleset } from '../../src/core/rules/load.ts';

const rules = (id: string) => `rules:\n  - id: ${id}\n    description: d.\n    on: [packet]\n    type: single\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(t: { after(fn: () => unknown): void }) {
  const base = mkdtempSync(join(tmpdir(), 'vigil-r2-reload-'));
  const engine = new Engine({ clock: new EventClock(0), sink: () => {}, host: emptyHostFacts() });
  const outcomes: ReloadOutcome[] = [];
  const logger = { info() {}, warn() {}, error() {} } as never;
  let watcher: RulesWatcher | null = null;
  t.after(async () => { await watcher?.close(); rmSync(base, { recursive: true, force: true }); });
  return {
    base, engine, outcomes,
    async start(dir: string) {
      const load = () => loadRuleset([dir], { runtime: engine.helpers });
      const first = load();
      assert.ok(first.ruleset, 'initial rules load');
      engine.load(first.ruleset!);
      watcher = watchRules({ dirs: [dir], load, engine, logger, debounceMs: 50, sighup: false, onResult: (r) => outcomes.push(r) });
      await watcher.ready;
    },
    ids: () => engine.current!.rules.map((r) => r.id),
    /** Waits (at most `ms`) until the running rules are `want`. */
    async until(want: string[], ms = 2500) {
      const end = Date.now() + ms;
      while (Date.now() < end && JSON.stringify(engine.current!.rules.map((r) => r.id)) !== JSON.stringify(want)) await sleep(50);
    },
  };
}

test('a rules directory removed and made again is still watched', { timeout: 15_000 }, async (t) => {
  const s = setup(t);
  const dir = join(s.base, 'rules');
  mkdirSync(dir);
  writeFileSync(join(dir, 'a.yaml'), rules('old-rule'));
  await s.start(dir);
  rmSync(dir, { recursive: true });
  await sleep(300);
  mkdirSync(dir);
  writeFileSync(join(dir, 'a.yaml'), rules('new-rule'));
  await s.until(['new-rule']);
  // Before the fix: two failed reloads while the directory is gone, then nothing: old-rule keeps running.
  assert.deepEqual(s.ids(), ['new-rule'], `reloads seen: ${JSON.stringify(s.outcomes.map((o) => o.ok))}`);
});

test('a symlinked rules directory switched to a new release (ln -s + rename) is reloaded', { timeout: 15_000 }, async (t) => {
  const s = setup(t);
  for (const [v, id] of [['v1', 'release-one'], ['v2', 'release-two']]) {
    mkdirSync(join(s.base, v));
    writeFileSync(join(s.base, v, 'a.yaml'), rules(id));
  }
  const link = join(s.base, 'current');
  symlinkSync(join(s.base, 'v1'), link);
  await s.start(link);
  // The atomic switch deploy tools use.
  symlinkSync(join(s.base, 'v2'), `${link}.tmp`);
  renameSync(`${link}.tmp`, link);
  await sleep(300);
  // Even a later edit in the new release is not seen.
  writeFileSync(join(s.base, 'v2', 'b.yaml'), rules('release-two-extra'));
  await s.until(['release-two', 'release-two-extra']);
  assert.deepEqual(s.ids(), ['release-two', 'release-two-extra'], `reloads seen: ${JSON.stringify(s.outcomes.map((o) => o.ok))}`);
});
