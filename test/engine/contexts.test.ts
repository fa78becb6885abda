import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness, pkt } from './helpers/harness.ts';
import { ContextStore } from '../../src/core/engine/contexts.ts';
import { SqliteKeyMemory } from '../../src/core/engine/memory-sqlite.ts';

/** A state database in a temp dir, closed and removed when the test ends. */
function stateDb(t: TestContext): SqliteKeyMemory {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ctx-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const m = new SqliteKeyMemory(join(dir, 'state.db'));
  t.after(() => m.close());
  return m;
}

const RULES = (persistent = false) => `
rules:
  - id: mark-scanner
    description: A SYN to port 23 marks the source as a scanner for 1 minute.
    on: [packet]
    when: dst.port == 23
    type: single
    key: [src.ip]
    actions:
      - context.set: { name: scanner, key: "{{src.ip}}", ttl: 1m, persistent: ${persistent} }
  - id: scanner-touches-ssh
    description: A marked scanner touching ssh.
    on: [packet]
    when: dst.port == 22 && context("scanner", src.ip)
    type: single
    key: [src.ip]
  - id: clear-scanner
    description: A packet to port 9 clears the mark.
    on: [packet]
    when: dst.port == 9
    type: single
    key: [src.ip]
    actions:
      - context.delete: { name: scanner, key: "{{src.ip}}" }
`;

test('context.set marks a key for a lifetime on event time; conditions see it from the next event', () => {
  const h = harness(RULES());
  h.feed(pkt({ ts: 1000, dport: 22 }));
  assert.deepEqual(h.hits.map((x) => x.rule), []);
  h.feed(pkt({ ts: 2000, dport: 23 }), pkt({ ts: 3000, dport: 22 }), pkt({ ts: 3000, dport: 22, src: '10.77.0.3' }));
  assert.deepEqual(h.hits.map((x) => [x.rule, x.src]), [['mark-scanner', '10.77.0.9'], ['scanner-touches-ssh', '10.77.0.9']]);
  assert.deepEqual(h.hits[0].actions, [{ plugin: 'context.set', params: { name: 'scanner', key: '10.77.0.9', ttl: '1m', persistent: false } }], 'still listed in the hit');
  h.feed(pkt({ ts: 62_000, dport: 22 }));
  assert.equal(h.hits.length, 3, 'exactly 1 minute after the set: still live');
  h.feed(pkt({ ts: 62_001, dport: 22 }));
  assert.equal(h.hits.length, 3, 'expired');
});

test('context.delete clears it; the engine runs it before the next event', () => {
  const h = harness(RULES());
  h.feed(pkt({ ts: 1, dport: 23 }), pkt({ ts: 2, dport: 9 }), pkt({ ts: 3, dport: 22 }));
  assert.deepEqual(h.hits.map((x) => x.rule), ['mark-scanner', 'clear-scanner']);
  assert.equal(h.engine.stats().contexts.deletes, 1);
});

test('a bad ttl is counted as an action error and logged, and nothing else changes', () => {
  const warnings: unknown[] = [];
  const logger = { info() {}, error() {}, warn: (o: unknown) => { warnings.push(o); } } as never;
  const h = harness(`
rules:
  - id: mark
    description: Mark with a ttl from the port (not a duration).
    on: [packet]
    type: single
    key: [src.ip]
    actions:
      - context.set: { name: x, key: "{{src.ip}}", ttl: "{{dst.port}}" }
`, { logger });
  h.feed(pkt({ ts: 1 }));
  assert.equal(h.hits.length, 1);
  assert.equal(h.engine.stats().actionErrors, 1);
  assert.match(JSON.stringify(warnings), /ttl.*must be a duration/);
});

test('each context name holds at most its cap; the oldest set is evicted and counted', () => {
  const c = new ContextStore({ capPerName: 2 });
  c.set('s', 'a', 0, null); c.set('s', 'b', 0, null); c.set('s', 'c', 0, null);
  assert.deepEqual([c.has('s', 'a', 0), c.has('s', 'b', 0), c.has('s', 'c', 0)], [false, true, true]);
  assert.equal(c.stats().evictions, 1);
});

test('persistent contexts survive a restart in the engine database', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ctx-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'state.db');
  const a = harness(RULES(true), { memory: new SqliteKeyMemory(path) });
  a.feed(pkt({ ts: 1000, dport: 23 }));
  a.engine.close();
  const b = harness(RULES(true), { memory: new SqliteKeyMemory(path) });
  b.feed(pkt({ ts: 5000, dport: 22 }));
  assert.deepEqual(b.hits.map((x) => x.rule), ['scanner-touches-ssh']);
  b.engine.close();
});

test('a name with a declared limit holds at most that many keys; other names keep the default cap', () => {
  const c = new ContextStore({ capPerName: 3 });
  c.setLimits({ reported: { maxKeys: 2 } });
  for (const k of ['a', 'b', 'c', 'd']) { c.set('reported', k, 0, null); c.set('other', k, 0, null); }
  assert.deepEqual(['a', 'b', 'c', 'd'].map((k) => c.has('reported', k, 0)), [false, false, true, true]);
  assert.deepEqual(['a', 'b', 'c', 'd'].map((k) => c.has('other', k, 0)), [false, true, true, true]);
  assert.deepEqual([c.capOf('reported'), c.capOf('other')], [2, 3]);
  assert.equal(c.stats().evictions, 3);
});

