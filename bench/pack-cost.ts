/**
 * bench pack-cost: what each rule file of the scan packs adds to a replay,
 * on the replay bench's 1,000,000-packet mixed capture. Each portscan file
 * is loaded with the pack's 00-pack.yaml (vars, lists, macros) alone; then
 * the whole pack, the scanlogd pack and both together. The time added is the
 * worker's wall time minus that of the same pipeline with a rule set that
 * never sees a packet (reading and decoding alone), measured in the same
 * run, interleaved, median of several runs, compiled dist/ build, one core.
 *
 *   node --import tsx bench/pack-cost.ts [--runs 3] [--no-write]
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOSTS, mixedCapture, WORKER } from './lib/replay-setup.ts';
import { writeSection } from './lib/results.ts';

const args = process.argv.slice(2);
const RUNS = (() => { const i = args.indexOf('--runs'); return i >= 0 ? Number(args[i + 1]) : 3; })();
const ROOT = join(import.meta.dirname, '..');
const PORTSCAN = join(ROOT, 'rules', 'portscan');
const SCANLOGD = join(ROOT, 'rules', 'scanlogd');
const SITE = join(import.meta.dirname, 'sec', 'site');

const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--strict'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) throw new Error('build failed');
const { file } = mixedCapture(1_000_000);
const tmp = mkdtempSync(join(tmpdir(), 'vigil-pack-cost-'));

/** A rules directory holding the pack's shared file and `files` of the pack. */
function packDir(name: string, files: readonly string[]): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const f of ['00-pack.yaml', ...files]) copyFileSync(join(PORTSCAN, f), join(dir, f));
  return dir;
}
const nothing = join(tmp, 'nothing');
mkdirSync(nothing);
writeFileSync(join(nothing, 'nothing.yaml'), 'rules:\n  - id: nothing\n    description: Never sees a packet.\n    on: [tick]\n    type: schedule\n    every: 1h\n');

const ruleFiles = readdirSync(PORTSCAN).filter((f) => f.endsWith('.yaml') && f !== '00-pack.yaml').sort();
const configs: { name: string; dirs: string[] }[] = [
  { name: 'reading and decoding alone', dirs: [nothing] },
  ...ruleFiles.map((f) => ({ name: `\`${f}\``, dirs: [packDir(f, [f]), SITE] })),
  { name: 'the whole portscan pack', dirs: [PORTSCAN, SITE] },
  { name: 'the scanlogd pack', dirs: [SCANLOGD] },
  { name: 'both packs', dirs: [PORTSCAN, SCANLOGD, SITE] },
];

function run(dirs: readonly string[]): { ms: number; cpuMs: number } {
  const r = spawnSync(process.execPath, [WORKER, file, JSON.stringify(HOSTS), ...dirs], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`worker failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout) as { ms: number; cpuMs: number };
  return { ms: j.ms, cpuMs: j.cpuMs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const loadAtStart = loadavg()[0];
const times = configs.map(() => [] as { ms: number; cpuMs: number }[]);
try {
  for (let r = 0; r < RUNS; r++) configs.forEach((c, i) => { times[i].push(run(c.dirs)); });
} finally { rmSync(tmp, { recursive: true, force: true }); }
const wall = times.map((t) => median(t.map((x) => x.ms)));
const cpu = times.map((t) => median(t.map((x) => x.cpuMs)));
const rows = configs.slice(1).map((c, k) => `| ${c.name} | ${(wall[k + 1] - wall[0]).toFixed(0)} ms | ${(cpu[k + 1] - cpu[0]).toFixed(0)} ms |`);
const section = [
  '<!-- bench:pack-cost -->',
  '## pack-cost — what each scan-pack rule file adds to a replay',
  '',
  'Command: `node --import tsx bench/pack-cost.ts` (also `npm run bench -- pack-cost`).',
  `Machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}; load average (1 min) at start ${loadAtStart.toFixed(1)}, at the end ${loadavg()[0].toFixed(1)}. Measured ${new Date().toISOString().slice(0, 10)}.`,
  `Workload: the replay bench's 1,000,000-packet mixed capture, through bench/lib/replay-worker.mjs (compiled build); each portscan file with 00-pack.yaml and bench/sec/site alone. Median of ${RUNS} runs, interleaved. Reading and decoding alone: ${wall[0].toFixed(0)} ms wall, ${cpu[0].toFixed(0)} ms CPU; the rows are time added to that.`,
  '',
  '| rules loaded | wall time added per million packets | CPU time added |',
  '| --- | ---: | ---: |',
  ...rows,
  '<!-- /bench:pack-cost -->',
].join('\n');
console.log(section);
if (!args.includes('--no-write')) writeSection('pack-cost', section);
