/**
 * first_seen memory is bounded: at most `max_keys` keys per rule, least
 * recently seen forgotten first (counted as evictions), and with
 * `forget_after` silent keys are deleted on event time. Both memories, the
 * in-memory one and SQLite, obey the same bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness, pkt, type Harness } from './helpers/harness.ts';
import { SqliteKeyMemory, type SqliteKeyMemoryOptions } from '../../src/core/engine/memory-sqlite.ts';
import { InMemoryKeyMemory } from '../../src/core/engine/memory.ts';
import type { TestContext } from 'node:test';

const LEARNER = (maxKeys: number, extra = '') => `
rules:
  - id: new-peer
    description: A source seen for the first time.
    on: [packet]
    type: first_seen
    key: [src.ip]
    max_keys: ${maxKeys}
    ${extra}
`;

const MIN = 60_000;
/** A spoofed source address from an index: 10.77.x.y. */
const spoofed = (i: number) => `10.77.${(i >> 8) & 255}.${i & 255}`;

function sqlite(t: TestContext, opts: SqliteKeyMemoryOptions = {}, file = 'state.db'): { memory: SqliteKeyMemory; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-fsm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, file);
  return { memory: new SqliteKeyMemory(path, opts), path };
}

function rows(m: SqliteKeyMemory, rule = 'new-peer'): number {
  return (m.db.prepare('SELECT count(*) AS n FROM vigil_first_seen WHERE rule = ?').get(rule) as { n: number }).n;
}

const stats = (h: Harness) => h.engine.stats().rules[0];

test('in memory: a rule holds at most max_keys keys; the least recently seen is forgotten, counted, and new again when it returns', () => {
  const h = harness(LEARNER(3));
  h.feed(pkt({ ts: 1, src: '10.77.0.1' }), pkt({ ts: 2, src: '10.77.0.2' }), pkt({ ts: 3, src: '10.77.0.3' }));
  h.feed(pkt({ ts: 4, src: '10.77.0.1' })); // refreshed: .2 is now the least recently seen
  h.feed(pkt({ ts: 5, src: '10.77.0.4' })); // a fourth key forgets .2
  assert.deepEqual({ live: stats(h).liveKeys, evictions: stats(h).evictions }, { live: 3, evictions: 1 });
  h.feed(pkt({ ts: 6, src: '10.77.0.1' }), pkt({ ts: 7, src: '10.77.0.2' }));
  assert.deepEqual(h.hits.map((x) => x.src), ['10.77.0.1', '10.77.0.2', '10.77.0.3', '10.77.0.4', '10.77.0.2'],
    '.1 was kept (no second hit); .2 was forgotten, so it is reported again');
});

test('in memory: a flood of spoofed sources stays within max_keys and every key beyond it is counted', () => {
  const h = harness(LEARNER(1000));
  for (let i = 0; i < 20_000; i++) h.feed(pkt({ ts: i, src: spoofed(i) }));
  assert.equal(stats(h).liveKeys, 1000);
  assert.equal(stats(h).evictions, 19_000);
});

test('in memory: with forget_after, silent keys are dropped on event time at most once per 5 minutes', () => {
  const h = harness(LEARNER(100_000, 'forget_after: 1m'));
  for (let i = 0; i < 500; i++) h.feed(pkt({ ts: i, src: spoofed(i) }));
  h.feed(pkt({ ts: 2 * MIN, src: '10.77.250.1' }), pkt({ ts: 4 * MIN, src: '10.77.250.1' }));
  assert.equal(stats(h).liveKeys, 501, 'forgotten keys stay until the next look, 5 minutes after the first');
  h.feed(pkt({ ts: 5 * MIN, src: '10.77.250.1' }));
  assert.equal(stats(h).liveKeys, 1, 'the look at 5 minutes drops the 500 silent keys and keeps the one seen a minute ago');
  assert.equal(stats(h).evictions, 0, 'forgetting is not eviction');
});

test('in memory: a forgotten-key backlog larger than one chunk is dropped over several sightings', () => {
  const h = harness(LEARNER(100_000, 'forget_after: 1m'), { memory: new InMemoryKeyMemory({ purgeChunk: 200 }) });
  for (let i = 0; i < 500; i++) h.feed(pkt({ ts: i, src: spoofed(i) }));
  const live: number[] = [];
  for (let i = 0; i < 4; i++) { h.feed(pkt({ ts: 10 * MIN + i, src: '10.77.250.1' })); live.push(stats(h).liveKeys); }
  assert.deepEqual(live, [301, 101, 1, 1], '200 per sighting while a backlog remains (the new key counts once it is in)');
});

