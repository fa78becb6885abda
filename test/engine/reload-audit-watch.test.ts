/**
 * Hot reload as editors and deploy tools actually write files (reload.ts,
 * docs/cli.md "Hot reload"): a rule whose definition did not change keeps
 * its state across every save, however the save is made.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventClock } from '../../src/core/clock.ts';
import { emptyHostFacts } from '../../src/core/host.ts';
import type { Hit } from '../../src/core/hit.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { watchRules, EMPTY_FILE_HOLD_MS, type LoadResult, type ReloadOutcome, type RulesWatcher } from '../../src/core/engine/reload.ts';
import { loadRuleset } from '../../src/core/rules/load.ts';
import { pkt } from './helpers/harness.ts';

const RULES = `rules:
  - id: syns
    description: Packets per source.
    on: [packet]
    type: threshold
    key: [src.ip]
    count: 3
    window: 60s
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(t: { after(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-reload-audit-'));
  const rulesDir = join(dir, 'rules');
  const hits: Hit[] = [];
  const engine = new Engine({ clock: new EventClock(0), sink: (h) => hits.push(h), host: emptyHostFacts() });
  const outcomes: ReloadOutcome[] = [];
  const messages: string[] = [];
  const keep = (_o: unknown, msg?: string) => { messages.push(msg ?? ''); };
  const logger = { info: keep, warn: keep, error: keep } as never;
  let watcher: RulesWatcher | null = null;
  t.after(async () => { await watcher?.close(); rmSync(dir, { recursive: true, force: true }); });
  return {
    dir, rulesDir, engine, hits, outcomes, messages,
    async start(configPath?: string) {
      const load = (): LoadResult => loadRuleset([rulesDir], { runtime: engine.helpers });
      const first = load();
      assert.ok(first.ruleset, 'initial rules load');
      engine.load(first.ruleset!);
      watcher = watchRules({ dirs: [rulesDir], configPath, load, engine, logger, debounceMs: 50, sighup: false, onResult: (r) => outcomes.push(r) });
      await watcher.ready;
    },
    /** Waits (at most `ms`) for `pred`; the caller asserts on what it then sees. */
    async until(pred: () => boolean, ms = 5_000) {
      const end = Date.now() + ms;
      while (Date.now() < end && !pred()) await sleep(25);
    },
  };
}

test('a rule file saved empty and then filled (an editor truncating first) keeps the state of its unchanged rules', { timeout: 20_000 }, async (t) => {
  const s = setup(t);
  mkdirSync(s.rulesDir);
  const file = join(s.rulesDir, 'a.yaml');
  writeFileSync(file, RULES);
  await s.start();
  s.engine.feed(pkt({ ts: 1 })); s.engine.feed(pkt({ ts: 2 }));
  writeFileSync(file, '');
  // Longer than the watcher's quiet time: the empty file is on disk when it looks.
  await sleep(400);
  writeFileSync(file, RULES);
  await s.until(() => s.outcomes.some((o) => o.ok && o.kept + o.fresh === 1));
  s.engine.feed(pkt({ ts: 3 }));
  assert.deepEqual(s.hits.map((h) => [h.rule, h.count]), [['syns', 3]], `the rule lost its two earlier events; reloads: ${JSON.stringify(s.outcomes.map((o) => [o.ok, o.kept, o.fresh, o.removed]))}`);
});

test('a rule file left empty is still applied once the wait for its contents ends: its rules are removed', { timeout: 20_000 }, async (t) => {
  const s = setup(t);
  mkdirSync(s.rulesDir);
  const file = join(s.rulesDir, 'a.yaml');
  writeFileSync(file, RULES);
  writeFileSync(join(s.rulesDir, 'b.yaml'), RULES.replace('id: syns', 'id: other'));
  await s.start();
  writeFileSync(file, '');
  await s.until(() => s.outcomes.length > 0, EMPTY_FILE_HOLD_MS + 5_000);
  assert.deepEqual(s.outcomes.map((o) => [o.ok, o.kept, o.fresh, o.removed]), [[true, 1, 0, 1]]);
  assert.deepEqual(s.engine.current!.rules.map((r) => r.id), ['other']);
});

test('an empty placeholder rule file does not hold up reloads of the other files', { timeout: 20_000 }, async (t) => {
  const s = setup(t);
  mkdirSync(s.rulesDir);
  writeFileSync(join(s.rulesDir, 'a.yaml'), RULES);
  writeFileSync(join(s.rulesDir, 'placeholder.yaml'), '');
  await s.start();
  writeFileSync(join(s.rulesDir, 'a.yaml'), RULES.replace('count: 3', 'count: 4'));
  await s.until(() => s.outcomes.length > 0, EMPTY_FILE_HOLD_MS + 5_000);
  assert.deepEqual(s.outcomes.map((o) => [o.ok, o.kept, o.fresh, o.removed]), [[true, 0, 1, 0]]);
  assert.ok(!s.messages.some((m) => m.includes('placeholder.yaml')), `the reload waited on the placeholder: ${JSON.stringify(s.messages)}`);
});

test('a config file deleted and written anew (rm + cp, some config tools) is still watched afterwards', { timeout: 20_000 }, async (t) => {
  const s = setup(t);
  mkdirSync(s.rulesDir);
  writeFileSync(join(s.rulesDir, 'a.yaml'), RULES);
  const config = join(s.dir, 'vigil.yaml');
  writeFileSync(config, 'rules: { vars: { a: 1 } }\n');
  await s.start(config);
  unlinkSync(config);
  await s.until(() => s.outcomes.length >= 1);
  writeFileSync(config, 'rules: { vars: { a: 2 } }\n');
  await s.until(() => s.outcomes.length >= 2);
  const settled = s.outcomes.length;
  writeFileSync(config, 'rules: { vars: { a: 3 } }\n');
  await s.until(() => s.outcomes.length > settled);
  assert.ok(s.outcomes.length > settled, `the config's changes are no longer seen; reloads: ${s.outcomes.length}`);
});
