/**
 * A first_seen batch that cannot be written (another process holds the
 * write lock past the busy timeout, a full disk) used to throw out of
 * SqliteKeyMemory.flush, through Engine.feed, into the input, and stop
 * `vigil run` with exit 3. It must be counted and reported, the batch kept
 * for a later try (bounded by maxPending, the oldest dropped and counted),
 * and the engine must go on.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteKeyMemory, type SqliteKeyMemoryOptions, type WriteErrorInfo } from '../../src/core/engine/memory-sqlite.ts';
import { harness, pkt } from '../engine/helpers/harness.ts';

const LEARNER = `
rules:
  - id: new-peer
    description: A source seen for the first time.
    on: [packet]
    type: first_seen
    key: [src.ip]
`;

interface Locked { memory: SqliteKeyMemory; other: Database.Database; errors: Array<{ err: Error; info: WriteErrorInfo }>; rows(): number }

/** A memory on a fresh file, and a second connection holding its write lock (taken by `BEGIN EXCLUSIVE`). */
function locked(t: TestContext, opts: SqliteKeyMemoryOptions = {}): Locked {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-r2-write-'));
  const path = join(dir, 'vigil.db');
  const errors: Locked['errors'] = [];
  const memory = new SqliteKeyMemory(path, { busyTimeoutMs: 2, retryAfterMs: 0, batchSize: 10, onWriteError: (err, info) => errors.push({ err, info }), ...opts });
  const other = new Database(path);
  t.after(() => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    if (memory.db.open) memory.db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const rows = () => (other.prepare('SELECT count(*) AS n FROM vigil_first_seen').get() as { n: number }).n;
  return { memory, other, errors, rows };
}

function lock(l: Locked): Locked {
  l.other.exec('BEGIN EXCLUSIVE');
  return l;
}

const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

test('a batch that meets a locked database is kept, counted and reported; it is written once the lock is gone', { timeout: 10_000 }, (t) => {
  const l = locked(t);
  const { memory, other, errors, rows } = l;
  // The engine creates its tables first; the lock comes after, as another process's would.
  const h = harness(LEARNER, { memory });
  lock(l);
  for (let i = 0; i < 50; i++) h.feed(pkt({ ts: 1_000 + i, src: ip(i) }));
  // Still known while unwritten: a second sighting is no new peer.
  h.feed(pkt({ ts: 2_000, src: ip(3) }));
  assert.equal(h.hits.length, 50);
  assert.ok(memory.writeFailures > 0, 'failures counted');
  assert.ok(errors.length > 0 && /locked|busy/i.test(errors[0].err.message), errors[0]?.err.message);
  assert.equal(errors[0].info.closing, false);
  assert.equal(memory.pending(), 50, 'every sighting still waits');
  other.exec('COMMIT');
  assert.equal(rows(), 0);
  h.feed(pkt({ ts: 3_000, src: ip(60) }));
  assert.equal(rows(), 51, 'the kept batch and the new sighting are written');
  assert.equal(memory.pending(), 0);
  h.engine.close();
});

test('while writes fail the sightings waiting stay under maxPending: the oldest are dropped, counted, and new again', { timeout: 10_000 }, (t) => {
  const { memory, other, rows } = lock(locked(t, { maxPending: 20 }));
  const m = memory.forRule('r', { maxKeys: 1000, forgetAfterMs: null, evicted() {} });
  for (let i = 0; i < 50; i++) assert.equal(m.seen(ip(i), 1_000 + i), false);
  assert.equal(memory.pending(), 20);
  assert.equal(memory.droppedSightings, 30);
  assert.equal(m.size(), 20, 'dropped new keys are not counted as held');
  other.exec('COMMIT');
  memory.flush();
  assert.equal(rows(), 20);
  assert.equal(m.seen(ip(0), 5_000), false, 'a dropped key is new again');
  assert.equal(m.seen(ip(49), 5_001), true, 'a kept key is still known');
  memory.close();
});

test('retries are spaced out: a failing write is not tried again before retryAfterMs', { timeout: 10_000 }, (t) => {
  const { memory, errors } = lock(locked(t, { retryAfterMs: 60_000 }));
  const m = memory.forRule('r', { maxKeys: 1000, forgetAfterMs: null, evicted() {} });
  for (let i = 0; i < 100; i++) m.seen(ip(i), 1_000 + i);
  assert.equal(memory.writeFailures, 1, 'one try, then a wait');
  assert.equal(errors.length, 1);
});

test('close on a locked database reports the sightings it loses instead of throwing', { timeout: 10_000 }, (t) => {
  const { memory, errors } = lock(locked(t));
  const m = memory.forRule('r', { maxKeys: 1000, forgetAfterMs: null, evicted() {} });
  for (let i = 0; i < 5; i++) m.seen(ip(i), 1_000 + i);
  assert.doesNotThrow(() => memory.close());
  const last = errors.at(-1)!;
  assert.equal(last.info.closing, true);
  assert.equal(last.info.pending, 5);
});

test('a full disk (SQLITE_FULL) in the middle of writes and deletions leaves memory and rows agreeing once there is room', { timeout: 10_000 }, (t) => {
  const { memory, errors, rows } = locked(t, { batchSize: 50, deleteChunk: 100 });
  let evicted = 0;
  const m = memory.forRule('r', { maxKeys: 300, forgetAfterMs: 5_000, evicted(n) { evicted += n; } });
  let i = 0;
  for (; i < 2_000; i++) m.seen(ip(i), i * 10);
  // No page beyond those the file has: writes fail wherever they need a new one.
  memory.db.pragma(`max_page_count = ${memory.db.pragma('page_count', { simple: true }) as number}`);
  for (; i < 6_000; i++) m.seen(ip((i % 2_500) + (i > 4_000 ? 3_000 : 0)), i * 10);
  assert.ok(errors.length > 0 && errors.every((e) => (e.err as { code?: string }).code === 'SQLITE_FULL'), JSON.stringify(errors.slice(0, 3).map((e) => e.err.message)));
  memory.db.pragma('max_page_count = 1000000');
  memory.flush(i * 10);
  assert.equal(memory.pending(), 0);
  assert.equal(rows(), m.size(), 'the rows on disk are the keys the rule counts');
  assert.ok(evicted > 0);
  memory.close();
});

test('a write that fails after another rule\'s rows were written and trimmed puts memory back as the rollback left the rows', { timeout: 10_000 }, (t) => {
  const { memory, errors, rows } = locked(t, { batchSize: 20 });
  const a = memory.forRule('a', { maxKeys: 10, forgetAfterMs: null, evicted() {} });
  const b = memory.forRule('b', { maxKeys: 1000, forgetAfterMs: null, evicted() {} });
  for (let i = 0; i < 20; i++) a.seen(ip(i), i);
  // Rule b's rows come after rule a's in each write: a's are written and trimmed, then b's fail.
  memory.db.exec(`CREATE TEMP TRIGGER fail_b BEFORE INSERT ON main.vigil_first_seen WHEN NEW.rule = 'b'
    BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
  for (let i = 20; i < 40; i++) { a.seen(ip(i), i); b.seen(ip(i), i); }
  assert.ok(errors.length > 0, 'writes failed');
  memory.db.exec('DROP TRIGGER fail_b');
  memory.flush();
  const count = (rule: string) => (memory.db.prepare('SELECT count(*) AS n FROM vigil_first_seen WHERE rule = ?').get(rule) as { n: number }).n;
  assert.deepEqual({ a: a.size(), b: b.size() }, { a: count('a'), b: count('b') });
  assert.equal(b.size(), 20);
  const keysOfA = (memory.db.prepare("SELECT key FROM vigil_first_seen WHERE rule = 'a' ORDER BY last_ts").pluck().all() as string[]);
  assert.deepEqual(keysOfA, Array.from({ length: 10 }, (_, k) => ip(30 + k)), 'rule a keeps its 10 most recent keys');
  assert.ok(rows() > 0);
  memory.close();
});
