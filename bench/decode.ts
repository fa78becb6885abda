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
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { readCaptureFile } from '../src/core/decode/capture-file.ts';
import { PacketDecoder } from '../src/core/decode/decoder.ts';
import { writeMixedPcap } from './lib/synth.ts';

const HERE = import.meta.dirname;
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};

if (args[0] === '--worker') await worker(args[1], args[2] === 'read-only');
else await main();

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
  process.stdout.write(JSON.stringify({ packets: s.packets, events, ms, cpuMs: (c.user + c.system) / 1000, sink, stats: d.stats.snapshot() }) + '\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timeCommand(cmd: string, argv: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${String(r.stderr)}`);
  return ms;
}

function runWorker(file: string, mode: 'decode' | 'read-only'): { packets: number; events: number; ms: number; stats: unknown } {
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
  const mb = statSync(file).size / 1e6;
  const haveTcpdump = spawnSync('tcpdump', ['--version']).status === 0;
  const ours: number[] = [], readOnly: number[] = [], floor: number[] = [], text: number[] = [];
  let stats: unknown = null, events = 0;
  for (let i = 0; i < runs; i++) {
    const w = runWorker(file, 'decode');
    if (w.packets !== packets) throw new Error(`read ${w.packets} packets, expected ${packets}`);
    ours.push(w.ms); stats = w.stats; events = w.events;
    readOnly.push(runWorker(file, 'read-only').ms);
    if (haveTcpdump) {
      floor.push(timeCommand('tcpdump', ['-r', file, '-w', '/dev/null']));
      if (i < textRuns) text.push(timeCommand('tcpdump', ['-nn', '-r', file]));
    }
    console.log(`run ${i + 1}/${runs}: vigil ${ours[i].toFixed(0)} ms, read-only ${readOnly[i].toFixed(0)} ms${haveTcpdump ? `, tcpdump -w ${floor[i].toFixed(0)} ms${i < textRuns ? `, tcpdump -nn ${text[i].toFixed(0)} ms` : ''}` : ''}`);
  }
  const pps = (ms: number) => packets / (ms / 1000);
  const oursPps = pps(median(ours));
  const rows: [string, string, number[]][] = [
    ['vigil read + decode (`readCaptureFile` + `PacketDecoder`)', `node --import tsx bench/decode.ts`, ours],
    ['vigil read only (`readCaptureFile`, no decode)', 'same, worker mode read-only', readOnly],
  ];
  if (haveTcpdump) {
    rows.push(['libpcap bare read (floor)', `tcpdump -r FILE -w /dev/null`, floor]);
    rows.push(['tcpdump text decode', `tcpdump -nn -r FILE > /dev/null`, text]);
  }
  const cpu = cpus()[0]?.model ?? 'unknown';
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim();
  const tcpdumpVersion = haveTcpdump ? spawnSync('tcpdump', ['--version'], { encoding: 'utf8' }).stdout.split('\n').slice(0, 2).join(', ') : 'not installed';
  const lines = [
    `## decode — read + decode a ${packets.toLocaleString('en-US')}-packet capture`,
    '',
    `Command: \`node --import tsx bench/decode.ts --packets ${packets} --runs ${runs} --text-runs ${textRuns}\``,
    `Workload: \`bench/out/mixed-${packets}-seed1.pcap\` (${mb.toFixed(1)} MB, written by \`bench/lib/synth.ts\` with seed 1: TCP sessions, DNS-like UDP, ICMP echo, 8 % IPv6, 2 % ARP), ${events.toLocaleString('en-US')} packets decode to events.`,
    `Machine: ${nproc} cores, ${cpu}, Node ${process.version}, ${tcpdumpVersion}. Measured ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| what | median ms | packets/s | runs (ms) |',
    '| --- | ---: | ---: | --- |',
    ...rows.map(([what, , xs]) => `| ${what} | ${median(xs).toFixed(0)} | ${(pps(median(xs)) / 1e6).toFixed(2)} M | ${xs.map((x) => x.toFixed(0)).join(', ')} |`),
    '',
  ];
  if (haveTcpdump) {
    const f = pps(median(floor)), t = pps(median(text));
    lines.push(`Ratios (same run): vigil read + decode = **${(100 * oursPps / f).toFixed(0)} %** of libpcap's bare read (target ≥ 30 %), **${(oursPps / t).toFixed(0)}×** tcpdump's text decode. Target ≥ 2.0 M packets/s: ${oursPps >= 2e6 ? 'met' : 'NOT met'} (${(oursPps / 1e6).toFixed(2)} M).`);
  } else {
    lines.push(`tcpdump is not installed, so there is no reference ratio in this run. vigil: ${(oursPps / 1e6).toFixed(2)} M packets/s.`);
  }
  lines.push('', `Decoder counts on the last run: \`${JSON.stringify(stats)}\``, '');
  const section = lines.join('\n');
  console.log('\n' + section);
  if (!args.includes('--no-write')) writeSection('decode', section);
}

/** Replaces (or appends) this bench's section of bench/RESULTS.md. */
export function writeSection(name: string, body: string): void {
  const path = join(HERE, 'RESULTS.md');
  const start = `<!-- bench:${name} -->`, end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${body.trimEnd()}\n${end}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n\nEach section is written by its bench script; see the command in it to reproduce.\n';
  const a = text.indexOf(start), b = text.indexOf(end);
  text = a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
