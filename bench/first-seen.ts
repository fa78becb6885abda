/**
 * bench first-seen: the "once per address" memory under a flood of new
 * addresses. One first_seen rule keyed on `src.ip` with a cap of 50,000
 * keys, fed 1,000,000 SYNs: 70 % from 5,000 returning clients, 30 % from
 * distinct spoofed sources (300,000 new keys, so the cap evicts), 1 ms of
 * event time apart. The engine with its SQLite memory (a real database file
 * in a temp dir, WAL, batched writes, bounded on disk) against the same
 * engine with the in-memory memory, measured in the same run, alternating.
 *
 *   node --import tsx bench/first-seen.ts [--events N] [--runs N] [--no-write]
 *
 * Also reported: the rows and file size left on disk (the cap must hold
 * there too) and whether a restart on the same file remembers the clients.
 */
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir, cpus, totalmem, loadavg } from 'node:os';
import { join } from 'node:path';
import { EventClock } from '../src/core/clock.ts';
import { emptyHostFacts } from '../src/core/host.ts';
import { Engine } from '../src/core/engine/engine.ts';
import { InMemoryKeyMemory } from '../src/core/engine/memory.ts';
import { SqliteKeyMemory } from '../src/core/engine/memory-sqlite.ts';
import type { KeyMemory } from '../src/core/engine/types/api.ts';
import { loadRulesetFromText } from '../src/core/rules/load.ts';
import { formatDiagnostic } from '../src/core/rules/diagnostics.ts';
import { newPacketParts } from '../src/core/decode/packet-event.ts';
import { Rng } from './lib/rng.ts';
import { writeSection } from './lib/results.ts';

const args = process.argv.slice(2);
const opt = (name: string, d: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : d; };
const EVENTS = opt('events', 1_000_000);
const RUNS = opt('runs', 5);
const CLIENTS = 5_000;
const MAX_KEYS = 50_000;
const SPOOF_SHARE = 0.3;
const BASE_TS = 1_767_225_600_000;

const RULES = `rules:
  - id: new-source
    description: A source seen for the first time.
    on: [packet]
    when: tcp.flags.syn && !tcp.flags.ack
    type: first_seen
    key: [src.ip]
    max_keys: ${MAX_KEYS}
    forget_after: 7d
`;

const addr = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/** Source of each event, fixed by the seed: returning clients and, among them, one-off spoofed addresses. */
function sources(): string[] {
  const rng = new Rng(11);
  const out: string[] = new Array(EVENTS);
  let spoofed = 0;
  for (let i = 0; i < EVENTS; i++) out[i] = rng.chance(SPOOF_SHARE) ? addr(100_000 + spoofed++) : addr(1 + rng.int(CLIENTS));
  return out;
}

interface Run { cpuMs: number; hits: number; evictions: number }

function run(memory: KeyMemory, srcs: readonly string[], startTs = BASE_TS): Run {
  let hits = 0;
  const engine = new Engine({ clock: new EventClock(0), sink: () => { hits++; }, host: emptyHostFacts(), memory });
  const loaded = loadRulesetFromText([{ path: 'bench.yaml', text: RULES }], { runtime: engine.helpers });
  if (!loaded.ruleset) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
  engine.load(loaded.ruleset);
  const p = newPacketParts('bench');
  const ev = p.ev;
  ev.proto = 'tcp'; ev.tcp = p.tcp; p.tcp.flags.syn = true; p.tcp.flags.str = 'S'; p.tcp.flags.byte = 2;
  ev.dst.ip = '10.77.0.1'; ev.dst.port = 22; ev.src.port = 40000;
  const c0 = process.cpuUsage();
  for (let i = 0; i < srcs.length; i++) {
    ev.src.ip = srcs[i];
    ev.ts = startTs + i;
    engine.feed(ev);
  }
  const evictions = engine.stats().evictions;
  engine.close(); // flushes the memory's last batch, which the time includes
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, hits, evictions };
}

