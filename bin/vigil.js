#!/usr/bin/env node
// Entry point. Runs the compiled JavaScript in dist/ (built by `npm ci`
// through the `prepare` script, or by `npm run build`) when it is at least as
// new as every source file; otherwise runs the TypeScript sources through
// tsx, so an edited checkout never runs stale code. The compiled form starts
// faster and runs the hot path about a third faster than tsx's transform.
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { distIsFresh } from '../scripts/dist-fresh.mjs';

// V8 moves an allocation site to the old generation once most of what it
// allocates survives. A rule's per-key states do, while its table fills;
// then a flood of spoofed sources makes states that die a few hundred keys
// later, straight in the old generation, where only full collections free
// them: peak RSS nearly doubled (bench/RESULTS.md, spoof-memory). Without
// pretenuring they die young, at a scavenge's cost. Set before any vigil code
// runs, so every way of starting vigil (npm start, the `vigil` bin, the
// systemd unit) gets it.
setFlagsFromString('--no-allocation-site-pretenuring');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'main.js');
const source = join(root, 'src', 'cli', 'main.ts');

if (process.env.VIGIL_FROM_SOURCE !== '1' && distIsFresh(root)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
}
