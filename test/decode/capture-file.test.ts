import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CaptureFileError, readCaptureFile, type CapturedPacket } from '../../src/core/decode/capture-file.ts';
import { LINKTYPE } from '../../src/core/decode/linktypes.ts';
import { PROTO, ethernet, ipv4, ipv6, nflog, sll2, tcp, udp } from '../../bench/lib/packets.ts';
import { PcapngBuilder, PcapngWriter, PcapWriter, pcapBytes, type PacketRecord } from '../../bench/lib/pcap-writer.ts';

let dir = '';
before(() => { dir = mkdtempSync(join(tmpdir(), 'vigil-capture-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

interface Seen { linktype: number; bytes: number[]; caplen: number; origLen: number; tsMs: number; iface: string | undefined; ifIndex: number }

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

async function readAll(path: string, chunkSize?: number): Promise<{ seen: Seen[]; summary: Awaited<ReturnType<typeof readCaptureFile>> }> {
  const seen: Seen[] = [];
  const summary = await readCaptureFile(path, (p: CapturedPacket) => {
    seen.push({ linktype: p.linktype, bytes: [...p.buf.subarray(p.offset, p.offset + p.caplen)], caplen: p.caplen, origLen: p.origLen, tsMs: p.tsMs, iface: p.iface, ifIndex: p.ifIndex });
  }, { chunkSize });
  return { seen, summary };
}

/** Reads until the error, returning what was delivered before it. */
async function readUntilError(path: string): Promise<{ seen: number; error: CaptureFileError }> {
  let seen = 0;
  const error = await readCaptureFile(path, () => { seen++; }).then(
    () => assert.fail('expected the damaged file to be refused'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof CaptureFileError, `a CaptureFileError, got ${String(error)}`);
  return { seen, error };
}

const frames = [
  ethernet(ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: PROTO.TCP }, tcp({ sport: 40000, dport: 22, flags: 'S' }))),
  ethernet(ipv6({ src: 'fd77::1', dst: 'fd77::2', proto: PROTO.UDP }, udp({ sport: 5000, dport: 53, payload: 31 }))),
  ethernet(ipv4({ src: '10.77.0.2', dst: '10.77.0.1', proto: PROTO.TCP }, tcp({ sport: 22, dport: 40000, flags: 'SA', payload: 1400 }))),
];
const records: PacketRecord[] = frames.map((data, i) => ({ tsMs: 1764125410000 + i * 1.5 + 0.123, data }));

/** A little-endian nanosecond pcap header for Ethernet. */
function pcapNsHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b23c4d, 0); h.writeUInt16LE(2, 4); h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16); h.writeUInt32LE(LINKTYPE.ETHERNET, 20);
  return h;
}

/** One nanosecond pcap record at `ns` nanoseconds since the epoch. */
function pcapNsRecord(ns: bigint, data: Uint8Array): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(Number(ns / 1000000000n), 0); h.writeUInt32LE(Number(ns % 1000000000n), 4);
  h.writeUInt32LE(data.length, 8); h.writeUInt32LE(data.length, 12);
  return Buffer.concat([h, data]);
}

