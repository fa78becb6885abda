/**
 * Contexts as docs/rules.md (Contexts) describes them, through the real
 * loader and engine: lifetimes on event time, ttl templates, keys and names,
 * bounds, persistence across a restart, ordering within an event, reloads.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness, pkt, type Harness } from './helpers/harness.ts';
import { EventClock } from '../../src/core/clock.ts';
import { SqliteKeyMemory } from '../../src/core/engine/memory-sqlite.ts';
import type { VigilEvent } from '../../src/core/event.generated.ts';

const MIN = 60_000;
const LIVE = Date.UTC(2024, 5, 1);

function dbPath(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ctx-audit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'vigil.db');
}

/** A running engine on a state database, started at `start` as `vigil run` starts (its clock on the wall time then). */
function started(t: TestContext, yaml: string, path: string, start: number): Harness {
  const memory = new SqliteKeyMemory(path);
  const h = harness(yaml, { memory, clock: new EventClock(start) });
  t.after(() => { try { h.engine.close(); } catch { /* closed by the test */ } });
  return h;
}

function rows(path: string): { name: string; key: string; expires: number }[] {
  const m = new SqliteKeyMemory(path);
  try { return m.db.prepare('SELECT name, key, expires FROM vigil_contexts ORDER BY name, key').all() as { name: string; key: string; expires: number }[]; }
  finally { m.close(); }
}

/** A marking rule on port 23 (with the given action), and a probe rule on port 22 that fires while `scanner` is set for the source. */
const marking = (action: string, extra = '') => `
${extra}
rules:
  - id: mark
    description: A packet to port 23 acts on the scanner context.
    on: [packet]
    when: dst.port == 23
    type: single
    key: [src.ip]
    actions:
      - ${action}
  - id: probe
    description: Fires while the source is a marked scanner.
    on: [packet]
    when: dst.port == 22 && context("scanner", src.ip)
    type: single
    key: [src.ip]
`;

const probes = (h: Harness) => h.hits.filter((x) => x.rule === 'probe').length;
const withData = (ev: VigilEvent, data: Record<string, unknown>): VigilEvent => ({ ...ev, data } as VigilEvent);

test('a ttl template that renders empty is an action error, not a context without expiry', () => {
  const h = harness(marking('context.set: { name: scanner, key: "{{src.ip}}", ttl: "{{data.ttl}}" }'));
  h.feed(withData(pkt({ ts: 1000, dport: 23 }), {}));
  h.feed(pkt({ ts: 2000, dport: 22 }));
  assert.equal(probes(h), 0, 'an empty ttl is not a duration: nothing is set');
  assert.equal(h.engine.stats().actionErrors, 1);
  assert.equal(h.engine.stats().contexts.live, 0);
});

test('a ttl template that renders to a number too large to represent is an action error, not forever', () => {
  const h = harness(marking('context.set: { name: scanner, key: "{{src.ip}}", ttl: "{{data.ttl}}" }'));
  h.feed(withData(pkt({ ts: 1000, dport: 23 }), { ttl: `1${'0'.repeat(400)}d` }));
  h.feed(pkt({ ts: 2000, dport: 22 }));
  assert.equal(probes(h), 0);
  assert.equal(h.engine.stats().actionErrors, 1);
});

test('a ttl template that renders to a bare number, a negative or garbage is an action error and changes nothing', () => {
  const h = harness(marking('context.set: { name: scanner, key: "{{src.ip}}", ttl: "{{data.ttl}}" }'));
  h.feed(pkt({ ts: 500, dport: 23, src: '10.0.0.1' }));
  for (const [i, ttl] of ['3600', '-1s', '1 h', 'soon', '0'].entries()) h.feed(withData(pkt({ ts: 1000 + i, dport: 23 }), { ttl }));
  h.feed(pkt({ ts: 2000, dport: 22 }));
  assert.equal(probes(h), 0);
  assert.equal(h.engine.stats().actionErrors, 6, 'the first set renders an empty ttl too');
});

test('ttl boundary: a context set at t with ttl D is live at exactly t + D and gone 1 ms later, also across the sweep', () => {
  const h = harness(marking('context.set: { name: scanner, key: "{{src.ip}}", ttl: 2m }'));
  h.feed(pkt({ ts: 1000, dport: 23 }));
  // Far enough on for the sweep (once a minute of event time) to run on the boundary event itself.
  h.feed(pkt({ ts: 1000 + 2 * MIN, dport: 22 }));
  assert.equal(probes(h), 1);
  h.feed(pkt({ ts: 1001 + 2 * MIN, dport: 22 }));
  assert.equal(probes(h), 1);
});

