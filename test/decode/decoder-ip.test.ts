import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder } from '../../src/core/decode/decoder.ts';
import { LINKTYPE } from '../../src/core/decode/linktypes.ts';
import { PROTO, ethernet, icmp, ipv4, ipv6, tcp, udp } from '../../bench/lib/packets.ts';

function decode(frame: Uint8Array, lt: number = LINKTYPE.RAW, origLen = frame.length) {
  const d = new PacketDecoder();
  const ev = d.decode(lt, frame, frame.length, origLen, 0);
  return { d, ev: ev === null ? null : structuredClone(ev) };
}

describe('IPv4', () => {
  it('reads header fields: tos, ttl, id, total length, DF', () => {
    const p = ipv4({ src: '192.0.2.1', dst: '10.77.255.254', proto: PROTO.UDP, tos: 0x10, ttl: 5, id: 54321, df: true }, udp({ sport: 5353, dport: 53, payload: 12 }));
    const { ev } = decode(p);
    assert.deepEqual(ev?.ip, { version: 4, ttl: 5, tos: 0x10, len: 40, id: 54321, frag: 0, mf: false, df: true });
    assert.equal(ev?.src?.ip, '192.0.2.1');
    assert.equal(ev?.dst?.ip, '10.77.255.254');
    assert.deepEqual(ev?.udp, { len: 20 });
    assert.equal(ev?.payload_len, 12);
  });

  it('skips options to reach the transport header', () => {
    const rr = Uint8Array.of(7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0); // record route, padded to 12 by the builder
    const p = ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: PROTO.TCP, options: rr }, tcp({ sport: 1234, dport: 80, flags: 'PA', payload: 100 }));
    const { ev } = decode(p);
    assert.equal(ev?.ip?.len, 20 + 12 + 20 + 100);
    assert.equal(ev?.src?.port, 1234);
    assert.equal(ev?.dst?.port, 80);
    assert.equal(ev?.tcp?.flags?.str, 'PA');
    assert.equal(ev?.payload_len, 100);
  });

  it('first fragment has the transport header; later fragments have none', () => {
    const first = ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: PROTO.UDP, id: 9, mf: true }, udp({ sport: 1000, dport: 2000, length: 3008, payload: 1472 }));
    const a = decode(first).ev;
    assert.equal(a?.ip?.mf, true);
    assert.equal(a?.ip?.frag, 0);
    assert.equal(a?.dst?.port, 2000);
    assert.equal(a?.udp?.len, 3008);

    const later = ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: PROTO.UDP, id: 9, fragOffset: 1480 }, new Uint8Array(1528));
    const b = decode(later).ev;
    assert.equal(b?.ip?.frag, 1480);
    assert.equal(b?.ip?.mf, false);
    assert.equal(b?.proto, 'udp');
    assert.equal(b?.udp, undefined);
    assert.equal(b?.src?.port, 0);
    assert.equal(b?.dst?.port, 0);
    assert.equal(b?.payload_len, 1528, 'a later fragment carries only payload');
  });

  it('uses the total length, not Ethernet padding, for the payload', () => {
    const p = ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: PROTO.TCP }, tcp({ sport: 1, dport: 2, flags: 'R' }));
    const f = ethernet(new Uint8Array([...p, 0, 0, 0, 0, 0, 0]));
    const { ev } = decode(f, LINKTYPE.ETHERNET);
    assert.equal(ev?.ip?.len, 40);
    assert.equal(ev?.payload_len, 0);
    assert.equal(ev?.bytes, f.length);
  });

  it('takes the length from the frame when the header says 0 (offloaded segments)', () => {
    const p = ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: PROTO.TCP, totalLength: 0 }, tcp({ sport: 1, dport: 2, flags: 'A', payload: 3000 }));
    const { ev } = decode(p);
    assert.equal(ev?.ip?.len, 3040);
    assert.equal(ev?.payload_len, 3000);
  });

  it('reports every other protocol by number with ports where the protocol has them', () => {
    const gre = decode(ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: 47 }, new Uint8Array(8))).ev;
    assert.equal(gre?.proto, '47');
    assert.equal(gre?.src?.port, 0);
    const sctp = decode(ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: PROTO.SCTP }, Uint8Array.of(0x13, 0x88, 0x00, 0x50, 0, 0, 0, 0, 0, 0, 0, 0))).ev;
    assert.equal(sctp?.proto, '132');
    assert.equal(sctp?.src?.port, 5000);
    assert.equal(sctp?.dst?.port, 80);
  });

  it('drops headers it cannot trust, each with its reason', () => {
    const good = ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: PROTO.TCP }, tcp({ sport: 1, dport: 2 }));
    const cases: [Uint8Array, string][] = [
      [good.subarray(0, 19), 'truncated_ip_header'],
      [ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: 6, ihlWords: 4 }, new Uint8Array(20)), 'ipv4_header_too_short'],
      [ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: 6, ihlWords: 15 }, new Uint8Array(4)), 'ipv4_header_too_short'],
      [ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: 6, totalLength: 12 }, new Uint8Array(20)), 'ipv4_bad_total_length'],
    ];
    for (const [bytes, reason] of cases) {
      const { d, ev } = decode(bytes, LINKTYPE.IPV4);
      assert.equal(ev, null, reason);
      assert.equal(d.stats.get(reason as 'truncated_ip_header'), 1, reason);
    }
    const v6inV4 = decode(ipv6({ src: '::1', dst: '::1', proto: 59 }, new Uint8Array(0)), LINKTYPE.IPV4);
    assert.equal(v6inV4.ev, null);
    assert.equal(v6inV4.d.stats.get('bad_ip_version'), 1);
    const garbage = decode(Uint8Array.of(0x20, 1, 2, 3));
    assert.equal(garbage.d.stats.get('bad_ip_version'), 1);
  });
});

