import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIPv4, formatIPv4 } from '../../src/core/net/ipv4.ts';
import { parseIPv6, formatIPv6 } from '../../src/core/net/ipv6.ts';
import { ipVersion, normalizeIp, isLoopback, subnetOf } from '../../src/core/net/ip.ts';
import { parseCidr, compileCidrs, inCidr } from '../../src/core/net/cidr.ts';

describe('IPv4 text', () => {
  test('parses dotted quads to uint32, including the extremes', () => {
    assert.equal(parseIPv4('0.0.0.0'), 0);
    assert.equal(parseIPv4('255.255.255.255'), 0xffffffff);
    assert.equal(parseIPv4('10.77.0.1'), (10 << 24 | 77 << 16 | 1) >>> 0);
    assert.equal(formatIPv4(parseIPv4('192.0.2.44')), '192.0.2.44');
  });
  test('refuses anything that is not exactly four decimal octets', () => {
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.-4', '01.2.3.4', '1..2.3', '1.2.3.4 ', ' 1.2.3.4', 'a.b.c.d', '1.2.3.4/8', '1234.1.1.1']) {
      assert.equal(parseIPv4(bad), -1, bad);
    }
  });
});

describe('IPv6 text', () => {
  const words = (t: string) => { const w = new Uint32Array(4); assert.ok(parseIPv6(t, w), t); return [...w]; };
  test('parses full, compressed and IPv4-suffixed forms', () => {
    assert.deepEqual(words('::'), [0, 0, 0, 0]);
    assert.deepEqual(words('::1'), [0, 0, 0, 1]);
    assert.deepEqual(words('1::'), [0x10000, 0, 0, 0]);
    assert.deepEqual(words('2001:db8::2'), [0x20010db8, 0, 0, 2]);
    assert.deepEqual(words('2001:0DB8:0000:0000:0000:0000:0000:0002'), [0x20010db8, 0, 0, 2]);
    assert.deepEqual(words('::ffff:10.77.0.1'), [0, 0, 0xffff, 0x0a4d0001]);
    assert.deepEqual(words('64:ff9b::192.0.2.33'), [0x0064ff9b, 0, 0, 0xc0000221]);
    assert.deepEqual(words('1:2:3:4:5:6:7:8'), [0x10002, 0x30004, 0x50006, 0x70008]);
    assert.deepEqual(words('1:2:3:4:5:6::8'), [0x10002, 0x30004, 0x50006, 0x8]);
  });
  test('refuses malformed text', () => {
    const w = new Uint32Array(4);
    for (const bad of ['', ':', ':::', '1:2', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8:9', 'g::1', '::1%eth0', '1:', ':1', '::ffff:1.2.3', '::1.2.3.4:5', '1:2:3:4:5:6:7:1.2.3.4']) {
      assert.equal(parseIPv6(bad, w), false, bad);
    }
  });
  test('formats canonically (RFC 5952): lowercase, longest zero run compressed, first on a tie, no single-group ::', () => {
    const canon = (t: string) => { const w = new Uint32Array(4); parseIPv6(t, w); return formatIPv6(w); };
    assert.equal(canon('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
    assert.equal(canon('0:0:0:0:0:0:0:0'), '::');
    assert.equal(canon('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(canon('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
    assert.equal(canon('1:0:0:2:0:0:0:3'), '1:0:0:2::3');
    assert.equal(canon('::ffff:0a4d:0001'), '::ffff:10.77.0.1');
    assert.equal(canon('fe80::0001'), 'fe80::1');
  });
});

describe('address utilities', () => {
  test('ipVersion tells 4, 6 or 0', () => {
    assert.equal(ipVersion('10.0.0.1'), 4);
    assert.equal(ipVersion('::ffff:10.0.0.1'), 6);
    assert.equal(ipVersion('10.0.0.256'), 0);
    assert.equal(ipVersion(42), 0);
  });
  test('normalizeIp gives canonical text or null', () => {
    assert.equal(normalizeIp('2001:DB8::0:1'), '2001:db8::1');
    assert.equal(normalizeIp('10.0.0.1'), '10.0.0.1');
    assert.equal(normalizeIp('010.0.0.1'), null);
    assert.equal(normalizeIp(undefined), null);
  });
  test('isLoopback covers 127/8, ::1 and IPv4-mapped loopback, and nothing else', () => {
    for (const yes of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopback(yes), true, yes);
    for (const no of ['128.0.0.1', '::', '::2', '10.0.0.1', 'localhost', null]) assert.equal(isLoopback(no), false, String(no));
  });
  test('subnetOf keys an address by its network, for both families and the prefix extremes', () => {
    assert.equal(subnetOf('10.77.3.9', 24), '10.77.3.0/24');
    assert.equal(subnetOf('10.77.3.9', 0), '0.0.0.0/0');
    assert.equal(subnetOf('10.77.3.9', 32), '10.77.3.9/32');
    assert.equal(subnetOf('2001:db8:1:2:3:4:5:6', 64), '2001:db8:1:2::/64');
    assert.equal(subnetOf('2001:db8::1', 128), '2001:db8::1/128');
    assert.equal(subnetOf('2001:db8::1', 0), '::/0');
    assert.equal(subnetOf('10.0.0.1', 33), null);
    assert.equal(subnetOf('2001:db8::1', 129), null);
    assert.equal(subnetOf('10.0.0.1', 8.5), null);
    assert.equal(subnetOf('nope', 8), null);
  });
});

describe('CIDR', () => {
  test('parses prefixes, masks host bits, and takes a bare address as a host route', () => {
    const c = parseCidr('10.77.3.9/16')!;
    assert.equal(c.version, 4);
    assert.equal(c.prefix, 16);
    assert.equal(formatIPv4(c.v4), '10.77.0.0');
    assert.equal(parseCidr('10.0.0.1')!.prefix, 32);
    assert.equal(parseCidr('2001:db8::1')!.prefix, 128);
    for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '10.0.0.0/-1', '::/129', 'x/8', '10.0.0.0/8/8', 5]) assert.equal(parseCidr(bad), null, String(bad));
  });
  test('matches IPv4 at /0, /8, /32 boundaries', () => {
    assert.equal(inCidr('203.0.113.5', '0.0.0.0/0'), true);
    assert.equal(inCidr('10.255.255.255', '10.0.0.0/8'), true);
    assert.equal(inCidr('11.0.0.0', '10.0.0.0/8'), false);
    assert.equal(inCidr('9.255.255.255', '10.0.0.0/8'), false);
    assert.equal(inCidr('10.0.0.1', '10.0.0.1/32'), true);
    assert.equal(inCidr('10.0.0.2', '10.0.0.1/32'), false);
  });
  test('matches IPv6 across word boundaries, at /0 and /128', () => {
    assert.equal(inCidr('2001:db8:ffff::1', '2001:db8::/32'), true);
    assert.equal(inCidr('2001:db9::1', '2001:db8::/32'), false);
    assert.equal(inCidr('2001:db8:0:1::', '2001:db8::/63'), true);
    assert.equal(inCidr('2001:db8:0:2::', '2001:db8::/63'), false);
    assert.equal(inCidr('fe80::1', '::/0'), true);
    assert.equal(inCidr('2001:db8::1', '2001:db8::1/128'), true);
    assert.equal(inCidr('2001:db8::2', '2001:db8::1/128'), false);
  });
  test('an IPv4-mapped IPv6 address matches the IPv4 CIDRs of its embedded address, but families never cross otherwise', () => {
    assert.equal(inCidr('::ffff:10.1.2.3', '10.0.0.0/8'), true);
    assert.equal(inCidr('::ffff:10.1.2.3', '::ffff:0:0/96'), true);
    assert.equal(inCidr('10.1.2.3', '::/0'), false);
    assert.equal(inCidr('2001:db8::1', '0.0.0.0/0'), false);
  });
  test('a compiled set answers for every entry and reports the entries that do not parse', () => {
    const { set, bad } = compileCidrs(['10.0.0.0/8', '192.0.2.0/24', '198.51.100.7', '2001:db8::/32', 'bogus', '300.1.1.1/8']);
    assert.deepEqual(bad, ['bogus', '300.1.1.1/8']);
    assert.equal(set.size, 4);
    for (const yes of ['10.9.9.9', '192.0.2.200', '198.51.100.7', '2001:db8::99']) assert.equal(set.has(yes), true, yes);
    for (const no of ['192.0.3.1', '198.51.100.8', '2001:db9::', 'x', '', undefined, 17]) assert.equal(set.has(no), false, String(no));
  });
});