test('ttl "0s" keeps a context for the instant it was set: events at the same time see it, later ones do not', () => {
  const h = harness(marking('context.set: { name: scanner, key: "{{src.ip}}", ttl: 0s }'));
  h.feed(pkt({ ts: 1000, dport: 23 }), pkt({ ts: 1000, dport: 22 }), pkt({ ts: 1001, dport: 22 }));
  assert.equal(probes(h), 1);
});

test('setting a context again refreshes its ttl from the new set', () => {
  const h = harness(marking('context.set: { name: scanner, key: "{{src.ip}}", ttl: 1m }'));
  h.feed(pkt({ ts: 0 + 1, dport: 23 }), pkt({ ts: 50_001, dport: 23 }));
  h.feed(pkt({ ts: 110_001, dport: 22 }));
  assert.equal(probes(h), 1, 'live a minute after the second set');
  h.feed(pkt({ ts: 110_002, dport: 22 }));
  assert.equal(probes(h), 1);
  assert.equal(h.engine.stats().contexts.live, 0);
});

test('a late event setting a context again cannot cut short the lifetime a later set gave it', () => {
  const h = harness(marking('context.set: { name: scanner, key: "{{src.ip}}", ttl: 1m }'));
  h.feed(pkt({ ts: 100_000, dport: 23 }), pkt({ ts: 50_000, dport: 23 }));
  h.feed(pkt({ ts: 160_000, dport: 22 }));
  assert.equal(probes(h), 1, 'set at 100 s for a minute: live at 160 s whatever arrived after');
  h.feed(pkt({ ts: 160_001, dport: 22 }));
  assert.equal(probes(h), 1);
});

test('sets in event-time order replace the lifetime, a shorter ttl included', () => {
  const h = harness(marking('context.set: { name: scanner, key: "{{src.ip}}", ttl: "{{data.ttl}}" }'));
  h.feed(withData(pkt({ ts: 1000, dport: 23 }), { ttl: '1h' }), withData(pkt({ ts: 2000, dport: 23 }), { ttl: '1s' }));
  h.feed(pkt({ ts: 3001, dport: 22 }));
  assert.equal(probes(h), 0);
});

test('deleting a key that is not set is no error and counts nothing', () => {
  const h = harness(marking('context.delete: { name: scanner, key: "{{src.ip}}" }'));
  h.feed(pkt({ ts: 1, dport: 23 }));
  assert.equal(h.hits.length, 1);
  assert.deepEqual([h.engine.stats().actionErrors, h.engine.stats().contexts.deletes], [0, 0]);
});

// Before: the loader compiled only top-level string parameters into templates, so the parts of a list key
// reached the engine unrendered ("{{src.ip}}") and no event-built multi-part key could be set.
test('a multi-part key set from a list of templates is seen by context() with the same parts, and only with them', () => {
  const h = harness(`
rules:
  - id: mark
    description: Marks the source and port pair.
    on: [packet]
    when: dst.port == 23
    type: single
    key: [src.ip]
    actions:
      - context.set: { name: pair, key: ["{{src.ip}}", "{{dst.port}}"] }
  - id: probe
    description: Fires while the pair (source, 23) is marked.
    on: [packet]
    when: dst.port == 22 && context("pair", src.ip, 23)
    type: single
    key: [src.ip]
  - id: probe-one-part
    description: A one-part test of the same name never matches the two-part key.
    on: [packet]
    when: dst.port == 22 && context("pair", src.ip)
    type: single
    key: [src.ip]
`);
  h.feed(pkt({ ts: 1, dport: 23 }), pkt({ ts: 2, dport: 22 }), pkt({ ts: 3, dport: 22, src: '10.0.0.2' }));
  assert.deepEqual(h.hits.map((x) => [x.rule, x.src]), [['mark', '10.77.0.9'], ['probe', '10.77.0.9']]);
});

test('a name built from a template is set and tested under the rendered name', () => {
  const h = harness(`
rules:
  - id: mark
    description: Marks the destination port under a name per source.
    on: [packet]
    when: dst.port == 23
    type: single
    key: [src.ip]
    actions:
      - context.set: { name: "probe-{{src.ip}}", key: "{{dst.port}}", ttl: 1m }
  - id: probe
    description: Fires while this source's context holds port 23.
    on: [packet]
    when: dst.port == 22 && context("probe-10.77.0.9", 23)
    type: single
    key: [src.ip]
`);
  h.feed(pkt({ ts: 1, dport: 23, src: '10.0.0.2' }), pkt({ ts: 2, dport: 22 }));
  assert.equal(h.hits.filter((x) => x.rule === 'probe').length, 0, 'another source, another name');
  h.feed(pkt({ ts: 3, dport: 23 }), pkt({ ts: 4, dport: 22 }));
  assert.equal(h.hits.filter((x) => x.rule === 'probe').length, 1);
});

