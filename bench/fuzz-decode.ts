/**
 * bench/fuzz-decode: 1,000,000 mutated and truncated real packets through
 * the decoder (from the traffic synth under every supported link type, and
 * from the recorded captures in test/fixtures/captures), then a few hundred
 * mutated capture files (pcap, pcapng, a quarter of them gzip-compressed)
 * through the capture reader. Nothing may escape
 * as an exception except the reader's own CaptureFileError. Prints counts by
 * mutation and by decode reason, writes its section of bench/RESULTS.md, and
 * exits 1 if anything escaped.
 *
 *   node --import tsx bench/fuzz-decode.ts [--cases 1000000] [--files 400] [--seed 1] [--no-write]
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CaptureFileError, readCaptureFile } from '../src/core/decode/capture-file.ts';
import { PacketDecoder } from '../src/core/decode/decoder.ts';
import { LINKTYPE } from '../src/core/decode/linktypes.ts';
import { nflog, nullLoopback, sll, sll2 } from './lib/packets.ts';
import { PcapngBuilder, pcapBytes } from './lib/pcap-writer.ts';
import { Rng } from './lib/rng.ts';
import { Synth } from './lib/synth.ts';
import { markedSection, writeSection } from './lib/results.ts';

const HERE = import.meta.dirname;
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const CASES = opt('cases', 1_000_000);
const FILES = opt('files', 400);
const SEED = opt('seed', 1);

interface Sample { linktype: number; data: Uint8Array; from: string }

/** Synthetic frames, re-wrapped under every link type the decoder reads. */
function synthCorpus(n: number): Sample[] {
  const frames: Uint8Array[] = [];
  const s = new Synth({ seed: SEED, sink: (_t, f) => frames.push(f), ipv6Share: 0.3 });
  s.run(n);
  const rng = new Rng(SEED + 1);
  return frames.map((f): Sample => {
    const ip = f.subarray(14);
    if (f[12] !== 0x08 && f[12] !== 0x86) return { linktype: LINKTYPE.ETHERNET, data: f, from: 'synth' };
    switch (rng.int(7)) {
      case 0: return { linktype: LINKTYPE.LINUX_SLL, data: sll(ip), from: 'synth' };
      case 1: return { linktype: LINKTYPE.LINUX_SLL2, data: sll2(ip), from: 'synth' };
      case 2: return { linktype: LINKTYPE.RAW, data: ip, from: 'synth' };
      case 3: return { linktype: LINKTYPE.NFLOG, data: nflog(ip, { prefix: 'fuzz', indev: 2, tsMs: 1e12 }), from: 'synth' };
      case 4: return { linktype: LINKTYPE.NULL, data: nullLoopback(ip), from: 'synth' };
      default: return { linktype: LINKTYPE.ETHERNET, data: f, from: 'synth' };
    }
  });
}

async function fixtureCorpus(): Promise<Sample[]> {
  const dir = join(HERE, '..', 'test', 'fixtures', 'captures');
  if (!existsSync(dir)) return [];
  const out: Sample[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.pcap') || x.endsWith('.pcapng')).sort()) {
    await readCaptureFile(join(dir, f), (p) => {
      out.push({ linktype: p.linktype, data: Uint8Array.prototype.slice.call(p.buf, p.offset, p.offset + p.caplen), from: 'fixtures' });
    });
  }
  return out;
}

const MUTATIONS = ['truncate', 'flip-bytes', 'smash-length-fields', 'wrong-linktype', 'caplen-past-buffer', 'splice', 'random-bytes', 'untouched'] as const;
type Mutation = (typeof MUTATIONS)[number];

/** Offsets where length, version and header-size fields sit for common layouts. */
const HOT_OFFSETS = [0, 2, 3, 4, 5, 6, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20, 26, 32, 33, 34, 38, 46, 53, 54, 58, 60];

function mutate(rng: Rng, s: Sample, corpus: Sample[], scratch: Uint8Array): { lt: number; len: number; caplen: number; m: Mutation } {
  const m = MUTATIONS[rng.int(MUTATIONS.length)];
  let len = s.data.length;
  scratch.set(s.data, 0);
  let lt = s.linktype, caplen = len;
  switch (m) {
    case 'truncate': len = caplen = rng.int(len + 1); break;
    case 'flip-bytes': for (let k = rng.range(1, 8); k > 0; k--) scratch[rng.int(len)] ^= 1 << rng.int(8); break;
    case 'smash-length-fields':
      for (let k = rng.range(1, 3); k > 0; k--) {
        const o = rng.pick(HOT_OFFSETS);
        if (o < len) scratch[o] = rng.pick([0, 1, 0x0f, 0x40, 0x45, 0x4f, 0x60, 0x7f, 0x80, 0xff, rng.int(256)]);
      }
      break;
    case 'wrong-linktype': lt = rng.pick([0, 1, 12, 101, 108, 113, 228, 229, 239, 276, 105, 127]); break;
    case 'caplen-past-buffer': caplen = len + rng.range(1, 4000); break;
    case 'splice': {
      const other = corpus[rng.int(corpus.length)].data;
      const cut = rng.int(len + 1), from = rng.int(other.length + 1);
      const tail = other.subarray(from, from + (scratch.length - cut));
      scratch.set(tail, cut);
      len = caplen = cut + tail.length;
      break;
    }
    case 'random-bytes': len = caplen = rng.int(200); for (let i = 0; i < len; i++) scratch[i] = rng.int(256); break;
    case 'untouched': break;
  }
  return { lt, len, caplen, m };
}

