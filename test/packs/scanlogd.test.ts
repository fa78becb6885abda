/**
 * The scanlogd pack against scanlogd's documented behaviour: weights and
 * threshold, the 3 s gap, one line per scan in scanlogd's format, the global
 * log limiter and the bounded source table. Packets are built byte by byte
 * and go through the real decoder.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PROTO, ip, tcp } from '../../bench/lib/packets.ts';
import { frame } from '../../bench/lib/synth.ts';
import { PacketDecoder } from '../../src/core/decode/decoder.ts';
import { makeEngine, replayCaptures, replayFrames, type TimedFrame } from './replay-harness.ts';
import { SCENARIOS } from '../integration/scenarios.ts';

const PACK = join(import.meta.dirname, '..', '..', 'rules', 'scanlogd');
const CAPTURES = join(import.meta.dirname, '..', 'fixtures', 'captures');
const NOON = Date.UTC(2026, 0, 15, 12, 0, 0);
const SRC = '192.0.2.1';
const DST = '198.51.100.2';

interface Probe { port: number; at: number; flags?: string; sport?: number; tos?: number; ttl?: number; src?: string; dst?: string }

const build = (p: Probe): TimedFrame => ({
  tsMs: p.at,
  frame: frame(ip(p.src ?? SRC, p.dst ?? DST, PROTO.TCP, tcp({ sport: p.sport ?? 40000, dport: p.port, flags: p.flags ?? 'S' }), { tos: p.tos ?? 0, ttl: p.ttl ?? 64 })),
});
/** SYNs to `ports`, `stepMs` apart from noon. */
const syns = (ports: readonly number[], stepMs = 100, extra: Partial<Probe> = {}): Probe[] =>
  ports.map((port, i) => ({ port, at: NOON + i * stepMs, ...extra }));
const run = (probes: readonly Probe[]) => replayFrames(probes.map(build), { rules: [PACK] });
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('scanlogd weights: 3 per privileged port, 1 per other, threshold 21', () => {
  it('a source the config allow-lists (host.allow) is never logged; another is', () => {
    const probes = [...syns([21, 22, 23, 25, 53, 80, 110]), ...syns([21, 22, 23, 25, 53, 80, 110], 100, { src: '192.0.2.77' })];
    const hits = replayFrames(probes.map(build), { rules: [PACK], host: { allow: ['192.0.2.0/28'] } });
    assert.deepEqual(hits.map((h) => h.src), ['192.0.2.77']);
  });

  it('seven privileged ports make one line', () => {
    const hits = run(syns([21, 22, 23, 25, 53, 80, 110]));
    assert.equal(hits.length, 1);
    assert.equal(hits[0].count, 21);
    assert.equal(hits[0].src, SRC);
    assert.equal(hits[0].ts, NOON + 600, 'decided on the seventh probe');
  });

  it('six privileged ports make none', () => {
    assert.deepEqual(run(syns([21, 22, 23, 25, 53, 80])), []);
  });

  it('21 high ports make one line; 20 make none', () => {
    assert.equal(run(syns(range(10000, 21))).length, 1);
    assert.deepEqual(run(syns(range(10000, 20))), []);
  });

  it('five privileged plus six high ports (15 + 6) make one line', () => {
    assert.equal(run(syns([21, 22, 23, 25, 53, 10000, 10001, 10002, 10003, 10004, 10005])).length, 1);
  });

  it('works the same over IPv6', () => {
    const hits = run(syns([21, 22, 23, 25, 53, 80, 110], 100, { src: '2001:db8::1', dst: '2001:db8::2' }));
    assert.deepEqual(hits.map((h) => h.src), ['2001:db8::1']);
  });
});

describe('scanlogd gap: at most 3 s between new ports', () => {
  const sixThenOne = (pauseMs: number): Probe[] => [...syns([21, 22, 23, 25, 53, 80]), { port: 110, at: NOON + 500 + pauseMs }];

  it('a pause of exactly 3 s does not start over', () => {
    assert.equal(run(sixThenOne(3000)).length, 1);
  });

  it('a pause over 3 s starts over', () => {
    assert.deepEqual(run(sixThenOne(3001)), []);
  });

  it('repeated packets to a listed port do not keep the scan alive', () => {
    const probes = [...syns([21, 22, 23, 25, 53, 80]), { port: 21, at: NOON + 2500 }, { port: 21, at: NOON + 5000 }, { port: 110, at: NOON + 5600 }];
    assert.deepEqual(run(probes), []);
  });

  it('after its line a scan logs nothing more while it goes on, and again after a pause', () => {
    const first = syns(range(1, 30));
    const again = syns(range(100, 7), 100).map((p) => ({ ...p, at: p.at + 10_000 }));
    const hits = run([...first, ...again]);
    assert.deepEqual(hits.map((h) => h.ts), [NOON + 600, NOON + 10_600]);
  });
});