test('in memory: reloading the rule with a lower max_keys forgets the least recently seen keys at once and counts them', () => {
  const h = harness(LEARNER(10));
  for (let i = 0; i < 10; i++) h.feed(pkt({ ts: i, src: spoofed(i) }));
  h.load(LEARNER(4));
  assert.deepEqual({ live: stats(h).liveKeys, evictions: stats(h).evictions }, { live: 4, evictions: 6 });
  h.feed(pkt({ ts: 100, src: spoofed(9) }), pkt({ ts: 101, src: spoofed(0) }));
  assert.deepEqual(h.hits.slice(10).map((x) => x.src), [spoofed(0)], 'the newest keys were kept, the oldest are new again');
});

test('SQLite: after each write a rule has at most max_keys rows; the least recently seen rows are deleted and counted', (t) => {
  const { memory } = sqlite(t, { batchSize: 100, flushEveryMs: 1e12 });
  const h = harness(LEARNER(1000), { memory });
  h.feed(pkt({ ts: 0, src: '10.77.250.1' }));
  for (let i = 1; i <= 5000; i++) {
    h.feed(pkt({ ts: i, src: i % 100 === 0 ? '10.77.250.1' : spoofed(i) })); // the real peer keeps coming back
    if (i % 100 === 99) assert.ok(rows(memory) <= 1000, `rows ${rows(memory)} ≤ max_keys after the write at ${i}`);
  }
  memory.flush();
  assert.equal(rows(memory), 1000);
  assert.equal(stats(h).liveKeys, 1000);
  assert.equal(stats(h).evictions, 5000 - 50 + 1 - 1000, 'every key beyond the cap was evicted and counted');
  assert.equal(h.hits.filter((x) => x.src === '10.77.250.1').length, 1, 'the peer seen often was never forgotten');
  h.engine.close();
});

test('SQLite and in-memory memories forget the same keys when every sighting is written at once', (t) => {
  const events = Array.from({ length: 3000 }, (_, i) => pkt({ ts: i, src: spoofed(i % 7 === 0 ? i % 50 : (i * 37) % 900) }));
  const { memory } = sqlite(t, { batchSize: 1 });
  const a = harness(LEARNER(200), { memory });
  const b = harness(LEARNER(200));
  a.feed(...events); b.feed(...events);
  assert.ok(b.hits.length > 900, 'keys were forgotten and reported again');
  assert.deepEqual(a.hits.map((x) => [x.ts, x.src]), b.hits.map((x) => [x.ts, x.src]));
  assert.deepEqual([stats(a).evictions, stats(a).liveKeys], [stats(b).evictions, stats(b).liveKeys]);
  a.engine.close();
});

test('SQLite: with forget_after, silent rows are deleted on event time, at most once per 5 minutes and a chunk at a time', (t) => {
  const { memory } = sqlite(t, { batchSize: 1, deleteChunk: 300 });
  const h = harness(LEARNER(100_000, 'forget_after: 1m'), { memory });
  for (let i = 0; i < 1000; i++) h.feed(pkt({ ts: i, src: spoofed(i) }));
  h.feed(pkt({ ts: 2 * MIN, src: '10.77.250.1' }));
  assert.equal(rows(memory), 1001, 'forgotten rows wait for the next look, 5 minutes of event time after the first');
  const after: number[] = [];
  for (let i = 0; i < 4; i++) { h.feed(pkt({ ts: 5 * MIN + i, src: '10.77.250.1' })); after.push(rows(memory)); }
  assert.deepEqual(after, [701, 401, 101, 1], '300 rows per write while a backlog remains, then only the live key');
  assert.deepEqual({ live: stats(h).liveKeys, evictions: stats(h).evictions }, { live: 1, evictions: 0 }, 'forgetting is not eviction');
  h.engine.close();
});

test('SQLite: a database holding more rows than a lowered max_keys is brought within it at the next writes, in chunks', (t) => {
  const { memory: m1, path } = sqlite(t);
  const a = harness(LEARNER(100_000), { memory: m1 });
  for (let i = 0; i < 2000; i++) a.feed(pkt({ ts: i, src: spoofed(i) }));
  a.engine.close();
  const m2 = new SqliteKeyMemory(path, { batchSize: 1, deleteChunk: 600 });
  const b = harness(LEARNER(500), { memory: m2 });
  assert.equal(stats(b).liveKeys, 2000, 'the rule starts with the rows it had');
  const seen: number[] = [];
  for (let i = 0; i < 3; i++) { b.feed(pkt({ ts: 5000 + i, src: spoofed(1999) })); seen.push(rows(m2)); }
  assert.deepEqual(seen, [1400, 800, 500]);
  assert.equal(stats(b).evictions, 1500);
  b.feed(pkt({ ts: 6000, src: spoofed(1500) }), pkt({ ts: 6001, src: spoofed(0) }));
  assert.deepEqual(b.hits.map((x) => x.src), [spoofed(0)], 'the 500 most recently seen were kept');
  b.engine.close();
});

