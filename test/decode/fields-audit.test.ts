/**
 * Field audit: packets for which the decoder fills a field differently from
 * docs/fields.md. Each test names the documented behaviour it checks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder } from '../../src/core/decode/decoder.ts';
import { LINKTYPE } from '../../src/core/decode/linktypes.ts';
import { isEventTime } from '../../src/core/event-time.ts';
import { PROTO, ethernet, ipv4, nflog, tcp, udp } from '../../bench/lib/packets.ts';

const A = '10.77.0.1', B = '10.77.0.2';

describe('fields audit: ts', () => {
  it('refuses (and counts) an NFLOG record whose kernel timestamp is outside ±8.64e15 ms, as it does a capture time', () => {
    // docs/fields.md `ts`: "At most ±8.64e15 (what a date can hold): events outside are refused and counted."
    // The decoder checks the capture time but not the NFLOG timestamp TLV that replaces it.
    const pkt = ipv4({ src: A, dst: B, proto: PROTO.UDP }, udp({ sport: 40000, dport: 53 }));
    const rec = nflog(pkt, { prefix: 'vigil-in', indev: 2, tsMs: 9e15 });
    const d = new PacketDecoder();
    const ev = d.decode(LINKTYPE.NFLOG, rec, rec.length, rec.length, 1764125410123);
    if (ev === null) {
      assert.equal(d.stats.get('bad_timestamp'), 1, 'a refused record is counted as bad_timestamp');
    } else {
      assert.ok(isEventTime(ev.ts), `ts ${ev.ts} is outside the event-time range but the event was produced (decoded=${d.stats.decoded}, bad_timestamp=${d.stats.get('bad_timestamp')})`);
    }
  });
});

describe('fields audit: payload_len', () => {
  it('uses the captured TCP data offset when the snaplen cuts the header after it', () => {
    // docs/fields.md `payload_len`: "after TCP/UDP/ICMP headers), from header lengths, not the capture".
    // 12 bytes of TCP options, 100 bytes of data; the capture keeps 16 TCP bytes, so the data offset byte (12) is there.
    const p = ipv4({ src: A, dst: B, proto: PROTO.TCP }, tcp({ sport: 40000, dport: 443, flags: 'PA', options: new Uint8Array(12), payload: 100 }));
    const d = new PacketDecoder();
    const ev = d.decodeAt(LINKTYPE.RAW, p, 0, 20 + 16, p.length, 0);
    assert.ok(ev);
    assert.equal(ev.ip.len, 20 + 32 + 100);
    assert.equal(ev.tcp, undefined, 'the TCP header is not whole');
    assert.equal(ev.dst.port, 443);
    assert.equal(ev.payload_len, 100, 'IP payload 132 minus the 32-byte header the data offset declares');
  });
});

describe('fields audit: bytes', () => {
  it('is never below the captured length when a record claims a shorter original length', () => {
    // docs/fields.md `bytes`: "the frame length on the wire (even when the capture kept less)".
    // The decoder itself takes max(caplen, origLen) as the frame length for parsing, but reports origLen.
    const f = ethernet(ipv4({ src: A, dst: B, proto: PROTO.UDP }, udp({ sport: 1, dport: 53, payload: 30 })));
    for (const origLen of [0, 20]) {
      const d = new PacketDecoder();
      const ev = d.decodeAt(LINKTYPE.ETHERNET, f, 0, f.length, origLen, 0);
      assert.ok(ev, `origLen ${origLen}: the frame decodes`);
      assert.equal(ev.ip.len, 58);
      assert.ok(ev.bytes >= f.length, `origLen ${origLen}: bytes ${ev.bytes} is below the ${f.length} bytes captured`);
    }
  });
});
