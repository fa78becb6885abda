/**
 * Adversarial fidelity checks of the portscan pack against Gargoyle's
 * documented behaviour (/work/shared/reference/seed-tools.md, section 2),
 * for differences docs/packs/portscan.md does not declare deliberate.
 * Packets are built byte by byte and go through the real decoder.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTO, ip, tcp } from '../../bench/lib/packets.ts';
import { frame } from '../../bench/lib/synth.ts';
import { replayFrames, type HostSpec, type TimedFrame } from '../packs/replay-harness.ts';

const PACK = join(import.meta.dirname, '..', '..', 'rules', 'portscan');
const T0 = Date.UTC(2026, 0, 15, 0, 0, 0);
const HOUR = 3_600_000;
const HOST_IP = '192.0.2.10';
const SCANNER = '203.0.113.5';
const HOST: HostSpec = { addresses: [HOST_IP], tcp: [22, 80] };

interface Pkt { at: number; src?: string; dst?: string; sport?: number; dport: number; flags?: string | number; seq?: number; ack?: number }
const build = (p: Pkt): TimedFrame => ({
  tsMs: p.at,
  frame: frame(ip(p.src ?? SCANNER, p.dst ?? HOST_IP, PROTO.TCP,
    tcp({ sport: p.sport ?? 40000, dport: p.dport, flags: p.flags ?? 'S', seq: p.seq ?? 1000, ack: p.ack ?? 0 }))),
});

let tmp: string;
before(() => { tmp = mkdtempSync(join(tmpdir(), 'vigil-adv-portscan-')); });
after(() => { rmSync(tmp, { recursive: true, force: true }); });
/** A site rules directory holding one file with `text`. */
function siteDir(name: string, text: string): string {
  const d = join(tmp, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'site.yaml'), text);
  return d;
}

describe('portscan pack: the slow path judges the evidence of the last last_seen_delta', () => {
  // seed-tools 2.7/2.4: upstream piles hits up until a source is silent for 5
  // days. The pack judges a sliding last_seen_delta instead (docs/packs/
  // portscan.md, "What was kept, what was fixed"); a site wanting upstream's
  // reach sets last_seen_delta to 5d.
  const everyThreeHours = [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008].map((dport, i) => ({ at: T0 + i * 3 * HOUR, dport }));
  it('eight closed ports one every 3 h are not a slow scan within 8 h', () => {
    assert.deepEqual(replayFrames(everyThreeHours.map(build), { rules: [PACK], host: HOST }), []);
  });
  it('with last_seen_delta: 5d they are, on the seventh port', () => {
    const site = siteDir('five-days', 'vars:\n  last_seen_delta: 5d\n');
    const hits = replayFrames(everyThreeHours.map(build), { rules: [PACK, site], host: HOST });
    assert.deepEqual(hits.map((h) => [h.rule, h.src, h.ts]), [['portscan-slow-ports', SCANNER, T0 + 6 * 3 * HOUR]]);
  });
});

describe('portscan pack: hot ports are checked after the ignore rules', () => {
  // seed-tools 2.6 step 1 runs before step 3: a hot port that is in
  // ports_to_ignore or in the ephemeral range is skipped and can never fire
  // (and 2.2: a single hot port inside the ephemeral range is not even
  // accepted by the parser). The doc keeps only the "served port" case.
  it('a hot port also listed in ports_to_ignore never fires', () => {
    const site = siteDir('hot-ignored', 'lists:\n  hot_ports: [2323]\n  ports_to_ignore: [2323]\n');
    assert.deepEqual(replayFrames([build({ at: T0, dport: 2323 })], { rules: [PACK, site], host: HOST }), []);
  });

  it('a hot port inside the ephemeral range never fires', () => {
    const site = siteDir('hot-ephemeral', 'lists:\n  hot_ports: [40000]\n');
    assert.deepEqual(replayFrames([build({ at: T0, dport: 40000 })], { rules: [PACK, site], host: HOST }), []);
  });
});

describe('portscan pack never accuses the protected host for its own replies (no host facts)', () => {
  // seed-tools 2.5/2.6: Gargoyle sees only INPUT and whitelists every local
  // address, so the host is never accused. The pack doc says that without host
  // facts the host is still never accused for its own replies. Backscatter: a
  // SYN-ACK arrives for a connection the host never opened (someone spoofed
  // it); the host's kernel answers with a bare RST whose seq is the SYN-ACK's
  // ack. That reply completes the half-connect pair and the host is accused.
  for (const [fam, host, remote] of [['IPv4', HOST_IP, '198.51.100.9'], ['IPv6', '2001:db8::10', '2001:db8::9']] as const) {
    it(`${fam}: the host's RST answering an unsolicited SYN-ACK does not accuse the host`, () => {
      const pkts: Pkt[] = [
        { at: T0, src: remote, sport: 80, dst: host, dport: 40001, flags: 'SA', seq: 5000, ack: 777 },
        { at: T0 + 1, src: host, sport: 40001, dst: remote, dport: 80, flags: 'R', seq: 777 },
      ];
      const hits = replayFrames(pkts.map(build), { rules: [PACK] });
      assert.deepEqual(hits.map((h) => h.src).filter((s) => s === host), []);
    });
  }
});

describe('portscan pack: probes below every threshold make no hit', () => {
  // seed-tools 2.6 phase 2 / 2.12: upstream writes a report line per (source,
  // port) of a pass. The pack reports detections only (docs/packs/
  // portscan.md, "Not reproduced").
  it('one SYN to one closed port makes no hit', () => {
    assert.deepEqual(replayFrames([build({ at: T0, dport: 1001 })], { rules: [PACK], host: HOST }), []);
  });
});
