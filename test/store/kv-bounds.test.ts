/**
 * A plugin's store is bounded (src/core/store/kv.ts STORE_MAX_KEYS and
 * STORE_MAX_BYTES): a plugin keeping a record per address must not grow
 * without limit under a spoofed flood. Past a bound `set` throws and the
 * store keeps what it holds; nothing is dropped on the plugin's behalf.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/core/store/database.ts';
import { KvStore, STORE_MAX_BYTES, STORE_MAX_KEYS } from '../../src/core/store/kv.ts';

function open(t: { after(fn: () => void): void }, opts: ConstructorParameters<typeof KvStore>[1] = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kv-bounds-'));
  const db = openDatabase(dir);
  t.after(() => { db.close(); rmSync(dir, { recursive: true, force: true }); });
  return { dir, db, kv: new KvStore(db, opts) };
}

test('past maxKeys a new key is refused with the namespace, the count and the fix; existing keys can still change and be deleted', (t) => {
  const { kv } = open(t, { maxKeys: 3 });
  const s = kv.namespace('blocker/main');
  for (const k of ['10.77.0.1', '10.77.0.2', '10.77.0.3']) s.set(k, { until: 1 });
  assert.throws(() => s.set('10.77.0.4', { until: 1 }), /store blocker\/main: cannot add key "10\.77\.0\.4": the store already holds 3 keys, the most one plugin's store may; delete the keys it no longer needs/);
  assert.equal(s.size(), 3);
  assert.equal(s.get('10.77.0.4'), undefined);
  s.set('10.77.0.1', { until: 2 });
  assert.deepEqual(s.get('10.77.0.1'), { until: 2 }, 'a held key still takes a new value');
  s.delete('10.77.0.2');
  s.set('10.77.0.4', { until: 1 });
  assert.equal(s.size(), 3, 'a deleted key makes room');
  const other = kv.namespace('notifier/main');
  other.set('x', 1);
  assert.equal(other.size(), 1, 'each namespace has its own bound');
});

test('past maxBytes a set that would grow the store is refused; one that shrinks a value is taken', (t) => {
  const { kv } = open(t, { maxBytes: 100 });
  const s = kv.namespace('p/i');
  s.set('a', 'x'.repeat(40)); // 1 + 42 bytes
  s.set('b', 'y'.repeat(40)); // 1 + 42 bytes: 86 in all
  assert.throws(() => s.set('c', 'z'.repeat(20)), /store p\/i: cannot set key "c": the store would hold 109 bytes, more than the 100 one plugin's store may/);
  assert.throws(() => s.set('a', 'x'.repeat(60)), /would hold 106 bytes/);
  s.set('a', 'short');
  s.set('c', 'z'.repeat(20));
  assert.deepEqual(s.keys(), ['a', 'b', 'c']);
});

test('the bounds count what is on disk after a restart: rows read back take their room', (t) => {
  const { db, kv } = open(t, { maxKeys: 2 });
  const s = kv.namespace('p/i');
  s.set('one', 1);
  s.set('two', 2);
  kv.close();
  const again = new KvStore(db, { maxKeys: 2 }).namespace('p/i');
  assert.equal(again.size(), 2);
  assert.throws(() => again.set('three', 3), /already holds 2 keys/);
});

test('a store made under larger bounds is still read whole; only growing past the new bound is refused', (t) => {
  const { db, kv } = open(t, { maxKeys: 10 });
  const s = kv.namespace('p/i');
  for (let i = 0; i < 5; i++) s.set(`k${i}`, i);
  kv.close();
  const smaller = new KvStore(db, { maxKeys: 3 }).namespace('p/i');
  assert.equal(smaller.size(), 5);
  assert.equal(smaller.get('k4'), 4);
  smaller.set('k0', 'changed');
  assert.throws(() => smaller.set('k9', 9), /already holds 5 keys/);
});

test('the plugin authoring guide states the bounds as the code defines them', () => {
  const doc = readFileSync(new URL('../../docs/plugins.md', import.meta.url), 'utf8');
  assert.ok(doc.includes(`${STORE_MAX_KEYS.toLocaleString('en-US')} keys`), 'docs/plugins.md: the key bound');
  assert.ok(doc.includes(`${STORE_MAX_BYTES / 2 ** 20} MiB`), 'docs/plugins.md: the byte bound');
});