async function fuzzPackets(corpus: Sample[]): Promise<{ escaped: number; byMutation: Record<string, number>; stats: ReturnType<PacketDecoder['stats']['snapshot']>; firstEscape: string | null; ms: number }> {
  const rng = new Rng(SEED);
  const d = new PacketDecoder({ input: 'fuzz' });
  const scratch = new Uint8Array(70000);
  const byMutation: Record<string, number> = {};
  let escaped = 0;
  let firstEscape: string | null = null;
  const t0 = Date.now();
  for (let i = 0; i < CASES; i++) {
    const s = corpus[rng.int(corpus.length)];
    const { lt, len, caplen, m } = mutate(rng, s, corpus, scratch);
    byMutation[m] = (byMutation[m] ?? 0) + 1;
    try {
      d.decodeAt(lt, scratch.subarray(0, len), 0, caplen, rng.chance(0.9) ? s.data.length : rng.int(100000), i);
    } catch (e) {
      escaped++;
      firstEscape ??= `case ${i} (${m}, linktype ${lt}, ${len} bytes): ${(e as Error).stack}`;
    }
  }
  return { escaped, byMutation, stats: d.stats.snapshot(), firstEscape, ms: Date.now() - t0 };
}

/** Mutated pcap and pcapng files: the reader may only refuse them with a CaptureFileError. */
async function fuzzFiles(corpus: Sample[]): Promise<{ ok: number; refused: number; escaped: number; firstEscape: string | null }> {
  const rng = new Rng(SEED + 2);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-'));
  let ok = 0, refused = 0, escaped = 0;
  let firstEscape: string | null = null;
  try {
    for (let i = 0; i < FILES; i++) {
      const picks = Array.from({ length: rng.range(1, 30) }, () => corpus[rng.int(corpus.length)]);
      let bytes: Buffer;
      if (i % 2) {
        bytes = pcapBytes(picks.map((p, k) => ({ tsMs: 1e12 + k, data: p.data })), { linktype: picks[0].linktype, bigEndian: rng.chance(0.5), nanos: rng.chance(0.5) });
      } else {
        const b = new PcapngBuilder().section({ bigEndian: rng.chance(0.5) });
        const lts = [...new Set(picks.map((p) => p.linktype))];
        lts.forEach((lt) => b.interface({ linktype: lt, name: `if${lt}`, tsresol: rng.pick([6, 9, 0x80 | 20]) }));
        picks.forEach((p, k) => b.epb(lts.indexOf(p.linktype), 1e12 + k, p.data));
        bytes = b.bytes();
      }
      // Every fourth file is gzip-compressed first, so damage lands in the compressed stream.
      if (i % 4 === 3) bytes = gzipSync(bytes);
      for (let k = rng.range(1, 6); k > 0; k--) {
        const o = rng.int(bytes.length);
        if (rng.chance(0.5)) bytes[o] = rng.int(256); else bytes = bytes.subarray(0, o);
      }
      const path = join(dir, `f${i}`);
      writeFileSync(path, bytes);
      const d = new PacketDecoder();
      try {
        await readCaptureFile(path, (p) => { d.decodeAt(p.linktype, p.buf, p.offset, p.caplen, p.origLen, p.tsMs, p.iface); }, { chunkSize: rng.pick([64, 4096, 1 << 20]) });
        ok++;
      } catch (e) {
        if (e instanceof CaptureFileError) refused++;
        else { escaped++; firstEscape ??= `file ${i}: ${(e as Error).stack}`; }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { ok, refused, escaped, firstEscape };
}


const synth = synthCorpus(20000);
const fixtures = await fixtureCorpus();
const corpus = [...synth, ...fixtures];
const pk = await fuzzPackets(corpus);
const fl = await fuzzFiles(corpus);
const reasons = Object.entries(pk.stats.reasons).sort((a, b) => b[1] - a[1]);
const lines = [
  `## fuzz-decode — ${CASES.toLocaleString('en-US')} mutated packets, ${FILES} mutated capture files`,
  '',
  `Command: \`node --import tsx bench/fuzz-decode.ts --cases ${CASES} --files ${FILES} --seed ${SEED}\``,
  `Corpus: ${synth.length.toLocaleString('en-US')} synthetic frames (seed ${SEED}, re-wrapped as Ethernet, SLL, SLL2, raw IP, NFLOG, BSD loopback) and ${fixtures.length.toLocaleString('en-US')} packets of the recorded captures in test/fixtures/captures. Machine: Node ${process.version}. Measured ${new Date().toISOString().slice(0, 10)}.`,
  '',
  `**Packets: ${pk.escaped} exceptions escaped** the decoder in ${CASES.toLocaleString('en-US')} cases (${(pk.ms / 1000).toFixed(1)} s). ${pk.stats.decoded.toLocaleString('en-US')} gave an event, ${pk.stats.dropped.toLocaleString('en-US')} were dropped with a reason, ${pk.stats.partial.toLocaleString('en-US')} events were partial.`,
  '',
  `Mutations: ${Object.entries(pk.byMutation).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')}.`,
  '',
  '| reason | count |',
  '| --- | ---: |',
  ...reasons.map(([k, v]) => `| ${k} | ${v.toLocaleString('en-US')} |`),
  '',
  `**Files: ${fl.escaped} exceptions other than CaptureFileError escaped** the reader; of ${FILES} mutated files (pcap and pcapng, either byte order, a quarter gzip-compressed before damage), ${fl.ok} read to the end, ${fl.refused} were refused with a located CaptureFileError.`,
  '',
];
const section = lines.join('\n');
console.log(section);
if (pk.firstEscape) console.error(pk.firstEscape);
if (fl.firstEscape) console.error(fl.firstEscape);
if (!args.includes('--no-write')) writeSection('fuzz-decode', markedSection('fuzz-decode', section));
process.exit(pk.escaped + fl.escaped > 0 ? 1 : 0);
