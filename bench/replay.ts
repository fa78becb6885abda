/**
 * bench/replay: both scan packs (portscan + scanlogd) over a 1,000,000-packet
 * mixed capture — normal clients from bench/lib/synth.ts plus hundreds of
 * scanners of every kind and spoofed one-off probes from
 * bench/lib/synth-scans.ts, fixed seed — on one core, beside libpcap's bare
 * read (`tcpdump -r F -w /dev/null`, the floor) and SEC running a
 * hand-written port-scan ruleset (bench/sec/portscan.sec) over
 * `tcpdump -nn -r` text lines, all in the same run. Then the flood case:
 * 1,000,000 spoofed single-probe sources and one real scanner, for peak
 * memory and for packets per CPU second against the mixed capture's.
 *
 *   node --import tsx bench/replay.ts [--packets 1000000] [--runs 5] [--sec-lines 20000] [--sec-runs 3] [--spoof 1000000] [--spoof-runs 3] [--no-write]
 *
 * vigil is measured two ways: a worker process (bench/lib/replay-worker.mjs)
 * running the same pipeline code as `vigil replay` (capture reader → decoder
 * → engine with the packs loaded by the rule loader) from the compiled dist/
 * build in plain node, as production runs it, timed from inside so Node
 * start-up is excluded; and the real CLI, `node bin/vigil.js replay FILE
 * --format json`, timed as a whole process. dist/ is rebuilt first
 * (scripts/build.mjs) when it is older than src/. tcpdump and SEC are timed
 * as whole processes. Every figure is the median of several runs,
 * interleaved so drift hits all alike. Writes its section of
 * bench/RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { distIsFresh as distIsFreshAt } from '../scripts/dist-fresh.mjs';
import { Synth } from './lib/synth.ts';
import { PcapWriter } from './lib/pcap-writer.ts';
import { expectedTags, scanFlow, scanPorts, spoofedProbe, type PlannedScanner } from './lib/synth-scans.ts';
import { HOST_ARGS, HOSTS, mixedCapture, OUT, SCANNERS, SEED, SPOOFED, TARGET4, TARGET6, WORKER } from './lib/replay-setup.ts';
import { writeSection } from './lib/results.ts';

const HERE = import.meta.dirname;
const ROOT = join(HERE, '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};

const RULES = [join(ROOT, 'rules', 'portscan'), join(ROOT, 'rules', 'scanlogd'), join(HERE, 'sec', 'site')];
/** Passes of the warm measurement: the last of these replays in one process is timed. */
const WARM_PASSES = 3;
/** The real scanner of the spoofed capture. */
const SPOOF_SCANNER = '10.77.250.1';

await main();

// ---------------------------------------------------------------- captures

/** One syn scan hidden among `total` SYNs from distinct spoofed sources (no normal traffic). */
function spoofCapture(total: number): string {
  const file = join(OUT, `replay-spoof-${total}-seed${SEED}.pcap`);
  if (existsSync(file)) return file;
  mkdirSync(OUT, { recursive: true });
  const w = new PcapWriter(file, { snaplen: 128 });
  const s = new Synth({ seed: SEED, meanGapMs: 0.02, sink: (ts, f) => w.write(ts, f) });
  let sent = 0;
  while (sent < total) {
    if (sent === Math.floor(total / 2)) {
      // The real scanner: 200 ports, its frames interleaved with the flood.
      s.add(scanFlow(s.rng, 'syn', '10.77.250.1', scanPorts(s.rng, 200), TARGET4));
    }
    const probe = spoofedProbe(s.rng, TARGET4.victim);
    s.now += s.rng.exp(0.02);
    s.emit(probe.next().value as Uint8Array);
    sent++;
    if (s.active) s.step();
  }
  while (s.step()) { /* the scanner's remaining frames */ }
  w.close();
  return file;
}

// ---------------------------------------------------------------- dist/

function distIsFresh(): boolean { return distIsFreshAt(ROOT); }

/** Builds dist/ when it is missing or older than src/, so the worker and the CLI both run the compiled code. */
function ensureBuilt(): void {
  if (distIsFresh()) return;
  console.log('dist/ is missing or older than src/: node scripts/build.mjs --strict');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--strict'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !distIsFresh()) throw new Error('building dist/ failed (see above); the bench measures the compiled build and cannot run without it');
}

