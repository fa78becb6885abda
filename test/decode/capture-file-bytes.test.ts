/**
 * Capture files written out byte by byte from the format specifications,
 * independent of bench/lib/pcap-writer.ts, so a shared misunderstanding in
 * writer and reader cannot cancel out.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureFile, type CapturedPacket } from '../../src/core/decode/capture-file.ts';
import { PacketDecoder } from '../../src/core/decode/decoder.ts';

let dir = '';
before(() => { dir = mkdtempSync(join(tmpdir(), 'vigil-bytes-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// IPv4 UDP 10.77.0.1:4660 → 10.77.0.2:53, 4 payload bytes (raw IP, 32 bytes).
const RAW_UDP = '45000020 00010000 40110000 0a4d0001 0a4d0002 12340035 000c0000 64617461';

async function read(bytes: Buffer): Promise<{ pkts: Omit<CapturedPacket, 'buf'>[]; events: unknown[] }> {
  const path = join(dir, `f${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, bytes);
  const d = new PacketDecoder({ input: 'bytes' });
  const pkts: Omit<CapturedPacket, 'buf'>[] = [];
  const events: unknown[] = [];
  await readCaptureFile(path, (p) => {
    const { buf: _b, ...rest } = p;
    pkts.push({ ...rest });
    const ev = d.decodeAt(p.linktype, p.buf, p.offset, p.caplen, p.origLen, p.tsMs, p.iface);
    events.push(ev && { ts: ev.ts, iface: ev.iface, src: { ...ev.src }, dst: { ...ev.dst }, proto: ev.proto });
  });
  return { pkts, events };
}

describe('hand-assembled capture files', () => {
  it('reads a big-endian microsecond pcap of raw IP: record fields, timestamp and the decoded packet', async () => {
    const file = hex(`
      a1b2c3d4 0002 0004 00000000 00000000 0000ffff 00000065
      6926a2e2 0001e240 00000020 00000020 ${RAW_UDP}`);
    const { pkts, events } = await read(file);
    assert.deepEqual(pkts, [{ linktype: 101, offset: 40, caplen: 32, origLen: 32, tsMs: 0x6926a2e2 * 1000 + 123.456, ifIndex: 0, iface: undefined }]);
    assert.deepEqual(events, [{ ts: 0x6926a2e2 * 1000 + 123.456, iface: undefined, src: { ip: '10.77.0.1', port: 4660 }, dst: { ip: '10.77.0.2', port: 53 }, proto: 'udp' }]);
  });

  it('reads a big-endian pcapng: the interface name and nanosecond resolution apply to its enhanced packet', async () => {
    // SHB (28 bytes), IDB with if_name "vx0" and if_tsresol 9 (40 bytes), EPB with 32 data bytes (64 bytes).
    const file = hex(`
      0a0d0d0a 0000001c 1a2b3c4d 0001 0000 ffffffff ffffffff 0000001c
      00000001 00000028 0065 0000 00040000 0002 0003 76783000 0009 0001 09000000 00000000 00000028
      00000006 00000040 00000000 17881b34 c0e24ac1 00000020 00000020 ${RAW_UDP} 00000040`);
    const ticks = 0x17881b34 * 2 ** 32 + 0xc0e24ac1;
    const { pkts, events } = await read(file);
    assert.equal(pkts.length, 1);
    assert.equal(pkts[0].linktype, 101);
    assert.equal(pkts[0].iface, 'vx0');
    assert.equal(pkts[0].offset, 28 + 40 + 28);
    assert.ok(Math.abs(pkts[0].tsMs - ticks / 1e6) < 1e-3);
    assert.deepEqual((events[0] as { iface: string }).iface, 'vx0');
    assert.deepEqual((events[0] as { dst: unknown }).dst, { ip: '10.77.0.2', port: 53 });
  });

  it('reads a little-endian pcapng, skipping an unknown block and a custom option', async () => {
    const file = hex(`
      0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffff ffffffff 1c000000
      01000000 20000000 6500 0000 00000400 ad0b 0100 ff000000 00000000 20000000
      beba0000 10000000 deadbeef 10000000
      06000000 40000000 00000000 00000000 e8030000 20000000 20000000 ${RAW_UDP} 40000000`);
    const { pkts } = await read(file);
    assert.equal(pkts.length, 1);
    assert.equal(pkts[0].tsMs, 1, '1000 µs');
    assert.equal(pkts[0].iface, '0');
  });
});
