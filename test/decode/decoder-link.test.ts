import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder } from '../../src/core/decode/decoder.ts';
import { LINKTYPE } from '../../src/core/decode/linktypes.ts';
import { ETHERTYPE, PROTO, ethernet, ipv4, ipv6, nflog, nullLoopback, sll, sll2, tcp } from '../../bench/lib/packets.ts';
import { nflogBigEndianTlvs } from './nflog-bytes.ts';

const syn4 = ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: PROTO.TCP, ttl: 61, id: 4242, df: true }, tcp({ sport: 40000, dport: 22, flags: 'S', seq: 1000 }));
const syn6 = ipv6({ src: 'fd77::1', dst: 'fd77::2', proto: PROTO.TCP, hopLimit: 63 }, tcp({ sport: 40001, dport: 443, flags: 'S' }));

function decodeOne(lt: number, frame: Uint8Array, iface?: string) {
  const d = new PacketDecoder({ input: 'test' });
  const ev = d.decode(lt, frame, frame.length, frame.length, 1764125410123.5, iface);
  return { d, ev: ev === null ? null : structuredClone(ev) };
}

function assertSyn4(ev: ReturnType<typeof decodeOne>['ev'], bytes: number): void {
  assert.ok(ev, 'the frame decodes');
  assert.equal(ev.kind, 'packet');
  assert.equal(ev.input, 'test');
  assert.equal(ev.ts, 1764125410123.5);
  assert.equal(ev.bytes, bytes);
  assert.equal(ev.packets, 1);
  assert.equal(ev.proto, 'tcp');
  assert.deepEqual(ev.src, { ip: '10.77.0.1', port: 40000 });
  assert.deepEqual(ev.dst, { ip: '10.77.0.2', port: 22 });
  assert.equal(ev.ip?.version, 4);
  assert.equal(ev.ip?.ttl, 61);
  assert.equal(ev.tcp?.flags?.str, 'S');
}

