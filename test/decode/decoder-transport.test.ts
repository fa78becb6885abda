import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder } from '../../src/core/decode/decoder.ts';
import { LINKTYPE } from '../../src/core/decode/linktypes.ts';
import { newPacketParts } from '../../src/core/decode/packet-event.ts';
import { PROTO, icmp, icmpError, ipv4, ipv6, tcp, udp } from '../../bench/lib/packets.ts';

function decode(frame: Uint8Array, origLen = frame.length) {
  const d = new PacketDecoder();
  const ev = d.decode(LINKTYPE.RAW, frame, frame.length, origLen, 0);
  return { d, ev: ev === null ? null : structuredClone(ev) };
}
const v4 = (proto: number, payload: Uint8Array) => ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto }, payload);
const v6 = (proto: number, payload: Uint8Array) => ipv6({ src: 'fd77::1', dst: 'fd77::2', proto }, payload);

describe('TCP', () => {
  it('reads ports, sequence numbers above 2^31, window and payload length', () => {
    const { ev } = decode(v4(PROTO.TCP, tcp({ sport: 65535, dport: 1, flags: 'PA', seq: 0xfffffff0, ack: 0x80000001, win: 512, options: new Uint8Array(12), payload: 33 })));
    assert.deepEqual(ev?.src, { ip: '10.77.0.1', port: 65535 });
    assert.equal(ev?.tcp?.seq, 0xfffffff0);
    assert.equal(ev?.tcp?.ack, 0x80000001);
    assert.equal(ev?.tcp?.win, 512);
    assert.equal(ev?.payload_len, 33, 'options are header, not payload');
  });

  it('gives every flag as a boolean, the byte, and letters in FSRPAUEC order', () => {
    const d = new PacketDecoder();
    const names = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr'] as const;
    for (let b = 0; b < 256; b++) {
      const p = v4(PROTO.TCP, tcp({ sport: 1, dport: 2, flags: b }));
      const f = d.decode(LINKTYPE.RAW, p, p.length, p.length, 0)?.tcp?.flags;
      assert.ok(f);
      assert.equal(f.byte, b);
      names.forEach((n, i) => assert.equal(f[n], (b & (1 << i)) !== 0, `${n} of ${b}`));
      assert.equal(f.str, [...'FSRPAUEC'].filter((_, i) => b & (1 << i)).join(''));
    }
  });

  it('hands out flags that stay as they were after the next packet is decoded', () => {
    const d = new PacketDecoder();
    const p = (flags: string) => v4(PROTO.TCP, tcp({ sport: 1, dport: 2, flags }));
    const syn = p('S'), rst = p('RA');
    const kept = d.decode(LINKTYPE.RAW, syn, syn.length, syn.length, 0)?.tcp?.flags;
    const next = d.decode(LINKTYPE.RAW, rst, rst.length, rst.length, 0)?.tcp?.flags;
    assert.deepEqual(kept, { syn: true, ack: false, fin: false, rst: false, psh: false, urg: false, ece: false, cwr: false, byte: 2, str: 'S' });
    assert.equal(next?.str, 'RA');
    assert.ok(kept && Object.isFrozen(kept), 'flags are shared by every packet with the same byte, so nobody may change them');
  });

  it('leaves fresh packet parts writable, for code that fills an event by hand', () => {
    const { ev, tcp } = newPacketParts('bench');
    tcp.flags.syn = true;
    tcp.flags.str = 'S';
    ev.tcp = tcp;
    assert.equal(JSON.parse(JSON.stringify(ev)).tcp.flags.syn, true);
  });

  it('names the usual scan shapes', () => {
    const str = (flags: string | number) => decode(v4(PROTO.TCP, tcp({ sport: 1, dport: 2, flags }))).ev?.tcp?.flags?.str;
    assert.equal(str('S'), 'S');
    assert.equal(str('SA'), 'SA');
    assert.equal(str('FPU'), 'FPU');
    assert.equal(str(0), '');
  });

  it('keeps ports but no tcp part when the capture cut the header (snaplen)', () => {
    const p = v4(PROTO.TCP, tcp({ sport: 4444, dport: 80, flags: 'S', payload: 100 }));
    const { d, ev } = decode(p.subarray(0, 20 + 12), p.length);
    assert.equal(ev?.proto, 'tcp');
    assert.equal(ev?.src?.port, 4444);
    assert.equal(ev?.dst?.port, 80);
    assert.equal(ev?.tcp, undefined);
    assert.equal(ev?.ip?.len, 140, 'the header length survives truncation');
    assert.equal(d.stats.get('truncated_tcp'), 1);
    assert.equal(d.stats.snapshot().partial, 1);
    const tiny = decode(p.subarray(0, 22), p.length).ev;
    assert.equal(tiny?.src?.port, 0, 'without 4 bytes there are no ports');
  });

  it('counts a data offset below 5 words and reports no payload', () => {
    const { d, ev } = decode(v4(PROTO.TCP, tcp({ sport: 1, dport: 2, flags: 'S', dataOffsetWords: 2, payload: 8 })));
    assert.equal(ev?.tcp?.flags?.syn, true);
    assert.equal(ev?.payload_len, 0);
    assert.equal(d.stats.get('bad_tcp_offset'), 1);
  });
});

