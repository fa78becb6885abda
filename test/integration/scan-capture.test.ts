/**
 * End to end on real traffic: make fresh captures of nmap/hping3 scans and
 * benign clients in network namespaces (root only), replay each with the
 * real CLI, `vigil replay FILE --format json --host … --listen …`, and check
 * that every scanner is named with the right tags and nobody else is; that
 * the fresh captures lead to the same conclusions as the committed fixtures;
 * that replays are repeatable; and that hits do not depend on how events
 * reach the engine (straight from the pcap, or dumped with --events and
 * replayed as JSON lines, or read in tiny chunks).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labUnavailable, VICTIM } from './lab.ts';
import { makeCaptures } from './make-captures.ts';
import { SCENARIOS, VICTIM_TCP, VICTIM_UDP, HOT_PORT } from './scenarios.ts';
import { readCaptureFile } from '../../src/core/decode/capture-file.ts';
import { PacketDecoder } from '../../src/core/decode/decoder.ts';
import { makeEngine } from '../packs/replay-harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'captures');
const PACKS = [join(ROOT, 'rules', 'portscan'), join(ROOT, 'rules', 'scanlogd')];
const PORTSCAN_TAGS = new Set(['NULL', 'FIN', 'XMAS', 'HALF_CONNECT', 'FULL_CONNECT', 'MULTI_PORT', 'ONE_PORT_MANY', 'HOT_PORT', 'SLOW_SCAN', 'UDP_SCAN']);

interface JsonHit { ts: string; rule: string; src: string | null; tags: string[]; message: string; first_ts?: string }

const why = labUnavailable();
let tmp = '';
let site = '';
let fresh = new Map<string, string>();

/** `vigil replay` through bin/vigil.js; returns the JSON hit lines. */
function vigilReplay(files: readonly string[], extra: readonly string[] = []): JsonHit[] {
  const args = ['bin/vigil.js', 'replay', ...files, '--format', 'json', '--no-progress',
    ...PACKS.flatMap((d) => ['--rules', d]), '--rules', site,
    '--host', VICTIM.v4, '--host', VICTIM.v6,
    ...VICTIM_TCP.flatMap((p) => ['--listen', String(p)]), ...VICTIM_UDP.flatMap((p) => ['--listen', `${p}/udp`]), ...extra];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `vigil replay failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonHit);
}

/** Conclusions of a replay: per accused address, its sorted tags. */
function verdicts(hits: readonly JsonHit[]): Record<string, string[]> {
  const m: Record<string, Set<string>> = {};
  for (const h of hits) if (h.src) for (const t of h.tags) (m[h.src] ??= new Set()).add(t);
  return Object.fromEntries(Object.entries(m).sort().map(([k, v]) => [k, [...v].sort()]));
}

describe('scans recorded in network namespaces, replayed with the vigil CLI', { skip: why ? `skipped: ${why}` : false }, () => {
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'vigil-lab-'));
    site = join(tmp, 'site');
    mkdirSync(site);
    writeFileSync(join(site, 'site.yaml'), `lists:\n  hot_ports: [${HOT_PORT}]\n`);
    fresh = await makeCaptures(join(tmp, 'captures'));
  });
  after(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

  for (const s of SCENARIOS) {
    it(`${s.name}: ${s.description}`, () => {
      const hits = vigilReplay([fresh.get(s.name)!]);
      const v = verdicts(hits);
      for (const innocent of s.expect.innocent) assert.equal(v[innocent], undefined, `${innocent} accused: ${JSON.stringify(v[innocent])}`);
      const scanner = s.expect.scanner;
      if (scanner) {
        const want = [...scanner.portscan, ...(scanner.scanlogd ? ['SCANLOGD'] : [])].sort();
        assert.deepEqual(Object.keys(v), [scanner.ip], 'only the scanner is accused');
        const got = v[scanner.ip] ?? [];
        const extra = got.filter((t) => !want.includes(t));
        const allowed: readonly string[] = s.expect.mayAlso?.tags ?? [];
        assert.deepEqual(extra.filter((t) => !allowed.includes(t)), [], `unexpected tags for ${scanner.ip}`);
        assert.deepEqual(want.filter((t) => !got.includes(t)), [], `missing tags for ${scanner.ip}`);
        if (extra.length) console.log(`# ${s.name}: also ${extra.join(', ')}: ${s.expect.mayAlso!.why}`);
        const first = hits.find((h) => h.tags.some((t) => PORTSCAN_TAGS.has(t)))!;
        // Seen in the test log: how long each scan ran before vigil named it (event time).
        console.log(`# ${s.name}: first hit ${first.rule} ${first.ts}, first probe to hit ${Date.parse(first.ts) - Date.parse(first.first_ts ?? first.ts)} ms`);
      } else {
        assert.deepEqual(hits, []);
      }
      const fixture = verdicts(vigilReplay([join(FIXTURES, `${s.name}.pcap`)]));
      const withoutTimingTags = (r: Record<string, string[]>): Record<string, string[]> =>
        Object.fromEntries(Object.entries(r).map(([ip, tags]) => [ip, tags.filter((t) => !(s.expect.mayAlso?.tags as readonly string[] | undefined)?.includes(t))]));
      assert.deepEqual(withoutTimingTags(fixture), withoutTimingTags(v), 'the committed fixture leads to the same verdicts as the fresh capture');
    });
  }

  it('replaying twice gives identical output', () => {
    const files = [fresh.get('scan-amid-benign')!, fresh.get('udp-scan')!];
    assert.deepEqual(vigilReplay(files), vigilReplay(files));
  });

  it('hits do not depend on how events reach the engine: pcap, --events JSON lines, tiny read chunks', async () => {
    const files = ['scan-amid-benign', 'connect-scan', 'udp-scan', 'ipv6-syn-scan'].map((n) => fresh.get(n)!);
    const direct = vigilReplay(files);
    const dump = spawnSync(process.execPath, ['bin/vigil.js', 'replay', ...files, '--events', '--format', 'json', '--no-progress'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(dump.status, 0, dump.stderr);
    const jsonl = join(tmp, 'events.jsonl');
    writeFileSync(jsonl, dump.stdout);
    assert.deepEqual(vigilReplay([jsonl]), direct);

    const { engine, hits } = makeEngine({
      rules: [...PACKS, site],
      host: { addresses: [VICTIM.v4, VICTIM.v6], tcp: [...VICTIM_TCP], udp: [...VICTIM_UDP] },
    });
    const decoder = new PacketDecoder({ input: 'pcapfile' });
    for (const f of files) {
      await readCaptureFile(f, (p) => {
        const ev = decoder.decodeAt(p.linktype, p.buf, p.offset, p.caplen, p.origLen, p.tsMs, p.iface);
        if (ev) engine.feed(ev);
      }, { chunkSize: 97 });
    }
    engine.close();
    assert.deepEqual(hits.map((h) => [new Date(h.ts).toISOString(), h.rule, h.src, h.message]), direct.map((h) => [h.ts, h.rule, h.src, h.message]));
  });
});
