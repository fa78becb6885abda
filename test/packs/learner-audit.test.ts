/**
 * Audit of the learner pack (rules/learner, docs/packs/learner.md) and of
 * first_seen's memory as docs/rules.md describes it: each test feeds
 * concrete socket events and checks one claim.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness } from '../engine/helpers/harness.ts';
import { ACTIONS, replayCaptures, hostFacts } from './replay-harness.ts';
import { SqliteKeyMemory } from '../../src/core/engine/memory-sqlite.ts';
import { InMemoryKeyMemory } from '../../src/core/engine/memory.ts';
import type { KeyMemory, MemoryBound } from '../../src/core/engine/types/api.ts';
import type { VigilEvent } from '../../src/core/event.generated.ts';
import type { Hit } from '../../src/core/hit.ts';
import { loadRuleset } from '../../src/core/rules/load.ts';
import { formatDiagnostic } from '../../src/core/rules/diagnostics.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { EventClock } from '../../src/core/clock.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const PACK_DIR = join(ROOT, 'rules', 'learner');
const PACK = readFileSync(join(PACK_DIR, 'learner.yaml'), 'utf8');
const HOST = '10.77.0.1';
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

const tmp = mkdtempSync(join(tmpdir(), 'vigil-learner-audit-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const dbPath = () => join(tmp, `m${n++}.db`);

interface Sock { ts: number; peer?: string; dir?: 'in' | 'out' | 'unknown'; change?: 'appeared' | 'gone'; state?: string; local?: string; exe?: string; proto?: string }

/** A procnet socket event, oriented as procnet orients it (in: src = peer). */
function sock(s: Sock): VigilEvent {
  const dir = s.dir ?? 'out';
  const local = { ip: s.local ?? HOST, port: dir === 'in' ? 22 : 40000 };
  const peer = s.peer === undefined ? undefined : { ip: s.peer, port: dir === 'in' ? 51000 : 443 };
  const ev: VigilEvent = {
    ts: s.ts, kind: 'socket', input: 'procnet', proto: s.proto ?? 'tcp',
    src: peer === undefined ? undefined : dir === 'in' ? peer : local,
    dst: peer === undefined ? local : dir === 'in' ? local : peer,
    ip: { version: (s.peer ?? local.ip).includes(':') ? 6 : 4 },
    sock: { state: s.state ?? (peer ? 'ESTABLISHED' : 'LISTEN'), change: s.change ?? 'appeared', inode: 1, uid: 0, direction: dir },
    proc: s.exe ? { pid: 1, exe: s.exe } : { pid: 0 },
  };
  if (ev.src === undefined) delete ev.src;
  return ev;
}

const peers = (hits: readonly Hit[]) => hits.map((h) => (h.key as Record<string, unknown>).peer);

function learner(opts: { memory?: KeyMemory; extra?: string; host?: Parameters<typeof hostFacts>[0] } = {}) {
  return harness(PACK + (opts.extra ?? ''), { memory: opts.memory, host: hostFacts(opts.host ?? { addresses: [HOST] }) });
}


// ---------------------------------------------------------------- catalogue

test('learner: one hit per new address, either direction, tagged LEARNER, severity info, no action', () => {
  const h = learner();
  h.feed(
    sock({ ts: T0 + 1, peer: '10.77.0.9', dir: 'in', exe: '/usr/sbin/sshd' }),
    sock({ ts: T0 + 2, peer: '10.77.0.9', dir: 'out' }),
    sock({ ts: T0 + 3, peer: '10.77.1.20', dir: 'unknown' }),
    sock({ ts: T0 + 4, peer: '10.77.1.20', dir: 'out' }),
  );
  assert.deepEqual(peers(h.hits), ['10.77.0.9', '10.77.1.20']);
  for (const x of h.hits) {
    assert.deepEqual(x.tags, ['LEARNER']);
    assert.equal(x.severity, 'info');
    assert.deepEqual(x.actions, []);
  }
  assert.equal(h.hits[0].message, 'new peer 10.77.0.9: in tcp 10.77.0.9:51000 > 10.77.0.1:22 (/usr/sbin/sshd)');
  assert.equal(h.hits[1].message, 'new peer 10.77.1.20: unknown tcp 10.77.0.1:40000 > 10.77.1.20:443');
});