test('a template rendering an empty name is an action error and sets nothing', () => {
  const h = harness(marking('context.set: { name: "{{data.n}}", key: "{{src.ip}}" }'));
  h.feed(withData(pkt({ ts: 1, dport: 23 }), {}));
  assert.deepEqual([h.engine.stats().actionErrors, h.engine.stats().contexts.live], [1, 0]);
});

const FLOOD = `
contexts:
  scanner: { max_keys: 3 }
rules:
  - id: mark
    description: Marks a scanner on port 23.
    on: [packet]
    when: dst.port == 23
    type: single
    key: [src.ip]
    actions:
      - context.set: { name: scanner, key: "{{src.ip}}" }
  - id: flood
    description: Marks every source on port 80 under a name per source.
    on: [packet]
    when: dst.port == 80
    type: single
    key: [src.ip]
    actions:
      - context.set: { name: "probe-{{src.ip}}", key: seen }
  - id: probe
    description: Fires while the source is a marked scanner.
    on: [packet]
    when: dst.port == 22 && context("scanner", src.ip)
    type: single
    key: [src.ip]
`;
const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

test('a flood of templated names stays within the shared bound and does not flush a declared name', () => {
  const h = harness(FLOOD, { contexts: { capShared: 50 }, sink: () => {} });
  h.feed(pkt({ ts: 1, dport: 23, src: '192.0.2.1' }));
  for (let i = 0; i < 5000; i++) h.feed(pkt({ ts: 10 + i, dport: 80, src: ip(i) }));
  const st = h.engine.stats().contexts;
  assert.equal(st.live, 51, 'fifty flood keys and the declared scanner');
  assert.equal(st.evictions, 4950);
  let fired = 0;
  const probe = harness(FLOOD, { contexts: { capShared: 50 }, sink: (x) => { if (x.rule === 'probe') fired++; } });
  probe.feed(pkt({ ts: 1, dport: 23, src: '192.0.2.1' }));
  for (let i = 0; i < 5000; i++) probe.feed(pkt({ ts: 10 + i, dport: 80, src: ip(i) }));
  probe.feed(pkt({ ts: 10_000, dport: 22, src: '192.0.2.1' }));
  assert.equal(fired, 1, 'the declared name kept its key');
});

test('a flood of distinct keys in a declared name holds at most max_keys, least recently set evicted first', () => {
  const h = harness(FLOOD, { sink: () => {} });
  for (let i = 0; i < 1000; i++) h.feed(pkt({ ts: 1 + i, dport: 23, src: ip(i) }));
  h.feed(pkt({ ts: 2000, dport: 23, src: ip(997) }));
  h.feed(pkt({ ts: 2001, dport: 23, src: ip(1000) }));
  assert.equal(h.engine.stats().contexts.live, 3);
  assert.equal(h.engine.contexts.has('scanner', ip(997), 2002), true, 'refreshed, so not the least recently set');
  assert.equal(h.engine.contexts.has('scanner', ip(998), 2002), false);
});

test('a rule that tests and sets the same context in one event sees the state from before the event', () => {
  const h = harness(`
rules:
  - id: first-time
    description: Fires for a source not yet marked, and marks it.
    on: [packet]
    when: '!context("seen", src.ip)'
    type: single
    key: [src.ip]
    actions:
      - context.set: { name: seen, key: "{{src.ip}}", ttl: 1m }
  - id: again
    description: Fires for a marked source.
    on: [packet]
    when: context("seen", src.ip)
    type: single
    key: [src.ip]
`);
  h.feed(pkt({ ts: 1 }));
  assert.deepEqual(h.hits.map((x) => x.rule), ['first-time'], 'the set takes effect after every rule saw the event');
  h.feed(pkt({ ts: 1 }));
  assert.deepEqual(h.hits.map((x) => x.rule), ['first-time', 'again'], 'from the next event on, even at the same time');
});

