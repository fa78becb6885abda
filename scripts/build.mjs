// `npm run build` and npm's `prepare` (run by `npm ci`): compile src/ to
// dist/ and stamp it. The stamp is written before compiling starts, so a
// source file saved during the build counts as newer and bin/vigil.js falls
// back to the sources. A failed build removes dist/ rather than leaving a
// half-built tree: vigil then runs from source through tsx.
import { spawnSync } from 'node:child_process';
import { rmSync, mkdirSync, writeFileSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc;
try { tsc = require.resolve('typescript/bin/tsc'); } catch {
  console.warn('vigil build: typescript is not installed (production install?); vigil will run from source through tsx');
  process.exit(0);
}
const started = new Date();
rmSync('dist', { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (r.status !== 0) {
  rmSync('dist', { recursive: true, force: true });
  console.error('vigil build: tsc failed; dist/ removed, vigil runs from source through tsx');
  process.exit(process.argv.includes('--strict') ? 1 : 0);
}
mkdirSync('dist', { recursive: true });
writeFileSync('dist/.build-stamp', `${started.toISOString()}\n`);
utimesSync('dist/.build-stamp', started, started);
