// bench/procnet: the cost of one socket-table poll of the procnet input.
//   node --import tsx bench/procnet.ts [--no-write]
// Workload: this process opens 1 000 loopback TCP connections (2 001
// sockets with the listener) and the table is polled 20 times per run.
// Reference: reading the same four /proc/net files without parsing, in the
// same run. Ratio = poll time ÷ read time (the parse-and-diff overhead; 1.0
// would be free). Median of 5 runs. Attribution (/proc/<pid>/fd) is measured
// once separately: it only runs for sockets not seen before.
import { readFile } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { parseNetTable, NET_TABLES } from '../src/core/procfs/net-table.ts';
import { ProcessAttributor } from '../src/core/procfs/processes.ts';
import { markedSection, writeSection } from './lib/results.ts';

const CONNS = 1_000, POLLS = 20, RUNS = 5;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = createServer((s) => accepted.push(s));
const accepted: Socket[] = [];
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;
const clients: Socket[] = [];
for (let i = 0; i < CONNS; i++) {
  const c = connect(port, '127.0.0.1');
  await new Promise<void>((r) => c.once('connect', () => r()));
  clients.push(c);
}

async function readOnly(): Promise<number> {
  let bytes = 0;
  for (const t of NET_TABLES) bytes += (await readFile(`/proc/net/${t}`, 'latin1')).length;
  return bytes;
}

let known = new Map<string, number>();
async function poll(): Promise<number> {
  const next = new Map<string, number>();
  let appeared = 0;
  for (const t of NET_TABLES) {
    for (const r of parseNetTable(t, await readFile(`/proc/net/${t}`, 'latin1')).rows) {
      const k = `${t} ${r.localIp} ${r.localPort} ${r.remoteIp ?? '-'} ${r.remotePort}`;
      if (!known.has(k)) appeared++;
      next.set(k, r.inode);
    }
  }
  known = next;
  return appeared;
}

const readMs: number[] = [], pollMs: number[] = [];
let rows = 0;
for (let run = 0; run < RUNS; run++) {
  let t0 = performance.now();
  for (let i = 0; i < POLLS; i++) await readOnly();
  readMs.push((performance.now() - t0) / POLLS);
  known = new Map();
  t0 = performance.now();
  for (let i = 0; i < POLLS; i++) await poll();
  pollMs.push((performance.now() - t0) / POLLS);
  rows = known.size;
}
const inodes = [...known.values()].filter((x) => x > 0);
const attributor = new ProcessAttributor();
const a0 = performance.now();
const attributed = attributor.resolve(inodes).size;
const attributeMs = performance.now() - a0;

for (const s of [...clients, ...accepted]) s.destroy();
server.close();

const r = median(readMs), p = median(pollMs);
const section = [
  '## procnet — one poll of the socket table',
  '',
  'Command: `node --import tsx bench/procnet.ts` (also `npm run bench -- procnet`).',
  `Machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}.`,
  `Workload: ${CONNS.toLocaleString('en-US')} loopback TCP connections opened by the bench (${rows.toLocaleString('en-US')} sockets in the tables during the run), ${POLLS} polls per run, median of ${RUNS} runs.`,
  'Reference: reading /proc/net/{tcp,tcp6,udp,udp6} without parsing, in the same run. Ratio = poll ÷ read.',
  '',
  '| step | time per poll | ratio to read |',
  '| --- | --- | --- |',
  `| read the four tables (reference) | ${r.toFixed(2)} ms | 1.0× |`,
  `| read + parse + diff (procnet's poll) | ${p.toFixed(2)} ms | ${(p / r).toFixed(1)}× |`,
  '',
  `Attribution of ${inodes.length.toLocaleString('en-US')} new socket inodes through /proc/<pid>/fd (one scan, done only for sockets not seen before): ${attributeMs.toFixed(1)} ms, ${attributed.toLocaleString('en-US')} attributed.`,
  '',
].join('\n');
console.log(section);

if (!process.argv.includes('--no-write')) writeSection('procnet', markedSection('procnet', section));