test('a set and a delete of the same context in one event apply in rule order after the event', () => {
  const rules = (first: string, second: string) => `
rules:
  - id: a
    description: First action.
    on: [packet]
    when: dst.port == 23
    type: single
    key: [src.ip]
    actions:
      - ${first}
  - id: b
    description: Second action.
    on: [packet]
    when: dst.port == 23
    type: single
    key: [src.ip]
    actions:
      - ${second}
`;
  const set = 'context.set: { name: scanner, key: "{{src.ip}}" }';
  const del = 'context.delete: { name: scanner, key: "{{src.ip}}" }';
  const setThenDelete = harness(rules(set, del));
  setThenDelete.feed(pkt({ ts: 1, dport: 23 }));
  assert.equal(setThenDelete.engine.contexts.has('scanner', '10.77.0.9', 1), false);
  const deleteThenSet = harness(rules(del, set));
  deleteThenSet.feed(pkt({ ts: 1, dport: 23 }));
  assert.equal(deleteThenSet.engine.contexts.has('scanner', '10.77.0.9', 1), true);
});

test('a reload keeps every context, including those of rules it changes or removes, and applies new limits', () => {
  const h = harness(marking('context.set: { name: scanner, key: "{{src.ip}}", ttl: 1h }'));
  for (let i = 0; i < 5; i++) h.feed(pkt({ ts: 1 + i, dport: 23, src: ip(i) }));
  h.load(marking('context.set: { name: scanner, key: "{{src.ip}}", ttl: 2h }', 'contexts:\n  scanner: { max_keys: 2 }'));
  assert.equal(h.engine.stats().contexts.live, 2);
  assert.equal(h.engine.stats().contexts.evictions, 3);
  h.feed(pkt({ ts: 100, dport: 22, src: ip(4) }), pkt({ ts: 101, dport: 22, src: ip(0) }));
  assert.deepEqual(h.hits.filter((x) => x.rule === 'probe').map((x) => x.src), [ip(4)]);
  h.load(`
rules:
  - id: probe
    description: Fires while the source is a marked scanner.
    on: [packet]
    when: dst.port == 22 && context("scanner", src.ip)
    type: single
    key: [src.ip]
`);
  h.feed(pkt({ ts: 200, dport: 22, src: ip(3) }));
  assert.deepEqual(h.hits.filter((x) => x.rule === 'probe').map((x) => x.src), [ip(4), ip(3)], 'the rule that set it is gone; the context is not');
});

const PERSIST = (ttl: string) => marking(`context.set: { name: scanner, key: "{{src.ip}}"${ttl}, persistent: true }`);

test('persistent: a context that expired while vigil was down is gone at the restart, from memory and the database', (t) => {
  const path = dbPath(t);
  const a = started(t, PERSIST(', ttl: 10m'), path, LIVE);
  a.feed(pkt({ ts: LIVE + 1000, dport: 23 }));
  a.engine.close();
  assert.equal(rows(path).length, 1);
  const b = started(t, PERSIST(', ttl: 10m'), path, LIVE + 1000 + 10 * MIN + 1);
  assert.equal(b.engine.stats().contexts.live, 0);
  b.engine.close();
  assert.equal(rows(path).length, 0);
});

test('persistent: a context restored at a restart expires at its own set time + ttl on event time', (t) => {
  const path = dbPath(t);
  const a = started(t, PERSIST(', ttl: 10m'), path, LIVE);
  a.feed(pkt({ ts: LIVE + 1000, dport: 23 }));
  a.engine.close();
  const b = started(t, PERSIST(', ttl: 10m'), path, LIVE + 5 * MIN);
  b.feed(pkt({ ts: LIVE + 1000 + 10 * MIN, dport: 22 }));
  assert.equal(probes(b), 1, 'live at exactly set time + ttl');
  b.feed(pkt({ ts: LIVE + 1001 + 10 * MIN, dport: 22 }));
  assert.equal(probes(b), 1);
});

test('persistent: a context without a ttl survives any number of restarts, however far time moves', (t) => {
  const path = dbPath(t);
  const a = started(t, PERSIST(''), path, LIVE);
  a.feed(pkt({ ts: LIVE + 1, dport: 23 }));
  a.engine.close();
  const b = started(t, PERSIST(''), path, LIVE + 365 * 24 * 60 * MIN);
  b.engine.close();
  const c = started(t, PERSIST(''), path, LIVE + 3650 * 24 * 60 * MIN);
  c.feed(pkt({ ts: LIVE + 3650 * 24 * 60 * MIN + 1, dport: 22 }));
  assert.equal(probes(c), 1);
});

