import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness, pkt } from './helpers/harness.ts';
import { SqliteKeyMemory } from '../../src/core/engine/memory-sqlite.ts';

const LEARNER = (forget = '') => `
rules:
  - id: new-peer
    description: Test rule new-peer.
    on: [packet]
    type: first_seen
    key: [src.ip]
    ${forget}
`;

test('first_seen acts once per new key', () => {
  const h = harness(LEARNER());
  h.feed(pkt({ ts: 1, src: '10.77.0.2' }), pkt({ ts: 2, src: '10.77.0.2' }), pkt({ ts: 3, src: '10.77.0.3' }), pkt({ ts: 999_999, src: '10.77.0.2' }));
  assert.deepEqual(h.hits.map((x) => x.src), ['10.77.0.2', '10.77.0.3']);
});

test('forget_after: a key unseen for longer than the period is new again; each sighting refreshes it', () => {
  const h = harness(LEARNER('forget_after: 1h'));
  const H = 3_600_000;
  h.feed(pkt({ ts: 1 }), pkt({ ts: 1 + H }), pkt({ ts: 1 + 2 * H }));
  assert.equal(h.hits.length, 1, 'seen exactly every hour: never forgotten');
  h.feed(pkt({ ts: 2 + 3 * H }));
  assert.deepEqual(h.hits.map((x) => x.ts), [1, 2 + 3 * H]);
});

test('first_seen with SQLite memory remembers keys across a restart', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-fs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'state.db');
  const m1 = new SqliteKeyMemory(path, { batchSize: 1000, flushEveryMs: 60_000 });
  const a = harness(LEARNER(), { memory: m1 });
  a.feed(pkt({ ts: 1, src: '10.77.0.2' }), pkt({ ts: 2, src: '10.77.0.3' }), pkt({ ts: 3, src: '10.77.0.2' }));
  assert.equal(a.hits.length, 2);
  a.engine.close();
  const m2 = new SqliteKeyMemory(path);
  const b = harness(LEARNER(), { memory: m2 });
  b.feed(pkt({ ts: 10, src: '10.77.0.2' }), pkt({ ts: 11, src: '10.77.0.4' }));
  assert.deepEqual(b.hits.map((x) => x.src), ['10.77.0.4']);
  assert.equal(m2.db.pragma('journal_mode', { simple: true }), 'wal');
  b.engine.close();
});

test('SQLite memory answers from its write-behind buffer before a flush', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-fs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const m = new SqliteKeyMemory(join(dir, 's.db'), { batchSize: 10_000, flushEveryMs: 1e12 });
  const r = m.forRule('r', { maxKeys: 100, forgetAfterMs: null, evicted: () => {} });
  assert.equal(r.seen('k', 5), false);
  assert.equal(r.seen('k', 6), true);
  assert.equal((m.db.prepare('SELECT count(*) AS n FROM vigil_first_seen').get() as { n: number }).n, 0, 'not written yet');
  m.flush();
  assert.equal((m.db.prepare('SELECT count(*) AS n FROM vigil_first_seen').get() as { n: number }).n, 1);
  m.close();
});
