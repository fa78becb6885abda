import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder } from '../../src/core/decode/decoder.ts';
import { LINKTYPE } from '../../src/core/decode/linktypes.ts';
import { DROP_REASONS, PARTIAL_REASONS } from '../../src/core/decode/stats.ts';
import { PROTO, ethernet, icmpError, ipv4, ipv6, nflog, sll, tcp, udp } from '../../bench/lib/packets.ts';
import { Rng } from '../../bench/lib/rng.ts';

const samples: [number, Uint8Array][] = [
  [LINKTYPE.ETHERNET, ethernet(ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: PROTO.TCP, options: new Uint8Array(8) }, tcp({ sport: 1, dport: 2, flags: 'S', payload: 20 })), { vlans: [5] })],
  [LINKTYPE.ETHERNET, ethernet(ipv6({ src: 'fd77::1', dst: 'fd77::2', proto: PROTO.UDP, ext: [{ type: 'hop' }, { type: 'frag', offset: 0, more: true, id: 3 }] }, udp({ sport: 1, dport: 2, payload: 30 })))],
  [LINKTYPE.LINUX_SLL, sll(ipv4({ src: '10.77.0.2', dst: '10.77.0.1', proto: PROTO.ICMP }, icmpError(3, 3, ipv4({ src: '10.77.0.1', dst: '10.77.0.2', proto: PROTO.UDP }, udp({ sport: 5, dport: 6 })))))],
  [LINKTYPE.NFLOG, nflog(ipv6({ src: 'fd77::2', dst: 'fd77::1', proto: PROTO.ICMP6 }, icmpError(1, 4, ipv6({ src: 'fd77::1', dst: 'fd77::2', proto: PROTO.TCP }, tcp({ sport: 5, dport: 6 })))), { prefix: 'x', indev: 2, tsMs: 5 })],
];

describe('PacketDecoder on damaged input', () => {
  it('never throws on any truncation of valid frames, and counts every drop by one reason', () => {
    const d = new PacketDecoder();
    let calls = 0;
    for (const [lt, frame] of samples) {
      for (let n = 0; n <= frame.length; n++) {
        d.decode(lt, frame.subarray(0, n), n, frame.length, 0);
        calls++;
      }
    }
    const s = d.stats.snapshot();
    assert.equal(s.packets, calls);
    assert.equal(s.decoded + s.dropped, calls, 'each packet is either an event or one counted drop');
    for (const r of Object.keys(s.reasons)) assert.ok(r in DROP_REASONS || r in PARTIAL_REASONS, r);
  });

  it('never throws on random bytes or random corruption, under every link type', () => {
    const rng = new Rng(42);
    const d = new PacketDecoder();
    const lts = [0, 1, 12, 14, 101, 108, 113, 228, 229, 239, 276, 9999];
    for (let i = 0; i < 20000; i++) {
      let bytes: Uint8Array;
      if (i % 2) {
        bytes = new Uint8Array(rng.int(120));
        for (let k = 0; k < bytes.length; k++) bytes[k] = rng.int(256);
      } else {
        const [, f] = samples[rng.int(samples.length)];
        bytes = f.slice(0, rng.int(f.length + 1));
        for (let k = rng.int(6); k > 0 && bytes.length; k--) bytes[rng.int(bytes.length)] = rng.int(256);
      }
      // caplen beyond the buffer must be harmless too.
      d.decode(rng.pick(lts), bytes, bytes.length + rng.int(3) * 50, rng.int(2000), i);
    }
    const s = d.stats.snapshot();
    assert.equal(s.packets, 20000);
    assert.equal(s.decoded + s.dropped, 20000);
    assert.ok(s.decoded > 0 && s.dropped > 0);
  });

  it('describes every reason it can count', () => {
    for (const [name, text] of Object.entries({ ...DROP_REASONS, ...PARTIAL_REASONS })) {
      assert.match(name, /^[a-z0-9_]+$/);
      assert.ok(text.length > 20, name);
    }
  });
  it('drops a record whose time no date can hold (a damaged timestamp), counting bad_timestamp, and decodes the next one', () => {
    const d = new PacketDecoder();
    const [lt, frame] = samples[0];
    for (const ts of [1e16, -1e16, NaN, Infinity, 2 ** 53]) assert.equal(d.decode(lt, frame, frame.length, frame.length, ts), null, `ts ${ts}`);
    assert.equal(d.decode(lt, frame, frame.length, frame.length, 1_768_478_400_000)?.ts, 1_768_478_400_000);
    assert.deepEqual(d.stats.snapshot().reasons, { bad_timestamp: 5 });
  });
});
