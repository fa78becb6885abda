import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseRouteTable, parseIpv6RouteTable, buildHostFacts, liveListening } from '../../src/core/host-live.ts';

test('default IPv4 gateways come from /proc/net/route lines with destination 0/0 and the gateway flag', () => {
  const text = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'eth0\t00000000\t01004D0A\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    'eth0\t004D000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'eth1\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0',
  ].join('\n');
  assert.deepEqual(parseRouteTable(text), ['10.77.0.1']);
});

test('default IPv6 gateways come from ::/0 routes with a next hop (network byte order)', () => {
  const text = [
    'fd770000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0',
    '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd770000000000000000000000000001 00000400 00000002 00000000 00000003     eth0',
    '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
  ].join('\n');
  assert.deepEqual(parseIpv6RouteTable(text), ['fd77::1']);
});

test('replay host facts come only from the overrides', () => {
  const h = buildHostFacts({ addresses: ['10.77.0.2'], gateways: ['10.77.0.1'], listen: [22, '53/udp', '443/tcp'], allow: ['10.77.9.0/24'] }, false);
  assert.deepEqual([...h.addresses], ['10.77.0.2']);
  assert.deepEqual([...h.gateways], ['10.77.0.1']);
  assert.deepEqual([...h.listening.tcp].sort(), [22, 443]);
  assert.deepEqual([...h.listening.udp], [53]);
  assert.deepEqual(h.allow, ['10.77.9.0/24']);
  assert.deepEqual(h.ephemeral, [32768, 60999]);
});

test('live host facts include loopback, a listener this test opens, and the overrides', { skip: !existsSync('/proc/net/tcp') && 'no /proc/net (not Linux)' }, async (t) => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  assert.ok(liveListening().tcp.has(port));
  const h = buildHostFacts({ addresses: ['192.0.2.10'], gateways: [], listen: [], allow: [] }, true);
  assert.ok(h.addresses.has('127.0.0.1'));
  assert.ok(h.addresses.has('192.0.2.10'));
  assert.ok(h.listening.tcp.has(port));
  assert.ok(h.ephemeral[0] > 1024 && h.ephemeral[1] >= h.ephemeral[0]);
});

test('a listener bound to loopback alone is not listening for is_listening: the network cannot reach it', { skip: !existsSync('/proc/net/tcp') && 'no /proc/net (not Linux)' }, async (t) => {
  const open = async (host: string) => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, host, r));
    t.after(() => server.close());
    return (server.address() as { port: number }).port;
  };
  const v4 = await open('127.0.0.1');
  const wildcard = await open('0.0.0.0');
  let v6: number | null = null;
  try { v6 = await open('::1'); } catch { /* no IPv6 loopback here: the IPv4 case stands alone */ }
  const l = liveListening();
  assert.equal(l.tcp.has(v4), false, '127.0.0.1 only');
  if (v6 !== null) assert.equal(l.tcp.has(v6), false, '::1 only');
  assert.equal(l.tcp.has(wildcard), true, 'all addresses');
  const h = buildHostFacts({ addresses: [], gateways: [], listen: [], allow: [] }, true);
  assert.equal(h.listening.tcp.has(v4), false);
  assert.equal(h.listening.tcp.has(wildcard), true);
});