// ---------------------------------------------------------------- parent

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Timed { ms: number; cpuMs: number; rssMb: number; out: string }

/** Runs a command under /usr/bin/time: wall time, CPU time (user + system) and peak RSS. */
function timed(cmd: string, argv: string[], stdout: 'ignore' | 'pipe' = 'ignore'): Timed {
  const r = spawnSync('/usr/bin/time', ['-f', 'VIGIL_TIME %e %U %S %M', cmd, ...argv], { cwd: ROOT, stdio: ['ignore', stdout, 'pipe'], maxBuffer: 1 << 28, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  const m = /VIGIL_TIME (\S+) (\S+) (\S+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no timing from /usr/bin/time: ${r.stderr.slice(-300)}`);
  return { ms: Number(m[1]) * 1000, cpuMs: (Number(m[2]) + Number(m[3])) * 1000, rssMb: Number(m[4]) / 1024, out: r.stdout ?? '' };
}

interface WorkerResult { packets: number; ms: number; cpuMs: number; hits: number; liveKeys: number; evictions: number; maxRssMb: number; accused: Record<string, string[]> }

function runWorker(file: string, nodeFlags: readonly string[] = [], passes = 1): WorkerResult {
  const r = timed(process.execPath, [...nodeFlags, WORKER, '--passes', String(passes), file, JSON.stringify(HOSTS), ...RULES], 'pipe');
  return { ...(JSON.parse(r.out) as WorkerResult), maxRssMb: r.rssMb };
}

/** Scanners named with every tag their kind must earn; normal clients accused. */
function check(plan: readonly PlannedScanner[], accused: Record<string, string[]>): { found: number; missing: string[]; others: number } {
  const missing: string[] = [];
  let found = 0;
  const planned = new Set(plan.map((p) => p.address));
  for (const p of plan) {
    const got = new Set(accused[p.address] ?? []);
    if (expectedTags(p, p.address.includes(':') ? TARGET6 : TARGET4).every((t) => got.has(t))) found++;
    else missing.push(`${p.address} (${p.kind}: got ${[...got].join(',') || 'nothing'})`);
  }
  // Spoofed one-off probes are single packets: none reaches any threshold.
  const others = Object.keys(accused).filter((a) => !planned.has(a)).length;
  return { found, missing, others };
}

async function main(): Promise<void> {
  const total = opt('packets', 1_000_000);
  const runs = opt('runs', 5);
  const secLines = opt('sec-lines', 20_000);
  const secRuns = opt('sec-runs', 3);
  const spoofRuns = opt('spoof-runs', 3);
  const loadAtStart = loadavg()[0];
  ensureBuilt();
  const t0 = Date.now();
  const { file, plan } = mixedCapture(total);
  const spoofN = opt('spoof', 1_000_000);
  const spoof = spoofCapture(spoofN);
  console.log(`captures ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${file}, ${spoof}`);

  const secInput = join(OUT, `replay-sec-${total}-${secLines}.txt`);
  if (!existsSync(secInput)) writeFileSync(secInput, timed('tcpdump', ['-nn', '-S', '-r', file, '-c', String(secLines)], 'pipe').out);

  const floor: Timed[] = [], pipe: WorkerResult[] = [], warm: WorkerResult[] = [], cli: Timed[] = [], sec: Timed[] = [];
  let cliHits = 0;
  for (let i = 0; i < runs; i++) {
    floor.push(timed('tcpdump', ['-r', file, '-w', '/dev/null']));
    pipe.push(runWorker(file));
    warm.push(runWorker(file, [], WARM_PASSES));
    const c = timed(process.execPath, ['bin/vigil.js', 'replay', file, '--format', 'json', '--no-progress', ...RULES.flatMap((r) => ['--rules', r]), ...HOST_ARGS], 'pipe');
    cli.push(c);
    cliHits = c.out.split('\n').filter(Boolean).length;
    if (i < secRuns) sec.push(timed('sec', [`--conf=${join(HERE, 'sec', 'portscan.sec')}`, `--input=${secInput}`, '--notail', '--log=/dev/null', '--debug=4']));
    console.log(`run ${i + 1}: floor ${floor[i].cpuMs.toFixed(0)} ms CPU, pipeline ${pipe[i].cpuMs.toFixed(0)} ms CPU (warm ${warm[i].cpuMs.toFixed(0)}), cli ${cli[i].cpuMs.toFixed(0)} ms CPU${i < secRuns ? `, sec ${sec[i].cpuMs.toFixed(0)} ms CPU` : ''}`);
  }
  const last = pipe[pipe.length - 1];
  const verdict = check(plan, last.accused);
  // The flood, with Node's default heap (as vigil is launched) and, for reference, with a small heap cap.
  const HEAP_CAP = 128;
  const mems: WorkerResult[] = [], capped: WorkerResult[] = [];
  for (let i = 0; i < spoofRuns; i++) {
    mems.push(runWorker(spoof));
    capped.push(runWorker(spoof, [`--max-old-space-size=${HEAP_CAP}`]));
    console.log(`spoof run ${i + 1}: default heap ${mems[i].maxRssMb.toFixed(0)} MB, ${mems[i].cpuMs.toFixed(0)} ms CPU; heap cap ${capped[i].maxRssMb.toFixed(0)} MB, ${capped[i].cpuMs.toFixed(0)} ms CPU`);
  }
  const reported = (w: WorkerResult) => (w.accused[SPOOF_SCANNER] ?? []).includes('MULTI_PORT');
  const memFound = mems.every(reported), cappedFound = capped.every(reported);
  const others = (w: WorkerResult) => Object.keys(w.accused).filter((a) => a !== SPOOF_SCANNER).length;
  const mem = mems[mems.length - 1];
  const memRss = median(mems.map((m) => m.maxRssMb)), memCpu = median(mems.map((m) => m.cpuMs));
  const cappedRss = median(capped.map((m) => m.maxRssMb)), cappedCpu = median(capped.map((m) => m.cpuMs));
  const stillFresh = distIsFresh();

  const rate = (ms: number, n = total) => n / (ms / 1000);
  const med = (xs: Timed[] | WorkerResult[], f: 'ms' | 'cpuMs') => median(xs.map((x) => x[f]));
  const floorR = rate(med(floor, 'cpuMs')), pipeR = rate(med(pipe, 'cpuMs')), warmR = rate(med(warm, 'cpuMs')), cliR = rate(med(cli, 'cpuMs')), secR = rate(med(sec, 'cpuMs'), secLines);
  const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0));
  const row = (what: string, xs: Timed[] | WorkerResult[], r: number) =>
    `| ${what} | ${med(xs, 'ms').toFixed(0)} ms | ${med(xs, 'cpuMs').toFixed(0)} ms | ${fmt(r)} | ${(r / floorR).toFixed(r / floorR < 0.01 ? 4 : 2)} |`;
  const size = (statSync(file).size / 1e6).toFixed(0);
  const lines = [
    '<!-- bench:replay -->',
    '## replay — both scan packs over a 1,000,000-packet mixed capture',
    '',
    `Command: \`node --import tsx bench/replay.ts --packets ${total} --runs ${runs} --sec-lines ${secLines} --sec-runs ${secRuns} --spoof ${spoofN} --spoof-runs ${spoofRuns}\` (also \`npm run bench -- replay\`).`,
    `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Load average (1 min) at the start: ${loadAtStart.toFixed(1)}, at the end: ${loadavg()[0].toFixed(1)} (a shared machine: rates are computed on CPU time, user + system, which other work disturbs far less than wall time). Measured ${new Date().toISOString().slice(0, 10)}.`,
    `Workload: ${total.toLocaleString('en')} packets (${size} MB, snaplen 128), seed ${SEED}: normal clients of bench/lib/synth.ts, ${SCANNERS} scanners`,
    `(syn, connect, FIN, XMAS, NULL, UDP, one-port hammer, hot port; a tenth over IPv6) and ${SPOOFED.toLocaleString('en')} spoofed one-off probes from bench/lib/synth-scans.ts.`,
    'Rules: rules/portscan + rules/scanlogd + bench/sec/site (hot_ports: [2323]); host facts: the synth servers as `--host`, their services as `--listen`.',
    `Median of ${runs} runs (SEC: ${secRuns}), interleaved; each on one core (vigil, tcpdump and SEC are single-threaded).`,
    'vigil pipeline = a worker process (bench/lib/replay-worker.mjs) running the code `vigil replay` runs (capture reader → decoder → engine, rules loaded by the rule loader) from the compiled dist/ build in plain `node`, as production runs it (and, like bin/vigil.js, with V8\'s allocation-site pretenuring turned off at start), timed from inside so Node start-up is excluded; vigil CLI = the real command, timed as a whole process (bin/vigil.js runs dist/ too). dist/ is rebuilt with scripts/build.mjs before the runs when it is older than src/' + (stillFresh ? '.' : '; **src/ changed during this run, so the CLI rows may have run the sources through tsx**.'),
    '',
    '| what | wall | CPU | packets (lines) / CPU s | vs floor |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('libpcap floor: `tcpdump -r F -w /dev/null`', floor, floorR),
    row('vigil pipeline, both packs', pipe, pipeR),
    row(`vigil pipeline, warm: pass ${WARM_PASSES} of ${WARM_PASSES} in one process`, warm, warmR),
    row('vigil CLI: `node bin/vigil.js replay F --format json …`', cli, cliR),
    row(`SEC 2.9 + bench/sec/portscan.sec over the first ${secLines.toLocaleString('en')} \`tcpdump -nn -S -r\` lines`, sec, secR),
    '',
    `vigil pipeline ÷ SEC: **${(pipeR / secR).toFixed(0)}×**; CLI ÷ SEC: **${(cliR / secR).toFixed(0)}×** (SEC runs on a ${secLines.toLocaleString('en')}-line prefix because it is slow, and without the cost of tcpdump's text decoding; its rate falls further as keys accumulate).`,
    `Warm: the worker replays the capture ${WARM_PASSES} times in one process (\`--passes ${WARM_PASSES}\`), each pass with a fresh engine, rules compiled again, and a fresh decoder; the row is the last pass. The first pass also pays for V8 compiling the hot code (on background threads, counted in CPU time) and running it unoptimised until then; a long-running vigil pays that once.`,
    `Targets: ≥ 1,000,000 packets/s and ≥ 15 % of the floor → pipeline ${fmt(pipeR)}/s, ${(100 * pipeR / floorR).toFixed(1)} % of the floor (warm: ${fmt(warmR)}/s, ${(100 * warmR / floorR).toFixed(1)} %); ≥ 100× SEC → ${(pipeR / secR).toFixed(0)}×.`,
    `Detection in the same run: ${verdict.found} of ${plan.length} scanners named with every tag their kind earns${verdict.missing.length ? ` (missing: ${verdict.missing.slice(0, 5).join('; ')})` : ''}; ${verdict.others} other addresses accused; ${last.hits.toLocaleString('en')} hits (the CLI printed ${cliHits.toLocaleString('en')}); ${last.evictions.toLocaleString('en')} evictions; the warm passes ${warm.every((w) => w.hits === last.hits && JSON.stringify(w.accused) === JSON.stringify(last.accused)) ? 'gave the same hits' : '**did not give the same hits**'}.`,
    '',
    `Memory and flood throughput: ${spoofN.toLocaleString('en')} SYNs from distinct spoofed sources with one 200-port syn scan (${SPOOF_SCANNER}) among them, both packs, same worker with Node's default heap settings (as vigil is launched), median of ${spoofRuns} runs: peak RSS **${memRss.toFixed(0)} MB** (target < 256 MB); the scanner ${memFound ? `**was** reported (MULTI_PORT) in every run` : '**was not** reported in every run'}, ${others(mem)} other addresses accused; ${mem.evictions.toLocaleString('en')} evictions, ${mem.liveKeys.toLocaleString('en')} live keys at the end;`,
    `${(memCpu / 1000).toFixed(1)} s CPU = **${fmt(rate(memCpu, mem.packets))} packets / CPU s**, ${(pipeR / rate(memCpu, mem.packets)).toFixed(2)}× slower than the mixed capture above (target: within 2×).`,
    `For reference, the same with \`node --max-old-space-size=${HEAP_CAP}\`: peak RSS ${cappedRss.toFixed(0)} MB, the scanner ${cappedFound ? 'reported in every run' : '**not** reported in every run'}, ${(cappedCpu / 1000).toFixed(1)} s CPU.`,
    'Launch settings: vigil sets no heap size anywhere; bin/vigil.js (which `npm start`, the `vigil` bin and the systemd unit of docs/operations.md all run) turns V8\'s allocation-site pretenuring off at start, and so does the worker; the spoof-memory section shows what that changes.',
    '<!-- /bench:replay -->',
  ];
  const section = lines.join('\n');
  console.log(section);
  if (!args.includes('--no-write')) writeSection('replay', section);
}
