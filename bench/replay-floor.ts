/**
 * bench replay-floor: how fast can the replay bench's workload go at all on
 * this machine, in JavaScript? The replay bench's 1,000,000-packet capture,
 * read and decoded by the same compiled code, then both packs' rules
 * written by hand over plain Maps (bench/lib/replay-floor-worker.mjs says
 * what it leaves out). Beside it, in the same run and interleaved, the
 * pipeline the replay bench measures (bench/lib/replay-worker.mjs). Each
 * worker replays the capture 3 times in one process: the first pass is the
 * cold one (a fresh process, as the replay bench's main row), the third the
 * warm one.
 *
 *   node --import tsx bench/replay-floor.ts [--runs 5]   (or: npm run bench -- replay-floor)
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { distIsFresh } from '../scripts/dist-fresh.mjs';
import { HOSTS, mixedCapture, WORKER } from './lib/replay-setup.ts';
import { writeSection } from './lib/results.ts';

const ROOT = join(import.meta.dirname, '..');
const FLOOR_WORKER = join(import.meta.dirname, 'lib', 'replay-floor-worker.mjs');
const RULES = [join(ROOT, 'rules', 'portscan'), join(ROOT, 'rules', 'scanlogd'), join(ROOT, 'bench', 'sec', 'site')];
const PACKETS = 1_000_000;
const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 5;

if (!distIsFresh(ROOT)) {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--strict'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !distIsFresh(ROOT)) throw new Error('building dist/ failed (see above); the workers run the compiled build');
}

interface Passes { packets: number; hits: number; passes: { ms: number; cpuMs: number }[] }

function run(worker: string, extra: readonly string[]): Passes {
  const r = spawnSync(process.execPath, [worker, '--passes', '3', file, JSON.stringify(HOSTS), ...extra], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${worker} failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as Passes;
  if (out.packets !== PACKETS) throw new Error(`${worker} read ${out.packets} packets, not ${PACKETS}`);
  return out;
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const rate = (cpuMs: number): string => `${(PACKETS / cpuMs).toFixed(0)} k`;

const { file } = mixedCapture(PACKETS);
const load0 = loadavg()[0];
const cold = { floor: [] as number[], vigil: [] as number[] }, warm = { floor: [] as number[], vigil: [] as number[] };
let floorHits = 0;
for (let r = 0; r < RUNS; r++) {
  const f = run(FLOOR_WORKER, []);
  const v = run(WORKER, RULES);
  floorHits = f.hits;
  cold.floor.push(f.passes[0].cpuMs); warm.floor.push(f.passes[2].cpuMs);
  cold.vigil.push(v.passes[0].cpuMs); warm.vigil.push(v.passes[2].cpuMs);
  console.log(`run ${r + 1}: floor cold ${f.passes[0].cpuMs.toFixed(0)} ms, warm ${f.passes[2].cpuMs.toFixed(0)} ms; vigil cold ${v.passes[0].cpuMs.toFixed(0)} ms, warm ${v.passes[2].cpuMs.toFixed(0)} ms (CPU)`);
}
const fc = median(cold.floor), fw = median(warm.floor), vc = median(cold.vigil), vw = median(warm.vigil);
const section = [
  '<!-- bench:replay-floor -->',
  '## replay-floor — the replay bench\'s workload with the packs written by hand, as a ceiling',
  '',
  `Command: \`node --import tsx bench/replay-floor.ts\` (also \`npm run bench -- replay-floor\`). Measured ${new Date().toISOString().slice(0, 10)}.`,
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average (1 min) at start ${load0.toFixed(1)}.`,
  `Workload: the replay bench's ${PACKETS.toLocaleString('en-US')}-packet capture, read and decoded by the same compiled code (dist/), then portscan and scanlogd (hot port 2323)`,
  'written by hand as plain code over `Map`s (bench/lib/replay-floor-worker.mjs), each rule with its own state keyed as the rule keys it. It leaves out bounds and eviction,',
  'late events, suppression windows and re-arming, most collected values, hit rendering, actions, contexts and the rule loader: a ceiling for an engine of site-written rules here.',
  `Beside it, interleaved, the replay bench's pipeline (bench/lib/replay-worker.mjs: the packs from YAML). Each worker replays the capture 3 times in one process; median of ${RUNS} runs, CPU time.`,
  '',
  '| what | cold (first pass) | packets / CPU s | warm (third pass) | packets / CPU s |',
  '| --- | ---: | ---: | ---: | ---: |',
  `| hand-written packs (floor) | ${fc.toFixed(0)} ms | ${rate(fc)} | ${fw.toFixed(0)} ms | ${rate(fw)} |`,
  `| vigil pipeline, packs from YAML | ${vc.toFixed(0)} ms | ${rate(vc)} | ${vw.toFixed(0)} ms | ${rate(vw)} |`,
  `| vigil ÷ floor | ${(fc / vc).toFixed(2)} | | ${(fw / vw).toFixed(2)} | |`,
  '',
  `The floor counted ${floorHits.toLocaleString('en-US')} would-be hits (it does not go quiet after a hit as the packs do). The replay target, 1,000,000 packets per second,`,
  `is ${(1e6 / (PACKETS / fc * 1000)).toFixed(2)}× what the hand-written floor reaches cold and ${(1e6 / (PACKETS / fw * 1000)).toFixed(2)}× warm.`,
  '<!-- /bench:replay-floor -->',
].join('\n');
writeSection('replay-floor', section);
console.log(section);