test('persistent: a refresh and a delete reach the database, so a restart sees the latest state', (t) => {
  const path = dbPath(t);
  const yaml = PERSIST(', ttl: 10m').replace('  - id: probe', `  - id: clear
    description: A packet to port 9 clears the mark.
    on: [packet]
    when: dst.port == 9
    type: single
    key: [src.ip]
    actions:
      - context.delete: { name: scanner, key: "{{src.ip}}" }
  - id: probe`);
  const a = started(t, yaml, path, LIVE);
  a.feed(pkt({ ts: LIVE + 1000, dport: 23 }), pkt({ ts: LIVE + 5 * MIN, dport: 23 }));
  a.feed(pkt({ ts: LIVE + 1000, dport: 23, src: '10.0.0.2' }), pkt({ ts: LIVE + 5 * MIN, dport: 9, src: '10.0.0.2' }));
  a.engine.close();
  assert.deepEqual(rows(path).map((r) => [r.key, r.expires]), [['10.77.0.9', LIVE + 15 * MIN]]);
  const b = started(t, yaml, path, LIVE + 14 * MIN);
  b.feed(pkt({ ts: LIVE + 14 * MIN, dport: 22 }), pkt({ ts: LIVE + 14 * MIN, dport: 22, src: '10.0.0.2' }));
  assert.deepEqual(b.hits.filter((x) => x.rule === 'probe').map((x) => x.src), ['10.77.0.9']);
});

test('persistent: on a restart whose time is not known yet, rows are judged on the first event time, not dropped or kept blindly', (t) => {
  const path = dbPath(t);
  const a = started(t, PERSIST(', ttl: 10m'), path, LIVE);
  a.feed(pkt({ ts: LIVE + 1000, dport: 23 }), pkt({ ts: LIVE + 1000, dport: 23, src: '10.0.0.2' }));
  a.engine.close();
  const b = started(t, PERSIST(', ttl: 10m'), path, 0);
  b.feed(pkt({ ts: LIVE + 5 * MIN, dport: 22 }));
  assert.equal(probes(b), 1, 'still live at the first event time');
  b.feed(pkt({ ts: LIVE + 20 * MIN, dport: 80 }));
  b.engine.close();
  assert.equal(rows(path).length, 0, 'swept once event time passed their expiry');
});

test('a reload that drops a declaration puts the name back into the shared bound; one that adds it takes it out', () => {
  const declared = FLOOD;
  const undeclared = FLOOD.replace('contexts:\n  scanner: { max_keys: 3 }\n', '');
  const h = harness(undeclared, { contexts: { capShared: 4 }, sink: () => {} });
  for (let i = 0; i < 3; i++) h.feed(pkt({ ts: 1 + i, dport: 23, src: ip(i) }));
  h.load(declared);
  for (let i = 0; i < 4; i++) h.feed(pkt({ ts: 10 + i, dport: 80, src: ip(100 + i) }));
  assert.equal(h.engine.stats().contexts.live, 7, 'the declared scanner keys no longer count against the shared four');
  assert.equal(h.engine.stats().contexts.evictions, 0);
  h.load(undeclared);
  assert.equal(h.engine.stats().contexts.live, 4, 'back in the shared bound: the least recently set of all go');
  assert.deepEqual([0, 1, 2].map((i) => h.engine.contexts.has('scanner', ip(i), 20)), [false, false, false]);
  assert.equal(h.engine.contexts.has('probe-' + ip(103), 'seen', 20), true);
});

test('persistent: keys read back at a restart join the shared bound at the first load, least recently set evicted from the database too', (t) => {
  const path = dbPath(t);
  const yaml = FLOOD.replace('key: seen }', 'key: seen, persistent: true }');
  const memory = new SqliteKeyMemory(path);
  const a = harness(yaml, { memory, clock: new EventClock(LIVE), contexts: { capShared: 10 } });
  for (let i = 0; i < 10; i++) a.feed(pkt({ ts: LIVE + i, dport: 80, src: ip(i) }));
  a.engine.close();
  const b = harness(yaml, { memory: new SqliteKeyMemory(path), clock: new EventClock(LIVE + 100), contexts: { capShared: 4 } });
  assert.equal(b.engine.stats().contexts.live, 4);
  assert.deepEqual(b.engine.contexts.has('probe-' + ip(9), 'seen', LIVE + 100), true);
  assert.deepEqual(b.engine.contexts.has('probe-' + ip(5), 'seen', LIVE + 100), false);
  b.engine.close();
  assert.equal(rows(path).length, 4);
});