describe('scanlogd counts only probes', () => {
  it('packets with ACK or RST neither start nor grow a scan', () => {
    const replies = syns([21, 22, 23, 25, 53, 80, 110], 100, { flags: 'RA' });
    const acks = syns([21, 22, 23, 25, 53, 80, 110], 100, { flags: 'A' });
    assert.deepEqual(run([...replies, ...acks.map((p) => ({ ...p, at: p.at + 10_000 }))]), []);
  });

  it('a FIN scan is a scan, and its flags read Fsrpauxy', () => {
    const hits = run(syns(range(10000, 21), 100, { flags: 'F' }));
    assert.match(hits[0].message, /, Fsrpauxy, TOS 00, TTL 64 @12:00:00$/);
  });
});

describe('scanlogd log line', () => {
  it('21 high ports from one source port: the ports that fit in 120 characters, flags, TOS and TTL', () => {
    const hits = run(syns(range(10000, 21)));
    assert.equal(hits[0].message,
      '192.0.2.1:40000 to 198.51.100.2 ports 10000, 10001, 10002, 10003, 10004, 10005, ..., fSrpauxy, TOS 00, TTL 64 @12:00:00');
  });

  it('varying source port, TOS, TTL and a second destination drop those parts and add " and others,"', () => {
    const probes = range(10000, 21).map((port, i) => ({
      port, at: NOON + i * 100, sport: 40000 + i, tos: i % 2 ? 0x10 : 0, ttl: 64 - (i % 3), dst: i === 3 ? '198.51.100.3' : DST,
    }));
    assert.equal(run(probes)[0].message,
      '192.0.2.1 to 198.51.100.2 and others, ports 10000, 10001, 10002, 10003, 10004, 10005, 10006, ..., fSrpauxy @12:00:00');
  });

  it('seven privileged ports: the port that crossed the threshold is not listed', () => {
    assert.equal(run(syns([21, 22, 23, 25, 53, 80, 110]))[0].message,
      '192.0.2.1:40000 to 198.51.100.2 ports 21, 22, 23, 25, 53, 80, ..., fSrpauxy, TOS 00, TTL 64 @12:00:00');
  });
});

describe('scanlogd log limiter: 5 lines per 20 s over all sources', () => {
  it('the sixth scan of a burst becomes "More possible port scans follow", the rest are silent, later scans log again', () => {
    const scanner = (n: number, at: number) => syns([21, 22, 23, 25, 53, 80, 110], 10, { src: `192.0.2.${n}` }).map((p) => ({ ...p, at: p.at - NOON + at }));
    const burst = Array.from({ length: 8 }, (_, n) => scanner(n + 1, NOON + n * 1000)).flat();
    const later = scanner(50, NOON + 40_000);
    const hits = run([...burst, ...later]);
    assert.deepEqual(hits.map((h) => [h.src, h.message.startsWith('192.0.2.') ? 'line' : h.message]), [
      ['192.0.2.1', 'line'], ['192.0.2.2', 'line'], ['192.0.2.3', 'line'], ['192.0.2.4', 'line'], ['192.0.2.5', 'line'],
      ['192.0.2.6', 'More possible port scans follow'],
      ['192.0.2.50', 'line'],
    ]);
  });
});

describe('scanlogd source table is bounded', () => {
  it('holds at most 256 sources; a flood of spoofed one-port sources evicts, and a real scan is still seen', () => {
    const { engine, hits } = makeEngine({ rules: [PACK] });
    const decoder = new PacketDecoder();
    const feed = (p: Probe) => { const f = build(p); const ev = decoder.decode(1, f.frame, f.frame.length, f.frame.length, f.tsMs); if (ev) engine.feed(ev); };
    let t = NOON;
    for (let i = 0; i < 5000; i++) feed({ port: 1 + (i % 1000), at: (t += 1), src: `203.0.${i >> 8}.${i & 255}` });
    for (const p of syns([21, 22, 23, 25, 53, 80, 110], 1)) feed({ ...p, at: (t += 1) });
    const stats = engine.stats().rules.find((r) => r.id === 'scanlogd-scan')!;
    assert.ok(stats.liveKeys <= 256, `live sources ${stats.liveKeys}`);
    // Sources beyond the cap leave by eviction, or by expiry when the periodic
    // sweep (every 4,096 events) finds them idle past scanlogd_delay: one
    // sweep runs here, and it can retire at most the 256 sources it finds.
    assert.ok(stats.evictions >= 5000 - 2 * 256, `evictions ${stats.evictions}`);
    assert.deepEqual(hits.map((h) => h.src), [SRC]);
    engine.close();
  });
});

describe('scanlogd pack on recorded captures, without host facts', () => {
  for (const s of SCENARIOS) {
    const want = s.expect.scanner?.scanlogd ? [s.expect.scanner.ip] : [];
    it(`${s.name}: ${want.length ? 'one line for the scanner' : 'no line'}, never one for the victim's replies`, async () => {
      const hits = await replayCaptures([join(CAPTURES, `${s.name}.pcap`)], { rules: [PACK] });
      assert.deepEqual(hits.map((h) => h.src), want);
    });
  }
});