test('learner: own addresses, loopback, allow-list, listeners and departures are never catalogued', () => {
  const h = learner({ host: { addresses: [HOST, 'fd00::1'], allow: ['192.0.2.0/24'] } });
  h.feed(
    sock({ ts: T0 + 1, peer: HOST, dir: 'out' }),
    sock({ ts: T0 + 2, peer: '127.0.0.1', local: '127.0.0.1' }),
    sock({ ts: T0 + 3, peer: '127.1.2.3', dir: 'in', local: '127.0.0.1' }),
    sock({ ts: T0 + 4, peer: '::1', local: '::1' }),
    sock({ ts: T0 + 5, peer: '::ffff:127.0.0.1', local: '::1' }),
    sock({ ts: T0 + 6, peer: 'fd00:0:0:0:0:0:0:1', local: 'fd00::1' }),
    sock({ ts: T0 + 7, peer: '192.0.2.7', dir: 'in' }),
    sock({ ts: T0 + 8 }),
    sock({ ts: T0 + 9, peer: '10.77.1.30', change: 'gone', state: 'TIME_WAIT' }),
  );
  assert.deepEqual(peers(h.hits), []);
  h.feed(sock({ ts: T0 + 10, peer: '10.77.1.30' }));
  assert.deepEqual(peers(h.hits), ['10.77.1.30'], 'a departure did not catalogue the address');
});

// ---------------------------------------------------------------- restart

test('learner on SQLite: a restart remembers every peer (no second hit)', () => {
  const path = dbPath();
  const a = learner({ memory: new SqliteKeyMemory(path) });
  a.feed(sock({ ts: T0 + 1, peer: '10.77.0.9', dir: 'in' }), sock({ ts: T0 + 2, peer: '10.77.1.20' }), sock({ ts: T0 + 30_000, peer: '10.77.0.9' }));
  assert.deepEqual(peers(a.hits), ['10.77.0.9', '10.77.1.20']);
  a.engine.close();
  const b = learner({ memory: new SqliteKeyMemory(path) });
  b.feed(sock({ ts: T0 + 60_000, peer: '10.77.0.9', dir: 'in' }), sock({ ts: T0 + 61_000, peer: '10.77.1.20' }), sock({ ts: T0 + 62_000, peer: '10.77.2.2' }));
  assert.deepEqual(peers(b.hits), ['10.77.2.2']);
  b.engine.close();
});

// ---------------------------------------------------------------- forget_after

for (const kind of ['memory', 'sqlite'] as const) {
  test(`learner forget_after 30d (${kind}): silent exactly 30d is remembered, longer is new again, on event time`, () => {
    const mem = () => (kind === 'memory' ? new InMemoryKeyMemory() : new SqliteKeyMemory(dbPath()));
    const h = learner({ memory: mem() });
    h.feed(sock({ ts: T0, peer: '10.77.0.9' }), sock({ ts: T0 + 30 * DAY, peer: '10.77.0.9' }));
    assert.deepEqual(peers(h.hits), ['10.77.0.9'], 'seen again exactly 30 days later: still known');
    h.feed(sock({ ts: T0 + 60 * DAY + 1, peer: '10.77.0.9' }));
    assert.deepEqual(peers(h.hits), ['10.77.0.9', '10.77.0.9'], 'silent 30 days + 1 ms: new again');
    h.engine.close();
  });
}

