/**
 * Event time, not arrival order, decides what first_seen remembers: a
 * capture replayed into a database written live carries older times, and
 * those must not make live keys look silent. Keys must also mean the same
 * after a restart as before it.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteKeyMemory } from '../../src/core/engine/memory-sqlite.ts';
import { InMemoryKeyMemory } from '../../src/core/engine/memory.ts';
import type { KeyMemory, MemoryBound } from '../../src/core/engine/types/api.ts';

const MIN = 60_000;
const LIVE = Date.UTC(2024, 5, 1);
const bound = (forgetAfterMs: number | null): MemoryBound => ({ maxKeys: 100_000, forgetAfterMs, evicted() {} });

function dbFile(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-evt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'vigil.db');
}

const memories: Array<[string, (t: TestContext) => KeyMemory & { close?(): void }]> = [
  ['in memory', () => new InMemoryKeyMemory()],
  ['sqlite', (t) => new SqliteKeyMemory(dbFile(t))],
];

for (const [name, make] of memories) {
  test(`${name}: an old sighting replayed after a live one does not pull "last seen" back, so the key stays known within forget_after`, (t) => {
    const memory = make(t);
    t.after(() => memory.close?.());
    const rule = memory.forRule('new-peer', bound(10 * MIN));
    assert.equal(rule.seen('10.0.0.1', LIVE), false);
    assert.equal(rule.seen('10.0.0.1', LIVE - 60 * MIN), true, 'the replayed capture saw a key already known');
    assert.equal(rule.seen('10.0.0.1', LIVE + 9 * MIN), true, 'seen live 9 minutes ago, within forget_after of 10');
  });
}

test('sqlite: an old sighting replayed after a restart does not pull back the "last seen" on disk', (t) => {
  const file = dbFile(t);
  const live = new SqliteKeyMemory(file);
  live.forRule('new-peer', bound(10 * MIN)).seen('10.0.0.1', LIVE);
  live.close();
  const replay = new SqliteKeyMemory(file);
  replay.forRule('new-peer', bound(10 * MIN)).seen('10.0.0.1', LIVE - 60 * MIN);
  replay.close();
  const again = new SqliteKeyMemory(file);
  t.after(() => again.close());
  assert.equal(again.forRule('new-peer', bound(10 * MIN)).seen('10.0.0.1', LIVE + 9 * MIN), true);
});

test('sqlite: a key holding a lone surrogate (a name cut inside an emoji) is known after a restart and counted once', (t) => {
  const file = dbFile(t);
  const host = 'h\u{1F600}'.slice(0, 2);
  const first = new SqliteKeyMemory(file);
  assert.equal(first.forRule('new-peer', bound(null)).seen(host, 1), false);
  first.close();
  const second = new SqliteKeyMemory(file);
  t.after(() => second.close());
  const rule = second.forRule('new-peer', bound(null));
  assert.equal(rule.seen(host, 2), true);
  assert.equal(rule.size(), 1);
});
