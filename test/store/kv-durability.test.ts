/**
 * The plugin key/value store under trouble: another process holding the
 * database, values SQLite or JSON cannot take, keys that do not survive the
 * trip through SQLite's UTF-8. A write the store accepted is on disk after
 * a successful flush, never dropped on the way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, DB_FILE } from '../../src/core/store/database.ts';
import { KvStore } from '../../src/core/store/kv.ts';
import { runFixture, until } from './fixtures/child.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function stored(dir: string, ns: string, key: string): string | undefined {
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  try { return (db.prepare('SELECT value FROM kv WHERE ns = ? AND key = ?').get(ns, key) as { value: string } | undefined)?.value; } finally { db.close(); }
}

test('a flush refused because another process holds the write lock keeps the writes for the next flush', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  const db = openDatabase(dir);
  t.after(() => db.close());
  // Only so the refused flush comes back quickly; the default waits 5 s.
  db.pragma('busy_timeout = 100');
  const kv = new KvStore(db, { flushMs: 60_000 });
  const other = runFixture(t, 'hold-lock.ts', [join(dir, DB_FILE)]);
  await other.line((l) => l === 'locked');

  kv.namespace('geoip/site').set('net:10.0.0.0/8', 'office');
  assert.throws(() => kv.flush(), (e: Error & { code?: string }) => e.code === 'SQLITE_BUSY');
  assert.equal(kv.pendingWrites, 1, 'the refused write is still pending');

  await other.kill();
  kv.flush();
  assert.equal(stored(dir, 'geoip/site', 'net:10.0.0.0/8'), '"office"');
});

test('a timed flush that fails is reported, not thrown out of the timer, and retried until it lands', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  const db = openDatabase(dir);
  t.after(() => db.close());
  db.pragma('busy_timeout = 100');
  const errors: string[] = [];
  const kv = new KvStore(db, { flushMs: 10, onWriteError: (err) => errors.push((err as Error & { code?: string }).code ?? err.message) });
  const other = runFixture(t, 'hold-lock.ts', [join(dir, DB_FILE)]);
  await other.line((l) => l === 'locked');

  kv.namespace('p/i').set('k', 1);
  await until(() => errors.length > 0, 10_000, 'the failed timed flush to be reported');
  assert.equal(errors[0], 'SQLITE_BUSY');
  await other.kill();
  await until(() => kv.pendingWrites === 0, 10_000, 'the retry to write the pending change');
  assert.equal(stored(dir, 'p/i', 'k'), '1');
});

test('a value JSON cannot encode (a cycle, a BigInt) is refused at set with the namespace and key named', (t) => {
  const db = openDatabase(tempDir(t));
  t.after(() => db.close());
  const s = new KvStore(db).namespace('p/i');
  const cyclic: { self?: unknown } = {};
  cyclic.self = cyclic;
  assert.throws(() => s.set('loop', cyclic), (e: Error) => e instanceof TypeError && /store p\/i: value for key "loop" is not JSON-serialisable/.test(e.message));
  assert.throws(() => s.set('count', 10n), (e: Error) => e instanceof TypeError && /key "count"/.test(e.message));
  assert.deepEqual(s.keys(), []);
});

test('a value over maxValueBytes is refused at set, and the writes around it still reach the disk', (t) => {
  const dir = tempDir(t);
  const db = openDatabase(dir);
  t.after(() => db.close());
  const kv = new KvStore(db, { maxValueBytes: 1024 });
  const s = kv.namespace('p/i');
  s.set('before', 1);
  assert.throws(() => s.set('huge', 'x'.repeat(2000)), /store p\/i: value for key "huge" is 2002 bytes of JSON, more than the 1024/);
  s.set('after', 2);
  kv.close();
  assert.deepEqual([stored(dir, 'p/i', 'before'), stored(dir, 'p/i', 'huge'), stored(dir, 'p/i', 'after')], ['1', undefined, '2']);
});

test('keys and namespaces holding a lone surrogate (a name cut inside an emoji) read back the same after a restart', (t) => {
  const dir = tempDir(t);
  const host = 'h\u{1F600}'.slice(0, 2); // 'h' and half of the emoji
  const db1 = openDatabase(dir);
  const kv1 = new KvStore(db1);
  kv1.namespace(`dns/${host}`).set(`name:${host}`, 'seen');
  assert.equal(kv1.namespace(`dns/${host}`).get(`name:${host}`), 'seen');
  kv1.close();
  db1.close();

  const db2 = openDatabase(dir);
  t.after(() => db2.close());
  const s = new KvStore(db2).namespace(`dns/${host}`);
  assert.equal(s.get(`name:${host}`), 'seen');
  assert.equal(s.keys(`name:${host}`).length, 1);
  s.delete(`name:${host}`);
  assert.deepEqual(s.keys(), []);
});
