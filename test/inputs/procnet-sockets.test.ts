import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import procnet, { procnetInstance } from '../../src/plugins/inputs/procnet.ts';
import { parseNetTable } from '../../src/core/procfs/net-table.ts';
import { liveEphemeralRange } from '../../src/core/host-live.ts';
import { emptyHostFacts } from '../../src/core/host.ts';
import { pluginContext } from '../../src/core/plugins/context.ts';
import type { VigilEvent } from '../../src/core/plugin-api.ts';
import { testServices } from '../plugins/harness.ts';

/** Longest wait for a condition on the live socket table: a failure guard, never a synchronisation. */
const WAIT_MS = 10_000;
const skip = !existsSync('/proc/net/tcp') && 'no /proc/net/tcp (not Linux)';

/** Polls `pred` until it holds, failing after WAIT_MS with `what`. */
async function until(pred: () => boolean, what: string, seen: VigilEvent[]): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!pred()) {
    if (Date.now() > deadline) assert.fail(`${what} not within ${WAIT_MS} ms; saw ${JSON.stringify(seen.map((e) => [e.sock, e.src, e.dst]))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
  return (server.address() as { port: number }).port;
}

/** A procnet input on the tcp table, polling fast, with this host's real ephemeral range. */
function start(extra: Record<string, unknown>, keep: (ev: VigilEvent) => boolean) {
  const svc = testServices(emptyHostFacts({ ephemeral: liveEphemeralRange() }));
  const input = procnet.create(pluginContext(svc, 'procnet', 'procnet'), procnet.schema.parse({ interval: '20ms', tables: ['tcp'], ...extra }));
  const seen: VigilEvent[] = [];
  const running = input.start((ev) => { if (keep(ev)) seen.push(ev); });
  const stop = async () => { await input.stop(); await running; };
  const polls = () => svc.metrics.value('vigil_procnet_polls_total') ?? 0;
  return { seen, stop, polls };
}

test('with listening: false, an accepted connection is still inbound (peer is src), though the listener is not reported', { skip }, async (t) => {
  const server = createServer();
  const accepted: Socket[] = [];
  server.on('connection', (s) => accepted.push(s));
  // Port 0: the kernel picks from the ephemeral range, where only the listener tells a server from a client.
  const port = await listen(server);
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', r));
  t.after(() => { client.destroy(); for (const s of accepted) s.destroy(); server.close(); });
  const p = start({ listening: false }, (ev) => ev.src?.port === port || ev.dst?.port === port);
  try {
    await until(() => p.seen.length >= 2, 'client and accepted socket', p.seen);
    assert.equal(p.seen.some((e) => e.sock?.state === 'LISTEN'), false);
    const inbound = p.seen.find((e) => e.dst?.port === port && e.sock?.direction === 'in');
    const outbound = p.seen.find((e) => e.src?.port === client.localPort && e.sock?.direction === 'out');
    assert.ok(inbound, 'the accepted socket, inbound to the listening port');
    assert.deepEqual(inbound.src, { ip: '127.0.0.1', port: client.localPort });
    assert.ok(outbound, 'the client socket, outbound');
  } finally { await p.stop(); }
});

test('a listener closed and replaced on the same port between two polls is reported gone, and the new one appeared', { skip }, async (t) => {
  const first = createServer();
  const port = await listen(first);
  const p = start({}, (ev) => ev.dst?.port === port && ev.sock?.state === 'LISTEN');
  const second = createServer();
  t.after(() => { first.close(); second.close(); });
  try {
    await until(() => p.seen.length >= 1, 'the first listener', p.seen);
    const firstInode = p.seen[0].sock!.inode;
    // Same tick: no poll can see the port free in between.
    first.close();
    const bound = listen(second, port);
    await bound;
    await until(() => p.seen.some((e) => e.sock?.change === 'appeared' && e.sock.inode !== firstInode), 'the second listener appearing', p.seen);
    const gone = p.seen.filter((e) => e.sock?.change === 'gone');
    assert.deepEqual(gone.map((e) => e.sock?.inode), [firstInode]);
    assert.equal(p.seen.filter((e) => e.sock?.change === 'appeared').length, 2);
  } finally { await p.stop(); }
});

test('a closed socket lingering in FIN_WAIT2 (inode 0 in the table) goes with the inode and uid it appeared with', { skip }, async (t) => {
  // Half-open server side: the accepted socket does not answer the client's FIN, so the client lingers in FIN_WAIT2.
  const server = createServer({ allowHalfOpen: true });
  const accepted: Socket[] = [];
  server.on('connection', (s) => accepted.push(s));
  const port = await listen(server);
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', r));
  const clientPort = client.localPort!;
  t.after(() => { client.destroy(); for (const s of accepted) s.destroy(); server.close(); });
  const p = start({}, (ev) => ev.src?.port === clientPort && ev.sock?.direction === 'out');
  const clientRow = () => parseNetTable('tcp', readFileSync('/proc/net/tcp', 'latin1')).rows.find((r) => r.localPort === clientPort && r.remotePort === port);
  try {
    await until(() => p.seen.length >= 1, 'the client socket', p.seen);
    const appeared = p.seen[0].sock!;
    assert.ok(appeared.inode! > 0);
    client.destroy();
    await until(() => clientRow()?.state === 'FIN_WAIT2' && clientRow()?.inode === 0, 'the client in FIN_WAIT2 with inode 0', p.seen);
    const after = p.polls();
    await until(() => p.polls() >= after + 2, 'two polls of the lingering socket', p.seen);
    // A reset from the server ends the lingering socket at once.
    await until(() => accepted.length === 1, 'the accepted socket', p.seen);
    accepted[0].resetAndDestroy();
    await until(() => p.seen.some((e) => e.sock?.change === 'gone'), 'the client socket going', p.seen);
    const gone = p.seen.find((e) => e.sock?.change === 'gone')!;
    assert.deepEqual([gone.sock?.inode, gone.sock?.uid, gone.proc?.pid], [appeared.inode, appeared.uid, process.pid]);
  } finally { await p.stop(); }
});

test('past max_sockets, the untracked gauge holds how many the last poll skipped, not a sum over polls', { skip }, async (t) => {
  const servers = [createServer(), createServer(), createServer()];
  for (const s of servers) await listen(s);
  t.after(() => { for (const s of servers) s.close(); });
  const svc = testServices(emptyHostFacts({ ephemeral: liveEphemeralRange() }));
  const input = procnet.create(pluginContext(svc, 'procnet', 'procnet'), procnet.schema.parse({ interval: '20ms', tables: ['tcp'], max_sockets: 1 }));
  const running = input.start(() => {});
  try {
    const deadline = Date.now() + WAIT_MS;
    while ((svc.metrics.value('vigil_procnet_polls_total') ?? 0) < 20) {
      if (Date.now() > deadline) assert.fail('20 polls did not happen');
      await new Promise((r) => setTimeout(r, 10));
    }
    const untracked = svc.metrics.value('vigil_procnet_untracked') ?? -1;
    const rows = parseNetTable('tcp', readFileSync('/proc/net/tcp', 'latin1')).rows.length;
    assert.ok(untracked >= 2, `three listeners and room for one: at least 2 untracked, got ${untracked}`);
    // Twenty polls of the same sockets: a sum would be twenty times the table.
    assert.ok(untracked <= rows + 10, `${untracked} untracked, the table has ${rows} rows`);
  } finally { await input.stop(); await running; }
});

test('a socket missing from one read of the table and back in the next is not reported gone; missing from two, it is gone once', async () => {
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  // 10.77.0.1:22 <- 10.77.0.9:40000, established, inode 4242 (addresses little-endian hex, as the kernel writes them).
  const row = '   0: 01004D0A:0016 09004D0A:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0';
  const reads = [[row], [], [row], [], [], []].map((rows) => [header, ...rows].join('\n') + '\n');
  let n = 0;
  const svc = testServices(emptyHostFacts({ addresses: new Set(['10.77.0.1']), listening: { tcp: new Set([22]), udp: new Set() } }));
  const input = procnetInstance(pluginContext(svc, 'procnet', 'procnet'), procnet.schema.parse({ interval: '10ms', tables: ['tcp'], attribute: false }),
    async () => reads[Math.min(n++, reads.length - 1)]);
  const seen: string[] = [];
  const running = input.start((ev) => { if (ev.sock?.inode === 4242) seen.push(String(ev.sock.change)); });
  try {
    const deadline = Date.now() + WAIT_MS;
    while (n < reads.length + 1) {
      if (Date.now() > deadline) assert.fail(`only ${n} reads`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally { await input.stop(); await running; }
  assert.deepEqual(seen, ['appeared', 'gone']);
});
