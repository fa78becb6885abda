import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pcapfile from '../../src/plugins/inputs/pcapfile.ts';
import { pluginContext } from '../../src/core/plugins/context.ts';
import type { VigilEvent } from '../../src/core/plugin-api.ts';
import { PROTO, ethernet, ipv4, ipv6, tcp, udp } from '../../bench/lib/packets.ts';
import { PcapngBuilder, pcapBytes } from '../../bench/lib/pcap-writer.ts';
import { testServices } from '../plugins/harness.ts';

let dir = '';
before(() => { dir = mkdtempSync(join(tmpdir(), 'vigil-pcapfile-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

const syn = ethernet(ipv4({ src: '10.77.0.5', dst: '10.77.0.2', proto: PROTO.TCP }, tcp({ sport: 40000, dport: 22, flags: 'S' })));
const dns6 = ethernet(ipv6({ src: 'fd77::5', dst: 'fd77::2', proto: PROTO.UDP }, udp({ sport: 5353, dport: 53, payload: 20 })));
const arp = ethernet(new Uint8Array(28), { type: 0x0806 });

function setup(config: unknown) {
  const svc = testServices();
  const parsed = pcapfile.schema.parse(config);
  const ctx = pluginContext(svc, 'pcapfile', 'pcapfile');
  return { svc, inst: pcapfile.create(ctx, parsed) };
}

function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('pcapfile input', () => {
  it('has a valid example and refuses unknown keys', () => {
    assert.ok(pcapfile.schema.safeParse(pcapfile.example).success);
    const bad = pcapfile.schema.safeParse({ path: 'x.pcap', pth: 'y' });
    assert.equal(bad.success, false);
    assert.equal(pcapfile.schema.safeParse({ path: [] }).success, false, 'an empty list of files is refused');
  });

  it('emits one event per IP packet of every file in order, with progress and counters', async () => {
    const a = write('a.pcap', pcapBytes([{ tsMs: 1000.5, data: syn }, { tsMs: 1001, data: arp }]));
    const b = write('b.pcapng', new PcapngBuilder().section().interface({ linktype: 1, name: 'wlan0' }).epb(0, 2000.25, dns6).bytes());
    const { svc, inst } = setup({ path: [a, b], iface: 'eth9' });
    const events: VigilEvent[] = [];
    assert.deepEqual(inst.progress?.(), { done: 0, total: 0 });
    await inst.start((ev) => events.push(structuredClone(ev)));
    assert.deepEqual(events.map((e) => [e.ts, e.kind, e.input, e.iface, e.proto, e.src?.ip, e.dst?.port]), [
      [1000.5, 'packet', 'pcapfile', 'eth9', 'tcp', '10.77.0.5', 22],
      [2000.25, 'packet', 'pcapfile', 'wlan0', 'udp', 'fd77::5', 53],
    ]);
    const total = statSync(a).size + statSync(b).size;
    assert.deepEqual(inst.progress?.(), { done: total, total });
    assert.equal(svc.metrics.value('vigil_pcapfile_packets_total'), 3);
    assert.equal(svc.metrics.value('vigil_pcapfile_events_total'), 2);
    assert.equal(svc.metrics.value('vigil_pcapfile_dropped_total'), 1);
    assert.equal(svc.metrics.value('vigil_pcapfile_decode_not_ip_total'), 1);
    assert.equal(svc.metrics.value('vigil_pcapfile_files_total'), 2);
    await inst.stop();
    await inst.stop();
  });

  it('emits every good packet of a damaged file, then rejects naming the file and offset', async () => {
    const whole = pcapBytes([{ tsMs: 1, data: syn }, { tsMs: 2, data: syn }, { tsMs: 3, data: syn }]);
    const p = write('cut.pcap', whole.subarray(0, whole.length - 5));
    const { inst } = setup({ path: p });
    const seen: number[] = [];
    await assert.rejects(inst.start((ev) => seen.push(ev.ts)), (e: Error) => {
      assert.match(e.message, /cut\.pcap: truncated record 3: .* at byte offset \d+/);
      return true;
    });
    assert.deepEqual(seen, [1, 2]);
  });

  it('rejects a missing file before reading anything, naming it', async () => {
    const ok = write('ok.pcap', pcapBytes([{ tsMs: 1, data: syn }]));
    const { inst } = setup({ path: [ok, join(dir, 'nope.pcap')] });
    let n = 0;
    await assert.rejects(inst.start(() => { n++; }), /pcapfile: cannot read capture file .*nope\.pcap \(ENOENT\); check the `path`/);
    assert.equal(n, 0);
  });

  it('rejects a directory in the list before reading anything, naming it', async () => {
    const ok = write('ok2.pcap', pcapBytes([{ tsMs: 1, data: syn }]));
    const sub = join(dir, 'captures.d');
    mkdirSync(sub);
    const { inst } = setup({ path: [ok, sub], on_error: 'skip' });
    let n = 0;
    await assert.rejects(inst.start(() => { n++; }), /pcapfile: capture file .*captures\.d is a directory; check the `path`/);
    assert.equal(n, 0);
  });

  it('stops early when asked, and start then resolves', async () => {
    const many = Array.from({ length: 150000 }, (_, i) => ({ tsMs: i, data: syn }));
    const p = write('big.pcap', pcapBytes(many));
    const { inst } = setup({ path: p });
    let n = 0;
    let stopping: Promise<void> | null = null;
    await inst.start(() => { if (++n === 1000) stopping = inst.stop(); });
    await stopping;
    assert.ok(n >= 1000 && n < 150000, `stopped after ${n} events`);
  });
});

describe('pcapfile input on compressed files', () => {
  it('reads a gzip-compressed capture, with progress in compressed bytes', async () => {
    const gz = gzipSync(pcapBytes(Array.from({ length: 500 }, (_, i) => ({ tsMs: i, data: syn }))));
    const p = write('c.pcap.gz', gz);
    const { inst } = setup({ path: p });
    let n = 0;
    await inst.start(() => { n++; });
    assert.equal(n, 500);
    assert.deepEqual(inst.progress?.(), { done: gz.length, total: gz.length });
  });
});

describe('pcapfile input with on_error: skip', () => {
  it('logs and counts a damaged file, then reads the next', async () => {
    const whole = pcapBytes([{ tsMs: 1, data: syn }, { tsMs: 2, data: syn }]);
    const cut = write('rot-1.pcap', whole.subarray(0, whole.length - 3));
    const next = write('rot-2.pcap', pcapBytes([{ tsMs: 3, data: dns6 }]));
    const { inst, svc } = setup({ path: [cut, next], on_error: 'skip' });
    const seen: number[] = [];
    await inst.start((ev) => seen.push(ev.ts));
    assert.deepEqual(seen, [1, 3]);
    assert.equal(svc.metrics.value('vigil_pcapfile_damaged_files_total'), 1);
    assert.equal(svc.metrics.value('vigil_pcapfile_files_total'), 1);
  });
});
