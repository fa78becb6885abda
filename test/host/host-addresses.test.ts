import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parseFibTrieLocal, parseIfInet6, parseRouteTable, buildHostFacts } from '../../src/core/host-live.ts';

// A host whose docker0 bridge has no container: the interface is UP but not RUNNING,
// so os.networkInterfaces() leaves 172.17.0.1 out, yet the kernel delivers it locally.
const FIB_TRIE = `Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 172.17.0.0/16 2 0 2
        |-- 172.17.0.0
           /16 link UNICAST
        |-- 172.17.0.1
           /32 host LOCAL
        |-- 172.17.255.255
           /32 link BROADCAST
Local:
  +-- 0.0.0.0/0 3 0 5
     |-- 172.17.0.1
        /32 host LOCAL
     |-- 10.77.0.2
        /24 link UNICAST
        /32 host LOCAL
`;

test('IPv4 host addresses are the /32 host LOCAL leaves of fib_trie, once each; networks and broadcasts are not', () => {
  assert.deepEqual(parseFibTrieLocal(FIB_TRIE).sort(), ['10.77.0.2', '127.0.0.1', '172.17.0.1']);
});

test('IPv6 host addresses come from if_inet6 in network byte order, whatever the interface state', () => {
  const text = [
    'fe8000000000000000fc00fffe000001 04 40 20 80     eth0',
    '00000000000000000000000000000001 01 80 10 80       lo',
    'fd770000000000000000000000000002 05 40 00 80  docker0',
    'not an address line',
  ].join('\n');
  assert.deepEqual(parseIfInet6(text), ['fe80::fc:ff:fe00:1', '::1', 'fd77::2']);
});

test('live host facts hold every address the kernel lists as local, not only those of running interfaces', { skip: !existsSync('/proc/net/fib_trie') && 'no /proc/net/fib_trie' }, () => {
  const h = buildHostFacts({ addresses: [], gateways: [], listen: [], allow: [] }, true);
  const kernel = [...parseFibTrieLocal(readFileSync('/proc/net/fib_trie', 'latin1')), ...(existsSync('/proc/net/if_inet6') ? parseIfInet6(readFileSync('/proc/net/if_inet6', 'latin1')) : [])];
  assert.ok(kernel.includes('127.0.0.1'));
  for (const a of kernel) assert.ok(h.addresses.has(a), `${a} is a local address of this host`);
});

test('several default gateways are all kept, whatever the whitespace of the route table', () => {
  const text = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT                                                       ',
    'eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0                                                                               ',
    'wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0',
    '',
  ].join('\n');
  assert.deepEqual(parseRouteTable(text), ['192.0.2.1', '192.168.1.1']);
});
