/**
 * Adversarial fidelity checks of the scanlogd pack against scanlogd's
 * documented behaviour (/work/shared/reference/seed-tools.md, section 3),
 * for differences docs/packs/scanlogd.md does not declare deliberate.
 * Packets are built byte by byte and go through the real decoder.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PROTO, ip, tcp } from '../../bench/lib/packets.ts';
import { frame } from '../../bench/lib/synth.ts';
import { replayFrames, type TimedFrame } from '../packs/replay-harness.ts';

const PACK = join(import.meta.dirname, '..', '..', 'rules', 'scanlogd');
const NOON = Date.UTC(2026, 0, 15, 12, 0, 0);
const SRC = '192.0.2.1';
const DST = '198.51.100.2';
const PRIV = [21, 22, 23, 25, 53, 80, 110];

interface Probe { port: number; at: number; src?: string; dst?: string }
const build = (p: Probe): TimedFrame => ({
  tsMs: p.at,
  frame: frame(ip(p.src ?? SRC, p.dst ?? DST, PROTO.TCP, tcp({ sport: 40000, dport: p.port, flags: 'S' }), { tos: 0, ttl: 64 })),
});
const syns = (ports: readonly number[], stepMs = 100, from = NOON, extra: Partial<Probe> = {}): Probe[] =>
  ports.map((port, i) => ({ port, at: from + i * stepMs, ...extra }));
const run = (probes: readonly Probe[]) => replayFrames(probes.map(build), { rules: [PACK] });

describe('scanlogd pack: the port that crossed the threshold', () => {
  // seed-tools 3.4 step 2e/2c: scanlogd never stores the triggering port, so a
  // later packet to it counts as a new port and keeps the entry alive. The
  // pack treats it as the repeat it is (docs/packs/scanlogd.md, "Changed,
  // deliberately"): repeats never keep a scan alive, so after a pause over
  // the gap new ports start a new episode and a new line.
  it('packets to the triggering port are repeats: the episode ends after the gap, and new ports make a second line', () => {
    const probes = [
      ...syns(PRIV), // line at +0.6 s; port 110 crossed the threshold
      ...syns([110, 110, 110, 110, 110], 2000, NOON + 2000), // +2 … +10 s
      ...syns([111, 113, 135, 137, 139, 143, 179], 100, NOON + 12_500), // 2.5 s after the last 110
    ];
    const hits = run(probes);
    assert.deepEqual(hits.map((h) => h.ts), [NOON + 600, NOON + 12_500 + 600]);
  });
});

describe('scanlogd pack: which sources count', () => {
  // seed-tools 3.1: scanlogd counts any TCP source but 0.0.0.0, loopback
  // included. The pack leaves out the host's own addresses and loopback
  // (docs/packs/scanlogd.md, "Changed, deliberately"): it sees both
  // directions, and the host's own connection attempts are not a scan of it.
  it('a SYN scan over loopback is not counted; the same scan from outside is', () => {
    assert.deepEqual(run(syns(PRIV, 100, NOON, { src: '127.0.0.1', dst: '127.0.0.1' })), []);
    assert.deepEqual(run(syns(PRIV, 100, NOON, { src: '::1', dst: '::1' })), []);
    assert.equal(run(syns(PRIV)).length, 1);
  });
});

describe('scanlogd pack: "More possible port scans follow" is a log line', () => {
  // seed-tools 3.6: the 6th scan of a burst is replaced by the line
  // "More possible port scans follow", written to the same log as the scan
  // lines. The pack's lines reach the log through its `log` action; the
  // limiter's notice hit asks for no action, so the log never gets it.
  it('the notice asks for the same log action as the scan lines', () => {
    const scanner = (n: number, at: number) => syns(PRIV, 10, at, { src: `192.0.2.${n}` });
    const hits = run(Array.from({ length: 6 }, (_, n) => scanner(n + 1, NOON + n * 1000)).flat());
    assert.equal(hits.length, 6);
    assert.equal(hits[5].message, 'More possible port scans follow');
    assert.deepEqual(hits[5].actions.map((a) => a.plugin), hits[0].actions.map((a) => a.plugin));
  });
});

describe('scanlogd pack: source table under churn', () => {
  // seed-tools 3.3/3.4: a new source takes the next of 256 slots round-robin,
  // so a source is lost only after 256 newer sources were allocated. The doc's
  // deliberate change to an LRU table claims it "keeps an active scanner
  // through a flood of spoofed sources"; here two new one-packet sources
  // between each of the scanner's probes (14 allocations in all, with the
  // table already full) are enough for vigil to miss the scan.
  it('a scan interleaved with two new sources per probe, table full, is still logged', () => {
    const probes: Probe[] = [];
    let t = NOON;
    for (let i = 0; i < 300; i++) probes.push({ port: 5, at: (t += 1), src: `10.9.${i >> 8}.${i & 255}` });
    let n = 0;
    for (const port of PRIV) {
      for (let k = 0; k < 2; k++) { n++; probes.push({ port: 1 + n, at: (t += 1), src: `203.0.113.${n}` }); }
      probes.push({ port, at: (t += 1) });
    }
    const hits = run(probes);
    assert.deepEqual(hits.map((h) => h.src), [SRC]);
  });
});
