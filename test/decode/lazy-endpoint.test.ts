import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder } from '../../src/core/decode/decoder.ts';
import { ipv4Text, ipv4TextOf, ipv6Text, ipv6TextOf, word32 } from '../../src/core/decode/ip-text.ts';
import { LINKTYPE } from '../../src/core/decode/linktypes.ts';
import { newPacketEndpoint } from '../../src/core/decode/lazy-endpoint.ts';
import { newPacketParts } from '../../src/core/decode/packet-event.ts';
import { PROTO, ip, ipv4Bytes, ipv6Bytes, tcp } from '../../bench/lib/packets.ts';

const probe = (src: string, dst: string) => ip(src, dst, PROTO.TCP, tcp({ sport: 40000, dport: 22, flags: 'S' }));

function decodeOnce(d: PacketDecoder, frame: Uint8Array) {
  const ev = d.decodeAt(LINKTYPE.RAW, frame, 0, frame.length, frame.length, 1000);
  assert.ok(ev);
  return ev;
}

/** What the event held before addresses were formatted on demand: plain data, read field by field. */
function plainCopy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = plainCopy((v as Record<string, unknown>)[k]);
  return out;
}

describe('packet addresses formatted on first read', () => {
  it('read as the plain { ip, port } data they stand for, to every way of looking', () => {
    const d = new PacketDecoder({ input: 'cap' });
    for (const [src, dst] of [['10.77.0.1', '10.77.0.2'], ['fd77::1', '2001:db8::ff00:42:8329']]) {
      const ev = decodeOnce(d, probe(src, dst));
      assert.deepStrictEqual(ev.src, { ip: src, port: 40000 });
      assert.deepStrictEqual(ev.dst, { ip: dst, port: 22 });
      assert.deepStrictEqual(Object.keys(ev.src), ['ip', 'port']);
      assert.deepStrictEqual({ ...ev.dst }, { ip: dst, port: 22 });
      const cloned = structuredClone(ev);
      assert.deepStrictEqual(cloned.src, { ip: src, port: 40000 });
      assert.equal(Object.getPrototypeOf(cloned.src), Object.prototype);
      assert.equal(JSON.stringify(ev), JSON.stringify(plainCopy(ev)));
      assert.ok(JSON.stringify(ev).includes(`"src":{"ip":"${src}","port":40000}`));
    }
  });

  it('give the same string object on every read of one packet, and the next packet its own', () => {
    const d = new PacketDecoder();
    const seen: string[] = [];
    for (const [src, dst] of [['10.77.0.1', '10.77.0.2'], ['fd77::1', 'fd77::2'], ['10.77.0.9', '10.77.0.1'], ['::ffff:10.77.0.9', 'fd77::2']]) {
      const ev = decodeOnce(d, probe(src, dst));
      const first = ev.src.ip;
      assert.equal(first, src);
      assert.ok(Object.is(ev.src.ip, first));
      assert.equal(ev.dst.ip, dst);
      seen.push(first);
    }
    assert.deepEqual(seen, ['10.77.0.1', 'fd77::1', '10.77.0.9', '::ffff:10.77.0.9']);
  });

  it('keep a packet whose address was never read from leaking into the next', () => {
    const d = new PacketDecoder();
    decodeOnce(d, probe('10.77.0.1', '10.77.0.2'));
    decodeOnce(d, probe('fd77::5', 'fd77::6'));
    const ev = decodeOnce(d, probe('192.0.2.200', '198.51.100.7'));
    assert.equal(ev.src.ip, '192.0.2.200');
    assert.equal(ev.dst.ip, '198.51.100.7');
  });

  it('still tell the address after the capture buffer is overwritten', () => {
    const d = new PacketDecoder();
    const frame = probe('fd77::1:2:3', 'fd77::9');
    const ev = decodeOnce(d, frame);
    frame.fill(0xee);
    assert.equal(ev.src.ip, 'fd77::1:2:3');
    assert.equal(ev.dst.ip, 'fd77::9');
  });

  it('take an assigned address, as a plain object would, until the next packet', () => {
    const d = new PacketDecoder();
    const ev = decodeOnce(d, probe('10.77.0.1', '10.77.0.2'));
    ev.src.ip = '203.0.113.1';
    assert.equal(ev.src.ip, '203.0.113.1');
    assert.equal(JSON.parse(JSON.stringify(ev)).src.ip, '203.0.113.1');
    assert.equal(decodeOnce(d, probe('10.77.0.3', '10.77.0.2')).src.ip, '10.77.0.3');
    const fresh = newPacketEndpoint();
    assert.deepStrictEqual(fresh, { ip: '', port: 0 });
  });

  it('format exactly as the byte formatters do, for any address', () => {
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    const d = new PacketDecoder();
    for (let i = 0; i < 3000; i++) {
      const b4 = Uint8Array.from({ length: 8 }, rnd);
      // Mostly-zero IPv6 addresses exercise the `::` and IPv4-mapped forms.
      const b6 = Uint8Array.from({ length: 32 }, (_, j) => (i % 3 === 0 || (j & 15) < 10 && i % 2 === 0 ? 0 : rnd()));
      if (i % 5 === 0) { b6[10] = 0xff; b6[11] = 0xff; }
      assert.equal(ipv4TextOf(word32(b4, 0)), ipv4Text(b4, 0));
      assert.equal(ipv6TextOf(word32(b6, 0), word32(b6, 4), word32(b6, 8), word32(b6, 12)), ipv6Text(b6, 0));
      const v4 = ip(ipv4Text(b4, 0), ipv4Text(b4, 4), PROTO.TCP, tcp({ sport: 1, dport: 2, flags: 'S' }));
      assert.deepEqual(v4.subarray(12, 20), b4);
      const e4 = decodeOnce(d, v4);
      assert.equal(e4.src.ip, ipv4Text(b4, 0));
      assert.equal(e4.dst.ip, ipv4Text(b4, 4));
      const v6 = ip(ipv6Text(b6, 0), ipv6Text(b6, 16), PROTO.TCP, tcp({ sport: 1, dport: 2, flags: 'S' }));
      assert.deepEqual(v6.subarray(8, 40), b6);
      const e6 = decodeOnce(d, v6);
      assert.equal(e6.src.ip, ipv6Text(b6, 0));
      assert.equal(e6.dst.ip, ipv6Text(b6, 16));
    }
    assert.deepEqual(ipv4Bytes('10.77.0.1'), Uint8Array.of(10, 77, 0, 1));
    assert.equal(ipv6TextOf(...([0, 4, 8, 12].map((o) => word32(ipv6Bytes('2001:db8::1'), o)) as [number, number, number, number])), '2001:db8::1');
  });

  it('leave fresh packet parts writable, for code that fills an event by hand', () => {
    const { ev, tcp } = newPacketParts('bench');
    ev.src.ip = '10.0.0.7';
    ev.src.port = 4242;
    tcp.flags.syn = true;
    tcp.flags.str = 'S';
    ev.tcp = tcp;
    assert.deepStrictEqual(ev.src, { ip: '10.0.0.7', port: 4242 });
    assert.equal(JSON.parse(JSON.stringify(ev)).tcp.flags.syn, true);
  });
});