test('SQLite: with few keys held in memory, it still forgets exactly the keys the in-memory memory forgets', (t) => {
  const events = Array.from({ length: 3000 }, (_, i) => pkt({ ts: i * 1000, src: spoofed(i % 7 === 0 ? i % 50 : (i * 37) % 900) }));
  const { memory } = sqlite(t, { batchSize: 1, cacheKeys: 20 });
  const a = harness(LEARNER(200), { memory });
  const b = harness(LEARNER(200));
  a.feed(...events); b.feed(...events);
  assert.deepEqual(a.hits.map((x) => [x.ts, x.src]), b.hits.map((x) => [x.ts, x.src]));
  assert.deepEqual([stats(a).evictions, stats(a).liveKeys], [stats(b).evictions, stats(b).liveKeys]);
  a.engine.close();
});

test('SQLite: a returning key\'s new "last seen" is written lazily, and exactly on close', (t) => {
  const { memory, path } = sqlite(t, { batchSize: 1, refreshEveryMs: MIN });
  const h = harness(LEARNER(1000), { memory });
  const lastOnDisk = () => (memory.db.prepare('SELECT last_ts AS t FROM vigil_first_seen WHERE key = ?').get('10.77.250.1') as { t: number }).t;
  h.feed(pkt({ ts: 0, src: '10.77.250.1' }));
  assert.equal(lastOnDisk(), 0, 'a new key is written with its batch');
  h.feed(pkt({ ts: 10_000, src: '10.77.250.1' }), pkt({ ts: 20_000, src: '10.77.250.1' }));
  assert.equal(lastOnDisk(), 0, 'sightings within refreshEveryMs of the stored one wait');
  h.feed(pkt({ ts: 61_000, src: '10.77.250.1' }));
  assert.equal(lastOnDisk(), 61_000, 'one more than refreshEveryMs newer is written');
  h.feed(pkt({ ts: 70_000, src: '10.77.250.1' }));
  h.engine.close();
  const again = new SqliteKeyMemory(path);
  t.after(() => again.close());
  assert.equal((again.db.prepare('SELECT last_ts AS t FROM vigil_first_seen').get() as { t: number }).t, 70_000, 'close writes the exact time');
});

test('SQLite: a key that left memory before its sighting was written is still known when it returns', (t) => {
  const { memory } = sqlite(t, { batchSize: 1000, flushEveryMs: 1e12, cacheKeys: 2 });
  const h = harness(LEARNER(1000), { memory });
  h.feed(pkt({ ts: 1, src: '10.77.0.1' }), pkt({ ts: 2, src: '10.77.0.2' }), pkt({ ts: 3, src: '10.77.0.3' }));
  assert.equal(rows(memory), 0, 'nothing written yet');
  h.feed(pkt({ ts: 4, src: '10.77.0.1' }));
  assert.deepEqual(h.hits.map((x) => x.src), ['10.77.0.1', '10.77.0.2', '10.77.0.3'], 'reported once');
  assert.equal(stats(h).liveKeys, 3);
  h.engine.close();
});

test('SQLite: new keys cost no disk lookup, and every key on disk is still known through filter refills and a restart', (t) => {
  const { memory, path } = sqlite(t, { batchSize: 100, flushEveryMs: 1e12 });
  const h = harness(LEARNER(1000), { memory });
  // 20,000 spoofed sources through a 1,000-key cap: the filter (sized 2,000) is refilled many times.
  for (let i = 0; i < 20_000; i++) h.feed(pkt({ ts: i, src: spoofed(i) }));
  assert.equal(h.hits.length, 20_000);
  assert.ok(memory.lookups < 20_000 * 0.02, `new keys were looked up on disk ${memory.lookups} times (false positives only)`);
  h.engine.close();

  // A restart: the filter is built from the file, so the 1,000 keys still stored are known and nothing else is.
  const again = new SqliteKeyMemory(path, { batchSize: 100, flushEveryMs: 1e12, cacheKeys: 10 });
  const h2 = harness(LEARNER(1000), { memory: again });
  for (let i = 19_000; i < 20_000; i++) h2.feed(pkt({ ts: 30_000 + i, src: spoofed(i) }));
  assert.equal(h2.hits.length, 0, 'the 1,000 most recently seen keys are remembered');
  assert.equal(again.lookups, 1000, 'each of them was looked up once (only 10 held in memory)');
  h2.feed(pkt({ ts: 60_000, src: spoofed(5) }));
  assert.deepEqual(h2.hits.map((x) => x.src), [spoofed(5)], 'a key forgotten under the cap is new again');
  h2.engine.close();
});
