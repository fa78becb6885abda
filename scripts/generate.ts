// Regenerates every derived file. `npm run gen` writes; `--check` fails on drift.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { renderEventType } from './gen-event-type.ts';
import { docTargets } from './gen-docs.ts';

// A static import: a generator that fails to load must fail the check, not skip it.
const targets: Array<[string, () => string]> = [
  ['src/core/event.generated.ts', renderEventType],
  ...docTargets(),
];

const check = process.argv.includes('--check');
let drift = 0;
for (const [path, render] of targets) {
  const want = render();
  const have = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (want === have) continue;
  if (check) { console.error(`${path} is out of date: run \`npm run gen\``); drift++; }
  else { writeFileSync(path, want); console.log(`wrote ${path}`); }
}
process.exit(drift ? 1 : 0);
