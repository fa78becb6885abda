// `npm run bench [name…]`: runs the named benchmarks (default: all), each in
// its own process so one bench's heap never colours another's figures. Each
// bench writes its own section of bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const ALL = ['decode', 'fuzz-decode', 'expr', 'engine', 'engine-floor', 'spoof-memory', 'reload', 'replay', 'replay-floor', 'pack-cost', 'first-seen', 'store', 'procnet', 'soak'];
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
let failed = 0;
for (const name of chosen) {
  const file = `bench/${name}.ts`;
  if (!existsSync(file)) { console.error(`bench ${name}: ${file} does not exist (known: ${ALL.join(', ')})`); failed++; continue; }
  console.log(`\n=== bench ${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file], { stdio: 'inherit' });
  if (r.status !== 0) { console.error(`bench ${name} failed (exit ${r.status})`); failed++; }
}
process.exit(failed ? 1 : 0);