test('learner forget_after across a restart: a peer silent > 30d while vigil was down is new again', () => {
  const path = dbPath();
  const a = learner({ memory: new SqliteKeyMemory(path) });
  a.feed(sock({ ts: T0, peer: '10.77.0.9' }), sock({ ts: T0 + 10 * DAY, peer: '10.77.0.9' }), sock({ ts: T0 + 10 * DAY + 30_000, peer: '10.77.0.8' }));
  a.engine.close();
  const b = learner({ memory: new SqliteKeyMemory(path) });
  b.feed(sock({ ts: T0 + 39 * DAY, peer: '10.77.0.9' }), sock({ ts: T0 + 41 * DAY, peer: '10.77.0.8' }));
  assert.deepEqual(peers(b.hits), ['10.77.0.8'], '.9 last seen at day 10 (29 days ago): known; .8 at day 10 (31 days ago): new');
  b.engine.close();
});

// ---------------------------------------------------------------- tuning (docs/packs/learner.md, "Tuning")


const TUNING = `vars:
  learner_forget_after: 90d      # remember peers longer
  learner_max_peers: 500000      # a busy server with many clients
macros:
  # do not catalogue the site's own networks
  learner_ignored: 'cidr(learner_peer, "10.0.0.0/8") || cidr(learner_peer, "192.168.0.0/16")'
`;
const OVERRIDE = `overrides:
  - id: learner-new-peer
    append: { actions: [{ log: {} }] }
  # or: - { id: learner-new-peer, enabled: false }
`;

