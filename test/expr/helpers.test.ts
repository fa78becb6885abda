import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HELPERS, bindHelpers } from '../../src/core/expr/helpers/index.ts';
import { makeEnv, makeRuntime, rng } from './support.ts';
import { emptyHostFacts } from '../../src/core/host.ts';

const env = makeEnv();
const h = bindHelpers({ runtime: makeRuntime(), lists: env.lists });

describe('host helpers', () => {
  test('is_local: own addresses in any spelling, and loopback', () => {
    assert.equal(h.is_local('10.77.0.2'), true);
    assert.equal(h.is_local('2001:DB8:0::2'), true);
    assert.equal(h.is_local('127.0.0.53'), true);
    assert.equal(h.is_local('::1'), true);
    assert.equal(h.is_local('10.77.0.1'), false);
  });
  test('is_local: IPv6 loopback in any spelling, including IPv4-mapped 127/8, and asked again from memory', () => {
    for (let round = 0; round < 2; round++) {
      assert.equal(h.is_local('0:0:0:0:0:0:0:1'), true);
      assert.equal(h.is_local('::ffff:127.0.0.1'), true);
      assert.equal(h.is_local('::FFFF:7f00:2'), true);
      assert.equal(h.is_local('::ffff:10.77.0.1'), false);
      assert.equal(h.is_local('::127.0.0.1'), false, 'IPv4-compatible (not mapped) 127.0.0.1 is not loopback');
      assert.equal(h.is_local('2001:db8::2'), true);
      assert.equal(h.is_local('2001:db8::3'), false);
      assert.equal(h.is_local('2001:db8::zz'), false);
    }
  });
  test('is_gateway is true for a configured gateway address and false for any other', () => {
    assert.equal(h.is_gateway('10.77.0.254'), true);
    assert.equal(h.is_gateway('10.77.0.2'), false);
  });
  test('is_listening defaults to tcp and accepts udp', () => {
    assert.equal(h.is_listening(22), true);
    assert.equal(h.is_listening(53), false);
    assert.equal(h.is_listening(53, 'udp'), true);
    assert.equal(h.is_listening('22'), true);
    assert.equal(h.is_listening(22, 'sctp'), false);
  });
  test('listening_known: true for a protocol whose listening ports the host facts hold, false for one they do not', () => {
    assert.equal(h.listening_known(), true);
    assert.equal(h.listening_known('udp'), true);
    assert.equal(h.listening_known('sctp'), false);
    const bare = bindHelpers({ runtime: { host: emptyHostFacts(), hasContext: () => false }, lists: env.lists });
    assert.equal(bare.listening_known(), false, 'no facts: is_listening saying no means nothing');
    assert.equal(bare.listening_known('udp'), false);
  });
  test('is_ephemeral is inclusive at both ends', () => {
    assert.deepEqual([32767, 32768, 60999, 61000].map((p) => h.is_ephemeral(p)), [false, true, true, false]);
  });
  test('is_allowed matches the allow-list CIDRs of both families', () => {
    assert.equal(h.is_allowed('10.77.1.200'), true);
    assert.equal(h.is_allowed('2001:db8:aaaa:1::5'), true);
    assert.equal(h.is_allowed('10.77.2.1'), false);
  });
  test('in_list uses strict equality', () => {
    assert.equal(h.in_list(23, 'hot_ports'), true);
    assert.equal(h.in_list('23', 'hot_ports'), false);
    assert.equal(h.in_list(23, 'no_such_list'), false);
  });
  test('port_class follows the IANA ranges', () => {
    assert.deepEqual([0, 1023, 1024, 49151, 49152, 65535, 65536].map((p) => h.port_class(p)), ['system', 'system', 'user', 'user', 'dynamic', 'dynamic', undefined]);
  });
});

describe('value helpers', () => {
  test('string helpers change case, test prefixes and suffixes, and contains() compares list elements strictly', () => {
    assert.equal(h.lower('RooT'), 'root');
    assert.equal(h.upper('tcp'), 'TCP');
    assert.equal(h.startswith('/tmp/x', '/tmp/'), true);
    assert.equal(h.endswith('sshd.service', '.service'), true);
    assert.equal(h.contains('nc -l 4444', 'nc -l'), true);
    assert.equal(h.contains([22, 23], 23), true);
    assert.equal(h.contains([22, 23], '23'), false);
  });
  test('len counts strings, lists and object keys; int truncates numeric text; str renders any value, undefined as empty', () => {
    assert.deepEqual([h.len('abc'), h.len([1, 2]), h.len({ a: 1 }), h.len(5)], [3, 2, 1, undefined]);
    assert.deepEqual([h.int('42'), h.int(' 7 '), h.int(-3.9), h.int('4x'), h.int(null)], [42, 7, -3, undefined, undefined]);
    assert.deepEqual([h.str(22), h.str(undefined), h.str([1, 'a']), h.str(true)], ['22', '', '[1,"a"]', 'true']);
  });
  test('address helpers tell the IP version, canonicalise text, key by subnet and match CIDRs or named lists', () => {
    assert.equal(h.ip_version('::1'), 6);
    assert.equal(h.ip_version('1.2.3'), undefined);
    assert.equal(h.normalize_ip('2001:DB8::0:1'), '2001:db8::1');
    assert.equal(h.subnet('192.0.2.77', 24), '192.0.2.0/24');
    assert.equal(h.cidr('10.77.9.9', 'nets'), true);
    assert.equal(h.cidr('10.77.9.9', ['192.0.2.0/24']), false);
  });
});

test('no helper throws, whatever it is given', () => {
  const r = rng(7);
  const junk: unknown[] = [undefined, null, 0, -1, 1.5, NaN, Infinity, '', 'x', '10.0.0.1', '::1', '10.0.0.0/8', [], [1, 'a', null], {}, { a: 1 }, true, () => 1, Symbol('s'), 10n];
  const pick = () => junk[Math.floor(r() * junk.length)];
  let calls = 0;
  for (const spec of HELPERS) {
    for (let i = 0; i < 300; i++) {
      const n = spec.minArgs + Math.floor(r() * (Math.min(spec.maxArgs, spec.minArgs + 3) - spec.minArgs + 1));
      const args = Array.from({ length: n }, pick);
      assert.doesNotThrow(() => h[spec.name](...args), `${spec.name}(${args.map(String).join(', ')})`);
      calls++;
    }
  }
  assert.equal(calls, HELPERS.length * 300);
});

test('every helper documents its signature, meaning and an example', () => {
  for (const spec of HELPERS) {
    assert.match(spec.signature, new RegExp(`^${spec.name}\\(`), spec.name);
    assert.ok(spec.description.length > 10 && spec.example.includes(spec.name), spec.name);
    assert.ok(spec.minArgs <= spec.maxArgs, spec.name);
  }
});
