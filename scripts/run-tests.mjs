// Runs every test file under test/ with Node's own test runner (via tsx).
// Node 20 has no glob support in --test, so the files are listed here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const only = process.argv.slice(2);
const files = [];
const walk = (d) => {
  for (const n of readdirSync(d).sort()) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) { if (n !== 'fixtures') walk(p); }
    else if (n.endsWith('.test.ts')) files.push(p);
  }
};
walk('test');
const chosen = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
// An empty list would make node --test discover files on its own, helper scripts included.
if (chosen.length === 0) {
  console.error(`run-tests: no test file under test/ matches ${only.map((o) => JSON.stringify(o)).join(' or ')}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...chosen], { stdio: 'inherit' });
process.exit(r.status ?? 1);
