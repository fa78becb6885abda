import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyTable } from '../../src/core/engine/key-table.ts';
import { Doorkeeper, hashKey } from '../../src/core/engine/doorkeeper.ts';
import { Rng } from '../../bench/lib/rng.ts';

interface Val { n: number }

/** A table of `max` keys with its evictions recorded in order. */
function table(max: number): { t: KeyTable<Val>; evicted: string[] } {
  const evicted: string[] = [];
  return { t: new KeyTable<Val>(max, (k) => evicted.push(k)), evicted };
}

const keysOf = (t: KeyTable<Val>): Set<string> => { const s = new Set<string>(); t.forEach((_v, k) => s.add(k)); return s; };

test('a flood of one-off keys into a full table evicts only keys that came in during the flood', () => {
  const { t } = table(1000);
  for (let i = 0; i < 1000; i++) t.add(`old${i}`, { n: 0 }, i);
  const before = keysOf(t);
  for (let i = 0; i < 20_000; i++) {
    const k = `flood${i}`;
    if (t.touch(k, 1000 + i) === undefined) t.add(k, { n: 0 }, 1000 + i);
  }
  assert.equal(t.size, 1000);
  let kept = 0;
  for (const k of keysOf(t)) if (before.has(k)) kept++;
  // Only doorkeeper false positives (about 0.5 % of the flood) may take an old key's place.
  assert.ok(kept >= 1000 - 0.01 * 20_000, `${kept} of 1000 keys present before the flood are still there`);
});

test('a key touched again while the flood goes on keeps its state', () => {
  const { t } = table(1000);
  for (let i = 0; i < 1000; i++) t.add(`old${i}`, { n: 0 }, i);
  t.add('scanner', { n: 1 }, 0);
  for (let i = 0; i < 50_000; i++) {
    const k = `flood${i}`;
    if (t.touch(k, i) === undefined) t.add(k, { n: 0 }, i);
    // A probe after every 5 flood keys: still in the 16-key window the first time, protected after.
    if (i % 5 === 4) t.touch('scanner', i)!.n++;
  }
  assert.equal(t.peek('scanner')?.n, 1 + 10_000);
});

test('a key that returns after leaving the window is remembered and kept from then on', () => {
  const { t, evicted } = table(100);
  for (let i = 0; i < 100; i++) t.add(`old${i}`, { n: 0 }, i);
  t.add('slow', { n: 1 }, 0);
  for (let i = 0; i < 500; i++) t.add(`flood${i}`, { n: 0 }, i);
  assert.ok(evicted.includes('slow'), 'the first visit was pushed out of the 12-key window');
  assert.equal(t.peek('slow'), undefined);
  t.add('slow', { n: 1 }, 1);
  for (let i = 500; i < 5000; i++) t.add(`flood${i}`, { n: 0 }, i);
  assert.equal(t.peek('slow')?.n, 1, 'the second visit went to the protected segment and outlived 4,500 flood keys');
});

test('while the table fills nothing is evicted, and a full table holds exactly max_keys', () => {
  const { t, evicted } = table(300);
  for (let i = 0; i < 300; i++) t.add(`k${i}`, { n: i }, i);
  assert.deepEqual(evicted, []);
  for (let i = 0; i < 300; i++) assert.equal(t.peek(`k${i}`)?.n, i);
  t.add('one-more', { n: 300 }, 300);
  assert.equal(t.size, 300);
  assert.equal(evicted.length, 1);
});

test('idle keys are swept from every segment, live ones stay', () => {
  const { t } = table(100);
  for (let i = 0; i < 100; i++) t.add(`k${i}`, { n: 0 }, i);
  for (let i = 0; i < 100; i += 2) t.touch(`k${i}`, 1000 + i); // promoted and refreshed
  const dropped: string[] = [];
  assert.equal(t.sweep(500, (k) => dropped.push(k)), 50);
  assert.equal(t.size, 50);
  assert.ok(dropped.every((k) => Number(k.slice(1)) % 2 === 1), 'only the untouched (odd) keys were idle');
  for (let i = 0; i < 100; i += 2) assert.ok(t.peek(`k${i}`));
});

test('lookups and last-touch times agree with a plain map through random adds, touches, deletes, sweeps and evictions', () => {
  const rng = new Rng(11);
  const model = new Map<string, Val>();
  const lastTouch = new Map<string, number>();
  const evicted = new Set<string>();
  const t2 = new KeyTable<Val>(257, (k) => { evicted.add(k); model.delete(k); });
  for (let step = 0; step < 200_000; step++) {
    const k = `k${rng.int(2000)}`;
    const op = rng.int(100);
    if (op < 60) {
      const v = t2.touch(k, step);
      assert.equal(v, model.get(k));
      if (v === undefined) { const nv = { n: step }; t2.add(k, nv, step); model.set(k, nv); }
      lastTouch.set(k, step);
    } else if (op < 90) {
      assert.equal(t2.peek(k), model.get(k));
      assert.equal(t2.lastOf(k), model.has(k) ? lastTouch.get(k) : NaN, 'lastOf is the time of the last touch or add');
    } else if (op < 99) {
      assert.equal(t2.delete(k), model.delete(k));
    } else {
      const cutoff = step - 5000;
      t2.sweep(cutoff, (dk) => { assert.ok(lastTouch.get(dk)! < cutoff); model.delete(dk); });
    }
    assert.ok(t2.size <= 257);
    assert.equal(t2.size, model.size);
  }
  assert.ok(evicted.size > 0, 'evictions happened');
  for (const [k, v] of model) assert.equal(t2.peek(k), v);
  const listed = keysOf(t2);
  assert.deepEqual([...listed].sort(), [...model.keys()].sort());
  t2.clear();
  assert.equal(t2.size, 0);
  assert.equal(t2.peek([...model.keys()][0]), undefined);
});

test('the doorkeeper remembers recent keys and rarely claims to know a new one', () => {
  const d = new Doorkeeper(10_000);
  for (let i = 0; i < 10_000; i++) d.seenThenAdd(hashKey(`a${i}`));
  let remembered = 0;
  for (let i = 0; i < 10_000; i++) if (d.seenThenAdd(hashKey(`a${i}`))) remembered++;
  assert.equal(remembered, 10_000, 'every key of the last `capacity` insertions');
  let falsePositives = 0;
  for (let i = 0; i < 100_000; i++) if (d.seenThenAdd(hashKey(`b${i}`))) falsePositives++;
  assert.ok(falsePositives < 0.01 * 100_000, `${falsePositives} false positives in 100,000 new keys`);
  // Keys older than two rotations are forgotten.
  let stale = 0;
  for (let i = 0; i < 10_000; i++) if (d.seenThenAdd(hashKey(`a${i}`))) stale++;
  assert.ok(stale < 0.01 * 10_000, `${stale} of 10,000 keys from 100,000 insertions back still claimed`);
});

test('a touch tells when the key was last touched before it, and its value can then be replaced in place', () => {
  const { t } = table(10);
  const a = { n: 1 }, b = { n: 2 };
  t.add('k', a, 5);
  t.add('other', { n: 0 }, 6);
  assert.equal(t.touch('k', 9), a);
  assert.equal(t.lastBeforeTouch, 5);
  t.replaceTouched(b);
  assert.equal(t.peek('k'), b);
  assert.equal(t.lastOf('k'), 9);
  assert.equal(t.size, 2);
  assert.equal(t.touch('k', 12), b);
  assert.equal(t.lastBeforeTouch, 9);
  t.add('new', { n: 3 }, 13);
  assert.throws(() => t.replaceTouched(a), /changed since the last touch/, 'a slot may have been reused since the touch');
});
