import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket, type Server } from 'node:net';
import { realpathSync, existsSync } from 'node:fs';
import procnet, { socketDirection } from '../../src/plugins/inputs/procnet.ts';
import { hexIpv4, hexIpv6, parseNetTable } from '../../src/core/procfs/net-table.ts';
import { pluginContext } from '../../src/core/plugins/context.ts';
import type { VigilEvent } from '../../src/core/plugin-api.ts';
import { testServices } from './harness.ts';

/** How long a wait on the live socket table may take before the test fails (a failure guard, never a synchronisation). */
const WAIT_MS = 20_000;

/** `p`, or a rejection naming `what` once `ms` have passed without it; the guard timer is always cleared. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms); });
  try { return await Promise.race([p, guard]); } finally { clearTimeout(timer); }
}

test('hex addresses from /proc/net decode as the kernel writes them (little-endian words)', () => {
  assert.equal(hexIpv4('0100007F'), '127.0.0.1');
  assert.equal(hexIpv4('0A004D0A'), '10.77.0.10');
  assert.equal(hexIpv6('00000000000000000000000001000000'), '::1');
  assert.equal(hexIpv6('B80D0120000000000000000001000000'), '2001:db8::1');
  // IPv4-mapped peers of dual-stack sockets are reported as IPv4, like the packets they belong to
  assert.equal(hexIpv6('0000000000000000FFFF00000100007F'), '127.0.0.1');
});

test('a socket table parses into rows with state, uid, inode; a malformed line is counted, not fatal', () => {
  const text = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0',
    '   1: 0A004D0A:9C40 0B004D0A:0050 01 00000000:00000000 00:00000000 00000000  1000        0 777 1 0000000000000000 20 4 30 10 -1',
    '   2: garbage',
  ].join('\n');
  const { rows, bad } = parseNetTable('tcp', text);
  assert.equal(bad, 1);
  assert.deepEqual(rows[0], { table: 'tcp', proto: 'tcp', version: 4, localIp: '127.0.0.1', localPort: 22, remoteIp: null, remotePort: 0, state: 'LISTEN', uid: 0, inode: 4242 });
  assert.deepEqual(rows[1], { table: 'tcp', proto: 'tcp', version: 4, localIp: '10.77.0.10', localPort: 40000, remoteIp: '10.77.0.11', remotePort: 80, state: 'ESTABLISHED', uid: 1000, inode: 777 });
});

test('direction: listening and accepted sockets are inbound, ephemeral local ports outbound', () => {
  const base = { table: 'tcp' as const, proto: 'tcp' as const, version: 4 as const, localIp: '10.77.0.1', remotePort: 0, uid: 0, inode: 1 };
  const listening = new Set(['tcp 22']);
  assert.equal(socketDirection({ ...base, localPort: 22, remoteIp: null, state: 'LISTEN' }, listening, [32768, 60999]), 'in');
  assert.equal(socketDirection({ ...base, localPort: 22, remoteIp: '10.77.0.2', remotePort: 50000, state: 'ESTABLISHED' }, listening, [32768, 60999]), 'in');
  assert.equal(socketDirection({ ...base, localPort: 45000, remoteIp: '10.77.0.2', remotePort: 443, state: 'ESTABLISHED' }, listening, [32768, 60999]), 'out');
  assert.equal(socketDirection({ ...base, localPort: 1000, remoteIp: '10.77.0.2', remotePort: 443, state: 'ESTABLISHED' }, listening, [32768, 60999]), 'unknown');
});

test('procnet reports a real loopback listener, client and accepted socket as this process, then their going', { skip: !existsSync('/proc/net/tcp') && 'no /proc/net/tcp (not Linux)' }, async (t) => {
  const server: Server = createServer();
  const accepted: Socket[] = [];
  server.on('connection', (s) => accepted.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', r));
  const clientPort = client.localPort!;
  t.after(() => { client.destroy(); for (const s of accepted) s.destroy(); server.close(); });

  const svc = testServices();
  const input = procnet.create(pluginContext(svc, 'procnet', 'procnet'), procnet.schema.parse({ interval: '20ms', tables: ['tcp', 'tcp6'] }));
  const mine = (ev: VigilEvent) => ev.dst?.port === port || ev.src?.port === port;
  const seen: VigilEvent[] = [];
  let wake: (() => void) | null = null;
  /** Waits for events until `pred` holds: each wait ends on the next matching event, and the whole wait is bounded. */
  const until = async (pred: () => boolean, what: string) => {
    const deadline = Date.now() + WAIT_MS;
    for (let i = 0; !pred(); i++) {
      if (i >= 10_000 || Date.now() > deadline) assert.fail(`${what} not seen within ${WAIT_MS} ms; saw ${JSON.stringify(seen.map((e) => e.sock))}`);
      await within(new Promise<void>((r) => { wake = r; }), Math.max(1, deadline - Date.now()), what).catch(() => undefined);
    }
  };
  const running = input.start((ev) => { if (mine(ev)) { seen.push(ev); wake?.(); } });
  try {
    await until(() => seen.filter((e) => e.sock?.change === 'appeared').length >= 3, 'the listener, client and accepted socket');
    const appeared = seen.filter((e) => e.sock?.change === 'appeared');
    const exe = realpathSync(process.execPath);
    for (const ev of appeared) {
      assert.equal(ev.kind, 'socket');
      assert.equal(ev.input, 'procnet');
      assert.equal(ev.proto, 'tcp');
      assert.equal(ev.proc?.pid, process.pid);
      assert.equal(ev.proc?.exe, exe);
      assert.equal(ev.sock?.uid, process.getuid!());
      assert.ok(ev.sock!.inode! > 0);
    }
    const listener = appeared.find((e) => e.sock?.state === 'LISTEN')!;
    assert.deepEqual([listener.src, listener.dst, listener.sock?.direction], [undefined, { ip: '127.0.0.1', port }, 'in']);
    const out = appeared.find((e) => e.sock?.direction === 'out')!;
    assert.deepEqual([out.src, out.dst, out.sock?.state], [{ ip: '127.0.0.1', port: clientPort }, { ip: '127.0.0.1', port }, 'ESTABLISHED']);
    const inbound = appeared.find((e) => e.sock?.state === 'ESTABLISHED' && e.sock?.direction === 'in')!;
    assert.deepEqual([inbound.src, inbound.dst], [{ ip: '127.0.0.1', port: clientPort }, { ip: '127.0.0.1', port }]);

    server.close();
    client.destroy();
    for (const s of accepted) s.destroy();
    await until(() => seen.some((e) => e.sock?.change === 'gone' && e.sock?.state === 'LISTEN'), 'the listener going');
    const gone = seen.find((e) => e.sock?.change === 'gone' && e.sock?.state === 'LISTEN')!;
    assert.equal(gone.proc?.pid, process.pid);
    assert.ok(svc.metrics.value('vigil_procnet_polls_total')! >= 2);
  } finally {
    await input.stop();
    await input.stop();
    await within(running, WAIT_MS, 'procnet ending after stop');
  }
});