describe('UDP', () => {
  it('reads ports, length and payload length over IPv4 and IPv6', () => {
    for (const build of [v4, v6]) {
      const { ev } = decode(build(PROTO.UDP, udp({ sport: 33000, dport: 161, payload: 40 })));
      assert.equal(ev?.proto, 'udp');
      assert.equal(ev?.src?.port, 33000);
      assert.equal(ev?.dst?.port, 161);
      assert.deepEqual(ev?.udp, { len: 48 });
      assert.equal(ev?.payload_len, 40);
      assert.equal(ev?.tcp, undefined);
      assert.equal(ev?.icmp, undefined);
    }
  });

  it('keeps ports when the header is cut after them', () => {
    const p = v4(PROTO.UDP, udp({ sport: 1, dport: 53, payload: 20 }));
    const { d, ev } = decode(p.subarray(0, 26), p.length);
    assert.equal(ev?.dst?.port, 53);
    assert.equal(ev?.udp, undefined);
    assert.equal(d.stats.get('truncated_udp'), 1);
  });
});

describe('ICMP and ICMPv6', () => {
  it('reads echo type and code with no ports', () => {
    const { ev } = decode(v4(PROTO.ICMP, icmp({ type: 8, rest: 0x00010001, payload: 56 })));
    assert.equal(ev?.proto, 'icmp');
    assert.deepEqual(ev?.icmp, { type: 8, code: 0, orig: undefined });
    assert.equal(ev?.src?.port, 0);
    assert.equal(ev?.payload_len, 56);
    const six = decode(v6(PROTO.ICMP6, icmp({ type: 128 }))).ev;
    assert.equal(six?.proto, 'icmp6');
    assert.equal(six?.icmp?.type, 128);
  });

  it('reads the original UDP header quoted by a port unreachable', () => {
    const probe = ipv4({ src: '10.77.0.10', dst: '10.77.0.2', proto: PROTO.UDP }, udp({ sport: 54896, dport: 161 }));
    const { ev } = decode(ipv4({ src: '10.77.0.2', dst: '10.77.0.10', proto: PROTO.ICMP }, icmpError(3, 3, probe)));
    assert.deepEqual(ev?.icmp, {
      type: 3, code: 3,
      orig: { proto: 'udp', src: { ip: '10.77.0.10', port: 54896 }, dst: { ip: '10.77.0.2', port: 161 } },
    });
  });

  it('reads a TCP header quoted by time exceeded, past IPv4 options in the quote', () => {
    const probe = ipv4({ src: '10.77.0.1', dst: '10.77.9.9', proto: PROTO.TCP, options: new Uint8Array(4) }, tcp({ sport: 40000, dport: 443, flags: 'S' }));
    const { ev } = decode(v4(PROTO.ICMP, icmpError(11, 0, probe, 32)));
    assert.equal(ev?.icmp?.type, 11);
    assert.deepEqual(ev?.icmp?.orig?.dst, { ip: '10.77.9.9', port: 443 });
    assert.equal(ev?.icmp?.orig?.proto, 'tcp');
  });

  it('reads the original UDP header quoted by an ICMPv6 unreachable, across extension headers', () => {
    const probe = ipv6({ src: 'fd77::10', dst: 'fd77::2', proto: PROTO.UDP, ext: [{ type: 'dest' }] }, udp({ sport: 40001, dport: 500 }));
    const { ev } = decode(ipv6({ src: 'fd77::2', dst: 'fd77::10', proto: PROTO.ICMP6 }, icmpError(1, 4, probe, 1232)));
    assert.deepEqual(ev?.icmp, {
      type: 1, code: 4,
      orig: { proto: 'udp', src: { ip: 'fd77::10', port: 40001 }, dst: { ip: 'fd77::2', port: 500 } },
    });
    assert.equal(ev?.src?.ip, 'fd77::2');
  });

  it('treats packet-too-big, time-exceeded and parameter-problem as errors too, and echo not', () => {
    const probe = ipv6({ src: 'fd77::1', dst: 'fd77::2', proto: PROTO.TCP }, tcp({ sport: 5, dport: 6 }));
    for (const type of [2, 3, 4]) {
      assert.equal(decode(v6(PROTO.ICMP6, icmpError(type, 0, probe, 60))).ev?.icmp?.orig?.dst?.port, 6, `type ${type}`);
    }
    assert.equal(decode(v6(PROTO.ICMP6, icmp({ type: 129, payload: probe }))).ev?.icmp?.orig, undefined);
  });

  it('keeps what is there when the quote is short', () => {
    const probe = ipv4({ src: '10.77.0.10', dst: '10.77.0.2', proto: PROTO.UDP }, udp({ sport: 1, dport: 2 }));
    const short = decode(v4(PROTO.ICMP, icmpError(3, 3, probe, 22)));
    assert.equal(short.ev?.icmp?.orig?.dst?.ip, '10.77.0.2');
    assert.equal(short.ev?.icmp?.orig?.dst?.port, undefined);
    assert.equal(short.d.stats.get('truncated_icmp_orig'), 1);
    const none = decode(v4(PROTO.ICMP, icmpError(3, 3, probe, 10)));
    assert.equal(none.ev?.icmp?.type, 3);
    assert.equal(none.ev?.icmp?.orig, undefined);
    assert.equal(none.d.stats.get('truncated_icmp_orig'), 1);
  });

  it('counts an ICMPv6 quote cut inside its extension headers, as it does a short IPv4 quote', () => {
    const probe = ipv6({ src: 'fd77::10', dst: 'fd77::2', proto: PROTO.TCP, ext: [{ type: 'hop' }, { type: 'dest' }] }, tcp({ sport: 5, dport: 6 }));
    const { d, ev } = decode(v6(PROTO.ICMP6, icmpError(1, 0, probe, 40 + 8 + 2)));
    assert.equal(ev?.icmp?.orig?.dst?.ip, 'fd77::2');
    assert.equal(ev?.icmp?.orig?.proto, '60', 'names the header where the quote was cut');
    assert.equal(ev?.icmp?.orig?.dst?.port, undefined);
    assert.equal(d.stats.get('truncated_icmp_orig'), 1);
  });

  it('does not leak one packet\'s quote into the next event', () => {
    const d = new PacketDecoder();
    const probe = ipv4({ src: '10.77.0.10', dst: '10.77.0.2', proto: PROTO.UDP }, udp({ sport: 1, dport: 2 }));
    const err = v4(PROTO.ICMP, icmpError(3, 3, probe));
    const echo = v4(PROTO.ICMP, icmp({ type: 0 }));
    assert.ok(d.decode(LINKTYPE.RAW, err, err.length, err.length, 0)?.icmp?.orig);
    assert.equal(d.decode(LINKTYPE.RAW, echo, echo.length, echo.length, 0)?.icmp?.orig, undefined);
    const syn = v4(PROTO.TCP, tcp({ sport: 1, dport: 2, flags: 'S' }));
    const ev = d.decode(LINKTYPE.RAW, syn, syn.length, syn.length, 0);
    assert.equal(ev?.icmp, undefined);
    assert.equal(ev?.udp, undefined);
    assert.equal(ev?.tcp?.flags?.syn, true);
  });

  it('counts an ICMP header under 4 bytes', () => {
    const p = v4(PROTO.ICMP, Uint8Array.of(8, 0));
    const { d, ev } = decode(p);
    assert.equal(ev?.proto, 'icmp');
    assert.equal(ev?.icmp, undefined);
    assert.equal(d.stats.get('truncated_icmp'), 1);
  });
});