test('lowering a limit evicts the least recently set keys at once; new limits replace the old ones', () => {
  const c = new ContextStore({ capPerName: 100 });
  for (const k of ['a', 'b', 'c', 'd', 'e']) c.set('s', k, 0, null);
  c.set('s', 'a', 1, null); // set again: now the most recent
  c.setLimits({ s: { maxKeys: 2 } });
  assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((k) => c.has('s', k, 1)), [true, false, false, false, true]);
  assert.equal(c.stats().evictions, 3);
  c.setLimits({});
  assert.equal(c.capOf('s'), 100, 'a name no longer declared goes back to the default cap');
  assert.throws(() => c.setLimits({ s: { maxKeys: 0 } }), /max_keys must be an integer of at least 1, got 0/);
});

test('persistent keys evicted by a limit are deleted from the database too', (t) => {
  const m = stateDb(t);
  const c = new ContextStore({ db: m.db });
  for (const k of ['a', 'b', 'c']) c.set('s', k, 0, null, true);
  c.setLimits({ s: { maxKeys: 1 } });
  const keys = (m.db.prepare('SELECT key FROM vigil_contexts WHERE name = ? ORDER BY key').all('s') as { key: string }[]).map((r) => r.key);
  assert.deepEqual(keys, ['c']);
});

test('the limits a rule file declares under `contexts:` bound the engine store', () => {
  const h = harness(`
contexts:
  scanner: { max_keys: 2 }
${RULES().replace(/^\s*rules:/m, 'rules:')}`);
  h.feed(...['10.77.0.2', '10.77.0.3', '10.77.0.4'].map((src, i) => pkt({ ts: 1000 + i, src, dport: 23 })));
  h.feed(...['10.77.0.2', '10.77.0.3', '10.77.0.4'].map((src, i) => pkt({ ts: 2000 + i, src, dport: 22 })));
  assert.deepEqual(h.hits.filter((x) => x.rule === 'scanner-touches-ssh').map((x) => x.src), ['10.77.0.3', '10.77.0.4'],
    'the first scanner was evicted when the third was marked');
  assert.equal(h.engine.stats().contexts.evictions, 1);
});

test('a persistent key set again without `persistent` leaves the database', (t) => {
  const m = stateDb(t);
  const c = new ContextStore({ db: m.db });
  c.set('s', 'a', 0, null, true);
  c.set('s', 'a', 1, null, false);
  assert.equal(c.has('s', 'a', 1), true);
  assert.equal((m.db.prepare('SELECT count(*) AS n FROM vigil_contexts').get() as { n: number }).n, 0);
});

test('at start, persistent rows that expired while vigil was down are deleted, and each name is loaded within its cap', (t) => {
  const m = stateDb(t);
  const before = new ContextStore({ db: m.db }, 1);
  before.set('s', 'gone', 1, 10, true);
  for (const k of ['a', 'b', 'c']) before.set('s', k, 1, 1_000_000, true);
  const after = new ContextStore({ db: m.db, capPerName: 2 }, 5000);
  const rows = (m.db.prepare('SELECT key FROM vigil_contexts ORDER BY key').all() as { key: string }[]).map((r) => r.key);
  assert.equal(rows.includes('gone'), false, 'expired at 11, deleted at the start at 5000');
  assert.equal(after.stats().live, 2);
  assert.equal(rows.length, 2, 'the key over the cap is deleted too');
});

test('a ttl written with combined units ("1m30s"), as rule files allow, sets the context for that long', () => {
  const h = harness(RULES().replace('ttl: 1m,', 'ttl: "1m30s",'));
  h.feed(pkt({ ts: 1000, dport: 23 }), pkt({ ts: 91_000, dport: 22 }));
  assert.deepEqual(h.hits.map((x) => x.rule), ['mark-scanner', 'scanner-touches-ssh'], 'live 90 s after the set');
  h.feed(pkt({ ts: 91_001, dport: 22 }));
  assert.equal(h.hits.length, 2, 'expired after 90 s');
  assert.equal(h.engine.stats().actionErrors, 0);
});

test('without a state database (replay, rules test) a persistent context is kept for the run, as live', () => {
  const h = harness(RULES(true));
  h.feed(pkt({ ts: 1000, dport: 23 }), pkt({ ts: 2000, dport: 22 }));
  assert.deepEqual(h.hits.map((x) => x.rule), ['mark-scanner', 'scanner-touches-ssh']);
  assert.equal(h.engine.stats().actionErrors, 0);
});

test('after a restart a late set still cannot cut short a persistent context: the database keeps when it was set', (t) => {
  const m = stateDb(t);
  const before = new ContextStore({ db: m.db }, 1);
  before.set('scanner', '10.77.0.9', 10_000, 3_600_000, true); // set at 10 s for an hour
  const after = new ContextStore({ db: m.db }, 20_000);
  after.set('scanner', '10.77.0.9', 5_000, 60_000, true); // a late event, stamped before the set, asks for a minute
  assert.equal(after.has('scanner', '10.77.0.9', 10_000 + 1_800_000), true, 'half an hour after the set: still on');
  assert.equal(after.has('scanner', '10.77.0.9', 10_000 + 3_600_001), false, 'and it ends when the set said');
  // A set later in event time than the stored one replaces the lifetime, as before the restart.
  const again = new ContextStore({ db: m.db }, 20_000);
  again.set('scanner', '10.77.0.9', 30_000, 60_000, true);
  assert.equal(again.has('scanner', '10.77.0.9', 30_000 + 60_001), false);
});

test('a persistent row written before the set time was kept (no set_ts) is read back and still replaced by a set', (t) => {
  const m = stateDb(t);
  const c0 = new ContextStore({ db: m.db }, 1);
  c0.set('s', 'a', 1, 1_000_000, true);
  m.db.prepare('UPDATE vigil_contexts SET set_ts = NULL').run();
  const c = new ContextStore({ db: m.db }, 2);
  assert.equal(c.has('s', 'a', 500_000), true);
  c.set('s', 'a', 3, 10, true);
  assert.equal(c.has('s', 'a', 20), false, 'with no set time known, any set replaces the lifetime');
});