describe('IPv6', () => {
  it('formats addresses in RFC 5952 form and reads traffic class and hop limit', () => {
    const p = ipv6({ src: '2001:db8:0:0:1:0:0:1', dst: 'fd77::2', proto: PROTO.UDP, trafficClass: 0xb8, hopLimit: 255 }, udp({ sport: 546, dport: 547, payload: 30 }));
    const { ev } = decode(p);
    assert.equal(ev?.src?.ip, '2001:db8::1:0:0:1');
    assert.equal(ev?.dst?.ip, 'fd77::2');
    assert.equal(ev?.ip?.tos, 0xb8);
    assert.equal(ev?.ip?.ttl, 255);
    assert.equal(ev?.ip?.len, 40 + 8 + 30);
    assert.equal(ev?.ip?.id, 0);
    assert.equal(ev?.ip?.df, false);
    assert.equal(ev?.payload_len, 30);
  });

  it('walks hop-by-hop, routing, destination options and AH to the transport header', () => {
    const p = ipv6({
      src: 'fd77::1', dst: 'fd77::2', proto: PROTO.TCP,
      ext: [{ type: 'hop' }, { type: 'routing', data: new Uint8Array(22) }, { type: 'dest' }, { type: 'ah' }],
    }, tcp({ sport: 50000, dport: 8080, flags: 'S', payload: 10 }));
    const { ev } = decode(p);
    assert.equal(ev?.proto, 'tcp');
    assert.equal(ev?.src?.port, 50000);
    assert.equal(ev?.dst?.port, 8080);
    assert.equal(ev?.tcp?.flags?.syn, true);
    assert.equal(ev?.payload_len, 10);
  });

  it('reads the fragment header: id and offset, ports only in the first fragment', () => {
    const first = ipv6({ src: 'fd77::1', dst: 'fd77::2', proto: PROTO.UDP, ext: [{ type: 'frag', offset: 0, more: true, id: 0xdeadbeef }] }, udp({ sport: 7, dport: 9, payload: 100 }));
    const a = decode(first).ev;
    assert.equal(a?.ip?.id, 0xdeadbeef);
    assert.equal(a?.ip?.mf, true);
    assert.equal(a?.ip?.frag, 0);
    assert.equal(a?.dst?.port, 9);

    const later = ipv6({ src: 'fd77::1', dst: 'fd77::2', proto: PROTO.UDP, ext: [{ type: 'dest' }, { type: 'frag', offset: 1232, id: 7 }] }, new Uint8Array(64));
    const b = decode(later).ev;
    assert.equal(b?.ip?.frag, 1232);
    assert.equal(b?.ip?.mf, false);
    assert.equal(b?.proto, 'udp');
    assert.equal(b?.udp, undefined);
    assert.equal(b?.dst?.port, 0);
    assert.equal(b?.payload_len, 64);
  });

  it('stops at ESP and at no-next-header', () => {
    assert.equal(decode(ipv6({ src: 'fd77::1', dst: 'fd77::2', proto: 50 }, new Uint8Array(40))).ev?.proto, '50');
    assert.equal(decode(ipv6({ src: 'fd77::1', dst: 'fd77::2', proto: 59, ext: [{ type: 'hop' }] }, new Uint8Array(0))).ev?.proto, '59');
  });

  it('keeps the event but counts a chain cut short or too long', () => {
    const cut = ipv6({ src: 'fd77::1', dst: 'fd77::2', proto: PROTO.TCP, ext: [{ type: 'hop', data: new Uint8Array(30) }] }, tcp({ sport: 1, dport: 2 }));
    const a = decode(cut.subarray(0, 50), LINKTYPE.RAW, cut.length);
    assert.equal(a.ev?.src?.ip, 'fd77::1');
    assert.equal(a.ev?.proto, '0', 'proto names the header that was cut');
    assert.equal(a.ev?.tcp, undefined);
    assert.equal(a.d.stats.get('truncated_ipv6_ext'), 1);

    const long = ipv6({ src: 'fd77::1', dst: 'fd77::2', proto: PROTO.TCP, ext: Array.from({ length: 20 }, () => ({ type: 'dest' as const })) }, tcp({ sport: 1, dport: 2 }));
    const b = decode(long);
    assert.ok(b.ev);
    assert.equal(b.d.stats.get('ipv6_ext_chain_too_long'), 1);
  });

  it('shows IPv4-mapped addresses with a dotted tail', () => {
    const p = ipv6({ src: '::ffff:10.77.0.9', dst: '::1', proto: PROTO.ICMP6 }, icmp({ type: 128 }));
    const { ev } = decode(p);
    assert.equal(ev?.src?.ip, '::ffff:10.77.0.9');
    assert.equal(ev?.dst?.ip, '::1');
  });
});