describe('readCaptureFile: pcap', () => {
  for (const bigEndian of [false, true]) {
    for (const nanos of [false, true]) {
      it(`reads ${bigEndian ? 'big' : 'little'}-endian files with ${nanos ? 'nano' : 'micro'}second timestamps`, async () => {
        const { seen, summary } = await readAll(file(`t-${bigEndian}-${nanos}.pcap`, pcapBytes(records, { bigEndian, nanos })));
        assert.equal(summary.format, 'pcap');
        assert.equal(summary.packets, 3);
        assert.equal(summary.interfaces[0].unitsPerSecond, nanos ? 1e9 : 1e6);
        assert.deepEqual(seen.map((s) => s.bytes), frames.map((f) => [...f]));
        assert.deepEqual(seen.map((s) => s.tsMs), records.map((r) => r.tsMs));
        assert.ok(seen.every((s) => s.linktype === LINKTYPE.ETHERNET && s.iface === undefined));
      });
    }
  }

  it('keeps sub-microsecond precision from nanosecond files', async () => {
    const { seen } = await readAll(file('ns.pcap', pcapBytes([{ tsMs: 1764125410000.000123, data: frames[0] }], { nanos: true })));
    assert.ok(Math.abs(seen[0].tsMs - 1764125410000.000123) < 1e-6);
  });

  it('reports the snaplen cut: caplen below the original length', async () => {
    const { seen, summary } = await readAll(file('snap.pcap', pcapBytes(records, { snaplen: 96 })));
    assert.equal(summary.interfaces[0].snaplen, 96);
    assert.deepEqual(seen.map((s) => [s.caplen, s.origLen]), frames.map((f) => [Math.min(96, f.length), f.length]));
  });

  it('joins records that span read chunks, with tiny chunks', async () => {
    const many: PacketRecord[] = Array.from({ length: 200 }, (_, i) => ({ tsMs: 1764125410000 + i, data: frames[i % 3] }));
    const path = file('many.pcap', pcapBytes(many));
    for (const chunk of [7, 64, 1000]) {
      const { seen } = await readAll(path, chunk);
      assert.equal(seen.length, 200, `chunk ${chunk}`);
      assert.deepEqual(seen[199].bytes, [...frames[199 % 3]]);
      assert.equal(seen[150].tsMs, 1764125410150);
    }
  });

  it('reads a file written by the streaming writer', async () => {
    const path = join(dir, 'writer.pcap');
    const w = new PcapWriter(path, { linktype: LINKTYPE.LINUX_SLL2 });
    for (let i = 0; i < 1000; i++) w.write(1764125410000 + i / 4, sll2(ipv4({ src: '10.77.0.3', dst: '10.77.0.4', proto: PROTO.UDP }, udp({ sport: i, dport: 53 }))));
    w.close();
    const { seen } = await readAll(path);
    assert.equal(seen.length, 1000);
    assert.equal(seen[999].linktype, LINKTYPE.LINUX_SLL2);
    assert.equal(seen[999].tsMs, 1764125410000 + 999 / 4);
  });

  it('reads big-endian nanosecond files from the streaming writer, cut at its snaplen', async () => {
    const path = join(dir, 'writer-be.pcap');
    const w = new PcapWriter(path, { bigEndian: true, nanos: true, snaplen: 60 });
    w.write(1764125410000.000001, frames[2]);
    w.close();
    const { seen, summary } = await readAll(path);
    assert.equal(summary.interfaces[0].unitsPerSecond, 1e9);
    assert.equal(seen[0].caplen, 60);
    assert.equal(seen[0].origLen, frames[2].length);
    assert.ok(Math.abs(seen[0].tsMs - 1764125410000.000001) < 1e-6);
  });

  it('reads an empty capture (header only) as zero packets', async () => {
    const { seen, summary } = await readAll(file('empty.pcap', pcapBytes([])));
    assert.equal(seen.length, 0);
    assert.equal(summary.stopped, false);
  });
});

describe('readCaptureFile: compressed files and standard input', () => {
  it('inflates gzip files, recognised by content rather than name', async () => {
    const plain = pcapBytes(records);
    const ng = new PcapngBuilder().section().interface({ linktype: 1, name: 'gz0' }).epb(0, 5, frames[2]).bytes();
    const a = await readAll(file('capture.bin', gzipSync(plain)), 7);
    assert.equal(a.summary.gzip, true);
    assert.deepEqual(a.seen.map((s) => s.bytes), frames.map((f) => [...f]));
    const b = await readAll(file('ng.pcapng.gz', gzipSync(ng)));
    assert.deepEqual(b.seen.map((s) => [s.iface, s.tsMs]), [['gz0', 5]]);
    assert.equal((await readAll(file('plain.pcap', plain))).summary.gzip, false);
  });

  it('reads standard input for "-", plain or gzip', () => {
    const root = join(import.meta.dirname, '..', '..');
    const script = file('stdin-read.mts', Buffer.from(`
      import { readCaptureFile } from ${JSON.stringify(join(root, 'src/core/decode/capture-file.ts'))};
      const ts = [];
      const s = await readCaptureFile('-', (p) => ts.push(p.tsMs));
      console.log(JSON.stringify({ ts, format: s.format, gzip: s.gzip }));
    `));
    for (const [input, gzip] of [[pcapBytes(records), false], [gzipSync(pcapBytes(records)), true]] as const) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, input, encoding: 'utf8', timeout: 30000 });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { ts: records.map((x) => x.tsMs), format: 'pcap', gzip });
    }
  });

  it('reads a named pipe, as bash\'s <(zcat capture.gz) gives, plain or gzip', async () => {
    for (const [name, bytes, gzip] of [['plain', pcapBytes(records), false], ['gz', gzipSync(pcapBytes(records)), true]] as const) {
      const src = file(`fifo-src-${name}`, bytes);
      const fifo = join(dir, `fifo-${name}`);
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
      const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', src, fifo], { stdio: 'ignore', timeout: 30000 });
      const done = new Promise((resolve) => writer.on('close', resolve));
      const { seen, summary } = await readAll(fifo, 64);
      await done;
      assert.equal(summary.gzip, gzip);
      assert.deepEqual(seen.map((s) => s.tsMs), records.map((r) => r.tsMs));
    }
  });
});

