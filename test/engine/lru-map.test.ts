import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruMap } from '../../src/core/engine/lru-map.ts';

/** Empty the map by shifting: the order it gives is the recency order, oldest first. At most size + 1 shifts. */
const drainOldestFirst = <V>(m: LruMap<V>): string[] => {
  const out: string[] = [];
  const bound = m.size + 1;
  for (let i = 0; i < bound && m.shift((k) => { out.push(k); }); i++);
  assert.equal(m.size, 0, 'shifting empties the map');
  assert.equal(m.shift(), false, 'an empty map has nothing to shift');
  return out;
};

test('set makes a key the most recent; shift removes the least recent first', () => {
  const m = new LruMap<number>();
  m.set('a', 1); m.set('b', 2); m.set('c', 3);
  m.set('a', 4); // updated: now the most recent
  assert.equal(m.get('a'), 4);
  assert.deepEqual(drainOldestFirst(m), ['b', 'c', 'a']);
  assert.equal(m.size, 0);
});

test('touch and get: touch changes recency, get does not', () => {
  const m = new LruMap<string>();
  m.set('a', 'x'); m.set('b', 'y');
  assert.equal(m.get('a'), 'x');
  assert.equal(m.oldestKey(), 'a', 'get left a the oldest');
  assert.equal(m.touch('a'), true);
  assert.equal(m.oldestKey(), 'b');
  assert.equal(m.touch('zz'), false);
});

test('delete and removeWhere keep the order of the others; removeWhere visits oldest first', () => {
  const m = new LruMap<number>();
  for (const [k, v] of [['a', 1], ['b', 2], ['c', 3], ['d', 4], ['e', 5]] as const) m.set(k, v);
  assert.equal(m.delete('c'), true);
  assert.equal(m.delete('c'), false);
  const seen: string[] = [];
  assert.equal(m.removeWhere((v) => v % 2 === 0, (k) => seen.push(k)), 2);
  assert.deepEqual(seen, ['b', 'd']);
  assert.deepEqual([m.has('a'), m.has('e'), m.size], [true, true, 2]);
  assert.deepEqual(drainOldestFirst(m), ['a', 'e']);
});

test('churn at a cap: the oldest goes, the newest stay, whatever was removed before', () => {
  const m = new LruMap<number>();
  for (let i = 0; i < 10_000; i++) {
    m.set(`k${i}`, i);
    if (m.size > 3) m.shift();
  }
  assert.deepEqual([m.size, m.oldestKey(), m.oldestValue()], [3, 'k9997', 9997]);
  assert.equal(m.get('k0'), undefined);
});
