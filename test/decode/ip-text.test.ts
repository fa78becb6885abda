import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIpText, formatIpv6, ipv4Text, ipv4TextOf, ipv6Text, ipv6TextOf, word32 } from '../../src/core/decode/ip-text.ts';
import { ipv6Bytes } from '../../bench/lib/packets.ts';

describe('address text', () => {
  it('formats IPv4 as a dotted quad, returning the same string for a repeat address', () => {
    const b = Uint8Array.of(0, 10, 77, 0, 255, 9);
    assert.equal(ipv4Text(b, 1), '10.77.0.255');
    assert.equal(ipv4Text(b, 2), '77.0.255.9');
    assert.equal(ipv4Text(Uint8Array.of(0, 0, 0, 0), 0), '0.0.0.0');
    assert.equal(ipv4Text(Uint8Array.of(255, 255, 255, 255), 0), '255.255.255.255');
  });

  it('never confuses two addresses that share a cache slot', () => {
    const seen = new Map<string, string>();
    for (let i = 0; i < 70000; i++) {
      const b = Uint8Array.of(10, (i >> 16) & 255, (i >> 8) & 255, i & 255);
      const expected = `10.${b[1]}.${b[2]}.${b[3]}`;
      assert.equal(ipv4Text(b, 0), expected);
      if (i % 7 === 0) seen.set(expected, expected);
    }
    for (const k of seen.keys()) assert.equal(ipv4Text(Uint8Array.from(k.split('.').map(Number)), 0), k);
  });

  it('formats IPv6 per RFC 5952', () => {
    const cases: [string, string][] = [
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal runs
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not shortened
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['fe80:0:0:0:0:0:0:0', 'fe80::'],
      ['FD77:0:0:0:0:0:ABCD:12', 'fd77::abcd:12'],
      ['0:0:0:0:0:ffff:a4d:9', '::ffff:10.77.0.9'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ];
    for (const [input, want] of cases) {
      assert.equal(formatIpv6(ipv6Bytes(input), 0), want, input);
      assert.equal(ipv6Text(ipv6Bytes(input), 0), want, input);
    }
  });

  it('formats an address given as big-endian words exactly as from its bytes', () => {
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    for (let i = 0; i < 5000; i++) {
      const b4 = Uint8Array.from({ length: 4 }, rnd);
      // Mostly-zero IPv6 addresses exercise the `::` and IPv4-mapped forms.
      const b6 = Uint8Array.from({ length: 16 }, (_, j) => (i % 3 === 0 || (j < 10 && i % 2 === 0) ? 0 : rnd()));
      if (i % 5 === 0) { b6[10] = 0xff; b6[11] = 0xff; }
      assert.equal(ipv4TextOf(word32(b4, 0)), ipv4Text(b4, 0));
      assert.equal(ipv6TextOf(word32(b6, 0), word32(b6, 4), word32(b6, 8), word32(b6, 12)), ipv6Text(b6, 0));
      assert.equal(ipv6TextOf(word32(b6, 0), word32(b6, 4), word32(b6, 8), word32(b6, 12)), formatIpv6(b6, 0));
    }
    assert.equal(ipv4TextOf(word32(Uint8Array.of(192, 0, 2, 255), 0)), '192.0.2.255');
    assert.equal(ipv6TextOf(0x20010db8, 0, 0, 1), '2001:db8::1');
  });

  it('canonicalises address text from other sources', () => {
    assert.equal(canonicalIpText('2001:DB8:0::0:1'), '2001:db8::1');
    assert.equal(canonicalIpText('::ffff:10.77.0.1'), '::ffff:10.77.0.1');
    assert.equal(canonicalIpText('10.77.0.1'), '10.77.0.1');
    for (const bad of ['10.77.0', '10.77.0.256', '010.1.1.1', '1::2::3', 'fd77::g', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '']) {
      assert.equal(canonicalIpText(bad), null, bad);
    }
  });
});