describe('readCaptureFile: pcapng', () => {
  it('reads several sections of either byte order, each with its own interfaces and link types', async () => {
    const ng = new PcapngBuilder()
      .section()
      .interface({ linktype: LINKTYPE.ETHERNET, name: 'eth0' })
      .interface({ linktype: LINKTYPE.NFLOG, name: 'nflog:5', tsresol: 9 })
      .epb(0, 1764125410000.5, frames[0])
      .epb(1, 1764125410001.000001, nflog(ipv4({ src: '10.77.0.9', dst: '10.77.0.2', proto: PROTO.TCP }, tcp({ sport: 1, dport: 2 })), { prefix: 'p' }))
      .block(0x0bad, new Uint8Array(13))
      .section({ bigEndian: true })
      .interface({ linktype: LINKTYPE.RAW })
      .epb(0, 1764125411000.25, frames[1].subarray(14))
      .bytes();
    const { seen, summary } = await readAll(file('multi.pcapng', ng));
    assert.equal(summary.format, 'pcapng');
    assert.deepEqual(seen.map((s) => [s.linktype, s.iface, s.ifIndex]), [[1, 'eth0', 0], [239, 'nflog:5', 1], [101, '0', 0]]);
    assert.equal(seen[0].tsMs, 1764125410000.5);
    assert.ok(Math.abs(seen[1].tsMs - 1764125410001.000001) < 1e-6);
    assert.equal(seen[2].tsMs, 1764125411000.25);
    assert.deepEqual(seen[2].bytes, [...frames[1].subarray(14)]);
    assert.deepEqual(summary.interfaces.map((i) => [i.section, i.index, i.linktype, i.name]), [[0, 0, 1, 'eth0'], [0, 1, 239, 'nflog:5'], [1, 0, 101, undefined]]);
  });

  it('honours power-of-two resolutions and the timestamp offset', async () => {
    const ng = new PcapngBuilder()
      .section()
      .interface({ linktype: 1, tsresol: 0x80 | 10 })
      .interface({ linktype: 1, tsresol: 3, tsoffset: 1700000000 })
      .epbTicks(0, 1024n * 5n + 512n, frames[0])
      .epbTicks(1, 1500n, frames[0])
      .bytes();
    const { seen } = await readAll(file('resol.pcapng', ng));
    assert.equal(seen[0].tsMs, 5500, '5.5 s in 1/1024 s units');
    assert.equal(seen[1].tsMs, 1700000000000 + 1500);
  });

  it('gives a nanosecond pcapng packet the same time as a nanosecond pcap record of that instant', async () => {
    // Nanosecond tick counts exceed 2^53; each of these lost its last bit when converted as one number.
    const instants = [1764125410000000123n, 1764125433332069996n, 1764125472217186651n];
    const ng = new PcapngBuilder().section().interface({ linktype: 1, tsresol: 9 });
    for (const t of instants) ng.epbTicks(0, t, frames[0]);
    const pcap = Buffer.concat([pcapNsHeader(), ...instants.map((t) => pcapNsRecord(t, frames[0]))]);
    const fromNg = (await readAll(file('ns-same.pcapng', ng.bytes()))).seen.map((s) => s.tsMs);
    const fromPcap = (await readAll(file('ns-same.pcap', pcap))).seen.map((s) => s.tsMs);
    assert.deepEqual(fromNg, fromPcap);
    assert.deepEqual(fromPcap, instants.map((t) => Number(t / 1000000000n) * 1000 + Number(t % 1000000000n) / 1e6));
  });

  it('converts 2^-30 s ticks past 2^53 as whole seconds plus the fraction', async () => {
    // Each was a quarter microsecond off when converted as one number.
    const ticks = [(1764125410n << 30n) + 23401996n, (1764125410n << 30n) + 78004313n, (1764125410n << 30n) + 85804644n];
    const ng = new PcapngBuilder().section().interface({ linktype: 1, tsresol: 0x80 | 30 });
    for (const t of ticks) ng.epbTicks(0, t, frames[0]);
    const { seen } = await readAll(file('pow2-30.pcapng', ng.bytes()));
    assert.deepEqual(seen.map((s) => s.tsMs), ticks.map((t) => Number(t >> 30n) * 1000 + Number(t & 0x3fffffffn) * (1000 / 2 ** 30)));
  });

  it('reads simple and obsolete packet blocks; a simple block takes the last timestamp', async () => {
    const ng = new PcapngBuilder()
      .section()
      .interface({ linktype: 1, snaplen: 64 })
      .pb(0, 1764125410007, frames[0])
      .spb(frames[2])
      .bytes();
    const { seen } = await readAll(file('spb.pcapng', ng));
    assert.equal(seen.length, 2);
    assert.equal(seen[0].tsMs, 1764125410007);
    assert.equal(seen[1].tsMs, 1764125410007);
    assert.equal(seen[1].caplen, 64, 'cut to the interface snaplen');
    assert.equal(seen[1].origLen, frames[2].length);
  });

  it('reads a file from the streaming pcapng writer', async () => {
    const path = join(dir, 'stream.pcapng');
    const w = new PcapngWriter(path, { ifName: 'eth7' });
    records.forEach((r) => w.write(r.tsMs, r.data));
    w.close();
    const { seen } = await readAll(path, 50);
    assert.deepEqual(seen.map((s) => [s.iface, s.tsMs, s.bytes.length]), records.map((r) => ['eth7', r.tsMs, r.data.length]));
  });

  it('reads pcapng across tiny chunks', async () => {
    const b = new PcapngBuilder().section().interface({ linktype: 1, name: 'x' });
    for (let i = 0; i < 100; i++) b.epb(0, 1000 + i, frames[i % 3]);
    const { seen } = await readAll(file('chunks.pcapng', b.bytes()), 9);
    assert.equal(seen.length, 100);
    assert.deepEqual(seen[99].bytes, [...frames[0]]);
  });
});

