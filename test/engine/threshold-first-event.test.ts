import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';
import type { Hit } from '../../src/core/hit.ts';
import type { VigilEvent } from '../../src/core/event.generated.ts';
import { Rng } from '../../bench/lib/rng.ts';

// A threshold key holds only what its first event left until a second event
// comes (see threshold.ts). A rule with `recover` always builds the full
// state at once, and until a key's first hit `recover` changes nothing: so
// the two must agree on every key's first hit, and on which keys are kept.

const rule = (id: string, body: string, recover: boolean) => `
  - id: ${id}
    description: Test rule ${id}.
    on: [packet]
    type: threshold
    key: [src.ip]
${body}
    max_keys: 24
${recover ? '    recover: { count: 0, window: 1s }' : ''}`;

const VARIANTS: Record<string, string> = {
  plain: `
    count: 3
    window: 2s`,
  distinct: `
    distinct: dst.port
    count: 3
    window: 2s
    collect:
      ports: { values: dst.port, max: 4 }
      first_port: { first: dst.port }
      ttl: { same: ip.ttl }`,
  weighted: `
    weight: "dst.port < 1024 ? 3 : dst.port > 60000 ? 0 : 1"
    count: 5
    window: 2s
    collect:
      bytes_or: { or: bytes }
      bytes_min: { min: bytes }`,
  scanlogd: `
    distinct: dst.port
    weight: "dst.port < 1024 ? 3 : 1"
    count: 6
    gap: 500ms
    collect:
      ports: { values: dst.port }
      flags_and: { and: bytes }
      src_port: { same: src.port }`,
  // ip.ttl is missing on some events: such an event creates the key but counts nothing.
  'sometimes-missing': `
    distinct: ip.ttl
    count: 2
    window: 2s`,
};

function ruleset(recover: boolean): string {
  return `rules:${Object.entries(VARIANTS).map(([id, body]) => rule(id, body, recover)).join('')}\n`;
}

function stream(seed: number, n: number): VigilEvent[] {
  const rng = new Rng(seed);
  const out: VigilEvent[] = [];
  let ts = 1_000_000;
  for (let i = 0; i < n; i++) {
    ts += rng.int(120);
    const ev = pkt({
      ts, src: `10.77.1.${rng.int(60)}`, sport: rng.pick([40000, 40001]),
      dport: rng.pick([22, 80, 443, 8080, 61000, rng.range(1, 65535)]), bytes: rng.range(40, 1500), ttl: rng.pick([64, 128]),
    });
    if (rng.chance(0.1)) delete (ev as { ip: { ttl?: number } }).ip.ttl;
    out.push(ev);
  }
  return out;
}

const firstHits = (hits: readonly Hit[]): Map<string, Hit> => {
  const m = new Map<string, Hit>();
  for (const h of hits) { const k = `${h.rule} ${h.src}`; if (!m.has(k)) m.set(k, h); }
  return m;
};
const shape = (h: Hit) => ({ ts: h.ts, count: h.count, first_ts: h.first_ts, data: h.data });

test('a key held as its first event reaches the same first hit, with the same count, first_ts and data, as a full state', () => {
  for (const seed of [1, 2, 3]) {
    const compact = harness(ruleset(false));
    const full = harness(ruleset(true));
    for (const ev of stream(seed, 4000)) { compact.feed(ev); full.feed(structuredClone(ev)); }
    const a = firstHits(compact.hits), b = firstHits(full.hits);
    assert.ok(a.size > 20, `seed ${seed}: ${a.size} keys reached a hit`);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `seed ${seed}: the same keys reached a hit`);
    for (const [k, h] of a) assert.deepEqual(shape(h), shape(b.get(k)!), `seed ${seed}: ${k}`);
    const stats = (hs: typeof compact) => hs.engine.stats().rules.map((r) => [r.id, r.liveKeys, r.evictions]);
    assert.deepEqual(stats(compact), stats(full), `seed ${seed}: the same keys kept and evicted`);
  }
});

test('a first event whose weight reaches the count makes a hit at once', () => {
  const h = harness(`rules:${rule('heavy', `
    weight: "dst.port < 1024 ? 3 : 1"
    count: 3
    window: 10s`, false)}\n`);
  h.feed(pkt({ ts: 1000, dport: 8080 }), pkt({ ts: 1001, src: '10.77.0.8', dport: 22 }));
  assert.deepEqual(h.hits.map((x) => [x.src, x.count, x.first_ts]), [['10.77.0.8', 3, 1001]]);
});

test('a first event with no distinct value keeps the key but counts nothing, and its collect values are not kept', () => {
  const h = harness(`rules:${rule('ttls', `
    distinct: ip.ttl
    count: 2
    window: 10s
    collect:
      ports: { values: dst.port }`, false)}\n`);
  const noTtl = pkt({ ts: 1000, dport: 1 });
  delete (noTtl as { ip: { ttl?: number } }).ip.ttl;
  h.feed(noTtl);
  assert.equal(h.engine.stats().rules[0].liveKeys, 1);
  h.feed(pkt({ ts: 2000, dport: 2, ttl: 64 }));
  assert.equal(h.hits.length, 0, 'one distinct value so far');
  h.feed(pkt({ ts: 3000, dport: 3, ttl: 128 }));
  assert.deepEqual(h.hits.map((x) => [x.count, x.first_ts, x.data]), [[2, 2000, { ports: [2, 3] }]]);
});

test('a first event of zero weight counts nothing but its collect values are kept', () => {
  const h = harness(`rules:${rule('weights', `
    weight: "dst.port > 60000 ? 0 : 2"
    count: 4
    window: 10s
    collect:
      ports: { values: dst.port }`, false)}\n`);
  h.feed(pkt({ ts: 1000, dport: 61000 }), pkt({ ts: 2000, dport: 80 }));
  assert.equal(h.hits.length, 0, 'weights 0 + 2');
  h.feed(pkt({ ts: 3000, dport: 81 }));
  assert.deepEqual(h.hits.map((x) => [x.count, x.first_ts, x.data]), [[4, 2000, { ports: [61000, 80, 81] }]]);
});
