/**
 * bench/decode: read + decode a 1,000,000-packet mixed capture on one core,
 * beside libpcap's bare read (`tcpdump -r F -w /dev/null`, the floor) and
 * tcpdump's text decode (`tcpdump -nn -r F`), all on the same file in the
 * same run, each the median of several runs, interleaved so drift hits all
 * three alike. Writes its section of bench/RESULTS.md.
 *
 *   node --import tsx bench/decode.ts [--packets 1000000] [--runs 5] [--text-runs 5] [--no-write]
 *
 * Our runs happen in a fresh child process each (like tcpdump's) and time
 * the read+decode loop from inside, so Node and tsx start-up is excluded;
 * tcpdump is timed as a whole process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { readCaptureFile } from '../src/core/decode/capture-file.ts';
import { PacketDecoder } from '../src/core/decode/decoder.ts';
import { PcapngWriter } from './lib/pcap-writer.ts';
import { writeMixedPcap } from './lib/synth.ts';
import { markedSection, writeSection } from './lib/results.ts';

const HERE = import.meta.dirname;
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};


/** One timed pass in this process; prints JSON for the parent. */
async function worker(file: string, readOnly: boolean): Promise<void> {
  const d = new PacketDecoder({ input: 'bench' });
  let events = 0, sink = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const chunkSize = Number(process.env.VIGIL_BENCH_CHUNK ?? 0) || undefined;
  const s = await readCaptureFile(file, readOnly
    ? (p) => { sink += p.caplen; }
    : (p) => {
      const ev = d.decodeAt(p.linktype, p.buf, p.offset, p.caplen, p.origLen, p.tsMs, p.iface);
      // Touch fields a rule would read, so nothing is optimised away.
      if (ev !== null) { events++; sink += ev.dst.port + ev.src.ip.length; }
    }, { chunkSize });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ packets: s.packets, events, ms, cpuMs: (c.user + c.system) / 1000, maxRssMb, sink, stats: d.stats.snapshot() }) + '\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Wall ms of a whole command, and its CPU ms (user + system) when GNU time is there to tell. */