function siteDir(text: string): string {
  const d = join(tmp, `site${n++}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'site.yaml'), text);
  return d;
}

/** The pack plus site dirs, loaded as `vigil run` loads them, on the given memory. */
function packEngine(sites: string[], memory: KeyMemory = new InMemoryKeyMemory(), host = hostFacts({ addresses: [HOST] })) {
  const hits: Hit[] = [];
  const clock = new EventClock(0);
  const engine = new Engine({ clock, sink: (x) => hits.push(x), host, memory });
  const r = loadRuleset([PACK_DIR, ...sites], { runtime: engine.helpers, actions: ACTIONS });
  if (!r.ruleset) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  engine.load(r.ruleset);
  return { engine, hits, feed: (...evs: VigilEvent[]) => { for (const e of evs) engine.feed(e); } };
}

/** A KeyMemory that records the bound each rule asks for. */
function spyMemory(): { memory: KeyMemory; bounds: Map<string, MemoryBound> } {
  const inner = new InMemoryKeyMemory();
  const bounds = new Map<string, MemoryBound>();
  return { bounds, memory: { forRule: (rule, b) => { bounds.set(rule, b); return inner.forRule(rule, b); } } };
}

test('tuning example: vars set forget_after 90d and max_keys 500000', () => {
  const spy = spyMemory();
  packEngine([siteDir(TUNING)], spy.memory);
  const b = spy.bounds.get('learner-new-peer')!;
  assert.equal(b.maxKeys, 500_000);
  assert.equal(b.forgetAfterMs, 90 * DAY);
});

test('tuning example: learner_ignored keeps 10/8 and 192.168/16 out of the catalogue, in both directions', () => {
  const p = packEngine([siteDir(TUNING)]);
  p.feed(
    sock({ ts: T0 + 1, peer: '10.1.2.3', dir: 'in' }),
    sock({ ts: T0 + 2, peer: '10.200.0.1' }),
    sock({ ts: T0 + 3, peer: '192.168.7.7', dir: 'in' }),
    sock({ ts: T0 + 4, peer: '192.168.0.1', dir: 'unknown' }),
    sock({ ts: T0 + 5, peer: '172.16.0.1', dir: 'in' }),
    sock({ ts: T0 + 6, peer: '11.0.0.1' }),
    sock({ ts: T0 + 7, peer: '192.169.0.1' }),
  );
  assert.deepEqual(peers(p.hits), ['172.16.0.1', '11.0.0.1', '192.169.0.1']);
  p.feed(sock({ ts: T0 + 60 * DAY, peer: '172.16.0.1' }));
  assert.equal(p.hits.length, 3, '60 days of silence is within 90d');
  p.engine.close();
});

test('tuning example: the override appends a log action; enabled: false switches the rule off', () => {
  const p = packEngine([siteDir(OVERRIDE)]);
  p.feed(sock({ ts: T0 + 1, peer: '10.77.0.9', dir: 'in' }));
  assert.deepEqual(p.hits.map((x) => x.actions), [[{ plugin: 'log', params: {} }]]);
  const q = packEngine([siteDir('overrides:\n  - { id: learner-new-peer, enabled: false }\n')]);
  q.feed(sock({ ts: T0 + 1, peer: '10.77.0.9', dir: 'in' }));
  assert.deepEqual(q.hits, []);
});

test('tuning a running learner keeps its catalogue (memory keyed by rule id), across a restart', () => {
  const path = dbPath();
  const a = packEngine([], new SqliteKeyMemory(path));
  a.feed(sock({ ts: T0 + 1, peer: '172.16.0.1', dir: 'in' }), sock({ ts: T0 + 2, peer: '10.1.2.3' }));
  a.engine.close();
  const b = packEngine([siteDir(TUNING)], new SqliteKeyMemory(path));
  b.feed(sock({ ts: T0 + 3, peer: '172.16.0.1', dir: 'in' }), sock({ ts: T0 + 4, peer: '172.16.0.2' }));
  assert.deepEqual(peers(b.hits), ['172.16.0.2']);
  b.engine.close();
});

// ---------------------------------------------------------------- max_keys and floods

const capSite = (cap: number, extra = '') => siteDir(`vars:\n  learner_max_peers: ${cap}\n${extra}`);
const spoofed = (i: number) => `198.51.${(i >> 8) & 255}.${i & 255}`;
const rowsOf = (m: SqliteKeyMemory) => (m.db.prepare("SELECT count(*) AS n FROM vigil_first_seen WHERE rule = 'learner-new-peer'").get() as { n: number }).n;
const pstats = (p: ReturnType<typeof packEngine>) => p.engine.stats().rules.find((r) => r.id === 'learner-new-peer')!;

for (const kind of ['memory', 'sqlite'] as const) {
  test(`max_keys (${kind}): the least recently seen peer is forgotten, counted as an eviction, and reported again`, () => {
    const m = kind === 'memory' ? new InMemoryKeyMemory() : new SqliteKeyMemory(dbPath());
    const p = packEngine([capSite(3)], m);
    const S = 2000; // one poll every 2 s, as procnet does: a write in between
    p.feed(sock({ ts: T0, peer: '203.0.113.1' }), sock({ ts: T0 + S, peer: '203.0.113.2' }), sock({ ts: T0 + 2 * S, peer: '203.0.113.3' }));
    p.feed(sock({ ts: T0 + 3 * S, peer: '203.0.113.1' })); // refreshed: .2 is the least recently seen
    p.feed(sock({ ts: T0 + 4 * S, peer: '203.0.113.4' }), sock({ ts: T0 + 5 * S, peer: '203.0.113.5' }));
    assert.deepEqual({ live: pstats(p).liveKeys, ev: pstats(p).evictions }, { live: 3, ev: 2 });
    p.feed(sock({ ts: T0 + 6 * S, peer: '203.0.113.1' }), sock({ ts: T0 + 7 * S, peer: '203.0.113.2' }), sock({ ts: T0 + 8 * S, peer: '203.0.113.3' }));
    assert.deepEqual(peers(p.hits), ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5', '203.0.113.2', '203.0.113.3']);
    p.engine.close();
  });

  test(`flood of spoofed peers (${kind}): memory stays bounded, evictions counted, real new peers still reported`, () => {
    const m = kind === 'memory' ? new InMemoryKeyMemory() : new SqliteKeyMemory(dbPath());
    const p = packEngine([capSite(1000)], m);
    p.feed(sock({ ts: T0, peer: '203.0.113.1', dir: 'in' }));
    let maxLive = 0, maxRows = 0;
    for (let i = 0; i < 20_000; i++) {
      p.feed(sock({ ts: T0 + 1 + i, peer: spoofed(i), dir: 'in', state: 'SYN_RECV' }));
      if (i === 10_000) p.feed(sock({ ts: T0 + 1 + i, peer: '203.0.113.50' }));
      maxLive = Math.max(maxLive, pstats(p).liveKeys);
      if (m instanceof SqliteKeyMemory && i % 500 === 0) maxRows = Math.max(maxRows, rowsOf(m));
    }
    p.feed(sock({ ts: T0 + 30_000, peer: '203.0.113.51' }));
    assert.equal(p.hits.length, 20_003, 'every spoofed peer, the early peer and both real ones reported once');
    assert.ok(peers(p.hits).includes('203.0.113.50') && peers(p.hits).includes('203.0.113.51'));
    if (m instanceof SqliteKeyMemory) {
      assert.ok(maxLive <= 1000 + 1000, `live keys at most one batch over the cap, got ${maxLive}`);
      assert.ok(maxRows <= 1000 + 1000, `rows at most one batch over the cap, got ${maxRows}`);
      assert.ok(m.lookups <= 200, `the filter spares the reads of new keys (1 in 200): ${m.lookups} lookups for 20,003 keys`);
    } else assert.equal(maxLive, 1000);
    if (m instanceof SqliteKeyMemory) m.flush();
    assert.equal(pstats(p).evictions, 20_003 - 1000);
    p.engine.close();
    if (m instanceof SqliteKeyMemory) {
      const again = new SqliteKeyMemory(m.db.name);
      assert.equal(rowsOf(again), 1000);
      again.close();
    }
  });
}

// ---------------------------------------------------------------- SQLite details (docs/rules.md, first_seen)

test('sqlite: after a flood, forget_after shrinks the catalogue back on event time, not as evictions', () => {
  const m = new SqliteKeyMemory(dbPath());
  const p = packEngine([], m);
  for (let i = 0; i < 5000; i++) p.feed(sock({ ts: T0 + i, peer: spoofed(i), dir: 'in' }));
  p.feed(sock({ ts: T0 + 10 * DAY, peer: '203.0.113.1' }));
  assert.equal(rowsOf(m), 5001);
  p.feed(sock({ ts: T0 + 31 * DAY, peer: '203.0.113.2' }));
  assert.equal(rowsOf(m), 2, 'the 5000 flood rows (31 days silent) are gone');
  assert.equal(pstats(p).liveKeys, 2);
  assert.equal(pstats(p).evictions, 0);
  p.engine.close();
});

test('sqlite: a lazily held "last seen" is written before an age deletion and at close, so forgetting is exact', () => {
  const path = dbPath();
  const a = packEngine([], new SqliteKeyMemory(path));
  a.feed(sock({ ts: T0, peer: '203.0.113.1' }), sock({ ts: T0 + 5000, peer: '203.0.113.2' }));
  a.feed(sock({ ts: T0 + 50_000, peer: '203.0.113.1' })); // 50 s later: held lazily
  a.engine.close();
  const b = packEngine([], new SqliteKeyMemory(path));
  b.feed(sock({ ts: T0 + 30 * DAY + 40_000, peer: '203.0.113.9' })); // purge: cut at T0 + 40 s
  b.feed(sock({ ts: T0 + 30 * DAY + 45_000, peer: '203.0.113.1' }), sock({ ts: T0 + 30 * DAY + 45_000, peer: '203.0.113.2' }));
  assert.deepEqual(peers(b.hits), ['203.0.113.9', '203.0.113.2'], '.1 was last seen 30d - 5s ago; .2 30d + 40 s ago');
  b.engine.close();
});

test('sqlite: returning keys cost no read; the key filter built at start spares reads of new keys', () => {
  const path = dbPath();
  const m1 = new SqliteKeyMemory(path);
  const a = packEngine([], m1);
  for (let i = 0; i < 2000; i++) a.feed(sock({ ts: T0 + i, peer: spoofed(i) }));
  for (let i = 0; i < 2000; i++) a.feed(sock({ ts: T0 + 3000 + i, peer: spoofed(i) }));
  assert.equal(m1.lookups, 0);
  a.engine.close();
  const m2 = new SqliteKeyMemory(path);
  const b = packEngine([], m2);
  for (let i = 2000; i < 4000; i++) b.feed(sock({ ts: T0 + 10_000 + i, peer: spoofed(i) }));
  assert.ok(m2.lookups <= 20, `new keys after a restart: ${m2.lookups} reads`);
  for (let i = 0; i < 100; i++) b.feed(sock({ ts: T0 + 20_000 + i, peer: spoofed(i) }));
  assert.equal(b.hits.length, 2000);
  b.engine.close();
});

const lastTs = (m: SqliteKeyMemory, key: string) => (m.db.prepare("SELECT last_ts AS t FROM vigil_first_seen WHERE rule = 'learner-new-peer' AND key = ?").get(key) as { t: number } | undefined)?.t;

test('sqlite: sightings are written every 1,000 or after 1 s of event time; a refresh once more than a minute newer', () => {
  const m = new SqliteKeyMemory(dbPath());
  const p = packEngine([], m);
  for (let i = 0; i < 999; i++) p.feed(sock({ ts: T0, peer: spoofed(i) }));
  assert.equal(rowsOf(m), 0);
  p.feed(sock({ ts: T0, peer: spoofed(999) }));
  assert.equal(rowsOf(m), 1000);
  p.feed(sock({ ts: T0 + 999, peer: '203.0.113.1' }));
  assert.equal(rowsOf(m), 1000);
  p.feed(sock({ ts: T0 + 1000, peer: '203.0.113.2' }));
  assert.equal(rowsOf(m), 1002);
  const k = '{"peer":"203.0.113.1"}';
  const stored = lastTs(m, k) ?? lastTs(m, '203.0.113.1');
  assert.equal(stored, T0 + 999, `row key spelling: ${JSON.stringify(m.db.prepare('SELECT key FROM vigil_first_seen LIMIT 1').get())}`);
  p.feed(sock({ ts: T0 + 999 + 60_000, peer: '203.0.113.1' }), sock({ ts: T0 + 999 + 62_000, peer: '203.0.113.3' }));
  assert.equal(lastTs(m, k) ?? lastTs(m, '203.0.113.1'), T0 + 999, 'exactly a minute newer: not rewritten');
  p.feed(sock({ ts: T0 + 999 + 60_001 + 2000, peer: '203.0.113.1' }), sock({ ts: T0 + 999 + 66_000, peer: '203.0.113.4' }));
  assert.equal(lastTs(m, k) ?? lastTs(m, '203.0.113.1'), T0 + 999 + 62_001);
  p.engine.close();
});

test('sqlite: a database with more rows than a lowered max_keys comes down 10,000 rows per write, as evictions', () => {
  const path = dbPath();
  const a = packEngine([], new SqliteKeyMemory(path));
  for (let i = 0; i < 25_000; i++) a.feed(sock({ ts: T0 + i, peer: spoofed(i) }));
  a.engine.close();
  const m = new SqliteKeyMemory(path);
  const b = packEngine([capSite(1000)], m);
  const seen: number[] = [];
  // The first sighting after start only starts the 1 s clock; each later one writes (a backlog writes at once).
  for (let i = 1; i <= 5; i++) { b.feed(sock({ ts: T0 + 100_000 + 2000 * i, peer: `203.0.113.${i}` })); seen.push(rowsOf(m)); }
  assert.deepEqual(seen, [25_000, 15_002, 5003, 1000, 1000]);
  assert.equal(pstats(b).evictions, 25_005 - 1000);
  assert.equal(b.hits.length, 5);
  b.engine.close();
});

for (const kind of ['memory', 'sqlite'] as const) {
  test(`reload (${kind}): a lowered max_keys keeps the catalogue; a rule switched off and on again remembers`, () => {
    const m = kind === 'memory' ? new InMemoryKeyMemory() : new SqliteKeyMemory(dbPath());
    const p = packEngine([], m);
    for (let i = 0; i < 50; i++) p.feed(sock({ ts: T0 + i, peer: spoofed(i) }));
    const reload = (sites: string[]) => {
      const r = loadRuleset([PACK_DIR, ...sites], { runtime: p.engine.helpers, actions: ACTIONS });
      p.engine.load(r.ruleset!);
    };
    reload([capSite(10)]);
    if (kind === 'memory') assert.equal(pstats(p).liveKeys, 10, 'lowered cap applies at once in memory');
    p.feed(sock({ ts: T0 + 5000, peer: spoofed(49) }));
    assert.equal(pstats(p).liveKeys, 10);
    assert.equal(pstats(p).evictions, 40);
    reload([capSite(10, 'overrides:\n  - { id: learner-new-peer, enabled: false }\n')]);
    reload([capSite(10)]);
    p.feed(sock({ ts: T0 + 6000, peer: spoofed(48) }));
    assert.equal(p.hits.length, 50, 'the 10 most recent are remembered through off/on');
    p.engine.close();
  });
}

test('sqlite: the key filter covers max_keys up to 2,000,000; above, every key not in memory is read', () => {
  for (const [cap, want] of [[2_000_000, false], [2_000_001, true]] as const) {
    const m = new SqliteKeyMemory(dbPath());
    const p = packEngine([capSite(cap)], m);
    for (let i = 0; i < 300; i++) p.feed(sock({ ts: T0 + i, peer: spoofed(i) }));
    assert.equal(m.lookups === 300, want, `max_keys ${cap}: ${m.lookups} reads for 300 new keys`);
    p.engine.close();
  }
});

test('sqlite: in a flood, about 1 new key in 200 is read (filter false positives)', () => {
  const m = new SqliteKeyMemory(dbPath());
  const p = packEngine([capSite(5000)], m);
  for (let i = 0; i < 40_000; i++) p.feed(sock({ ts: T0 + i, peer: spoofed(i) }));
  assert.ok(m.lookups <= 40_000 / 200 * 1.5, `${m.lookups} reads for 40,000 new keys`);
  p.engine.close();
});

// ---------------------------------------------------------------- replay and the pack's own case

test('replay of a capture with only the learner: packets are not socket events, so no hit and no error', async () => {
  const hits = await replayCaptures([join(ROOT, 'test', 'fixtures', 'captures', 'scan-amid-benign.pcap')], { rules: [PACK_DIR] });
  assert.deepEqual(hits, []);
});

test('the new-peers case exercises "the host\'s own address is never reported" (docs/packs/learner.md, Tests)', () => {
  const dir = join(PACK_DIR, 'tests', 'new-peers');
  const hostLine = /^host:\s*\[([^\]]*)\]/m.exec(readFileSync(join(dir, 'case.yaml'), 'utf8'));
  const own = new Set((hostLine?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  const events = readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as VigilEvent);
  const ownPeer = events.filter((e) => e.sock?.change === 'appeared' && e.src?.ip && e.dst?.ip
    && own.has(e.sock.direction === 'in' ? e.src.ip : e.dst.ip));
  assert.ok(ownPeer.length > 0, `no appeared socket in events.jsonl has a peer among the case's host addresses ${[...own]}: removing host: from case.yaml changes nothing`);
});