describe('PacketDecoder link layers', () => {
  it('reads Ethernet II frames', () => {
    const f = ethernet(syn4);
    assertSyn4(decodeOne(LINKTYPE.ETHERNET, f).ev, f.length);
  });

  it('skips one 802.1Q tag and two QinQ tags', () => {
    for (const vlans of [[100], [200, 300]]) {
      const f = ethernet(syn4, { vlans });
      assertSyn4(decodeOne(LINKTYPE.ETHERNET, f).ev, f.length);
    }
  });

  it('skips VLAN tags inside cooked captures too', () => {
    const tagged = Uint8Array.from([0x00, 0x64, 0x08, 0x00, ...syn4]);
    const f = sll(tagged, 0x8100);
    assertSyn4(decodeOne(LINKTYPE.LINUX_SLL, f).ev, f.length);
  });

  it('refuses more than four stacked VLAN tags', () => {
    const { d, ev } = decodeOne(LINKTYPE.ETHERNET, ethernet(syn4, { vlans: [1, 2, 3, 4, 5] }));
    assert.equal(ev, null);
    assert.equal(d.stats.get('too_many_vlan_tags'), 1);
  });

  it('reads Linux cooked v1 (113) and v2 (276)', () => {
    const f1 = sll(syn4), f2 = sll2(syn4);
    assertSyn4(decodeOne(LINKTYPE.LINUX_SLL, f1).ev, f1.length);
    assertSyn4(decodeOne(LINKTYPE.LINUX_SLL2, f2).ev, f2.length);
    const v6 = decodeOne(LINKTYPE.LINUX_SLL2, sll2(syn6)).ev;
    assert.equal(v6?.src?.ip, 'fd77::1');
    assert.equal(v6?.dst?.port, 443);
  });

  it('reads raw IP under every raw link type number', () => {
    for (const lt of [LINKTYPE.RAW, LINKTYPE.RAW_DLT12, LINKTYPE.RAW_DLT14, LINKTYPE.IPV4]) {
      assertSyn4(decodeOne(lt, syn4).ev, syn4.length);
    }
    for (const lt of [LINKTYPE.RAW, LINKTYPE.IPV6]) {
      const ev = decodeOne(lt, syn6).ev;
      assert.equal(ev?.ip?.version, 6);
      assert.equal(ev?.ip?.ttl, 63);
      assert.equal(ev?.dst?.ip, 'fd77::2');
    }
  });

  it('reads BSD loopback in either byte order and OpenBSD LOOP', () => {
    assertSyn4(decodeOne(LINKTYPE.NULL, nullLoopback(syn4, 2, true)).ev, syn4.length + 4);
    assertSyn4(decodeOne(LINKTYPE.NULL, nullLoopback(syn4, 2, false)).ev, syn4.length + 4);
    assertSyn4(decodeOne(LINKTYPE.LOOP, nullLoopback(syn4, 2, false)).ev, syn4.length + 4);
    for (const family of [10, 24, 28, 30]) {
      assert.equal(decodeOne(LINKTYPE.NULL, nullLoopback(syn6, family)).ev?.ip?.version, 6, `family ${family}`);
    }
  });

  it('reads NFLOG records: prefix, kernel timestamp, input device, payload', () => {
    const rec = nflog(syn4, { group: 5, prefix: 'vigil-in', indev: 3, tsMs: 1764125499000.25 });
    const { ev } = decodeOne(LINKTYPE.NFLOG, rec);
    assert.ok(ev);
    assert.equal(ev.prefix, 'vigil-in');
    assert.equal(ev.ts, 1764125499000.25, 'the kernel timestamp TLV is the event time');
    assert.equal(ev.iface, '3', 'the input device index names the interface when the caller gives none');
    assert.equal(ev.bytes, syn4.length, 'bytes is the logged packet, not the NFLOG record');
    assert.deepEqual(ev.dst, { ip: '10.77.0.2', port: 22 });
    assert.equal(decodeOne(LINKTYPE.NFLOG, rec, 'nflog:5').ev?.iface, 'nflog:5');
    const six = decodeOne(LINKTYPE.NFLOG, nflog(syn6, { prefix: 'v6' })).ev;
    assert.equal(six?.prefix, 'v6');
    assert.equal(six?.src?.ip, 'fd77::1');
    assert.equal(six?.ts, 1764125410123.5, 'without a timestamp TLV the capture time stays');
  });

  it('reads NFLOG records logged on a big-endian host, whose TLV headers are big-endian (as libpcap does)', () => {
    const rec = nflogBigEndianTlvs(nflog(syn4, { prefix: 'vigil-in', indev: 3, tsMs: 1764125499000.25 }));
    const { d, ev } = decodeOne(LINKTYPE.NFLOG, rec);
    assert.ok(ev, `the record decodes (${JSON.stringify(d.stats.snapshot().reasons)})`);
    assert.equal(ev.prefix, 'vigil-in');
    assert.equal(ev.ts, 1764125499000.25);
    assert.equal(ev.iface, '3');
    assert.equal(ev.bytes, syn4.length);
    assert.deepEqual(ev.dst, { ip: '10.77.0.2', port: 22 });
  });

  it('keeps NFLOG prefixes apart when consecutive records differ', () => {
    const d = new PacketDecoder();
    const seen = ['a', 'a', 'bb', 'a', ''].map((prefix) => {
      const r = nflog(syn4, { prefix });
      return d.decode(LINKTYPE.NFLOG, r, r.length, r.length, 0)?.prefix;
    });
    assert.deepEqual(seen, ['a', 'a', 'bb', 'a', '']);
  });

  it('counts an NFLOG record without a payload', () => {
    const rec = nflog(syn4, { prefix: 'x' }).subarray(0, 4 + 8 + 8);
    const { d, ev } = decodeOne(LINKTYPE.NFLOG, rec);
    assert.equal(ev, null);
    assert.equal(d.stats.get('nflog_no_payload'), 1);
  });

  it('skips frames that are not IP and unknown link types, counting each', () => {
    const d = new PacketDecoder();
    const arp = ethernet(new Uint8Array(28), { type: ETHERTYPE.ARP });
    assert.equal(d.decode(LINKTYPE.ETHERNET, arp, arp.length, arp.length, 0), null);
    assert.equal(d.decode(147, syn4, syn4.length, syn4.length, 0), null);
    assert.equal(d.decode(LINKTYPE.ETHERNET, syn4.subarray(0, 10), 10, 10, 0), null);
    const s = d.stats.snapshot();
    assert.deepEqual(s.reasons, { not_ip: 1, unsupported_linktype: 1, truncated_link_header: 1 });
    assert.equal(s.packets, 3);
    assert.equal(s.dropped, 3);
    assert.equal(s.decoded, 0);
  });

  it('decodes a frame in the middle of a larger buffer without copying', () => {
    const f = ethernet(syn4);
    const big = new Uint8Array(f.length + 100).fill(0xee);
    big.set(f, 37);
    const d = new PacketDecoder({ input: 'test' });
    const ev = d.decodeAt(LINKTYPE.ETHERNET, big, 37, f.length, f.length, 1764125410123.5);
    assertSyn4(ev === null ? null : structuredClone(ev), f.length);
  });
});
