#!/usr/bin/env node
// Entry point. Runs the compiled JavaScript in dist/ (built by `npm ci`
// through the `prepare` script, or by `npm run build`) when it is at least as
// new as every source file; otherwise runs the TypeScript sources through
// tsx, so an edited checkout never runs stale code. The compiled form starts
// faster and runs the hot path about a third faster than tsx's transform.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

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

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const t = e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

function builtIsFresh() {
  if (!existsSync(built)) return false;
  if (!existsSync(source)) return true;
  const stamp = join(root, 'dist', '.build-stamp');
  if (!existsSync(stamp)) return false;
  return statSync(stamp).mtimeMs >= newestMtime(join(root, 'src'));
}

if (process.env.VIGIL_FROM_SOURCE !== '1' && builtIsFresh()) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
}
