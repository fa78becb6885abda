import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, migrate, appliedMigrations } from '../../src/core/store/database.ts';
import { KvStore } from '../../src/core/store/kv.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('openDatabase creates the data dir and vigil.db in WAL mode with synchronous=NORMAL', (t) => {
  const dir = join(tempDir(t), 'nested', 'data');
  const db = openDatabase(dir);
  try {
    assert.ok(existsSync(join(dir, 'vigil.db')));
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 1); // NORMAL
  } finally { db.close(); }
});

test('a migration runs once and is recorded; reopening does not run it again', (t) => {
  const dir = tempDir(t);
  const db1 = openDatabase(dir);
  assert.equal(migrate(db1, 'engine/first_seen/1', 'CREATE TABLE seen (k TEXT PRIMARY KEY)'), true);
  assert.equal(migrate(db1, 'engine/first_seen/1', 'CREATE TABLE seen (k TEXT PRIMARY KEY)'), false);
  db1.close();
  const db2 = openDatabase(dir);
  try {
    assert.equal(migrate(db2, 'engine/first_seen/1', 'CREATE TABLE seen (k TEXT PRIMARY KEY)'), false);
    assert.deepEqual(appliedMigrations(db2), ['engine/first_seen/1']);
  } finally { db2.close(); }
});

test('a failing migration leaves nothing behind and is not recorded', (t) => {
  const db = openDatabase(tempDir(t));
  try {
    assert.throws(() => migrate(db, 'broken/1', 'CREATE TABLE a (x INT); CREATE TABLEX b'));
    assert.deepEqual(appliedMigrations(db), []);
    assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE name = 'a'").all(), []);
  } finally { db.close(); }
});

test('namespaces are private, values survive a restart, deletes persist', (t) => {
  const dir = tempDir(t);
  const db1 = openDatabase(dir);
  const kv1 = new KvStore(db1);
  const a = kv1.namespace('geoip/site');
  const b = kv1.namespace('log/log');
  a.set('net:10.0.0.0/8', { tag: 'office', n: 3 });
  a.set('net:192.0.2.0/24', 'lab');
  a.set('other', 1);
  b.set('net:10.0.0.0/8', 'not visible to a');
  a.delete('other');
  assert.deepEqual(a.get('net:10.0.0.0/8'), { tag: 'office', n: 3 });
  assert.deepEqual(a.keys('net:'), ['net:10.0.0.0/8', 'net:192.0.2.0/24']);
  assert.equal(a.get('other'), undefined);
  kv1.close();
  db1.close();

  const db2 = openDatabase(dir);
  try {
    const kv2 = new KvStore(db2);
    const a2 = kv2.namespace('geoip/site');
    assert.deepEqual(a2.keys(), ['net:10.0.0.0/8', 'net:192.0.2.0/24']);
    assert.deepEqual(a2.get('net:10.0.0.0/8'), { tag: 'office', n: 3 });
    assert.equal(kv2.namespace('log/log').get('net:10.0.0.0/8'), 'not visible to a');
  } finally { db2.close(); }
});

test('writes are batched: nothing reaches the table until a flush, then one transaction writes all', (t) => {
  const db = openDatabase(tempDir(t));
  try {
    const kv = new KvStore(db, { flushMs: 60_000, maxPending: 10_000 });
    const s = kv.namespace('p/i');
    for (let i = 0; i < 500; i++) s.set(`k${i}`, i);
    s.set('k0', 'last write wins');
    assert.equal(kv.pendingWrites, 500);
    const count = () => (db.prepare('SELECT count(*) AS n FROM kv').get() as { n: number }).n;
    assert.equal(count(), 0);
    kv.flush();
    assert.equal(kv.pendingWrites, 0);
    assert.equal(count(), 500);
    assert.equal((db.prepare("SELECT value FROM kv WHERE key = 'k0'").get() as { value: string }).value, '"last write wins"');
  } finally { db.close(); }
});

test('reaching maxPending flushes at once', (t) => {
  const db = openDatabase(tempDir(t));
  try {
    const kv = new KvStore(db, { flushMs: 60_000, maxPending: 10 });
    const s = kv.namespace('p/i');
    for (let i = 0; i < 25; i++) s.set(`k${i}`, i);
    assert.equal(kv.pendingWrites, 5);
    assert.equal((db.prepare('SELECT count(*) AS n FROM kv').get() as { n: number }).n, 20);
    kv.close();
  } finally { db.close(); }
});

test('a value that is not JSON is refused with the key named', (t) => {
  const db = openDatabase(tempDir(t));
  try {
    const s = new KvStore(db).namespace('p/i');
    assert.throws(() => s.set('fn', () => 1), /store p\/i: value for key "fn" is not JSON-serialisable/);
    assert.equal(s.get('fn'), undefined);
  } finally { db.close(); }
});
