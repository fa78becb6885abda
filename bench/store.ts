// bench/store: the plugin key/value store (src/core/store/kv.ts) against the
// plain way, measured in the same run on the same database settings.
//   node --import tsx bench/store.ts [--no-write]
// Workload: 20 000 `set` calls spread over 2 000 keys (JSON values of ~40
// bytes), then a flush; and 200 000 `get` calls. Reference for writes: one
// autocommitted upsert per set (WAL, synchronous=NORMAL); for reads: one
// prepared SELECT per get. Median of 5 runs each.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/core/store/database.ts';
import { KvStore } from '../src/core/store/kv.ts';
import { markedSection, writeSection } from './lib/results.ts';

const RUNS = 5, SETS = 20_000, KEYS = 2_000, GETS = 200_000;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const value = (i: number) => ({ first: 1767225600000 + i, count: i % 97, tag: 'office' });

function timeKv(): { setMs: number; getMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-store-'));
  const db = openDatabase(dir);
  try {
    const kv = new KvStore(db, { flushMs: 3_600_000, maxPending: 1_000 });
    const s = kv.namespace('bench/kv');
    const t0 = performance.now();
    for (let i = 0; i < SETS; i++) s.set(`k${i % KEYS}`, value(i));
    kv.flush();
    const t1 = performance.now();
    let n = 0;
    for (let i = 0; i < GETS; i++) if (s.get(`k${i % KEYS}`) !== undefined) n++;
    const t2 = performance.now();
    if (n !== GETS) throw new Error('kv lost values');
    return { setMs: t1 - t0, getMs: t2 - t1 };
  } finally { db.close(); rmSync(dir, { recursive: true, force: true }); }
}

function timeReference(): { setMs: number; getMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-store-'));
  const db = openDatabase(dir);
  try {
    db.exec('CREATE TABLE ref (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (ns, key)) WITHOUT ROWID');
    const up = db.prepare('INSERT INTO ref (ns, key, value) VALUES (?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value');
    const sel = db.prepare('SELECT value FROM ref WHERE ns = ? AND key = ?');
    const t0 = performance.now();
    for (let i = 0; i < SETS; i++) up.run('bench/ref', `k${i % KEYS}`, JSON.stringify(value(i)));
    const t1 = performance.now();
    let n = 0;
    for (let i = 0; i < GETS; i++) {
      const row = sel.get('bench/ref', `k${i % KEYS}`) as { value: string } | undefined;
      if (row && JSON.parse(row.value) !== undefined) n++;
    }
    const t2 = performance.now();
    if (n !== GETS) throw new Error('reference lost values');
    return { setMs: t1 - t0, getMs: t2 - t1 };
  } finally { db.close(); rmSync(dir, { recursive: true, force: true }); }
}

const kv: Array<{ setMs: number; getMs: number }> = [];
const ref: Array<{ setMs: number; getMs: number }> = [];
for (let r = 0; r < RUNS; r++) { ref.push(timeReference()); kv.push(timeKv()); }
const kvSet = median(kv.map((x) => x.setMs)), refSet = median(ref.map((x) => x.setMs));
const kvGet = median(kv.map((x) => x.getMs)), refGet = median(ref.map((x) => x.getMs));
const perSec = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString('en-US');

const section = [
  '## store — plugin key/value store vs plain SQLite calls',
  '',
  'Command: `node --import tsx bench/store.ts` (also `npm run bench -- store`).',
  `Machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}.`,
  `Workload: ${SETS.toLocaleString('en-US')} sets over ${KEYS.toLocaleString('en-US')} keys then one flush, and ${GETS.toLocaleString('en-US')} gets; database in a temp dir, WAL, synchronous=NORMAL; median of ${RUNS} runs, reference and store alternating.`,
  'Reference: one autocommitted upsert per set, one prepared SELECT (+ JSON.parse) per get. Ratio = reference time ÷ store time (higher is better).',
  '',
  '| operation | reference | store (kv.ts) | ratio |',
  '| --- | --- | --- | --- |',
  `| set (batched, one transaction per 1 000) | ${refSet.toFixed(1)} ms (${perSec(SETS, refSet)}/s) | ${kvSet.toFixed(1)} ms (${perSec(SETS, kvSet)}/s) | ${(refSet / kvSet).toFixed(1)}× |`,
  `| get (from memory) | ${refGet.toFixed(1)} ms (${perSec(GETS, refGet)}/s) | ${kvGet.toFixed(1)} ms (${perSec(GETS, kvGet)}/s) | ${(refGet / kvGet).toFixed(1)}× |`,
  '',
].join('\n');
console.log(section);

if (!process.argv.includes('--no-write')) writeSection('store', markedSection('store', section));
