/**
 * The portscan pack against real nmap/hping3 captures (test/fixtures/captures,
 * recorded by test/integration/make-captures.ts) and synthetic slow scans:
 * every scanner is named with exactly the right tags, nobody else is accused,
 * and a site tunes the pack from its own file.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIOS, VICTIM_TCP, VICTIM_UDP, HOT_PORT } from '../integration/scenarios.ts';
import { VICTIM, SCANNER } from '../integration/lab.ts';
import { replayCaptures, replayFrames, tagsBySource, type HostSpec, type TimedFrame } from './replay-harness.ts';
import { Synth } from '../../bench/lib/synth.ts';
import { runSlowScan } from '../../bench/lib/synth-scans.ts';
import type { Hit } from '../../src/core/hit.ts';

const VOCABULARY = new Set(['NULL', 'FIN', 'XMAS', 'HALF_CONNECT', 'FULL_CONNECT', 'MULTI_PORT', 'ONE_PORT_MANY', 'HOT_PORT', 'SLOW_SCAN', 'UDP_SCAN']);
const CAPTURES = join(import.meta.dirname, '..', 'fixtures', 'captures');
const PACK = join(import.meta.dirname, '..', '..', 'rules', 'portscan');
const VICTIM_HOST: HostSpec = { addresses: [VICTIM.v4, VICTIM.v6], tcp: [...VICTIM_TCP], udp: [...VICTIM_UDP] };

let tmp: string;
/** A site rules directory holding one file with `text`. */
function siteDir(name: string, text: string): string {
  const d = join(tmp, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'site.yaml'), text);
  return d;
}

before(() => { tmp = mkdtempSync(join(tmpdir(), 'vigil-portscan-')); });
after(() => { rmSync(tmp, { recursive: true, force: true }); });

const capture = (name: string) => join(CAPTURES, `${name}.pcap`);
const hotSite = () => siteDir('hot', `lists:\n  hot_ports: [${HOT_PORT}]\n`);

describe('portscan pack on recorded captures, host facts given (--host, --listen)', () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: ${s.description}`, async () => {
      const hits = await replayCaptures([capture(s.name)], { rules: [PACK, hotSite()], host: VICTIM_HOST });
      const bySrc = tagsBySource(hits);
      for (const h of hits) {
        for (const t of h.tags) assert.ok(VOCABULARY.has(t), `hit of ${h.rule} carries tag ${t} outside the pack vocabulary`);
      }
      for (const innocent of s.expect.innocent) assert.equal(bySrc.has(innocent), false, `${innocent} must not be accused, got ${[...(bySrc.get(innocent) ?? [])]}`);
      if (s.expect.scanner) {
        const got = [...(bySrc.get(s.expect.scanner.ip) ?? [])].sort();
        assert.deepEqual(got, [...s.expect.scanner.portscan].sort(), `tags for ${s.expect.scanner.ip}`);
        assert.deepEqual([...bySrc.keys()], [s.expect.scanner.ip], 'only the scanner is accused');
      } else {
        assert.deepEqual(hits.map((h) => h.rule), [], 'benign traffic makes no hit');
      }
    });
  }

  it('asks for a block of the scanner for lockout_time, and marks it reported', async () => {
    const hits = await replayCaptures([capture('syn-scan')], { rules: [PACK], host: VICTIM_HOST });
    const multi = hits.find((h) => h.rule === 'portscan-multi-port');
    assert.ok(multi, 'the multi-port rule fired');
    assert.deepEqual(multi.actions, [
      { plugin: 'block', params: { address: SCANNER.v4, duration: '9h' } },
      { plugin: 'context.set', params: { name: 'portscan_reported', key: SCANNER.v4, ttl: '9h' } },
    ]);
  });

  it('replays to identical hits twice', async () => {
    const files = [capture('scan-amid-benign'), capture('udp-scan')];
    const a = await replayCaptures(files, { rules: [PACK], host: VICTIM_HOST });
    const b = await replayCaptures(files, { rules: [PACK], host: VICTIM_HOST });
    assert.ok(a.length > 0);
    assert.deepEqual(b, a);
  });
});

describe('portscan pack without host facts (a capture taken elsewhere)', () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: never accuses the victim for its own replies (SYN-ACK, RST, ICMP errors)`, async () => {
      const hits = await replayCaptures([capture(s.name)], { rules: [PACK, hotSite()] });
      const accused = new Set(hits.map((h) => h.src));
      assert.equal(accused.has(VICTIM.v4), false);
      assert.equal(accused.has(VICTIM.v6), false);
      if (s.expect.scanner) assert.ok(accused.has(s.expect.scanner.ip), `${s.expect.scanner.ip} is still reported`);
    });
  }
});