describe('readCaptureFile: damaged files', () => {
  it('refuses a directory with a located error naming it', async () => {
    const sub = join(dir, 'a-directory.pcap');
    mkdirSync(sub);
    const { seen, error } = await readUntilError(sub);
    assert.equal(seen, 0);
    assert.equal(error.path, sub);
    assert.match(error.message, /a-directory\.pcap: is a directory, not a capture file/);
  });

  it('delivers every good packet, then names the offset of a truncated pcap record', async () => {
    const whole = pcapBytes(records);
    const cut = whole.subarray(0, whole.length - 10);
    const { seen, error } = await readUntilError(file('cut.pcap', cut));
    assert.equal(seen, 2);
    const third = 24 + (16 + frames[0].length) + (16 + frames[1].length);
    assert.equal(error.offset, third);
    assert.match(error.message, new RegExp(`cut\\.pcap: truncated record 3: .* at byte offset ${third}; the file was cut short`));
  });

  it('refuses a cut record header with its offset', async () => {
    const whole = pcapBytes(records.slice(0, 1));
    const { seen, error } = await readUntilError(file('cuthdr.pcap', Buffer.concat([whole, Buffer.alloc(7)])));
    assert.equal(seen, 1);
    assert.equal(error.offset, whole.length);
    assert.match(error.message, /truncated record header \(7 of 16 bytes\)/);
  });

  it('refuses an absurd record length after the good packets', async () => {
    const b = pcapBytes(records);
    const second = 24 + 16 + frames[0].length;
    b.writeUInt32LE(0x7fffffff, second + 8);
    const { seen, error } = await readUntilError(file('absurd.pcap', b));
    assert.equal(seen, 1);
    assert.equal(error.offset, second);
    assert.match(error.message, /record 2 claims 2147483647 captured bytes/);
  });

  it('names unknown magic and files too short to be captures', async () => {
    const junk = await readUntilError(file('junk.pcap', Buffer.from('hello world, not a capture')));
    assert.equal(junk.error.offset, 0);
    assert.match(junk.error.message, /unknown file magic 68 65 6c 6c.*expected a pcap file/);
    const zst = await readUntilError(file('c.pcap.zst', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0])));
    assert.match(zst.error.message, /zstd-compressed; decompress it first \(zstd -d\)/);
    const tiny = await readUntilError(file('tiny.pcap', Buffer.from([1, 2])));
    assert.match(tiny.error.message, /too short for a capture file header/);
  });

  it('refuses damaged gzip data after the packets inflated before it', async () => {
    const many: PacketRecord[] = Array.from({ length: 3000 }, (_, i) => ({ tsMs: i, data: frames[i % 3] }));
    const gz = gzipSync(pcapBytes(many));
    const { seen, error } = await readUntilError(file('cut.pcap.gz', gz.subarray(0, gz.length >> 1)));
    assert.ok(seen > 0 && seen < 3000, `${seen} packets before the damage`);
    assert.match(error.message, /cut\.pcap\.gz: compressed data is damaged \(.*\) at byte offset \d+; the offset counts decompressed bytes/);
  });

  it('refuses pcapng blocks with impossible or mismatched lengths, after the good packets', async () => {
    const good = new PcapngBuilder().section().interface({ linktype: 1 }).epb(0, 1, frames[0]).bytes();
    const bad1 = Buffer.concat([good, Buffer.from([6, 0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]);
    const e1 = await readUntilError(file('bad1.pcapng', bad1));
    assert.equal(e1.seen, 1);
    assert.equal(e1.error.offset, good.length + 4);
    assert.match(e1.error.message, /impossible length 13/);

    const two = new PcapngBuilder().section().interface({ linktype: 1 }).epb(0, 1, frames[0]).epb(0, 2, frames[1]).bytes();
    two.writeUInt32LE(0, two.length - 4);
    const e2 = await readUntilError(file('bad2.pcapng', two));
    assert.equal(e2.seen, 1);
    assert.match(e2.error.message, /block length mismatch/);

    const e3 = await readUntilError(file('bad3.pcapng', two.subarray(0, two.length - 8)));
    assert.equal(e3.seen, 1);
    assert.match(e3.error.message, /truncated block/);
  });

  it('refuses a packet for an interface the section never described', async () => {
    const ng = new PcapngBuilder().section().interface({ linktype: 1 }).epb(0, 1, frames[0]).epb(3, 2, frames[0]).bytes();
    const { seen, error } = await readUntilError(file('noif.pcapng', ng));
    assert.equal(seen, 1);
    assert.match(error.message, /packet names interface 3, but section 0 describes 1 interface/);
  });
});

describe('readCaptureFile: stopping', () => {
  it('stops between chunks when the signal aborts, reporting stopped', async () => {
    const many: PacketRecord[] = Array.from({ length: 5000 }, (_, i) => ({ tsMs: i, data: frames[0] }));
    const ac = new AbortController();
    let seen = 0;
    const summary = await readCaptureFile(file('stop.pcap', pcapBytes(many)), () => { if (++seen === 10) ac.abort(); }, { signal: ac.signal, chunkSize: 4096 });
    assert.equal(summary.stopped, true);
    assert.ok(seen < 5000 && seen >= 10, `stopped early after ${seen}`);
  });
});