test('procnet reads the IPv6 table: a listener on ::1 is reported with its address and this process', { skip: !existsSync('/proc/net/tcp6') && 'no /proc/net/tcp6 (IPv6 disabled)' }, async (t) => {
  const server = createServer();
  try { await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '::1', resolve); }); } catch (e) {
    t.skip(`cannot listen on ::1 (${(e as NodeJS.ErrnoException).code})`);
    return;
  }
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const svc = testServices();
  const input = procnet.create(pluginContext(svc, 'procnet', 'procnet'), procnet.schema.parse({ interval: '1h', tables: ['tcp6'] }));
  const seen: VigilEvent[] = [];
  let done: () => void = () => {};
  const found = new Promise<void>((r) => { done = r; });
  const running = input.start((ev) => { if (ev.dst?.port === port) { seen.push(ev); done(); } });
  try {
    await within(Promise.race([found, running]), WAIT_MS, `the ::1 listener on port ${port}`);
    assert.equal(seen.length, 1);
    assert.deepEqual([seen[0].dst, seen[0].ip?.version, seen[0].sock?.state, seen[0].proc?.pid], [{ ip: '::1', port }, 6, 'LISTEN', process.pid]);
  } finally {
    await input.stop();
    await within(running, WAIT_MS, 'procnet ending after stop');
  }
});