describe('a site tunes the pack from its own file', () => {
  it('enforce: false turns every block into a log action and keeps the tags', async () => {
    const site = siteDir('report-only', 'vars:\n  enforce: false\n');
    const hits = await replayCaptures([capture('syn-scan'), capture('fin-scan')], { rules: [PACK, site], host: VICTIM_HOST });
    assert.ok(hits.length >= 2);
    for (const h of hits) {
      assert.equal(h.actions.some((a) => a.plugin === 'block'), false, `${h.rule} asks for no block`);
      assert.ok(h.actions.some((a) => a.plugin === 'log'), `${h.rule} logs`);
    }
    assert.deepEqual([...(tagsBySource(hits).get(SCANNER.v4) ?? [])].sort(), ['FIN', 'HALF_CONNECT', 'MULTI_PORT']);
  });

  it('a higher single_ip_scan_threshold lets a 201-port scan pass as multi-port but not as half-open', async () => {
    const site = siteDir('lenient', 'vars:\n  single_ip_scan_threshold: 500\n  slow_scan_ports: 501\n  overall_port_scan_threshold: 500\n');
    const hits = await replayCaptures([capture('syn-scan')], { rules: [PACK, site], host: VICTIM_HOST });
    assert.deepEqual([...new Set(hits.map((h) => h.tags[0]))], ['HALF_CONNECT']);
  });

  it('lockout_time sets the block duration', async () => {
    const site = siteDir('short', 'vars:\n  lockout_time: 15m\n');
    const hits = await replayCaptures([capture('null-scan')], { rules: [PACK, site], host: VICTIM_HOST });
    assert.deepEqual(hits.map((h) => h.actions[0]), [{ plugin: 'block', params: { address: SCANNER.v4, duration: '15m' } }]);
  });

  it('ports_to_ignore drops a hammered port', async () => {
    const ignore = siteDir('ignore', 'lists:\n  ports_to_ignore+: [8000]\n');
    assert.deepEqual(await replayCaptures([capture('one-port-hammer')], { rules: [PACK, ignore], host: VICTIM_HOST }), []);
  });

  it('portscan_allowed_nets silences a source, also when its UDP scan is seen only through ICMP errors', async () => {
    const allow = siteDir('allow-nets', 'lists:\n  portscan_allowed_nets: ["10.77.0.8/29"]\n');
    const hits = await replayCaptures([capture('syn-scan'), capture('udp-scan')], { rules: [PACK, allow], host: VICTIM_HOST });
    assert.deepEqual(hits.map((h) => h.src), []);
  });

  it('the portscan_allowed macro takes any condition over the packet', async () => {
    const allow = siteDir('allow-macro', `macros:\n  portscan_allowed: 'cidr(src.ip, "10.77.0.8/29") && !tcp.flags.fin'\n`);
    const hits = await replayCaptures([capture('syn-scan'), capture('fin-scan')], { rules: [PACK, allow], host: VICTIM_HOST });
    assert.deepEqual([...(tagsBySource(hits).get(SCANNER.v4) ?? [])], ['FIN']);
  });

  it('without a hot_ports list a touch of 2323 is only a closed port', async () => {
    assert.deepEqual(await replayCaptures([capture('hot-port')], { rules: [PACK], host: VICTIM_HOST }), []);
  });
});

/** Frames of a synthetic capture: normal traffic with a slow scan spread over minutes. */
function slowScanFrames(ports: readonly number[], everyMs: number): TimedFrame[] {
  const frames: TimedFrame[] = [];
  const s = new Synth({ seed: 11, sink: (tsMs, frame) => frames.push({ tsMs, frame: frame.slice() }) });
  runSlowScan(s, '10.77.220.5', { victim: '10.77.0.1', openTcp: [22, 80, 443], openUdp: [53] }, ports, everyMs);
  return frames;
}
const SYNTH_HOST: HostSpec = { addresses: ['10.77.0.1'], tcp: [22, 25, 80, 443, 993], udp: [53] };
const firstToHitMs = (frames: TimedFrame[], h: Hit) => h.ts - frames.find((f) => f.frame.length > 0)!.tsMs;

describe('slow scans over minutes (synthetic, fixed seed)', () => {
  it('seven closed ports, one every 90 s, are a SLOW_SCAN and nothing faster', () => {
    const frames = slowScanFrames([111, 135, 139, 445, 3306, 5432, 6379, 8081], 90_000);
    const hits = replayFrames(frames, { rules: [PACK], host: SYNTH_HOST });
    assert.deepEqual(hits.map((h) => [h.src, h.rule, h.tags]), [['10.77.220.5', 'portscan-slow-ports', ['SLOW_SCAN']]]);
    assert.equal(hits[0].count, 7);
    assert.ok(firstToHitMs(frames, hits[0]) >= 6 * 90_000, 'decided on the seventh probe, nine minutes in');
  });

  it('one closed port tried once every 90 s is a SLOW_SCAN at the eighth try', () => {
    const frames = slowScanFrames(Array.from({ length: 9 }, () => 8080), 90_000);
    const hits = replayFrames(frames, { rules: [PACK], host: SYNTH_HOST });
    assert.deepEqual(hits.map((h) => [h.src, h.rule]), [['10.77.220.5', 'portscan-slow-hits']]);
    assert.equal(hits[0].count, 8);
  });

  it('the same probes past last_seen_delta are forgotten', () => {
    const site = siteDir('short-memory', 'vars:\n  last_seen_delta: 5m\n');
    const frames = slowScanFrames([111, 135, 139, 445, 3306, 5432, 6379, 8081], 90_000);
    assert.deepEqual(replayFrames(frames, { rules: [PACK, site], host: SYNTH_HOST }), []);
  });
});
