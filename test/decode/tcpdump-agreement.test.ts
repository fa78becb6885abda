/**
 * The decoder against tcpdump on the same bytes: real captures recorded in
 * network namespaces (test/fixtures/captures) and a synthetic mixed capture.
 * Every IP packet tcpdump prints must decode to the same addresses, ports,
 * TCP flags, sequence number and payload length, and the same timestamp.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureFile } from '../../src/core/decode/capture-file.ts';
import { PacketDecoder } from '../../src/core/decode/decoder.ts';
import { writeMixedPcap } from '../../bench/lib/synth.ts';
import { PROTO, ipv4, ipv6, nflog, tcp, udp } from '../../bench/lib/packets.ts';
import { pcapBytes } from '../../bench/lib/pcap-writer.ts';
import { LINKTYPE } from '../../src/core/decode/linktypes.ts';
import { nflogBigEndianTlvs } from './nflog-bytes.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'captures');
const haveTcpdump = spawnSync('tcpdump', ['--version']).status === 0;

interface Line { ts: number; src: string; sport?: number; dst: string; dport?: number; flags?: string; seq?: number; len?: number }

/** `fd77::1.443` or `10.77.0.1.443` → address and port; an address alone has no port. */
function endpoint(text: string, v6: boolean): [string, number | undefined] {
  const dot = text.lastIndexOf('.');
  if (v6) return dot > 0 ? [text.slice(0, dot), Number(text.slice(dot + 1))] : [text, undefined];
  const parts = text.split('.');
  return parts.length === 5 ? [parts.slice(0, 4).join('.'), Number(parts[4])] : [text, undefined];
}

/** tcpdump's flag notation ([S.], [FPU], [none]) as our FSRPAUEC letters. */
function flagsToStr(t: string): string {
  if (t === 'none') return '';
  const has = (c: string) => t.includes(c);
  return [['F', 'F'], ['S', 'S'], ['R', 'R'], ['P', 'P'], ['.', 'A'], ['U', 'U'], ['E', 'E'], ['W', 'C']].filter(([c]) => has(c)).map(([, l]) => l).join('');
}

function tcpdumpLines(path: string): Line[] {
  const r = spawnSync('tcpdump', ['-nn', '-tt', '-S', '-r', path], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const out: Line[] = [];
  for (const l of r.stdout.split('\n')) {
    const m = /^(\d+\.\d+) (IP6?) (\S+) > (\S+): (.*)$/.exec(l);
    if (!m) continue;
    const v6 = m[2] === 'IP6';
    const [src, sport] = endpoint(m[3], v6);
    const [dst, dport] = endpoint(m[4], v6);
    const rest = m[5];
    const line: Line = { ts: Number(m[1]) * 1000, src, sport, dst, dport };
    const f = /^Flags \[([^\]]+)\]/.exec(rest);
    if (f) {
      line.flags = flagsToStr(f[1]);
      const seq = /seq (\d+)/.exec(rest);
      if (seq) line.seq = Number(seq[1]);
      const len = /length (\d+)/.exec(rest);
      if (len) line.len = Number(len[1]);
    }
    out.push(line);
  }
  return out;
}

async function ours(path: string): Promise<Line[]> {
  const d = new PacketDecoder();
  const out: Line[] = [];
  await readCaptureFile(path, (p) => {
    const ev = d.decodeAt(p.linktype, p.buf, p.offset, p.caplen, p.origLen, p.tsMs);
    if (!ev) return;
    const hasPorts = ev.proto === 'tcp' || ev.proto === 'udp';
    out.push({
      ts: ev.ts, src: ev.src.ip, dst: ev.dst.ip,
      sport: hasPorts ? ev.src.port : undefined, dport: hasPorts ? ev.dst.port : undefined,
      flags: ev.tcp?.flags.str, seq: ev.tcp?.seq, len: ev.tcp ? ev.payload_len : undefined,
    });
  });
  return out;
}

async function agree(path: string): Promise<number> {
  const theirs = tcpdumpLines(path);
  const mine = await ours(path);
  assert.equal(mine.length, theirs.length, `${path}: same number of IP packets`);
  theirs.forEach((t, i) => {
    const m = mine[i];
    const where = `${path} packet ${i + 1}`;
    assert.ok(Math.abs(m.ts - t.ts) < 0.001, `${where}: ts ${m.ts} vs ${t.ts}`);
    assert.equal(m.src, t.src, where);
    assert.equal(m.dst, t.dst, where);
    assert.equal(m.sport, t.sport, where);
    assert.equal(m.dport, t.dport, where);
    if (t.flags !== undefined) {
      assert.equal(m.flags, t.flags, where);
      if (t.seq !== undefined) assert.equal(m.seq, t.seq, where);
      if (t.len !== undefined) assert.equal(m.len, t.len, where);
    }
  });
  return theirs.length;
}

describe('decoder agrees with tcpdump', { skip: haveTcpdump ? false : 'tcpdump is not installed (apt-get install tcpdump)' }, () => {
  let dir = '';
  before(() => { dir = mkdtempSync(join(tmpdir(), 'vigil-tcpdump-')); });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  it('on every recorded fixture capture', async (t) => {
    if (!existsSync(FIXTURES)) { t.skip('no fixture captures in test/fixtures/captures'); return; }
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng'));
    if (files.length === 0) { t.skip('no fixture captures in test/fixtures/captures'); return; }
    let total = 0;
    for (const f of files) total += await agree(join(FIXTURES, f));
    assert.ok(total > 0);
  });

  it('on a synthetic mixed capture', async () => {
    const path = join(dir, 'mixed.pcap');
    writeMixedPcap(path, 20000, { seed: 7 });
    assert.ok((await agree(path)) > 19000);
  });

  it('on an NFLOG capture from a big-endian host, whose TLV headers libpcap reads in the file\'s byte order', async () => {
    const path = join(dir, 'nflog-be.pcap');
    const packets = [
      ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: PROTO.TCP }, tcp({ sport: 40000, dport: 22, flags: 'S', seq: 7 })),
      ipv6({ src: 'fd77::1', dst: 'fd77::2', proto: PROTO.UDP }, udp({ sport: 5353, dport: 53, payload: 12 })),
    ];
    const records = packets.map((p, i) => ({ tsMs: 1764125410000 + i, data: nflogBigEndianTlvs(nflog(p, { prefix: 'vigil-in', indev: 2 })) }));
    writeFileSync(path, pcapBytes(records, { linktype: LINKTYPE.NFLOG, bigEndian: true }));
    assert.equal(await agree(path), 2);
  });

  it('on a capture re-written by tcpdump itself (libpcap\'s writer)', async () => {
    const src = join(dir, 'src.pcap'), copy = join(dir, 'copy.pcap');
    writeMixedPcap(src, 2000, { seed: 8 });
    const r = spawnSync('tcpdump', ['-r', src, '-w', copy]);
    assert.equal(r.status, 0, String(r.stderr));
    assert.ok((await agree(copy)) > 1900);
    assert.deepEqual(await ours(copy), await ours(src));
  });
});
