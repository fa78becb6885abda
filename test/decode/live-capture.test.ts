/**
 * Real bytes from the kernel: packets sent between two network namespaces
 * made by this test, captured by tcpdump as NFLOG records (linktype 239,
 * via an iptables NFLOG rule with a prefix) and as Linux cooked v2 frames
 * (`-i any -y LINUX_SLL2`), then read and decoded. Needs root, ip, iptables,
 * tcpdump and socat; skips with the reason otherwise. Traffic stays between
 * the test's namespaces (10.77.231.0/24). tcpdump stops by itself after the
 * expected count (-c), so nothing waits on a timer except a failure guard.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureFile } from '../../src/core/decode/capture-file.ts';
import { PacketDecoder } from '../../src/core/decode/decoder.ts';
import type { VigilEvent } from '../../src/core/plugin-api.ts';

const A = `vgdA${process.pid}`, B = `vgdB${process.pid}`;
const IP_A = '10.77.231.1', IP_B = '10.77.231.2';
const PROBES = 3;

function missing(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  for (const tool of ['ip', 'iptables', 'tcpdump', 'socat']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return null;
}

function run(argv: string[]): void {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
}

/**
 * Starts tcpdump in namespace B, recorded in `started` at once (so `after` kills it whatever happens), and
 * resolves once it is listening; kills it and rejects if it is not listening within `ms`.
 */
function startTcpdump(argv: string[], started: ChildProcess[], ms = 20000): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn('ip', ['netns', 'exec', B, 'tcpdump', '-U', ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    started.push(p);
    let err = '';
    const guard = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`tcpdump was not listening within ${ms} ms: ${err}`)); }, ms);
    p.stderr!.on('data', (d: Buffer) => {
      err += String(d);
      if (err.includes('listening on')) { clearTimeout(guard); resolve(p); }
    });
    p.on('exit', (code) => { clearTimeout(guard); reject(new Error(`tcpdump exited (${code}) before listening: ${err}`)); });
  });
}

/** Resolves when the process exits; kills it and rejects if that takes longer than `ms`. */
function exited(p: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (p.exitCode !== null || p.signalCode !== null) { resolve(); return; }
    const guard = setTimeout(() => { p.kill('SIGKILL'); reject(new Error('tcpdump did not see the expected packets in time')); }, ms);
    p.on('exit', () => { clearTimeout(guard); resolve(); });
  });
}

async function decodeFile(path: string): Promise<VigilEvent[]> {
  const d = new PacketDecoder({ input: 'live' });
  const out: VigilEvent[] = [];
  await readCaptureFile(path, (p) => {
    const ev = d.decodeAt(p.linktype, p.buf, p.offset, p.caplen, p.origLen, p.tsMs, p.iface);
    if (ev) out.push(structuredClone(ev));
  });
  return out;
}

const reason = missing();

describe('decoding packets captured from the kernel', { skip: reason ?? false }, () => {
  let dir = '';
  const started: ChildProcess[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-live-'));
    run(['ip', 'netns', 'add', A]);
    run(['ip', 'netns', 'add', B]);
    run(['ip', 'link', 'add', 'vgd0', 'netns', A, 'type', 'veth', 'peer', 'name', 'vgd1', 'netns', B]);
    run(['ip', '-n', A, 'addr', 'add', `${IP_A}/24`, 'dev', 'vgd0']);
    run(['ip', '-n', B, 'addr', 'add', `${IP_B}/24`, 'dev', 'vgd1']);
    for (const ns of [A, B]) {
      run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      run(['ip', '-n', ns, 'link', 'set', ns === A ? 'vgd0' : 'vgd1', 'up']);
    }
    run(['ip', 'netns', 'exec', B, 'iptables', '-A', 'INPUT', '-p', 'udp', '--dport', '9', '-j', 'NFLOG', '--nflog-group', '7', '--nflog-prefix', 'vigil-test', '--nflog-threshold', '1']);
  });

  after(() => {
    for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', A]);
    spawnSync('ip', ['netns', 'del', B]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads NFLOG records (prefix, addresses, ports) and cooked-v2 frames of the same probes', async () => {
    const nflogFile = join(dir, 'nflog.pcap'), anyFile = join(dir, 'any.pcap');
    const nf = await startTcpdump(['-i', 'nflog:7', '-c', String(PROBES), '-w', nflogFile], started);
    const any = await startTcpdump(['-i', 'any', '-y', 'LINUX_SLL2', '-c', String(PROBES), '-w', anyFile, 'udp', 'and', 'dst', 'port', '9'], started);
    for (let i = 0; i < PROBES; i++) {
      const r = spawnSync('ip', ['netns', 'exec', A, 'socat', '-u', 'STDIN', `UDP:${IP_B}:9,sourceport=4000${i}`], { input: `probe ${i}\n`, timeout: 10000 });
      assert.equal(r.status, 0, String(r.stderr));
    }
    await Promise.all([exited(nf, 20000), exited(any, 20000)]);

    const logged = await decodeFile(nflogFile);
    assert.equal(logged.length, PROBES);
    logged.forEach((ev, i) => {
      assert.equal(ev.prefix, 'vigil-test');
      assert.equal(ev.proto, 'udp');
      assert.deepEqual(ev.src, { ip: IP_A, port: 40000 + i });
      assert.deepEqual(ev.dst, { ip: IP_B, port: 9 });
      assert.equal(ev.payload_len, `probe ${i}\n`.length);
      assert.ok(ev.ts > Date.UTC(2020, 0, 1), 'a kernel timestamp');
    });

    const seen = await decodeFile(anyFile);
    assert.equal(seen.length, PROBES);
    assert.equal(seen[0].iface, undefined, 'pcap files carry no interface name');
    assert.deepEqual(seen.map((e) => e.src?.port), [40000, 40001, 40002]);
    assert.ok(seen.every((e) => e.dst?.ip === IP_B && e.udp?.len === 8 + 'probe 0\n'.length));
  });
});