const dirSize = (dir: string) => readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const srcs = sources();
const loadAtStart = loadavg()[0];
const mem: Run[] = [], sql: Run[] = [];
let rows = 0, bytes = 0, remembered = false;
for (let r = 0; r < RUNS; r++) {
  mem.push(run(new InMemoryKeyMemory(), srcs));
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-first-seen-'));
  try {
    const file = join(dir, 'vigil.db');
    sql.push(run(new SqliteKeyMemory(file), srcs));
    const check = new SqliteKeyMemory(file);
    rows = (check.db.prepare('SELECT count(*) AS n FROM vigil_first_seen').get() as { n: number }).n;
    check.close();
    bytes = dirSize(dir);
    // A restart on the same file, fed the clients again a minute later: none of them is new.
    const clients = Array.from({ length: CLIENTS }, (_, i) => addr(1 + i));
    const restart = run(new SqliteKeyMemory(file), clients, BASE_TS + EVENTS + 60_000);
    remembered = restart.hits === 0;
  } finally { rmSync(dir, { recursive: true, force: true }); }
  console.log(`run ${r + 1}: in-memory ${mem[r].cpuMs.toFixed(0)} ms CPU, SQLite ${sql[r].cpuMs.toFixed(0)} ms CPU; ${sql[r].hits} hits, ${sql[r].evictions} evictions, ${rows} rows, ${(bytes / 1e6).toFixed(1)} MB`);
}

const rate = (ms: number) => EVENTS / (ms / 1000);
const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`);
const memMs = median(mem.map((x) => x.cpuMs)), sqlMs = median(sql.map((x) => x.cpuMs));
const same = sql.every((x, i) => x.hits === mem[i].hits);
const section = [
  '<!-- bench:first-seen -->',
  '## first-seen — the once-per-address memory under a flood of new addresses',
  '',
  'Command: `node --import tsx bench/first-seen.ts` (also `npm run bench -- first-seen`).',
  `Machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average (1 min) at start ${loadAtStart.toFixed(1)}. Measured ${new Date().toISOString().slice(0, 10)}.`,
  `Workload: one \`first_seen\` rule keyed on \`src.ip\` (max_keys ${MAX_KEYS.toLocaleString('en-US')}, forget_after 7d), ${EVENTS.toLocaleString('en-US')} SYN events 1 ms apart: ${(100 * (1 - SPOOF_SHARE)).toFixed(0)} % from ${CLIENTS.toLocaleString('en-US')} returning clients, ${(100 * SPOOF_SHARE).toFixed(0)} % from distinct spoofed addresses (seed 11).`,
  'SQLite: the engine\'s SqliteKeyMemory on a real database file in a temp dir (WAL, synchronous=NORMAL, batched writes, the cap enforced on disk), the close (last batch written) included. Reference in the same run: the same engine with InMemoryKeyMemory. Median of ' + RUNS + ' runs, alternating, CPU time (user + system).',
  '',
  '| memory | CPU | events / CPU s | hits | evictions |',
  '| --- | ---: | ---: | ---: | ---: |',
  `| in-memory (reference) | ${memMs.toFixed(0)} ms | ${fmt(rate(memMs))} | ${mem[0].hits.toLocaleString('en-US')} | ${mem[0].evictions.toLocaleString('en-US')} |`,
  `| SQLite file | ${sqlMs.toFixed(0)} ms | ${fmt(rate(sqlMs))} | ${sql[0].hits.toLocaleString('en-US')} | ${sql[0].evictions.toLocaleString('en-US')} |`,
  '',
  `SQLite ÷ in-memory CPU: ${(sqlMs / memMs).toFixed(2)}×. Same hits in every run: ${same ? 'yes' : '**no**'}. Left on disk: ${rows.toLocaleString('en-US')} rows (cap ${MAX_KEYS.toLocaleString('en-US')}), ${(bytes / 1e6).toFixed(1)} MB with the WAL. A restart on that file, fed the ${CLIENTS.toLocaleString('en-US')} clients again: ${remembered ? 'none reported again' : '**some reported again**'}.`,
  '<!-- /bench:first-seen -->',
].join('\n');
console.log(section);
if (!args.includes('--no-write')) writeSection('first-seen', section);
