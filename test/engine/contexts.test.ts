import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness, pkt } from './helpers/harness.ts';
import { ContextStore } from '../../src/core/engine/contexts.ts';
import { SqliteKeyMemory } from '../../src/core/engine/memory-sqlite.ts';

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