function timeCommand(cmd: string, argv: string[]): { ms: number; cpuMs: number } {
  const t0 = process.hrtime.bigint();
  const r = GNU_TIME
    ? spawnSync(GNU_TIME, ['-f', 'VIGIL_CPU %U %S', cmd, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 })
    : spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  const m = /VIGIL_CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { ms, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

function runWorker(file: string, mode: 'decode' | 'read-only'): { packets: number; events: number; ms: number; cpuMs: number; maxRssMb: number; stats: unknown } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, 'decode.ts'), '--worker', file, mode], { encoding: 'utf8', cwd: join(HERE, '..') });
  if (r.status !== 0) throw new Error(`worker failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function main(): Promise<void> {
  const packets = opt('packets', 1_000_000);
  const runs = opt('runs', 5);
  const textRuns = opt('text-runs', runs);
  const outDir = join(HERE, 'out');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `mixed-${packets}-seed1.pcap`);
  if (!existsSync(file)) {
    const t0 = Date.now();
    writeMixedPcap(file, packets, { seed: 1 });
    console.log(`generated ${file} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const ngFile = file.replace(/\.pcap$/, '.pcapng');
  if (!existsSync(ngFile)) await toPcapng(file, ngFile);
  const mb = statSync(file).size / 1e6;
  const ngMb = statSync(ngFile).size / 1e6;
  const haveTcpdump = spawnSync('tcpdump', ['--version']).status === 0;
  type Run = { ms: number; cpuMs: number };
  const ours: Run[] = [], readOnly: Run[] = [], floor: Run[] = [], text: Run[] = [], oursNg: Run[] = [], floorNg: Run[] = [];
  let stats: unknown = null, events = 0, maxRssMb = 0;
  for (let i = 0; i < runs; i++) {
    const w = runWorker(file, 'decode');
    if (w.packets !== packets) throw new Error(`read ${w.packets} packets, expected ${packets}`);
    ours.push(w); stats = w.stats; events = w.events; maxRssMb = Math.max(maxRssMb, w.maxRssMb);
    readOnly.push(runWorker(file, 'read-only'));
    oursNg.push(runWorker(ngFile, 'decode'));
    if (haveTcpdump) {
      floor.push(timeCommand('tcpdump', ['-r', file, '-w', '/dev/null']));
      floorNg.push(timeCommand('tcpdump', ['-r', ngFile, '-w', '/dev/null']));
      if (i < textRuns) text.push(timeCommand('tcpdump', ['-nn', '-r', file]));
    }
    const show = (r: Run) => `${r.ms.toFixed(0)} ms (cpu ${r.cpuMs.toFixed(0)})`;
    console.log(`run ${i + 1}/${runs}: vigil ${show(ours[i])}, read-only ${show(readOnly[i])}${haveTcpdump ? `, tcpdump -w ${show(floor[i])}${i < textRuns ? `, tcpdump -nn ${show(text[i])}` : ''}` : ''}`);
  }
  const pps = (ms: number) => packets / (ms / 1000);
  const wall = (xs: Run[]) => median(xs.map((x) => x.ms));
  const cpu = (xs: Run[]) => median(xs.map((x) => x.cpuMs));
  const oursPps = pps(wall(ours));
  const oursCpuPps = pps(cpu(ours));
  const rows: [string, string, Run[]][] = [
    ['vigil read + decode (`readCaptureFile` + `PacketDecoder`)', `node --import tsx bench/decode.ts`, ours],
    ['vigil read only (`readCaptureFile`, no decode)', 'same, worker mode read-only', readOnly],
    ['vigil read + decode, same packets as pcapng', 'same, on the .pcapng copy', oursNg],
  ];
  if (haveTcpdump) {
    rows.push(['libpcap bare read (floor)', `tcpdump -r FILE -w /dev/null`, floor]);
    rows.push(['libpcap bare read of the pcapng copy', `tcpdump -r FILE.pcapng -w /dev/null`, floorNg]);
    if (text.length) rows.push(['tcpdump text decode', `tcpdump -nn -r FILE > /dev/null`, text]);
  }
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  const load = loadavg().map((x) => x.toFixed(1)).join(' ');
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim();
  const tcpdumpVersion = haveTcpdump ? spawnSync('tcpdump', ['--version'], { encoding: 'utf8' }).stdout.split('\n').slice(0, 2).join(', ') : 'not installed';
  const lines = [
    `## decode — read + decode a ${packets.toLocaleString('en-US')}-packet capture`,
    '',
    `Command: \`node --import tsx bench/decode.ts --packets ${packets} --runs ${runs} --text-runs ${textRuns}\``,
    `Workload: \`bench/out/mixed-${packets}-seed1.pcap\` (${mb.toFixed(1)} MB; its pcapng copy ${ngMb.toFixed(1)} MB, written by \`bench/lib/synth.ts\` with seed 1: TCP sessions, DNS-like UDP, ICMP echo, 8 % IPv6, 2 % ARP), ${events.toLocaleString('en-US')} packets decode to events.`,
    `Machine: ${nproc} cores, ${cpuModel}, Node ${process.version}, ${tcpdumpVersion}. Measured ${new Date().toISOString().slice(0, 10)}; load average at the end ${load} (the machine is shared, so wall times drift; CPU time — user + system, from \`process.cpuUsage\` for vigil and GNU time for tcpdump — drifts less).`,
    '',
    '| what | median wall ms | packets/s (wall) | median CPU ms | packets/s (CPU) | runs, wall ms |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(([what, , xs]) => `| ${what} | ${wall(xs).toFixed(0)} | ${(pps(wall(xs)) / 1e6).toFixed(2)} M | ${cpu(xs).toFixed(0)} | ${(pps(cpu(xs)) / 1e6).toFixed(2)} M | ${xs.map((x) => x.ms.toFixed(0)).join(', ')} |`),
    '',
  ];
  if (haveTcpdump) {
    const f = pps(wall(floor)), fc = pps(cpu(floor));
    const vsText = (ours: number, xs: number[]) => (text.length ? `, **${(ours / pps(median(xs))).toFixed(0)}×** tcpdump's text decode` : '');
    lines.push(`Ratios (same run), wall: vigil read + decode = **${(100 * oursPps / f).toFixed(0)} %** of libpcap's bare read (target ≥ 30 %)${vsText(oursPps, text.map((x) => x.ms))}; by CPU time: **${(100 * oursCpuPps / fc).toFixed(0)} %**${vsText(oursCpuPps, text.map((x) => x.cpuMs))}.`);
    lines.push('', `Target ≥ 2.0 M packets/s: ${oursPps >= 2e6 ? 'met' : 'not met'} by wall time (${(oursPps / 1e6).toFixed(2)} M), ${oursCpuPps >= 2e6 ? 'met' : 'not met'} by CPU time (${(oursCpuPps / 1e6).toFixed(2)} M packets per CPU-second).`);
  } else {
    lines.push(`tcpdump is not installed, so there is no reference ratio in this run. vigil: ${(oursPps / 1e6).toFixed(2)} M packets/s wall, ${(oursCpuPps / 1e6).toFixed(2)} M per CPU-second.`);
  }
  lines.push('', `Memory: the read + decode process peaked at ${maxRssMb.toFixed(0)} MB resident (Node and tsx included) while streaming the ${mb.toFixed(0)} MB file through one 4 MiB buffer.`);
  lines.push('', `Decoder counts on the last run: \`${JSON.stringify(stats)}\``, '');
  const section = lines.join('\n');
  console.log('\n' + section);
  if (!args.includes('--no-write')) writeSection('decode', markedSection('decode', section));
}

/** The same packets as a one-interface pcapng file (enhanced packet blocks), for the pcapng rows. */
async function toPcapng(from: string, to: string): Promise<void> {
  const w = new PcapngWriter(to, { linktype: 1, ifName: 'eth0' });
  try {
    await readCaptureFile(from, (p) => w.write(p.tsMs, p.buf.subarray(p.offset, p.offset + p.caplen), p.origLen));
  } finally {
    w.close();
  }
}


if (args[0] === '--worker') await worker(args[1], args[2] === 'read-only');
else await main();
